#!/usr/bin/python3
"""Round 27 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen27,
2026-12-06 afternoon):
- gat: a **graph attention network** (GAT, Velickovic et al. 2018) over the 49 patches of a CNN's 7x7 map as nodes of a
  fixed 8-neighbour grid graph (self-loops included): per head the scores LeakyReLU(a_src . Wh_i + a_dst . Wh_j) as a
  broadcast sum [N, H, 49, 1] + [N, H, 1, 49], **masked by a dense adjacency with Where(adj, e, -9e15)** (the reference
  code's constant), Softmax over the neighbours, the heads concatenated with ELU (layer 1, 4 heads) and averaged (layer 2,
  2 heads); mean over the nodes, Linear; opset 13
- hyena: a **Hyena operator** (Poli et al. 2023) over 196 tokens (2x2 patches): a projection to v, x1, x2 with a short
  depthwise Conv1d (k 3), and a **long implicit filter**: a Sin-MLP (FFN with sin activations) of the positions' features
  times an exponential decay window, **computed in the graph** (exported with do_constant_folding=False, as a user does who
  keeps the model editable), flipped, read by a **causal depthwise Conv1d whose kernel is as long as the sequence (196),
  padded 195 on both sides and sliced to the first 196**; y = x2 * longconv(x1 * v); LayerNorm, residual, mean, Linear; opset 13
- odenet: a **neural ODE** (Chen et al. 2018, torchdiffeq's MNIST ODE-Net) on a CNN's 7x7 map: the dynamics GroupNorm-ReLU-
  ConcatConv-GroupNorm-ReLU-ConcatConv-GroupNorm (ConcatConv: the time t as a constant channel concatenated in front),
  **integrated by a fixed-step RK4 unrolled in the graph** (3 steps over [0, 1]: 12 evaluations, **one initializer read by
  12 Convs** whose inputs have different ranges); GroupNorm, ReLU, global average pool, Linear; opset 13
- aft: an **Attention Free Transformer** (AFT-full, Zhai et al. 2021) on 49 patch tokens (d 64): Y = sigmoid(Q) *
  (exp(w) @ (exp(K) * V)) / (exp(w) @ exp(K)) with learned pairwise position biases w [49, 49], K less its maximum over
  the tokens and w less its maximum (the paper's stabilisation); constant folding leaves **exp(w) a stored [49, 49] matrix
  as the first operand of a MatMul** (a weight on the left); two pre-norm blocks with GELU MLPs; mean, Linear; opset 13
- tome: a **token-merging ViT** (ToMe, Bolya et al. 2023): 49 patch tokens (d 48), three pre-norm attention blocks, after
  each attention **bipartite soft matching**: the keys' alternate tokens (Slice step 2) as two sets, their cosine
  similarities, the best match per token (ReduceMax + ArgMax), **argsort (TopK over all) of the matches**, the r = 8 most
  similar merged into their matches by **scatter_add (ScatterElements reduction add, opset 16)** with counts for the mean,
  the rest kept by **GatherElements**: 49 -> 41 -> 33 -> 25 tokens; mean, Linear; opset 16
    /usr/bin/python3 tests/data/wild/make_unseen27.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN27_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, math, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import export13, train13, cbr
from make_unseen14 import accuracy2000

STEPS27 = int(os.environ.get("UNSEEN27_STEPS", "300"))

def tokens(x): return x.flatten(2).transpose(1, 2)  # [N, C, H, W] -> [N, HW, C]

# --- gat -------------------------------------------------------------------------------------------------------------
def grid_adjacency(side=7):
    """8-neighbour grid graph with self-loops, [side^2, side^2] bool."""
    idx = torch.arange(side * side); r, c = idx // side, idx % side
    return ((r[:, None] - r[None, :]).abs() <= 1) & ((c[:, None] - c[None, :]).abs() <= 1)

class GATLayer(nn.Module):
    def __init__(s, din, dout, heads, concat):
        super().__init__(); s.h, s.f, s.concat = heads, dout, concat
        s.W = nn.Linear(din, heads * dout, bias=False)
        s.a_src = nn.Parameter(0.1 * torch.randn(heads, 1, dout)); s.a_dst = nn.Parameter(0.1 * torch.randn(heads, 1, dout))
        s.register_buffer("adj", grid_adjacency())
    def forward(s, x):                                                      # [N, 49, din]
        wh = s.W(x).reshape(x.shape[0], -1, s.h, s.f).permute(0, 2, 1, 3)   # [N, H, 49, F]
        e = F.leaky_relu((wh * s.a_src).sum(-1, keepdim=True) + (wh * s.a_dst).sum(-1).unsqueeze(2), 0.2)
        att = torch.softmax(torch.where(s.adj, e, torch.tensor(-9e15)), -1)   # the reference GAT's mask constant
        o = att @ wh                                                         # [N, H, 49, F]
        return F.elu(o.permute(0, 2, 1, 3).flatten(2)) if s.concat else o.mean(1)

class GAT(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(cbr(1, 16), nn.Conv2d(16, 32, 4, 4))
        s.g1 = GATLayer(32, 16, 4, True); s.g2 = GATLayer(64, 32, 2, False); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        return s.fc(s.g2(s.g1(tokens(s.stem(x)))).mean(1))

# --- hyena -----------------------------------------------------------------------------------------------------------
class Sin(nn.Module):
    def __init__(s, w=10.0):
        super().__init__(); s.w = w
    def forward(s, x): return torch.sin(s.w * x)

class HyenaFilter(nn.Module):
    """The implicit long filter h [d, L]: a Sin-FFN of positional features times an exponential decay window."""
    def __init__(s, d, L, emb=5):
        super().__init__(); t = torch.linspace(0, 1, L)[:, None]
        f = torch.arange(1, (emb - 1) // 2 + 1)[None, :].float()
        s.register_buffer("z", torch.cat([t, torch.cos(2 * math.pi * f * t), torch.sin(2 * math.pi * f * t)], -1))  # [L, emb]
        s.register_buffer("t", t)
        s.ffn = nn.Sequential(nn.Linear(emb, 16), Sin(), nn.Linear(16, 16), Sin(), nn.Linear(16, d, bias=False))
        s.register_buffer("decay", torch.linspace(0.3, 1.5, d)[None, :] * 10)
    def forward(s):
        return (s.ffn(s.z) * torch.exp(-s.decay * s.t)).transpose(0, 1)       # [d, L]

class HyenaBlock(nn.Module):
    def __init__(s, d, L):
        super().__init__(); s.d, s.L = d, L
        s.norm = nn.LayerNorm(d); s.proj = nn.Linear(d, 3 * d)
        s.short = nn.Conv1d(3 * d, 3 * d, 3, padding=2, groups=3 * d)
        s.filt = HyenaFilter(d, L); s.bias = nn.Parameter(torch.zeros(d, 1)); s.out = nn.Linear(d, d)
    def forward(s, x):                                                      # [N, L, d]
        u = s.short(s.proj(s.norm(x)).transpose(1, 2))[..., :s.L]           # causal short conv, [N, 3d, L]
        v, x1, x2 = u[:, :s.d], u[:, s.d:2 * s.d], u[:, 2 * s.d:]
        k = s.filt().flip(-1).unsqueeze(1)                                   # [d, 1, L]
        y = F.conv1d(x1 * v, k, padding=s.L - 1, groups=s.d)[..., s.L - 1:2 * s.L - 1] + s.bias * x1 * v
        return x + s.out((x2 * y).transpose(1, 2))

class Hyena(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.embed = nn.Conv2d(1, d, 2, 2); s.b1 = HyenaBlock(d, 196); s.b2 = HyenaBlock(d, 196)
        s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        return s.fc(s.norm(s.b2(s.b1(tokens(s.embed(x))))).mean(1))

# --- odenet ----------------------------------------------------------------------------------------------------------
class ConcatConv(nn.Module):
    def __init__(s, cin, cout):
        super().__init__(); s.conv = nn.Conv2d(cin + 1, cout, 3, 1, 1)
    def forward(s, t, x):
        return s.conv(torch.cat([torch.ones_like(x[:, :1]) * t, x], 1))

class ODEFunc(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.n1, s.n2, s.n3 = nn.GroupNorm(8, c), nn.GroupNorm(8, c), nn.GroupNorm(8, c)
        s.c1, s.c2 = ConcatConv(c, c), ConcatConv(c, c)
    def forward(s, t, x):
        return s.n3(s.c2(t, F.relu(s.n2(s.c1(t, F.relu(s.n1(x)))))))

def rk4(f, x, t0=0.0, t1=1.0, steps=3):
    h = (t1 - t0) / steps; t = t0
    for _ in range(steps):
        k1 = f(t, x); k2 = f(t + h / 2, x + h / 2 * k1); k3 = f(t + h / 2, x + h / 2 * k2); k4 = f(t + h, x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4); t += h
    return x

class ODENet(nn.Module):
    def __init__(s, c=32):
        super().__init__(); s.down = nn.Sequential(cbr(1, 16, st=2), nn.Conv2d(16, c, 3, 2, 1))
        s.f = ODEFunc(c); s.norm = nn.GroupNorm(8, c); s.fc = nn.Linear(c, 10)
    def forward(s, x):
        return s.fc(F.relu(s.norm(rk4(s.f, s.down(x)))).mean((2, 3)))

# --- aft -------------------------------------------------------------------------------------------------------------
class AFTFull(nn.Module):
    def __init__(s, d, T):
        super().__init__(); s.qkv = nn.Linear(d, 3 * d); s.w = nn.Parameter(torch.zeros(T, T)); s.out = nn.Linear(d, d)
    def forward(s, x):                                                      # [N, T, d]
        q, k, v = s.qkv(x).chunk(3, -1)
        k = torch.exp(k - k.amax(1, keepdim=True)); w = torch.exp(s.w - s.w.max())
        return s.out(torch.sigmoid(q) * (w @ (k * v)) / (w @ k))

class AFTBlock(nn.Module):
    def __init__(s, d, T):
        super().__init__(); s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d); s.aft = AFTFull(d, T)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(s, x):
        x = x + s.aft(s.n1(x)); return x + s.mlp(s.n2(x))

class AFT(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.embed = nn.Conv2d(1, d, 4, 4); s.pos = nn.Parameter(0.02 * torch.randn(1, 49, d))
        s.blocks = nn.Sequential(AFTBlock(d, 49), AFTBlock(d, 49)); s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        return s.fc(s.norm(s.blocks(tokens(s.embed(x)) + s.pos)).mean(1))

# --- tome ------------------------------------------------------------------------------------------------------------
def bipartite_merge(x, k, r):
    """ToMe's bipartite soft matching: the r tokens of set A most similar to set B merged (averaged) into their matches."""
    a, b = k[:, ::2], k[:, 1::2]
    a = a / a.norm(dim=-1, keepdim=True); b = b / b.norm(dim=-1, keepdim=True)
    node_max, node_idx = (a @ b.transpose(-1, -2)).max(dim=-1)              # [N, Ta]
    edge_idx = node_max.argsort(dim=-1, descending=True)[..., None]         # [N, Ta, 1]
    unm_idx, src_idx = edge_idx[:, r:], edge_idx[:, :r]
    dst_idx = node_idx[..., None].gather(1, src_idx)                        # [N, r, 1]
    xa, xb = x[:, ::2], x[:, 1::2]; C = x.shape[-1]
    unm = xa.gather(1, unm_idx.expand(-1, -1, C)); src = xa.gather(1, src_idx.expand(-1, -1, C))
    dst_idx = dst_idx.expand(-1, -1, C)                                     # torch 1.13 exports scatter_add only with index and src alike
    dst = xb.scatter_add(1, dst_idx, src); cnt = torch.ones_like(xb).scatter_add(1, dst_idx, torch.ones_like(src))
    return torch.cat([unm, dst / cnt], 1)

