#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen7, 2026-12-03 night):
- factinc: Inception-v3 factorized kernels (1x7 then 7x1, the double 7x1/1x7 chain, InceptionE's 1x3 and 3x1 split branches
  concatenated), an AvgPool 3x3 branch with count_include_pad=False; exported at opset 11 with training=TrainingMode.PRESERVE
  and do_constant_folding=False (BatchNormalization nodes kept, as a training pipeline's export leaves them)
- tcn: a temporal convolutional network over the image's rows as a sequence (28 steps of 28 features), causal left Pad,
  dilated Conv1d (1, 2, 4, 8) under weight_norm, gated (GLU: Split + Sigmoid + Mul), residual 1x1 Conv1d, the last step
  taken with Gather; opset 10 with do_constant_folding=False (weight_norm's g * v / ||v|| stays a subgraph of constants)
- pointnet: the pixels as a point cloud (x, y, intensity; the coordinate grid a constant expanded over the batch), a T-Net
  predicting a 3x3 transform applied with a batched MatMul of two activations, shared point MLPs as Conv1d k=1 with
  BatchNorm1d, a global max over the points (ReduceMax), opset 13
- siamese: one tower with shared weights run on the top and bottom halves of the image (Slice), |a - b| and a * b of the
  two embeddings; exported at opset 15 with export_modules_as_functions (the tower a model-local function called twice)
- coatnet: CoAtNet-like hybrid: MBConv stages (BatchNorm, GELU, depthwise stride 2) then two pre-norm transformer blocks
  over the 7x7 tokens with a learned relative position bias (a table gathered by a constant index) added to the
  attention logits, opset 14 (LayerNorm decomposed)
- ghostnet: GhostNet modules (a primary 1x1 Conv, a cheap depthwise Conv with channel multiplier 2, Concat then a Slice of
  the channels), squeeze-excitation with hard_sigmoid spelled relu6(x + 3) / 6, exported at opset 11 with dynamic
  axes on batch, height and width
    /usr/bin/python3 tests/data/wild/make_unseen7.py [NAME...]  -> NAME.onnx in $WILD_OUT (default /tmp/wild)"""
import math, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from torch.onnx import TrainingMode
from make_wild import data, train, OUT

def export7(m, name, opset, dyn=None, **kw):
    p = os.path.join(OUT, name + ".onnx")
    dyn = dyn or {"input": {0: "N"}, "logits": {0: "N"}}
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes=dyn, **kw)
    onnx.checker.check_model(onnx.load(p))
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

def cbr(cin, cout, k, s=1, p=None):
    p = tuple(x // 2 for x in k) if isinstance(k, tuple) else (k // 2 if p is None else p)
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

class InceptionC(nn.Module):
    def __init__(s, cin, c7):
        super().__init__()
        s.b1 = cbr(cin, 16, 1)
        s.b7 = nn.Sequential(cbr(cin, c7, 1), cbr(c7, c7, (1, 7)), cbr(c7, 16, (7, 1)))
        s.b77 = nn.Sequential(cbr(cin, c7, 1), cbr(c7, c7, (7, 1)), cbr(c7, c7, (1, 7)), cbr(c7, c7, (7, 1)), cbr(c7, 16, (1, 7)))
        s.bp = cbr(cin, 16, 1)
    def forward(s, x):
        p = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        return torch.cat([s.b1(x), s.b7(x), s.b77(x), s.bp(p)], 1)

class InceptionE(nn.Module):
    def __init__(s, cin):
        super().__init__()
        s.b1 = cbr(cin, 16, 1); s.b3 = cbr(cin, 24, 1); s.b3a = cbr(24, 16, (1, 3)); s.b3b = cbr(24, 16, (3, 1))
        s.bp = cbr(cin, 16, 1)
    def forward(s, x):
        y = s.b3(x)
        return torch.cat([s.b1(x), s.b3a(y), s.b3b(y), s.bp(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))], 1)

class FactInc(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(cbr(1, 32, 3), nn.MaxPool2d(2))
        s.c = InceptionC(32, 12); s.red = nn.MaxPool2d(3, 2, 1); s.e = InceptionE(64)
        s.drop = nn.Dropout(0.2); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = s.e(s.red(s.c(s.stem(x))))
        return s.fc(s.drop(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))

class TemporalBlock(nn.Module):
    def __init__(s, cin, cout, d):
        super().__init__(); s.d = d
        s.c1 = nn.utils.weight_norm(nn.Conv1d(cin, 2 * cout, 3, dilation=d))
        s.c2 = nn.utils.weight_norm(nn.Conv1d(cout, 2 * cout, 3, dilation=d))
        s.down = nn.Conv1d(cin, cout, 1) if cin != cout else None; s.drop = nn.Dropout(0.1)
    def forward(s, x):
        y = s.drop(F.glu(s.c1(F.pad(x, (2 * s.d, 0))), 1))
        y = s.drop(F.glu(s.c2(F.pad(y, (2 * s.d, 0))), 1))
        return F.relu(y + (x if s.down is None else s.down(x)))

class TCN(nn.Module):
    def __init__(s):
        super().__init__()
        s.blocks = nn.Sequential(TemporalBlock(28, 32, 1), TemporalBlock(32, 32, 2), TemporalBlock(32, 48, 4), TemporalBlock(48, 48, 8))
        s.fc = nn.Linear(48, 10)
    def forward(s, x):
        y = s.blocks(x.squeeze(1).transpose(1, 2))
        return s.fc(y[:, :, -1])

def mlp1d(*c):
    layers = []
    for a, b in zip(c, c[1:]): layers += [nn.Conv1d(a, b, 1), nn.BatchNorm1d(b), nn.ReLU()]
    return nn.Sequential(*layers)

class PointNet(nn.Module):
    def __init__(s):
        super().__init__()
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, 28), torch.linspace(-1, 1, 28), indexing="ij")
        s.register_buffer("grid", torch.stack([xx.reshape(-1), yy.reshape(-1)]).unsqueeze(0))
        s.tnet = mlp1d(3, 32, 64); s.tfc = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 9))
        nn.init.zeros_(s.tfc[2].weight); nn.init.zeros_(s.tfc[2].bias)
        s.register_buffer("eye", torch.eye(3).reshape(1, 9))
        s.feat = mlp1d(3, 32, 64, 128)
        s.head = nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))
    def forward(s, x):
        pts = torch.cat([s.grid.expand(x.size(0), -1, -1), x.flatten(2)], 1)
        t = s.tfc(torch.max(s.tnet(pts), 2)[0]) + s.eye
        pts = torch.bmm(t.view(-1, 3, 3), pts)
        return s.head(torch.max(s.feat(pts), 2)[0])

class Tower(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(1, 16, 3), nn.MaxPool2d(2), cbr(16, 32, 3), nn.MaxPool2d(2), cbr(32, 48, 3))
    def forward(s, x): return torch.flatten(F.adaptive_avg_pool2d(s.f(x), 1), 1)

class Siamese(nn.Module):
    def __init__(s):
        super().__init__(); s.tower = Tower(); s.fc = nn.Sequential(nn.Linear(4 * 48, 64), nn.ReLU(), nn.Linear(64, 10))
    def forward(s, x):
        a = s.tower(x[:, :, :14, :]); b = s.tower(x[:, :, 14:, :])
        return s.fc(torch.cat([a, b, torch.abs(a - b), a * b], 1))

class MBConvG(nn.Module):
    def __init__(s, cin, cout, stride, e=4):
        super().__init__(); h = cin * e
        s.f = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h), nn.GELU(),
                            nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False), nn.BatchNorm2d(h), nn.GELU(),
                            nn.Conv2d(h, cout, 1))
        s.sc = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(cin, cout, 1)) if stride == 2 else nn.Identity()
    def forward(s, x): return s.sc(x) + s.f(x)

class RelAttention(nn.Module):
    def __init__(s, d, heads, size):
        super().__init__(); s.h = heads; s.dh = d // heads; s.n = size * size
        s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.table = nn.Parameter(torch.randn((2 * size - 1) ** 2, heads) * 0.02)
        c = torch.stack(torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")).flatten(1)
        r = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0) + (size - 1)
        s.register_buffer("index", r[:, :, 0] * (2 * size - 1) + r[:, :, 1])
    def forward(s, x):
        q, k, v = s.qkv(x).reshape(-1, s.n, 3, s.h, s.dh).permute(2, 0, 3, 1, 4)
        bias = s.table[s.index.view(-1)].view(s.n, s.n, s.h).permute(2, 0, 1)
        a = torch.softmax(q @ k.transpose(-2, -1) * (s.dh ** -0.5) + bias, -1)
        return s.proj((a @ v).transpose(1, 2).reshape(-1, s.n, s.h * s.dh))

class TBlock(nn.Module):
    def __init__(s, d, heads, size):
        super().__init__()
        s.n1 = nn.LayerNorm(d); s.att = RelAttention(d, heads, size); s.n2 = nn.LayerNorm(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(s, x):
        x = x + s.att(s.n1(x)); return x + s.mlp(s.n2(x))

class CoAtNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.GELU())
        s.s1 = MBConvG(16, 32, 2); s.s2 = MBConvG(32, 48, 2)
        s.t = nn.Sequential(TBlock(48, 2, 7), TBlock(48, 2, 7)); s.norm = nn.LayerNorm(48); s.fc = nn.Linear(48, 10)
    def forward(s, x):
        x = s.s2(s.s1(s.stem(x))).flatten(2).transpose(1, 2)
        return s.fc(s.norm(s.t(x)).mean(1))

def hard_sigmoid(x): return F.relu6(x + 3.) / 6.

class Ghost(nn.Module):
    def __init__(s, cin, cout, relu=True, ratio=3):
        super().__init__(); s.cout = cout; init = math.ceil(cout / ratio); new = init * (ratio - 1)
        s.primary = nn.Sequential(nn.Conv2d(cin, init, 1, bias=False), nn.BatchNorm2d(init), nn.ReLU() if relu else nn.Identity())
        s.cheap = nn.Sequential(nn.Conv2d(init, new, 3, 1, 1, groups=init, bias=False), nn.BatchNorm2d(new),
                                nn.ReLU() if relu else nn.Identity())
    def forward(s, x):
        y = s.primary(x); return torch.cat([y, s.cheap(y)], 1)[:, :s.cout, :, :]

class GhostSE(nn.Module):
    def __init__(s, c, r=4):
        super().__init__(); s.a = nn.Conv2d(c, c // r, 1); s.b = nn.Conv2d(c // r, c, 1)
    def forward(s, x): return x * hard_sigmoid(s.b(F.relu(s.a(F.adaptive_avg_pool2d(x, 1)))))

class GhostBottleneck(nn.Module):
    def __init__(s, cin, mid, cout, stride, se):
        super().__init__()
        s.g1 = Ghost(cin, mid)
        s.dw = nn.Sequential(nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid)) if stride > 1 else nn.Identity()
        s.se = GhostSE(mid) if se else nn.Identity(); s.g2 = Ghost(mid, cout, relu=False)
        s.sc = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x): return s.g2(s.se(s.dw(s.g1(x)))) + s.sc(x)

class GhostNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        s.b = nn.Sequential(GhostBottleneck(16, 24, 16, 1, False), GhostBottleneck(16, 48, 20, 2, False),
                            GhostBottleneck(20, 60, 20, 1, True), GhostBottleneck(20, 72, 40, 2, True), GhostBottleneck(40, 120, 40, 1, True))
        s.head = nn.Sequential(nn.Conv2d(40, 128, 1), nn.ReLU()); s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(s.head(F.adaptive_avg_pool2d(s.b(s.stem(x)), 1)), 1))

def make_factinc(m): export7(m, "factinc", 11, training=TrainingMode.PRESERVE, do_constant_folding=False)
def make_tcn(m): export7(m, "tcn", 10, do_constant_folding=False)
def make_pointnet(m): export7(m, "pointnet", 13)
def make_siamese(m): export7(m, "siamese", 15, export_modules_as_functions={Tower})
def make_coatnet(m): export7(m, "coatnet", 14)
def make_ghostnet(m): export7(m, "ghostnet", 11, dyn={"input": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}})

MODELS = {"factinc": (FactInc, make_factinc), "tcn": (TCN, make_tcn), "pointnet": (PointNet, make_pointnet),
          "siamese": (Siamese, make_siamese), "coatnet": (CoAtNet, make_coatnet), "ghostnet": (GhostNet, make_ghostnet)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data()
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls()
        print(name, flush=True); train(m, d, steps=500); make(m)
