#!/usr/bin/python3
"""Sequence, transformer and tabular architectures no earlier round tried (issue 13, models in the wild; branch unseen21,
2026-12-05 night; round 20 took vision and detection):
- rotary: a two-head transformer over the 28 image rows as tokens with **rotary position embedding** (RoFormer, Su et al.):
  sin/cos tables of [28, 16] as constants, rotate-half by **Slice, Neg, Concat** on q and k, softmax attention, GELU MLP,
  the LayerNorms pre-norm; mean over tokens; opset 14
- linformer: **Linformer** (Wang et al. 2020): 4x4 patches to 49 tokens, keys and values **projected along the sequence** by a
  trained [49 -> 16] Linear (a MatMul over the token axis after a Transpose), single head, LayerNorm, ReLU MLP; opset 13
- performer: **Performer FAVOR+** attention (Choromanski et al. 2021): positive random features exp(w.x - |x|^2/2 - max) with
  the **random matrix fixed as a buffer** (an initializer), **ReduceMax** for stability, **Exp**, linear attention
  phi(q) (phi(k)^T v) / (phi(q) . sum phi(k)): a MatMul of two activations over the token axis and a Div; opset 13
- retnet: **RetNet retention** (Sun et al. 2023) over the 28 rows, causal: (Q K^T * D) V with a **constant decay mask**
  D[h, n, m] = gamma_h^(n - m) for n >= m else 0 (two heads, gamma 0.9 and 0.6), **GroupNorm per head** (torch writes
  InstanceNormalization between Reshapes), a swish gate; the classifier reads the **last token** (a Gather on the token axis); opset 13
- tabnet: a **TabNet**-style classifier on 49 tabular features, the 4x4 patch means (an AveragePool in the graph; on the 784
  pixels it stayed at chance after 400 steps, 0.0985) (Arik and Pfister 2021): two decision steps, each an attentive
  transformer whose mask is **sparsemax** (torch.sort -> **TopK** of all 49, **CumSum**, the support by
  Greater/Cast/ReduceSum, tau by **GatherElements**, Relu of z - tau) times the prior, a feature transformer Linear +
  BatchNorm1d + GLU; eval-mode BatchNorm1d on rank-2 tensors; opset 13
    /usr/bin/python3 tests/data/wild/make_unseen21.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN21_STEPS (default 200;
tabnet twice as many) steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13
from make_unseen14 import accuracy2000

STEPS21 = int(os.environ.get("UNSEEN21_STEPS", "200"))
STEPS = {"tabnet": 2}  # TabNet learns slower: twice the steps (0.483 on the first 2,000 after 200)

def rows(x): return x.flatten(1, 2)  # [N, 1, 28, 28] -> [N, 28, 28]: the rows as 28 tokens of 28 features

# --- rotary ----------------------------------------------------------------------------------------------------------
def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

class RotaryBlock(nn.Module):
    def __init__(s, d=32, heads=2, t=28):
        super().__init__(); s.h, s.dh = heads, d // heads
        s.n1, s.n2, s.qkv, s.o = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        inv = 1.0 / (10000 ** (torch.arange(0, s.dh, 2).float() / s.dh))
        f = torch.outer(torch.arange(t).float(), inv); f = torch.cat((f, f), -1)              # [T, dh]
        s.register_buffer("cos", f.cos()); s.register_buffer("sin", f.sin())
    def forward(s, x):
        n, t, d = x.shape
        q, k, v = s.qkv(s.n1(x)).reshape(n, t, 3, s.h, s.dh).permute(2, 0, 3, 1, 4)          # [N, H, T, dh] each
        q = q * s.cos + rotate_half(q) * s.sin; k = k * s.cos + rotate_half(k) * s.sin
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(s.dh), -1)
        x = x + s.o((a @ v).transpose(1, 2).reshape(n, t, d))
        return x + s.mlp(s.n2(x))

class Rotary(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.emb, s.b1, s.b2, s.n, s.fc = nn.Linear(28, d), RotaryBlock(d), RotaryBlock(d), nn.LayerNorm(d), nn.Linear(d, 10)
    def forward(s, x): return s.fc(s.n(s.b2(s.b1(s.emb(rows(x))))).mean(1))

# --- linformer -------------------------------------------------------------------------------------------------------
class Linformer(nn.Module):
    def __init__(s, d=32, t=49, k=16):
        super().__init__(); s.patch = nn.Conv2d(1, d, 4, 4); s.n1, s.n2, s.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        s.q, s.k, s.v, s.o = (nn.Linear(d, d) for _ in range(4)); s.E, s.Fp = nn.Linear(t, k), nn.Linear(t, k)  # along the sequence
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d)); s.fc = nn.Linear(d, 10); s.d = d
    def forward(s, x):
        t = s.patch(x).flatten(2).transpose(1, 2)                                           # [N, 49, 32]
        h = s.n1(t)
        k = s.E(s.k(h).transpose(1, 2))                                                     # [N, 32, 16]: keys projected along tokens
        v = s.Fp(s.v(h).transpose(1, 2)).transpose(1, 2)                                    # [N, 16, 32]
        a = torch.softmax(s.q(h) @ k / math.sqrt(s.d), -1)                                  # [N, 49, 16]
        t = t + s.o(a @ v)
        t = t + s.mlp(s.n2(t))
        return s.fc(s.n3(t).mean(1))

# --- performer -------------------------------------------------------------------------------------------------------
class Performer(nn.Module):
    def __init__(s, d=32, m=32):
        super().__init__(); s.patch = nn.Conv2d(1, d, 4, 4); s.n1, s.n2, s.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        s.q, s.k, s.v, s.o = (nn.Linear(d, d) for _ in range(4)); s.m, s.d = m, d
        s.register_buffer("w", torch.randn(d, m))                                          # FAVOR+'s random projection, fixed
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)); s.fc = nn.Linear(d, 10)
    def phi(s, x, across_tokens):
        x = x / s.d ** 0.25
        u = x @ s.w - (x * x).sum(-1, keepdim=True) / 2                                    # [N, T, m]
        mx = u.amax(dim=(1, 2), keepdim=True) if across_tokens else u.amax(-1, keepdim=True)  # keys: one max, queries: per row
        return torch.exp(u - mx) / math.sqrt(s.m) + 1e-6
    def forward(s, x):
        t = s.patch(x).flatten(2).transpose(1, 2)                                           # [N, 49, 32]
        h = s.n1(t)
        q, k, v = s.phi(s.q(h), False), s.phi(s.k(h), True), s.v(h)
        kv = k.transpose(1, 2) @ v                                                          # [N, m, d]
        z = q @ k.sum(1, keepdim=True).transpose(1, 2)                                      # [N, T, 1]
        t = t + s.o((q @ kv) / z)
        t = t + s.mlp(s.n2(t))
        return s.fc(s.n3(t).mean(1))

# --- retnet ----------------------------------------------------------------------------------------------------------
class Retention(nn.Module):
    def __init__(s, d=32, t=28, gammas=(0.9, 0.6)):
        super().__init__(); s.h, s.dh = len(gammas), d // len(gammas)
        s.q, s.k, s.v, s.g, s.o = (nn.Linear(d, d, bias=False) for _ in range(5)); s.gn = nn.GroupNorm(s.h, d)
        n = torch.arange(t).float(); diff = n[:, None] - n[None, :]
        D = torch.stack([torch.where(diff >= 0, g ** diff, torch.zeros(())) for g in gammas])  # [H, T, T], causal decay
        s.register_buffer("D", D)
    def forward(s, x):
        n, t, d = x.shape
        sp = lambda y: y.reshape(n, t, s.h, s.dh).transpose(1, 2)                          # [N, H, T, dh]
        q, k, v = sp(s.q(x)), sp(s.k(x)) / math.sqrt(s.dh), sp(s.v(x))
        r = ((q @ k.transpose(-1, -2)) * s.D) @ v                                           # [N, H, T, dh]
        r = s.gn(r.transpose(1, 2).reshape(n * t, d, 1)).reshape(n, t, d)                   # GroupNorm per head (rank 3: torch's
        # group_norm symbolic needs a spatial axis)
        return s.o(F.silu(s.g(x)) * r)

class RetNet(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.emb = nn.Linear(28, d); s.n1, s.n2, s.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        s.ret = Retention(d); s.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.emb(rows(x)); t = t + s.ret(s.n1(t)); t = t + s.ffn(s.n2(t))
        return s.fc(s.n3(t)[:, -1])                                                          # the last row sees all rows

# --- tabnet ----------------------------------------------------------------------------------------------------------
def sparsemax(z):
    """Martins and Astudillo 2016, as TabNet's code writes it: sort, cumulative sum, support size, threshold tau."""
    zs, _ = torch.sort(z, dim=-1, descending=True)
    r = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = zs.cumsum(-1)
    kz = ((1 + r * zs) > cs).to(z.dtype).sum(-1, keepdim=True)                             # support size, >= 1
    tau = (cs.gather(-1, kz.long() - 1) - 1) / kz
    return torch.clamp(z - tau, min=0)

