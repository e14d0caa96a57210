#!/usr/bin/python3
"""Round 24 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen24,
2026-12-06 morning):
- xcit: **XCiT** (El-Nouby et al. 2021): 4x4 patches to 49 tokens of 64; **cross-covariance attention**, the attention
  matrix d x d over channels, not tokens: q and k transposed to [N, h, d, T] and **L2-normalized along the tokens**
  (F.normalize: ReduceL2, Clip, Expand, Div), times a **learned per-head temperature**, Softmax; a **Local Patch
  Interaction** (tokens back to the 7x7 grid, depthwise 3x3, GELU, BatchNorm, depthwise 3x3), layer scale; opset 17
  (LayerNormalization, GELU as Erf)
- condconv: **CondConv / dynamic convolution** (Yang et al. 2019, Chen et al. 2020): each 3x3 layer holds 4 expert kernels
  mixed per sample by a router (global average pool, Linear, **Softmax with temperature 4**); written in the
  batch-independent form sum_k r_k conv(x, W_k): **one Conv with 4 x Cout channels, Reshape to [N, 4, Cout, H, W], Mul by
  the routing weights [N, 4, 1, 1, 1], ReduceSum over the experts**; BatchNorm, ReLU; opset 11 (ReduceSum's axes attribute)
- sparsemax: a two-head transformer over the 28 image rows as tokens whose attention is **sparsemax** (Martins and Astudillo
  2016) instead of Softmax: the scores **sorted by torch.sort (TopK with k from Shape)**, **CumSum**, the support
  1 + k z_(k) > cumsum as **Greater → Cast → ReduceSum**, the threshold read back by **GatherElements**, then
  Relu(z - tau); opset 12
- slot: **Slot Attention** (Locatello et al. 2020) over the 49 positions of a CNN's 7x7 map: 4 slots from a learned
  initialization, 3 iterations unrolled, **Softmax over the slots axis (axis 1 of [N, 4, 49], not the last)**, the
  weights renormalized over the positions (ReduceSum, Add eps, Div), a **GRU cell written out** (Sigmoid, Tanh, the
  gates' Linear layers) and a residual MLP per iteration; the classifier reads the flattened slots; opset 15
- focal: **FocalNet** focal modulation (Yang et al. 2022): a stride-2 Conv stem to 14x14, channels-last blocks
  (**LayerNorm decomposed**, as torch writes it below opset 17: ReduceMean, Sub, Pow, Sqrt, Div), one Linear to
  query, context and 3 gates (**Slice** of the last axis), two **depthwise 3x3 and 5x5 Convs with GELU** gated and summed,
  a **global context** (mean over H, W, GELU), the modulator a 1x1 Conv, **query x modulator**, layer scale;
  a stride-2 Conv between the two stages; opset 16
    /usr/bin/python3 tests/data/wild/make_unseen24.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN24_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import export13, train13
from make_unseen14 import accuracy2000

STEPS24 = int(os.environ.get("UNSEEN24_STEPS", "200"))

# --- xcit ------------------------------------------------------------------------------------------------------------
class XCA(nn.Module):
    """Cross-covariance attention: softmax(normalize(q) normalize(k)^T * temperature) over channels, d x d per head."""
    def __init__(s, d=64, h=4):
        super().__init__(); s.h = h; s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.temperature = nn.Parameter(torch.ones(h, 1, 1))
    def forward(s, x):
        n, t, d = x.shape
        q, k, v = s.qkv(x).reshape(n, t, 3, s.h, d // s.h).permute(2, 0, 3, 4, 1)             # each [N, h, d/h, T]
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        a = ((q @ k.transpose(-2, -1)) * s.temperature).softmax(-1)                           # [N, h, d/h, d/h]
        return s.proj((a @ v).permute(0, 3, 1, 2).reshape(n, t, d))

class LPI(nn.Module):
    """Local patch interaction: the tokens as the 7x7 grid, depthwise 3x3, GELU, BatchNorm, depthwise 3x3."""
    def __init__(s, d=64):
        super().__init__()
        s.net = nn.Sequential(nn.Conv2d(d, d, 3, 1, 1, groups=d), nn.GELU(), nn.BatchNorm2d(d), nn.Conv2d(d, d, 3, 1, 1, groups=d))
    def forward(s, x):
        n, t, d = x.shape
        return s.net(x.transpose(1, 2).reshape(n, d, 7, 7)).reshape(n, d, t).transpose(1, 2)

class XCiTBlock(nn.Module):
    def __init__(s, d=64):
        super().__init__()
        s.n1, s.n2, s.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d); s.xca, s.lpi = XCA(d), LPI(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        s.g1, s.g2, s.g3 = (nn.Parameter(0.1 * torch.ones(d)) for _ in range(3))             # layer scale
    def forward(s, x):
        x = x + s.g1 * s.xca(s.n1(x)); x = x + s.g2 * s.lpi(s.n2(x))
        return x + s.g3 * s.mlp(s.n3(x))

class XCiT(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.embed = nn.Conv2d(1, d, 4, 4); s.pos = nn.Parameter(0.02 * torch.randn(1, 49, d))
        s.blocks = nn.Sequential(XCiTBlock(d), XCiTBlock(d)); s.norm = nn.LayerNorm(d); s.head = nn.Linear(d, 10)
    def forward(s, x):
        t = s.embed(x).flatten(2).transpose(1, 2) + s.pos
        return s.head(s.norm(s.blocks(t).mean(1)))

# --- condconv --------------------------------------------------------------------------------------------------------
class CondConv(nn.Module):
    """sum_k r_k(x) conv(x, W_k) with r = softmax(Linear(GAP(x)) / 4): the experts as one wide Conv, weighted, summed."""
    def __init__(s, cin, cout, experts=4, stride=1):
        super().__init__(); s.k, s.cout = experts, cout
        s.route = nn.Linear(cin, experts); s.conv = nn.Conv2d(cin, experts * cout, 3, stride, 1, bias=False)
        s.bn = nn.BatchNorm2d(cout)
    def forward(s, x):
        r = (s.route(x.mean((2, 3))) / 4.0).softmax(1)                                         # [N, K]
        y = s.conv(x); n, _, h, w = y.shape
        y = (y.reshape(n, s.k, s.cout, h, w) * r.reshape(n, s.k, 1, 1, 1)).sum(1)
        return F.relu(s.bn(y))

class CondNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        s.c1, s.c2, s.c3 = CondConv(32, 32, stride=2), CondConv(32, 64), CondConv(64, 64, stride=2)
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        return s.fc(s.c3(s.c2(s.c1(s.stem(x)))).mean((2, 3)))

# --- sparsemax -------------------------------------------------------------------------------------------------------
def sparsemax(z, dim=-1):
    """Euclidean projection onto the simplex (Martins and Astudillo 2016) along the last axis."""
    zs, _ = torch.sort(z, dim=dim, descending=True)
    cs = zs.cumsum(dim)
    k = torch.arange(1, z.shape[dim] + 1, dtype=z.dtype)
    support = (1 + k * zs > cs).to(z.dtype)
    kz = support.sum(dim, keepdim=True)                                                       # >= 1 always
    tau = (cs.gather(dim, kz.long() - 1) - 1) / kz
    return torch.clamp(z - tau, min=0)

class SparseAttnBlock(nn.Module):
    def __init__(s, d=64, h=2):
        super().__init__(); s.h = h; s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.qkv, s.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
    def forward(s, x):
        n, t, d = x.shape
        q, k, v = s.qkv(s.n1(x)).reshape(n, t, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)       # each [N, h, T, d/h]
        a = sparsemax(q @ k.transpose(-2, -1) / (d // s.h) ** 0.5)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(n, t, d))
        return x + s.mlp(s.n2(x))

class SparseNet(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.embed = nn.Linear(28, d); s.pos = nn.Parameter(0.02 * torch.randn(1, 28, d))
        s.blocks = nn.Sequential(SparseAttnBlock(d), SparseAttnBlock(d)); s.norm = nn.LayerNorm(d); s.head = nn.Linear(d, 10)
    def forward(s, x):
        return s.head(s.norm(s.blocks(s.embed(x.squeeze(1)) + s.pos).mean(1)))

# --- slot ------------------------------------------------------------------------------------------------------------
class GRUCellOut(nn.Module):
    """torch's GRUCell equations written out (r, z gates, candidate with r applied to the hidden part)."""
    def __init__(s, d):
        super().__init__(); s.x, s.h = nn.Linear(d, 3 * d), nn.Linear(d, 3 * d)
    def forward(s, x, h):
        xr, xz, xn = s.x(x).chunk(3, -1); hr, hz, hn = s.h(h).chunk(3, -1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        return (1 - z) * torch.tanh(xn + r * hn) + z * h

class SlotNet(nn.Module):
    def __init__(s, d=32, slots=4, iters=3):
        super().__init__(); s.iters, s.d = iters, d
        s.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, d, 3, 1, 1), nn.ReLU(),
                              nn.MaxPool2d(2))
        s.pos = nn.Parameter(0.02 * torch.randn(1, 49, d)); s.ni, s.ns, s.nm = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        s.mu = nn.Parameter(torch.randn(1, slots, d)); s.q, s.k, s.v = (nn.Linear(d, d, bias=False) for _ in range(3))
        s.gru = GRUCellOut(d); s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        s.head = nn.Linear(slots * d, 10)
    def forward(s, x):
        f = s.ni(s.enc(x).flatten(2).transpose(1, 2) + s.pos)                                  # [N, 49, d]
        k, v = s.k(f), s.v(f); slots = s.mu.expand(f.shape[0], -1, -1)
        for _ in range(s.iters):
            a = (s.q(s.ns(slots)) @ k.transpose(1, 2) * s.d ** -0.5).softmax(1) + 1e-8         # over the slots
            a = a / a.sum(-1, keepdim=True)                                                     # weighted mean
            slots = s.gru(a @ v, slots); slots = slots + s.mlp(s.nm(slots))
        return s.head(slots.flatten(1))