class ToMeBlock(nn.Module):
    def __init__(s, d, heads, r):
        super().__init__(); s.h, s.r = heads, r
        s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d); s.qkv = nn.Linear(d, 3 * d); s.proj = nn.Linear(d, d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(s, x):
        n, t, d = x.shape
        q, k, v = s.qkv(s.n1(x)).reshape(n, t, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // s.h), -1)
        x = x + s.proj((att @ v).transpose(1, 2).reshape(n, t, d))
        x = bipartite_merge(x, k.mean(1), s.r)
        return x + s.mlp(s.n2(x))

class ToMe(nn.Module):
    def __init__(s, d=48):
        super().__init__(); s.embed = nn.Conv2d(1, d, 4, 4); s.pos = nn.Parameter(0.02 * torch.randn(1, 49, d))
        s.blocks = nn.Sequential(*[ToMeBlock(d, 3, 8) for _ in range(3)]); s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        return s.fc(s.norm(s.blocks(tokens(s.embed(x)) + s.pos)).mean(1))

MODELS = {"gat": (GAT, 13, {}), "hyena": (Hyena, 13, {"do_constant_folding": False}), "odenet": (ODENet, 13, {}),
          "aft": (AFT, 13, {}), "tome": (ToMe, 16, {})}

def train_and_export(models, steps, script, names):
    """Trains each named model of {name: (class, opset, export options)} (all if none named) for `steps` steps, saves NAME.pt,
    exports NAME.onnx and writes its provenance NAME.json in $WILD_OUT (make_unseen27.py's and later rounds' procedure)."""
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in names or models:
        torch.manual_seed(0); cls, opset, kw = models[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, steps)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
        p = export13(m, name, opset, **kw)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": script, "seed": 0, "steps": steps, "batch": 64,
                "optimizer": "Adam lr 3e-3", "opset": opset, "export_options": kw,
                "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)

if __name__ == "__main__":
    train_and_export(MODELS, STEPS27, "tests/data/wild/make_unseen27.py", sys.argv[1:])
