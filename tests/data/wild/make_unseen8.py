#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen8, 2026-12-04 morning):
- mbv3h: MobileNetV3 blocks with nn.Hardswish / nn.Hardsigmoid exported at opset 14, where they are the HardSwish and
  HardSigmoid ops themselves (the zoo's MobileNetV3 is opset 11: HardSigmoid + Mul), 5x5 depthwise stride 2, SE,
  dynamic batch, height and width
- crnn: a convolutional front end (MaxPool (2, 1) keeping the width), the columns read as a sequence of 28 steps by a
  bidirectional GRU, additive attention pooling (Linear, Tanh, Linear, Softmax over time, Mul + ReduceSum); opset 13
- shufflev1: ShuffleNet v1 units: grouped 1x1 Convs (groups 4) with the channel shuffle between them (Reshape,
  Transpose, Reshape), depthwise 3x3, the stride-2 unit concatenating an AvgPool 3x3/2 shortcut; opset 12
- convnext: ConvNeXt blocks: 7x7 depthwise, LayerNorm over channels by permuting to NHWC (LayerNormalization at
  opset 17), the pointwise MLP as MatMuls on a rank-4 NHWC tensor, GELU (Erf), a layer scale Mul, permute back,
  residual; the stem and the downsampling LayerNorm "channels_first" spelled as the official code does
  (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add); opset 17
- gatedmix: Split into three unequal parts (3 outputs), a leaky gate spelled torch.where(x > 0, x, 0.2 x) (Greater,
  Where), Min of two activations, RMSNorm over channels (Pow, ReduceMean, Add, Sqrt, Div, Mul), and a cosine classifier
  on F.normalize'd embeddings (ReduceL2, Clip, Expand, Div, a Gemm on the normalized weights times 10); opset 13
- repvgg_script: RepVGG blocks in their training form (3x3 Conv+BN, 1x1 Conv+BN and an identity BN summed), the
  model torch.jit.script'ed, with a data-dependent resize `if x.size(-1) != 28` (an If node on the input's shape), dynamic
  batch, height and width; opset 13
    /usr/bin/python3 tests/data/wild/make_unseen8.py [NAME...]  -> NAME.onnx in $WILD_OUT (default /tmp/wild)"""
import os, sys
from typing import List
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, train, OUT

def export8(m, name, opset, dyn=None, **kw):
    p = os.path.join(OUT, name + ".onnx")
    dyn = dyn or {"input": {0: "N"}, "logits": {0: "N"}}
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes=dyn, **kw)
    onnx.checker.check_model(onnx.load(p))
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

DYN_HW = {"input": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}}

class SEh(nn.Module):
    def __init__(s, c, r=4):
        super().__init__(); s.a = nn.Conv2d(c, c // r, 1); s.b = nn.Conv2d(c // r, c, 1); s.g = nn.Hardsigmoid()
    def forward(s, x): return x * s.g(s.b(F.relu(s.a(F.adaptive_avg_pool2d(x, 1)))))

class MBv3(nn.Module):
    def __init__(s, cin, h, cout, k, stride, se):
        super().__init__(); s.res = stride == 1 and cin == cout
        s.f = nn.Sequential(nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h), nn.Hardswish(),
                            nn.Conv2d(h, h, k, stride, k // 2, groups=h, bias=False), nn.BatchNorm2d(h), nn.Hardswish(),
                            SEh(h) if se else nn.Identity(), nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x): return x + s.f(x) if s.res else s.f(x)

class MBv3H(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        s.b = nn.Sequential(MBv3(16, 48, 24, 3, 2, False), MBv3(24, 72, 24, 3, 1, True), MBv3(24, 96, 40, 5, 2, True),
                            MBv3(40, 120, 40, 5, 1, True))
        s.head = nn.Sequential(nn.Conv2d(40, 128, 1), nn.Hardswish()); s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(s.head(F.adaptive_avg_pool2d(s.b(s.stem(x)), 1)), 1))

class CRNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.cnn = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d((2, 1)),
                              nn.Conv2d(16, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1)))
        s.rnn = nn.GRU(32 * 7, 48, batch_first=True, bidirectional=True)
        s.att = nn.Sequential(nn.Linear(96, 32), nn.Tanh(), nn.Linear(32, 1)); s.fc = nn.Linear(96, 10)
    def forward(s, x):
        f = s.cnn(x)                                   # [N, 32, 7, 28]
        seq = f.permute(0, 3, 1, 2).flatten(2)         # [N, 28, 224]: the columns as time steps
        h, _ = s.rnn(seq)                              # [N, 28, 96]
        a = torch.softmax(s.att(h), 1)                 # [N, 28, 1]
        return s.fc((a * h).sum(1))

def shuffle(x, g: int):
    n, c, hh, w = x.shape
    return x.reshape(n, g, c // g, hh, w).transpose(1, 2).reshape(n, c, hh, w)

class ShuffleV1Unit(nn.Module):
    def __init__(s, cin, cout, stride, g=4):
        super().__init__(); s.stride = stride; s.g = g; mid = cout // 4
        out = cout - cin if stride == 2 else cout
        s.g1 = nn.Sequential(nn.Conv2d(cin, mid, 1, groups=g, bias=False), nn.BatchNorm2d(mid), nn.ReLU())
        s.dw = nn.Sequential(nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid))
        s.g2 = nn.Sequential(nn.Conv2d(mid, out, 1, groups=g, bias=False), nn.BatchNorm2d(out))
    def forward(s, x):
        y = s.g2(s.dw(shuffle(s.g1(x), s.g)))
        if s.stride == 2: return F.relu(torch.cat([F.avg_pool2d(x, 3, 2, 1), y], 1))
        return F.relu(x + y)

class ShuffleV1(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 24, 3, 1, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU())
        s.u = nn.Sequential(ShuffleV1Unit(24, 64, 2), ShuffleV1Unit(64, 64, 1), ShuffleV1Unit(64, 128, 2),
                            ShuffleV1Unit(128, 128, 1), ShuffleV1Unit(128, 128, 1))
        s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.u(s.stem(x)), 1), 1))

class LayerNorm2d(nn.Module):
    """ConvNeXt's LayerNorm for data_format="channels_first", as the official code spells it."""
    def __init__(s, c, eps=1e-6):
        super().__init__(); s.weight = nn.Parameter(torch.ones(c)); s.bias = nn.Parameter(torch.zeros(c)); s.eps = eps
    def forward(s, x):
        u = x.mean(1, keepdim=True); v = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(v + s.eps)
        return s.weight[:, None, None] * x + s.bias[:, None, None]