class TabNet(nn.Module):
    def __init__(s, f=49, nd=16, na=16, steps=2, gamma=1.3):
        super().__init__(); s.bn0 = nn.BatchNorm1d(f); s.steps, s.gamma, s.nd = steps, gamma, nd
        s.shared = nn.Linear(f, 2 * (nd + na)); s.bn_sh = nn.BatchNorm1d(2 * (nd + na))
        s.feat = nn.ModuleList(nn.Linear(nd + na, 2 * (nd + na)) for _ in range(steps + 1))
        s.bnf = nn.ModuleList(nn.BatchNorm1d(2 * (nd + na)) for _ in range(steps + 1))
        s.att = nn.ModuleList(nn.Linear(na, f) for _ in range(steps)); s.bna = nn.ModuleList(nn.BatchNorm1d(f) for _ in range(steps))
        s.fc = nn.Linear(nd, 10)
    def ft(s, x, i):
        h = F.glu(s.bn_sh(s.shared(x)))                                                     # shared GLU layer
        return (h + F.glu(s.bnf[i](s.feat[i](h)))) * math.sqrt(0.5)                          # step-specific GLU layer, residual
    def forward(s, x):
        x = s.bn0(F.avg_pool2d(x, 4).flatten(1)); prior = torch.ones_like(x); out = 0
        a = s.ft(x, 0)[:, s.nd:]
        for i in range(s.steps):
            m = sparsemax(prior * s.bna[i](s.att[i](a)))                                    # attentive transformer
            prior = prior * (s.gamma - m)
            h = s.ft(m * x, i + 1)
            out = out + F.relu(h[:, :s.nd]); a = h[:, s.nd:]
        return s.fc(out)

MODELS = {"rotary": (Rotary, lambda m: export13(m, "rotary", 14)), "linformer": (Linformer, lambda m: export13(m, "linformer", 13)),
          "performer": (Performer, lambda m: export13(m, "performer", 13)), "retnet": (RetNet, lambda m: export13(m, "retnet", 13)),
          "tabnet": (TabNet, lambda m: export13(m, "tabnet", 13))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS21 * STEPS.get(name, 1))
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen21_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen21.py", "seed": 0, "steps": STEPS21 * STEPS.get(name, 1), "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
