#!/usr/bin/python3
"""Writes the bench's text detector: a small DB-style (Differentiable Binarization) detector, the kind of model the
calibration-memory report of issue 13 was about (a 4.7 MB text detector, 320x320 inputs).

    /usr/bin/python3 tests/org.quantrace.bench/make_detector.py OUT.onnx [IMAGES.npy COUNT]

Architecture: a ResNet-style backbone (stride 2 stem, four stages at 1/4 .. 1/32, BatchNorm + ReLU), an FPN neck
(lateral 1x1 convs, nearest upsampling, 3x3 smoothing convs, the four levels upsampled to 1/4 and concatenated), and
DB's heads: probability and threshold maps at full resolution through two stride-2 ConvTranspose each, Sigmoid. About
1.2 M parameters (4.7 MB as float32), exported by torch 1.13 at opset 13 in eval mode, input [N, 3, 320, 320].
The weights are seeded random, not trained: calibration memory and time depend on the activations' shapes, not on
what the network has learned. With IMAGES.npy it also writes COUNT seeded random images in [0, 1] (float32).
Requirements (Debian 12): python3-torch (1.13), python3-numpy.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        s = x if self.short is None else self.short(x)
        return F.relu(self.b(self.a(x)) + s)


class Detector(nn.Module):
    def __init__(self, widths=(24, 48, 96, 144), neck=64):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 3, 2), conv_bn(16, widths[0], 3, 2))  # 1/4
        stages, cin = [], widths[0]
        for i, w in enumerate(widths):
            stages.append(nn.Sequential(Basic(cin, w, 1 if i == 0 else 2), Basic(w, w, 1)))
            cin = w
        self.stages = nn.ModuleList(stages)
        self.lateral = nn.ModuleList([nn.Conv2d(w, neck, 1) for w in widths])
        self.smooth = nn.ModuleList([conv_bn(neck, neck // 4) for _ in widths])
        self.prob = self.head(neck)
        self.thresh = self.head(neck)

    @staticmethod
    def head(c):
        return nn.Sequential(conv_bn(c, c // 4), nn.ConvTranspose2d(c // 4, c // 4, 2, 2), nn.BatchNorm2d(c // 4), nn.ReLU(inplace=True),
                             nn.ConvTranspose2d(c // 4, 1, 2, 2), nn.Sigmoid())

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        lat = [l(f) for l, f in zip(self.lateral, feats)]
        for i in range(len(lat) - 2, -1, -1):  # top-down pathway
            lat[i] = lat[i] + F.interpolate(lat[i + 1], scale_factor=2.0, mode="nearest")
        outs = [F.interpolate(s(l), scale_factor=float(2 ** i), mode="nearest") if i else s(l)
                for i, (s, l) in enumerate(zip(self.smooth, lat))]
        fuse = torch.cat(outs, dim=1)  # 1/4 resolution, `neck` channels
        return torch.cat([self.prob(fuse), self.thresh(fuse)], dim=1)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    m = Detector().eval()
    for mod in m.modules():  # statistics as training leaves them
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
    params = sum(p.numel() for p in m.parameters())
    torch.onnx.export(m, torch.rand(1, 3, 320, 320), sys.argv[1], opset_version=13, input_names=["image"], output_names=["maps"],
                      dynamic_axes={"image": {0: "N"}, "maps": {0: "N"}})
    print(f"{sys.argv[1]}: {params:,} parameters")
    if len(sys.argv) > 3:
        rng = np.random.default_rng(0)
        np.save(sys.argv[2], rng.random((int(sys.argv[3]), 3, 320, 320), dtype=np.float32))


if __name__ == "__main__":
    main()
