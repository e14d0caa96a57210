#!/usr/bin/python3
"""Round 29 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen29,
2026-12-06 night):
- convtasnet: a **Conv-TasNet** (Luo & Mesgarani 2019) enhancement front end on the 784 pixels as one waveform, feeding a
  small CNN classifier (as a speech-enhancement front end feeds a recogniser): a learned encoder **Conv1d (L 16, stride 8)**
  + ReLU, the separator's **gLN (global layer norm: mean and variance over channels and time, ReduceMean over two axes)**,
  a 1x1 bottleneck, 2 repeats of 4 TCN blocks (1x1, **PReLU**, gLN, **dilated depthwise Conv1d** (k 3, dilations 1..8),
  PReLU, gLN, residual and skip 1x1s), the skips summed, PReLU, 1x1, **Sigmoid mask times the encoding**, the decoder
  **ConvTranspose1d (L 16, stride 8)** back to 784 samples, Reshape to 28x28, two Conv-BN-ReLUs, mean, Linear; opset 13
- settrans: a **Set Transformer** (Lee et al. 2019, the authors' reference modules) over the image's 49 4x4 patches as a
  set (16 pixels + 2 coordinates each): two **ISABs** (16 **inducing points**, a learned [1, 16, 64] parameter
  **repeated over the batch**) and a **PMA** (one seed vector) of MABs whose heads are **split along the features and
  concatenated along the batch axis** (torch.cat(Q.split(16, 2), 0)) and back (a **Reshape by the head count and Split
  into 4 heads**, concatenated along the features: the reference's split by Q.size(0) exports a batch fixed at one), O +
  ReLU(fc(O)), LayerNorms; Linear; opset 13
- crossnet: a **DCN-V2 cross network** (Wang et al. 2021, the "mixture of low-rank experts" form): x0 the 196 pixels of a
  2x2-pooled image, 3 cross layers x_{l+1} = sum_i softmax-gate_i(x_l) * x0 * (U_i tanh(C_i tanh(V_i x_l)) + b) + x_l
  with 4 experts of rank 16 (**x0 times a product of three low-rank MatMuls, a Softmax gate over the experts**), in
  parallel with a deep MLP tower, the two concatenated, Linear; opset 13
- ftt: an **FT-Transformer** (Gorishniy et al. 2021) on the 49 numeric features of a 4x4-pooled image: the **feature
  tokenizer x[:, :, None] * W + B** (a [49, 32] weight and bias broadcast per feature), a **CLS token concatenated** in
  front, 3 blocks of torch's **nn.MultiheadAttention** (batch_first, as exported by torch) with the paper's first block
  without its pre-norm, **ReGLU** FFNs (one Linear's halves: a * relu(b)), the CLS token's LayerNorm-ReLU-Linear; opset 14
- maxvit: a **MaxViT** stage (Tu et al. 2022) at 14x14 x 32: MBConv (1x1 expand, BatchNorm, GELU, depthwise 3x3, SE,
  1x1 project) then **block attention** (4 windows of 7x7) and **grid attention** (a 7x7 grid of dilated tokens: the
  partition Reshape [N, C, 7, 2, 7, 2] -> Permute takes the strided positions), both with a **learned relative position
  bias** (a [169, heads] table read at a constant [49, 49] index), pre-norm MLPs; stride-2 Conv stem and head; opset 13
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen29.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json
    (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN29_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn, torch.nn.functional as F
from make_unseen13 import cbr
from make_unseen27 import train_and_export
from make_wild import OUT  # unseen29_ptq.py reads the models from here

STEPS29 = int(os.environ.get("UNSEEN29_STEPS", "300"))

# --- convtasnet ------------------------------------------------------------------------------------------------------
class GLN(nn.Module):
    """Conv-TasNet's global layer norm: statistics over channels and time, per-channel gain and bias."""
    def __init__(s, c):
        super().__init__(); s.g = nn.Parameter(torch.ones(1, c, 1)); s.b = nn.Parameter(torch.zeros(1, c, 1))
    def forward(s, x):
        m = x.mean((1, 2), keepdim=True); v = ((x - m) ** 2).mean((1, 2), keepdim=True)
        return s.g * (x - m) / torch.sqrt(v + 1e-8) + s.b

