#!/usr/bin/python3
"""An architecture no round was built for, tried last as an unseen model (lead, 2026-12-03): ConvMixer (patch embedding
Conv 2x2 stride 2, GELU, BatchNorm; four blocks of a depthwise 7x7 'same' Conv, GELU, BatchNorm in a residual, then a
pointwise Conv, GELU, BatchNorm) with a Linear/PReLU/Dropout/Linear/LeakyReLU head, 500 steps, exported at opset 14.
    /usr/bin/python3 tests/data/wild/make_convmixer.py   -> convmixer.onnx in $WILD_OUT (default /tmp/wild)"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn
from make_wild import data, train, export

class Residual(nn.Module):
    def __init__(s, f): super().__init__(); s.f = f
    def forward(s, x): return s.f(x) + x

class ConvMixer(nn.Module):
    def __init__(s, dim=48, depth=4, k=7, p=2):
        super().__init__()
        s.embed = nn.Sequential(nn.Conv2d(1, dim, p, p), nn.GELU(), nn.BatchNorm2d(dim))
        s.blocks = nn.Sequential(*[nn.Sequential(Residual(nn.Sequential(nn.Conv2d(dim, dim, k, groups=dim, padding=k // 2), nn.GELU(),
                nn.BatchNorm2d(dim))), nn.Conv2d(dim, dim, 1), nn.GELU(), nn.BatchNorm2d(dim)) for _ in range(depth)])
        s.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(dim, 32), nn.PReLU(), nn.Dropout(0.1), nn.Linear(32, 10),
                nn.LeakyReLU(0.01))
    def forward(s, x): return s.head(s.blocks(s.embed(x)))

if __name__ == "__main__":
    torch.manual_seed(0); torch.set_num_threads(1)
    m = ConvMixer()
    train(m, data(), steps=500)
    export(m, "convmixer", opset=14)