class CNBlock(nn.Module):
    def __init__(s, c, ls=0.1):
        super().__init__()
        s.dw = nn.Conv2d(c, c, 7, 1, 3, groups=c); s.norm = nn.LayerNorm(c, eps=1e-6)
        s.pw1 = nn.Linear(c, 4 * c); s.pw2 = nn.Linear(4 * c, c); s.gamma = nn.Parameter(ls * torch.ones(c))
    def forward(s, x):
        y = s.dw(x).permute(0, 2, 3, 1)
        y = s.gamma * s.pw2(F.gelu(s.pw1(s.norm(y))))
        return x + y.permute(0, 3, 1, 2)

class ConvNeXt(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 2, 2), LayerNorm2d(32))                # 14x14
        s.s1 = nn.Sequential(CNBlock(32), CNBlock(32))
        s.down = nn.Sequential(LayerNorm2d(32), nn.Conv2d(32, 64, 2, 2))               # 7x7
        s.s2 = nn.Sequential(CNBlock(64), CNBlock(64))
        s.norm = nn.LayerNorm(64, eps=1e-6); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = s.s2(s.down(s.s1(s.stem(x))))
        return s.fc(s.norm(x.mean([-2, -1])))

class RMSNorm2d(nn.Module):
    def __init__(s, c, eps=1e-5):
        super().__init__(); s.g = nn.Parameter(torch.ones(1, c, 1, 1)); s.eps = eps
    def forward(s, x): return s.g * x / torch.sqrt(x.pow(2).mean(1, keepdim=True) + s.eps)

class GatedBlock(nn.Module):
    def __init__(s, c):
        super().__init__(); s.c = c
        s.conv = nn.Conv2d(c, 2 * c, 3, 1, 1); s.norm = RMSNorm2d(c); s.proj = nn.Conv2d(c, c, 1)
    def forward(s, x):
        a, b, m = torch.split(s.conv(x), [s.c // 2, s.c // 2, s.c], 1)        # Split, three outputs
        lk = torch.where(a > 0, a, 0.2 * a)                                    # leaky gate by masking
        y = torch.cat([lk, torch.minimum(b, lk)], 1) + m                        # Min of two activations
        return x + s.proj(s.norm(y))

class GatedMix(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2))
        s.b1 = GatedBlock(32); s.pool = nn.MaxPool2d(2); s.b2 = GatedBlock(32)
        s.emb = nn.Linear(32, 64); s.w = nn.Parameter(torch.randn(10, 64) * 0.1)
    def forward(s, x):
        x = s.b2(s.pool(s.b1(s.stem(x))))
        e = F.normalize(s.emb(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)), dim=1)
        return 10. * F.linear(e, F.normalize(s.w, dim=1))                        # cosine classifier

class RepBlock(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.k3 = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout))
        s.k1 = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
        s.id = nn.BatchNorm2d(cout) if cin == cout and stride == 1 else None
    def forward(s, x):
        y = s.k3(x) + s.k1(x)
        if s.id is not None: y = y + s.id(x)
        return F.relu(y)

class RepVGG(nn.Module):
    def __init__(s):
        super().__init__()
        s.b = nn.Sequential(RepBlock(1, 16, 1), RepBlock(16, 32, 2), RepBlock(32, 32, 1), RepBlock(32, 64, 2), RepBlock(64, 64, 1))
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        if x.size(-1) != 28:
            x = F.interpolate(x, size=[28, 28], mode="bilinear", align_corners=False)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(x), 1), 1))

def make_mbv3h(m): export8(m, "mbv3h", 14, dyn=DYN_HW)
def make_crnn(m): export8(m, "crnn", 13)
def make_shufflev1(m): export8(m, "shufflev1", 12)
def make_convnext(m): export8(m, "convnext", 17)
def make_gatedmix(m): export8(m, "gatedmix", 13)
def make_repvgg_script(m): export8(torch.jit.script(m), "repvgg_script", 13, dyn=DYN_HW)

MODELS = {"mbv3h": (MBv3H, make_mbv3h), "crnn": (CRNN, make_crnn), "shufflev1": (ShuffleV1, make_shufflev1),
          "convnext": (ConvNeXt, make_convnext), "gatedmix": (GatedMix, make_gatedmix), "repvgg_script": (RepVGG, make_repvgg_script)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data()
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls()
        print(name, flush=True); train(m, d, steps=500); make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen8_ptq.py, which would otherwise train it again