class TCNBlock(nn.Module):
    def __init__(s, b, h, skip, d):
        super().__init__()
        s.body = nn.Sequential(nn.Conv1d(b, h, 1), nn.PReLU(), GLN(h), nn.Conv1d(h, h, 3, padding=d, dilation=d, groups=h),
                               nn.PReLU(), GLN(h))
        s.res, s.skip = nn.Conv1d(h, b, 1), nn.Conv1d(h, skip, 1)
    def forward(s, x):
        y = s.body(x)
        return x + s.res(y), s.skip(y)

class ConvTasNet(nn.Module):
    def __init__(s, n=32, b=24, h=48, skip=24):
        super().__init__(); s.enc = nn.Conv1d(1, n, 16, 8, bias=False)
        s.pre = nn.Sequential(GLN(n), nn.Conv1d(n, b, 1))
        s.blocks = nn.ModuleList([TCNBlock(b, h, skip, 2 ** i) for _ in range(2) for i in range(4)])
        s.mask = nn.Sequential(nn.PReLU(), nn.Conv1d(skip, n, 1), nn.Sigmoid())
        s.dec = nn.ConvTranspose1d(n, 1, 16, 8, bias=False)
        s.cls = nn.Sequential(cbr(1, 16, st=2), cbr(16, 32, st=2)); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        e = F.relu(s.enc(x.flatten(1).unsqueeze(1)))                        # [N, 32, 97]
        h = s.pre(e); total = 0
        for blk in s.blocks:
            h, sk = blk(h); total = total + sk
        y = s.dec(e * s.mask(total)).reshape(-1, 1, 28, 28)                 # the enhanced "waveform" as an image
        return s.fc(s.cls(y).mean((2, 3)))

# --- settrans --------------------------------------------------------------------------------------------------------
class MAB(nn.Module):
    """The Set Transformer authors' MAB (github.com/juho-lee/set_transformer, modules.py), ln=True."""
    def __init__(s, dq, dk, d, heads):
        super().__init__(); s.d, s.h = d, heads
        s.fc_q, s.fc_k, s.fc_v, s.fc_o = nn.Linear(dq, d), nn.Linear(dk, d), nn.Linear(dk, d), nn.Linear(d, d)
        s.ln0, s.ln1 = nn.LayerNorm(d), nn.LayerNorm(d)
    def forward(s, Q, K):
        Q = s.fc_q(Q); K, V = s.fc_k(K), s.fc_v(K)
        ds = s.d // s.h
        Q_, K_, V_ = torch.cat(Q.split(ds, 2), 0), torch.cat(K.split(ds, 2), 0), torch.cat(V.split(ds, 2), 0)
        A = torch.softmax(Q_.bmm(K_.transpose(1, 2)) / s.d ** 0.5, 2)
        # the reference splits the batch axis back by Q.size(0), which torch 1.13 exports as a Split of constant sizes [1,
        # 1, 1, 1] (the traced batch): quantrace refuses that model (exit 2, "the graph fixes the batch at one at node
        # .../Split_3"); the same arithmetic through a Reshape by the head count exports with any batch
        O = torch.cat((Q_ + A.bmm(V_)).reshape(s.h, -1, *Q_.shape[1:]).unbind(0), 2)
        O = s.ln0(O)
        return s.ln1(O + F.relu(s.fc_o(O)))

class ISAB(nn.Module):
    def __init__(s, din, d, heads, m):
        super().__init__(); s.I = nn.Parameter(torch.empty(1, m, d)); nn.init.xavier_uniform_(s.I)
        s.mab0, s.mab1 = MAB(d, din, d, heads), MAB(din, d, d, heads)
    def forward(s, X): return s.mab1(X, s.mab0(s.I.repeat(X.size(0), 1, 1), X))