# --- focal -----------------------------------------------------------------------------------------------------------
class FocalMod(nn.Module):
    def __init__(s, d, levels=2):
        super().__init__(); s.d, s.L = d, levels; s.f = nn.Linear(d, 2 * d + levels + 1)
        s.ctx = nn.ModuleList(nn.Sequential(nn.Conv2d(d, d, 3 + 2 * l, 1, 1 + l, groups=d, bias=False), nn.GELU())
                              for l in range(levels))
        s.h = nn.Conv2d(d, d, 1); s.proj = nn.Linear(d, d)
    def forward(s, x):                                                                         # x [N, H, W, d]
        q, c, g = s.f(x).permute(0, 3, 1, 2).split((s.d, s.d, s.L + 1), 1)
        agg = 0
        for l in range(s.L):
            c = s.ctx[l](c); agg = agg + c * g[:, l:l + 1]
        agg = agg + F.gelu(c.mean((2, 3), keepdim=True)) * g[:, s.L:]
        return s.proj((q * s.h(agg)).permute(0, 2, 3, 1))

class FocalBlock(nn.Module):
    def __init__(s, d):
        super().__init__(); s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d); s.mod = FocalMod(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        s.g1, s.g2 = nn.Parameter(0.1 * torch.ones(d)), nn.Parameter(0.1 * torch.ones(d))
    def forward(s, x):                                                                         # NCHW in and out
        x = x.permute(0, 2, 3, 1); x = x + s.g1 * s.mod(s.n1(x)); x = x + s.g2 * s.mlp(s.n2(x))
        return x.permute(0, 3, 1, 2)

class FocalNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32)); s.b1 = FocalBlock(32)
        s.down = nn.Sequential(nn.Conv2d(32, 64, 2, 2), nn.BatchNorm2d(64)); s.b2 = FocalBlock(64)
        s.norm = nn.LayerNorm(64); s.head = nn.Linear(64, 10)
    def forward(s, x):
        return s.head(s.norm(s.b2(s.down(s.b1(s.stem(x)))).mean((2, 3))))

MODELS = {"xcit": (XCiT, 17), "condconv": (CondNet, 11), "sparsemax": (SparseNet, 12), "slot": (SlotNet, 15),
          "focal": (FocalNet, 16)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, opset = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS24)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
        p = export13(m, name, opset)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen24.py", "seed": 0, "steps": STEPS24, "batch": 64,
                "optimizer": "Adam lr 3e-3", "opset": opset, "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
