#!/usr/bin/python3
"""A small attention CNN whose conversion does what the example CNN's does not (branch assessor15, 2026-12-06; issue 13's logs
read as an assessor): a Reshape whose target torch computes at run time from x.size(0) (Shape -> Gather -> Unsqueeze -> Concat),
made constant in place; keys Softmax over the 49 positions and two Einsums that are matrix products (rewritten as Transpose +
MatMul: the conversion adds nodes); a BatchNorm after a Reshape, which no layer precedes (made a per-channel Mul and Add, not
folded); a mean over H and W (ReduceMean, fused into GlobalAveragePool + Flatten). Trained by round 27's procedure.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_assessor15.py  -> attn15.onnx, attn15.pt, attn15.json in DIR
The test copy is tests/data/wild/assessor15/attn15.onnx (runner.tests AssessorWildLogTest)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn
from make_unseen27 import train_and_export

class Attn15(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.q, self.k = nn.Conv2d(16, 16, 1), nn.Conv2d(16, 16, 1)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        h = self.stem(x); b = x.size(0)
        q = self.q(h).view(b, 16, 49)
        k = self.k(h).view(b, 16, 49).softmax(-1)
        att = torch.einsum('bkm,bvm->bkv', k, q)
        y = torch.einsum('bkv,bkm->bvm', att, q).reshape(b, 16, 7, 7)
        return self.fc((torch.relu(self.bn(y)) + h).mean((2, 3)))

if __name__ == "__main__":
    train_and_export({"attn15": (Attn15, 13, {})}, int(os.environ.get("STEPS", 300)), "tests/data/wild/make_assessor15.py", ["attn15"])
