#!/usr/bin/python3
"""Builds Quantrace's bundled example from public data, reproducibly.

Trains a small CNN (with BatchNorm and Dropout) on Fashion-MNIST, exports it to ONNX twice:
  model/fashion_cnn_trained.onnx  training-mode export: BatchNormalization and Dropout nodes present,
                                  as a trained model comes out of the training phase (the recipe
                                  converts it into a frozen inference model);
  model/fashion_cnn.onnx          eval-mode export of the same weights (BatchNorm folded, no Dropout),
                                  the reference the frozen model must match;
writes image folders in the ImageNet folder format with a label map:
  data/calibration/<class>/<index>.png  300 training images, the first 30 of each class in file order
  data/evaluation/<class>/<index>.png   1000 test images, the first 100 of each class in file order
  data/labels.json
and records every figure in provenance.json (README.md explains them).

Requirements (Debian 12): python3-torch python3-onnx python3-pil python3-numpy dataset-fashion-mnist.
Run: /usr/bin/python3 make_example.py   (about a minute on 2 cores)
"""
import gzip
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import PIL
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = "/usr/share/datasets/fashion-mnist"
CLASSES = ["tshirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]
EPOCHS, BATCH, LR, SEED = 3, 128, 1e-3, 0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def read_idx(name):
    with gzip.open(os.path.join(SOURCE, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.Dropout(0.25), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        pred = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((pred.numpy() == labels).mean())


def write_folder(folder, images, labels, indices):
    for i in indices:
        d = os.path.join(HERE, "data", folder, CLASSES[labels[i]])
        os.makedirs(d, exist_ok=True)
        Image.fromarray(images[i], mode="L").save(os.path.join(d, "%05d.png" % i))


def first_per_class(labels, n):
    chosen, counts = [], [0] * 10
    for i, y in enumerate(labels):
        if counts[y] < n:
            chosen.append(i)
            counts[y] += 1
    return chosen


def read_folder(folder):
    xs, ys = [], []
    for c, name in enumerate(CLASSES):
        d = os.path.join(HERE, "data", folder, name)
        for f in sorted(os.listdir(d)):
            xs.append(np.array(Image.open(os.path.join(d, f))))
            ys.append(c)
    return np.stack(xs), np.array(ys)


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(2)
    train_x, train_y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    test_x, test_y = read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz")

    model = FashionCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    x_all = torch.from_numpy(train_x.astype(np.float32) / 255.0).unsqueeze(1)
    y_all = torch.from_numpy(train_y.astype(np.int64))
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(SEED + epoch))
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x_all[idx]), y_all[idx])
            loss.backward()
            optimizer.step()
        print("epoch %d: loss %.4f, test accuracy %.4f" % (epoch + 1, loss.item(), accuracy(model, test_x, test_y)), file=sys.stderr)
    train_seconds = time.time() - start

    os.makedirs(os.path.join(HERE, "model"), exist_ok=True)
    dummy = torch.zeros(1, 1, 28, 28)
    axes = {"input": {0: "N"}, "logits": {0: "N"}}
    trained = os.path.join(HERE, "model", "fashion_cnn_trained.onnx")
    frozen_ref = os.path.join(HERE, "model", "fashion_cnn.onnx")
    # Training-mode export: tracing in train mode updates the BatchNorm running statistics once, so
    # export a copy and keep the trained statistics in the file (they are what inference must use).
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    torch.onnx.export(model, dummy, trained, input_names=["input"], output_names=["logits"], dynamic_axes=axes,
                      opset_version=13, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    model.load_state_dict(state)
    m = onnx.load(trained)
    for init in m.graph.initializer:
        for key, value in state.items():
            if init.name == key and init.name.endswith(("running_mean", "running_var")):
                init.CopyFrom(onnx.numpy_helper.from_array(value.numpy(), init.name))
    onnx.save(m, trained)
    model.eval()
    torch.onnx.export(model, dummy, frozen_ref, input_names=["input"], output_names=["logits"], dynamic_axes=axes,
                      opset_version=13, do_constant_folding=True)
    for f in (trained, frozen_ref):
        onnx.checker.check_model(onnx.load(f), full_check=True)

    write_folder("calibration", train_x, train_y, first_per_class(train_y, 30))
    write_folder("evaluation", test_x, test_y, first_per_class(test_y, 100))
    with open(os.path.join(HERE, "data", "labels.json"), "w") as f:
        json.dump({name: i for i, name in enumerate(CLASSES)}, f)
        f.write("\n")

    cal_x, cal_y = read_folder("calibration")
    ev_x, ev_y = read_folder("evaluation")
    files = {}
    for root, _, names in os.walk(HERE):
        for n in sorted(names):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, HERE)
            if rel.startswith(("model" + os.sep, "data" + os.sep)) and not rel.startswith(os.path.join("data", "calibration")) \
                    and not rel.startswith(os.path.join("data", "evaluation")):
                files[rel] = sha256(p)
    provenance = {
        "data": {"source": "Fashion-MNIST (MIT license), Debian package dataset-fashion-mnist",
                 "files": {n: sha256(os.path.join(SOURCE, n)) for n in sorted(os.listdir(SOURCE))}},
        "training": {"architecture": "Conv(1->16,3x3,pad1)-BN-ReLU-MaxPool2, Conv(16->32,3x3,pad1)-BN-ReLU-MaxPool2, "
                                     "Flatten, Linear(1568->64)-Dropout(0.25)-ReLU, Linear(64->10)",
                     "parameters": sum(p.numel() for p in model.parameters()),
                     "epochs": EPOCHS, "batch": BATCH, "optimizer": "Adam", "learning_rate": LR, "seed": SEED,
                     "input": "float32 [N,1,28,28], pixel/255, no normalization", "seconds": round(train_seconds, 1)},
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__, "pillow": PIL.__version__},
        "accuracy_torch_eval": {"test_10k": accuracy(model, test_x, test_y),
                                "data/evaluation (1000 PNG)": accuracy(model, ev_x, ev_y),
                                "data/calibration (300 PNG)": accuracy(model, cal_x, cal_y)},
        "sha256": files,
    }
    with open(os.path.join(HERE, "provenance.json"), "w") as f:
        json.dump(provenance, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(provenance["accuracy_torch_eval"], indent=2))


if __name__ == "__main__":
    main()