class PMA(nn.Module):
    def __init__(s, d, heads, k):
        super().__init__(); s.S = nn.Parameter(torch.empty(1, k, d)); nn.init.xavier_uniform_(s.S); s.mab = MAB(d, d, d, heads)
    def forward(s, X): return s.mab(s.S.repeat(X.size(0), 1, 1), X)

class SetTrans(nn.Module):
    def __init__(s, d=64):
        super().__init__()
        ij = torch.stack(torch.meshgrid(torch.arange(7.), torch.arange(7.), indexing="ij"), -1).reshape(1, 49, 2) / 6
        s.register_buffer("coords", ij)
        s.enc = nn.Sequential(ISAB(18, d, 4, 16), ISAB(d, d, 4, 16)); s.pool = PMA(d, 4, 1); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        p = F.unfold(x, 4, stride=4).transpose(1, 2)                          # [N, 49, 16]: the patches as set elements
        X = torch.cat([p, s.coords.expand(x.size(0), -1, -1)], 2)
        return s.fc(s.pool(s.enc(X)).squeeze(1))

# --- crossnet --------------------------------------------------------------------------------------------------------
class CrossMix(nn.Module):
    """DCN-V2's cross layer with a mixture of low-rank experts (the paper's Eq. 4-5, tanh as the non-linearity g)."""
    def __init__(s, d, experts=4, rank=16):
        super().__init__()
        s.V = nn.Parameter(0.05 * torch.randn(experts, d, rank)); s.C = nn.Parameter(0.05 * torch.randn(experts, rank, rank))
        s.U = nn.Parameter(0.05 * torch.randn(experts, rank, d)); s.b = nn.Parameter(torch.zeros(d))
        s.gate = nn.Linear(d, experts, bias=False)
    def forward(s, x0, x):
        v = torch.tanh(torch.matmul(x[:, None, None, :], s.V))             # [N, E, 1, r]
        e = x0.unsqueeze(1).unsqueeze(2) * (torch.matmul(torch.tanh(torch.matmul(v, s.C)), s.U) + s.b)   # [N, E, 1, d]
        g = torch.softmax(s.gate(x), -1)                                     # [N, E]
        return (g.unsqueeze(-1) * e.squeeze(2)).sum(1) + x

class CrossNet(nn.Module):
    def __init__(s, d=196):
        super().__init__(); s.cross = nn.ModuleList([CrossMix(d) for _ in range(3)])
        s.deep = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU()); s.fc = nn.Linear(d + 64, 10)
    def forward(s, x):
        x0 = F.avg_pool2d(x, 2).flatten(1); h = x0
        for c in s.cross: h = c(x0, h)
        return s.fc(torch.cat([h, s.deep(x0)], 1))

# --- ftt -------------------------------------------------------------------------------------------------------------
class FTBlock(nn.Module):
    def __init__(s, d, heads, hidden, first):
        super().__init__(); s.n1 = nn.Identity() if first else nn.LayerNorm(d)
        s.att = nn.MultiheadAttention(d, heads, batch_first=True); s.n2 = nn.LayerNorm(d)
        s.ff1, s.ff2 = nn.Linear(d, 2 * hidden), nn.Linear(hidden, d)
    def forward(s, x):
        h = s.n1(x); x = x + s.att(h, h, h, need_weights=False)[0]
        a, b = s.ff1(s.n2(x)).chunk(2, -1)                                   # ReGLU
        return x + s.ff2(a * F.relu(b))

class FTT(nn.Module):
    def __init__(s, f=49, d=32):
        super().__init__(); s.W = nn.Parameter(torch.randn(f, d) / d ** 0.5); s.B = nn.Parameter(torch.randn(f, d) / d ** 0.5)
        s.cls = nn.Parameter(torch.randn(1, 1, d) / d ** 0.5)
        s.blocks = nn.Sequential(*[FTBlock(d, 4, 43, i == 0) for i in range(3)])
        s.head = nn.Sequential(nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, 10))
    def forward(s, x):
        feats = F.avg_pool2d(x, 4).flatten(1)                                # [N, 49] numeric features
        t = feats.unsqueeze(-1) * s.W + s.B                                  # the feature tokenizer
        t = torch.cat([s.cls.expand(x.size(0), -1, -1), t], 1)
        return s.head(s.blocks(t)[:, 0])

