#!/usr/bin/env python3
"""A small bidirectional LSTM (evidence16): the zoo's recurrent classifier (make_zoo.py's RecurrentClassifier, the 28 pixel
rows of a Fashion-MNIST image as 28 time steps) with nn.LSTM(28, 32, bidirectional=True), the last step's two states -> Linear.
Trained as the zoo's lstm (make_zoo.train: Adam, one-cycle, 3 epochs of 10000 training images, seed 0), exported at opset 13:
one ONNX LSTM with direction="bidirectional", W [2, 128, 28], R [2, 128, 32]. Written to bilstm.onnx beside this script
(BILSTM_OUT=DIR elsewhere). Run: /usr/bin/python3 tests/data/bilstm/make_bilstm.py"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "zoo"))
import make_zoo  # noqa: E402  (data, training and export of the zoo)


class BidirectionalClassifier(nn.Module):
    def __init__(self, hidden=32, classes=10):
        super().__init__()
        self.rnn = nn.LSTM(28, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x.reshape(-1, 28, 28))
        return self.fc(out[:, -1])


def main():
    spec = dict(epochs=3, samples=10000, lr=3e-3, opset=13)
    make_zoo.seed_everything(0)
    data = make_zoo.Data()
    model = BidirectionalClassifier()
    make_zoo.train(model, spec, data, 0)
    print(f"test accuracy {make_zoo.accuracy(model, data, False):.4f}")
    out = os.path.join(os.environ.get("BILSTM_OUT") or HERE, "bilstm.onnx")
    make_zoo.export("bilstm", model, spec, out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
