#!/usr/bin/python3
"""Round 28 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen28,
2026-12-06 evening):
- nonlocal: a CNN with a **non-local block** (Wang et al. 2018, embedded Gaussian) at 14x14: theta, phi, g as 1x1 Convs,
  phi and g sub-sampled by a 2x2 MaxPool (the paper's trick), **Conv -> Reshape -> Transpose -> MatMul [196 x 49] -> Softmax
  -> MatMul -> Transpose -> Reshape back to NCHW**, a 1x1 Conv + BatchNorm (zero-initialised gamma, the paper's) added to
  the input; opset 13
- dpn: a **Dual Path Network** (Chen et al. 2017): each block's 1x1 -> grouped 3x3 (groups 4) -> 1x1 output **sliced in
  two**: the first part added to the residual path, the rest **concatenated onto the dense path** (Slice + Add + Concat of
  a growing width), blocks fed the two paths concatenated through pre-activation BatchNorm-ReLU; opset 13
- mixeca: **MixConv** (MixNet, Tan & Le 2019) blocks: a 1x1 expansion **split unevenly (Split 24/16/16/8)** into depthwise
  Convs of kernels 3, 5, 7 and 9, concatenated, SiLU; with **ECA channel attention** (Wang et al. 2020): global average,
  **Squeeze -> Transpose -> Conv1d (k 3) across the channels -> Transpose -> Unsqueeze**, Sigmoid, Mul; opset 13
- wavenet: a **WaveNet** (van den Oord et al. 2016) classifier over the 784 pixels as one sequence (sequential MNIST
  style): causal **left Pad + dilated Conv1d (k 2, dilations 1..128)**, **gated units tanh(a) * sigmoid(b)** from one
  Conv's halves, residual and **skip 1x1 Conv1ds summed over the 8 layers**, ReLU, 1x1, ReLU, 1x1, mean over time; opset 13
- lambdanet: a **LambdaNetworks** layer (Bello 2021) on a CNN's 7x7 map: keys **Softmax over the 49 positions**, the
  content lambda **Einsum('bkm,bvm->bkv')** and the position lambdas from a **learned [49, 49, 16] embedding as an Einsum
  operand ('nmk,bvm->bnkv')**, applied to 4 query heads by two more Einsums; BatchNorm on queries and values; opset 13
    /usr/bin/python3 tests/data/wild/make_unseen28.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN28_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn, torch.nn.functional as F
from make_unseen13 import cbr
from make_unseen27 import train_and_export
from make_wild import OUT  # unseen28_ptq.py reads the models from here

STEPS28 = int(os.environ.get("UNSEEN28_STEPS", "300"))

# --- nonlocal --------------------------------------------------------------------------------------------------------
class NonLocal(nn.Module):
    """Embedded-Gaussian non-local block, keys and values sub-sampled 2x2."""
    def __init__(s, c, inter):
        super().__init__(); s.theta, s.phi, s.g = nn.Conv2d(c, inter, 1), nn.Conv2d(c, inter, 1), nn.Conv2d(c, inter, 1)
        s.W = nn.Sequential(nn.Conv2d(inter, c, 1), nn.BatchNorm2d(c)); nn.init.zeros_(s.W[1].weight)
    def forward(s, x):
        n, c, h, w = x.shape
        q = s.theta(x).flatten(2).transpose(1, 2)                          # [N, HW, i]
        k = F.max_pool2d(s.phi(x), 2).flatten(2)                            # [N, i, HW/4]
        v = F.max_pool2d(s.g(x), 2).flatten(2).transpose(1, 2)              # [N, HW/4, i]
        y = (torch.softmax(q @ k, -1) @ v).transpose(1, 2).reshape(n, -1, h, w)
        return x + s.W(y)

class NonLocalNet(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), NonLocal(32, 16), cbr(32, 64, st=2))
        s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(s.f(x).mean((2, 3)))

# --- dpn -------------------------------------------------------------------------------------------------------------
class DualPath(nn.Module):
    """One DPN block: reads the residual and dense paths concatenated, adds `res` channels to the residual path and
    appends `inc` channels to the dense path."""
    def __init__(s, cin, mid, res, inc, stride=1, project=False):
        super().__init__(); s.res = res
        pre = lambda ci, co, k, st=1, g=1: nn.Sequential(nn.BatchNorm2d(ci), nn.ReLU(), nn.Conv2d(ci, co, k, st, k // 2, groups=g, bias=False))
        s.proj = pre(cin, res + 2 * inc, 1, stride) if project else None
        s.body = nn.Sequential(pre(cin, mid, 1), pre(mid, mid, 3, stride, 4), pre(mid, res + inc, 1))
    def forward(s, xs):
        x = torch.cat(xs, 1)
        if s.proj is not None:
            p = s.proj(x); xs = (p[:, :s.res], p[:, s.res:])
        o = s.body(x)
        return xs[0] + o[:, :s.res], torch.cat([xs[1], o[:, s.res:]], 1)

class DPN(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = cbr(1, 32, st=2)                      # 14x14
        s.b = nn.ModuleList([DualPath(32, 32, 32, 8, 1, True), DualPath(56, 32, 32, 8), DualPath(64, 48, 48, 16, 2, True),
                             DualPath(96, 48, 48, 16)])
        s.bn = nn.BatchNorm2d(112); s.fc = nn.Linear(112, 10)
    def forward(s, x):
        xs = (s.stem(x),)
        for b in s.b: xs = b(xs)
        return s.fc(F.relu(s.bn(torch.cat(xs, 1))).mean((2, 3)))

# --- mixeca ----------------------------------------------------------------------------------------------------------
class ECA(nn.Module):
    def __init__(s, k=3):
        super().__init__(); s.conv = nn.Conv1d(1, 1, k, padding=k // 2, bias=False)
    def forward(s, x):
        y = x.mean((2, 3), keepdim=True)                                    # [N, C, 1, 1]
        y = s.conv(y.squeeze(-1).transpose(-1, -2)).transpose(-1, -2).unsqueeze(-1)   # ECA's reference code
        return x * torch.sigmoid(y)

class MixBlock(nn.Module):
    def __init__(s, cin, cout, splits=(24, 16, 16, 8), kernels=(3, 5, 7, 9), stride=1):
        super().__init__(); e = sum(splits); s.splits = list(splits)
        s.expand = nn.Sequential(nn.Conv2d(cin, e, 1, bias=False), nn.BatchNorm2d(e), nn.SiLU())
        s.dw = nn.ModuleList([nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False) for c, k in zip(splits, kernels)])
        s.bn = nn.BatchNorm2d(e); s.eca = ECA(); s.project = nn.Sequential(nn.Conv2d(e, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.skip = stride == 1 and cin == cout
    def forward(s, x):
        h = s.expand(x)
        h = torch.cat([d(p) for d, p in zip(s.dw, torch.split(h, s.splits, 1))], 1)
        h = s.project(s.eca(F.silu(s.bn(h))))
        return x + h if s.skip else h

class MixECA(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = cbr(1, 24, st=2)
        s.blocks = nn.Sequential(MixBlock(24, 24), MixBlock(24, 40, stride=2), MixBlock(40, 40))
        s.fc = nn.Linear(40, 10)
    def forward(s, x): return s.fc(s.blocks(s.stem(x)).mean((2, 3)))

# --- wavenet ---------------------------------------------------------------------------------------------------------
class WaveLayer(nn.Module):
    def __init__(s, c, skip, d):
        super().__init__(); s.d = d; s.conv = nn.Conv1d(c, 2 * c, 2, dilation=d)
        s.res, s.skip = nn.Conv1d(c, c, 1), nn.Conv1d(c, skip, 1)
    def forward(s, x):
        a, b = s.conv(F.pad(x, (s.d, 0))).chunk(2, 1)                       # causal: left padding only
        z = torch.tanh(a) * torch.sigmoid(b)
        return x + s.res(z), s.skip(z)

class WaveNet(nn.Module):
    def __init__(s, c=24, skip=32):
        super().__init__(); s.inp = nn.Conv1d(1, c, 1)
        s.layers = nn.ModuleList([WaveLayer(c, skip, 2 ** i) for i in range(8)])
        s.out = nn.Sequential(nn.ReLU(), nn.Conv1d(skip, skip, 1), nn.ReLU(), nn.Conv1d(skip, 10, 1))
    def forward(s, x):
        h = s.inp(x.flatten(1).unsqueeze(1)); total = 0
        for l in s.layers:
            h, sk = l(h); total = total + sk
        return s.out(total).mean(-1)

# --- lambdanet -------------------------------------------------------------------------------------------------------
class Lambda(nn.Module):
    """Lambda layer with content and global position lambdas over n = m = 49 positions."""
    def __init__(s, c, heads=4, k=16, n=49):
        super().__init__(); s.h, s.k, s.v = heads, k, c // heads
        s.q = nn.Sequential(nn.Conv2d(c, k * heads, 1, bias=False), nn.BatchNorm2d(k * heads))
        s.key = nn.Conv2d(c, k, 1, bias=False)
        s.val = nn.Sequential(nn.Conv2d(c, s.v, 1, bias=False), nn.BatchNorm2d(s.v))
        s.E = nn.Parameter(torch.randn(n, n, k) / k ** 0.5)
    def forward(s, x):
        b, c, hh, ww = x.shape
        q = s.q(x).reshape(b, s.h, s.k, hh * ww)                            # [b, h, k, n]
        key = torch.softmax(s.key(x).flatten(2), -1)                        # [b, k, m]: normalised over the positions
        v = s.val(x).flatten(2)                                             # [b, v, m]
        lc = torch.einsum("bkm,bvm->bkv", key, v)
        lp = torch.einsum("nmk,bvm->bnkv", s.E, v)
        y = torch.einsum("bhkn,bkv->bhvn", q, lc) + torch.einsum("bhkn,bnkv->bhvn", q, lp)
        return y.reshape(b, c, hh, ww)

class LambdaNet(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(cbr(1, 32, st=2), cbr(32, 64, st=2))   # 7x7
        s.lam = nn.Sequential(nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), Lambda(64), nn.BatchNorm2d(64), nn.ReLU())
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        h = s.stem(x)
        return s.fc((h + s.lam(h)).mean((2, 3)))

MODELS = {"nonlocal": (NonLocalNet, 13, {}), "dpn": (DPN, 13, {}), "mixeca": (MixECA, 13, {}), "wavenet": (WaveNet, 13, {}),
          "lambdanet": (LambdaNet, 13, {})}

if __name__ == "__main__":
    train_and_export(MODELS, STEPS28, "tests/data/wild/make_unseen28.py", sys.argv[1:])