# --- maxvit ----------------------------------------------------------------------------------------------------------
def rel_index(w=7):
    c = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing="ij")).flatten(1)   # [2, 49]
    r = (c[:, :, None] - c[:, None, :]) + (w - 1)
    return r[0] * (2 * w - 1) + r[1]                                        # [49, 49] into a (2w-1)^2 table

class RelAttention(nn.Module):
    def __init__(s, d, heads=4):
        super().__init__(); s.h = heads; s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.table = nn.Parameter(0.02 * torch.randn(169, heads)); s.register_buffer("idx", rel_index())
    def forward(s, x):                                                       # [B', 49, d]
        b, n, d = x.shape
        q, k, v = s.qkv(x).reshape(b, n, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        bias = s.table[s.idx.flatten()].reshape(n, n, s.h).permute(2, 0, 1)
        a = torch.softmax(q @ k.transpose(-1, -2) * (d // s.h) ** -0.5 + bias, -1)
        return s.proj((a @ v).transpose(1, 2).reshape(b, n, d))

class PartitionAttention(nn.Module):
    """Pre-norm attention and MLP over 7x7 token groups: blocks of adjacent positions or a grid of strided ones."""
    def __init__(s, d, grid):
        super().__init__(); s.grid = grid; s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d); s.att = RelAttention(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(s, x):                                                       # [N, C, H, W]
        n, c, h, w = x.shape; p = 7; g = h // p
        if s.grid:   # position (i, j) = (a * g + u, b * g + v): group by (u, v), tokens (a, b)
            t = x.reshape(n, c, p, g, p, g).permute(0, 3, 5, 2, 4, 1).reshape(-1, p * p, c)
        else:        # position (i, j) = (u * p + a, v * p + b)
            t = x.reshape(n, c, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(-1, p * p, c)
        t = t + s.att(s.n1(t)); t = t + s.mlp(s.n2(t))
        if s.grid:
            return t.reshape(n, g, g, p, p, c).permute(0, 5, 3, 1, 4, 2).reshape(n, c, h, w)
        return t.reshape(n, g, g, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(n, c, h, w)

class MBConv(nn.Module):
    def __init__(s, c, e=4):
        super().__init__()
        s.body = nn.Sequential(nn.Conv2d(c, c * e, 1, bias=False), nn.BatchNorm2d(c * e), nn.GELU(),
                               nn.Conv2d(c * e, c * e, 3, 1, 1, groups=c * e, bias=False), nn.BatchNorm2d(c * e), nn.GELU())
        s.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c * e, c // 4, 1), nn.SiLU(), nn.Conv2d(c // 4, c * e, 1), nn.Sigmoid())
        s.proj = nn.Conv2d(c * e, c, 1)
    def forward(s, x):
        h = s.body(x)
        return x + s.proj(h * s.se(h))

class MaxViT(nn.Module):
    def __init__(s, c=32):
        super().__init__(); s.stem = cbr(1, c, st=2)                         # 14x14
        s.stage = nn.Sequential(MBConv(c), PartitionAttention(c, False), PartitionAttention(c, True))
        s.head = nn.Sequential(nn.LayerNorm(c), nn.Linear(c, 10))
    def forward(s, x): return s.head(s.stage(s.stem(x)).mean((2, 3)))

MODELS = {"convtasnet": (ConvTasNet, 13, {}), "settrans": (SetTrans, 13, {}), "crossnet": (CrossNet, 13, {}),
          "ftt": (FTT, 14, {}), "maxvit": (MaxViT, 13, {})}

if __name__ == "__main__":
    train_and_export(MODELS, STEPS29, "tests/data/wild/make_unseen29.py", sys.argv[1:])
