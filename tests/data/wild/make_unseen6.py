#!/usr/bin/python3
"""Architectures no round was built for, tried last as unseen models (lead, 2026-12-03, evening):
- effnet: EfficientNet-style MBConv blocks (SiLU as x*sigmoid(x), squeeze-excitation with SiLU and Sigmoid, depthwise 3x3 and
  5x5, stride 2, residuals), opset 13
- densenet: DenseNet blocks (BN-ReLU-Conv 1x1 - BN-ReLU-Conv 3x3, features concatenated, transition with AvgPool 2x2), opset 12
- mixer: MLP-Mixer (patch embedding, token-mixing MLP over the transposed patches, channel MLP, LayerNorm, GELU tanh), opset 17
    /usr/bin/python3 tests/data/wild/make_unseen6.py [NAME...]  -> NAME.onnx in $WILD_OUT (default /tmp/wild)"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, train, export

class SiLU(nn.Module):
    def forward(s, x): return x * torch.sigmoid(x)

class MBConv(nn.Module):
    def __init__(s, cin, cout, k, stride, e):
        super().__init__(); h = cin * e
        s.expand = nn.Sequential(nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h), SiLU())
        s.dw = nn.Sequential(nn.Conv2d(h, h, k, stride, k // 2, groups=h, bias=False), nn.BatchNorm2d(h), SiLU())
        s.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(h, max(4, cin // 4), 1), SiLU(), nn.Conv2d(max(4, cin // 4), h, 1), nn.Sigmoid())
        s.proj = nn.Sequential(nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.res = stride == 1 and cin == cout
    def forward(s, x):
        y = s.dw(s.expand(x)); y = y * s.se(y); y = s.proj(y)
        return y + x if s.res else y

class EffNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), SiLU())
        s.blocks = nn.Sequential(MBConv(16, 16, 3, 1, 1), MBConv(16, 24, 3, 2, 4), MBConv(24, 24, 5, 1, 4), MBConv(24, 40, 5, 2, 4),
                                 MBConv(40, 40, 3, 1, 4))
        s.head = nn.Sequential(nn.Conv2d(40, 96, 1, bias=False), nn.BatchNorm2d(96), SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                               nn.Dropout(0.2), nn.Linear(96, 10))
    def forward(s, x): return s.head(s.blocks(s.stem(x)))

class DenseLayer(nn.Module):
    def __init__(s, cin, g):
        super().__init__()
        s.f = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, 4 * g, 1, bias=False), nn.BatchNorm2d(4 * g), nn.ReLU(),
                            nn.Conv2d(4 * g, g, 3, padding=1, bias=False))
    def forward(s, x): return torch.cat([x, s.f(x)], 1)

class DenseNet(nn.Module):
    def __init__(s, g=8):
        super().__init__()
        layers = [nn.Conv2d(1, 16, 3, padding=1, bias=False)]; c = 16
        for b in range(2):
            for _ in range(3): layers.append(DenseLayer(c, g)); c += g
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2)]; c //= 2
        layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)]
        s.f = nn.Sequential(*layers)
    def forward(s, x): return s.f(x)

class MixerBlock(nn.Module):
    def __init__(s, n, d):
        super().__init__()
        s.n1 = nn.LayerNorm(d); s.tok = nn.Sequential(nn.Linear(n, 2 * n), nn.GELU(approximate="tanh"), nn.Linear(2 * n, n))
        s.n2 = nn.LayerNorm(d); s.ch = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(approximate="tanh"), nn.Linear(2 * d, d))
    def forward(s, x):
        x = x + s.tok(s.n1(x).transpose(1, 2)).transpose(1, 2)
        return x + s.ch(s.n2(x))

class Mixer(nn.Module):
    def __init__(s, p=4, d=48, depth=3):
        super().__init__(); n = (28 // p) ** 2
        s.embed = nn.Conv2d(1, d, p, p); s.blocks = nn.Sequential(*[MixerBlock(n, d) for _ in range(depth)])
        s.norm = nn.LayerNorm(d); s.cls = nn.Linear(d, 10)
    def forward(s, x):
        x = s.embed(x).flatten(2).transpose(1, 2)
        return s.cls(s.norm(s.blocks(x)).mean(1))

MODELS = {"effnet": (EffNet, 13), "densenet": (DenseNet, 12), "mixer": (Mixer, 17)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data()
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, opset = MODELS[name]; m = cls()
        print(name, flush=True); train(m, d, steps=500); export(m, name, opset=opset)
