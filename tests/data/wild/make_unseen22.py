#!/usr/bin/python3
"""Round 22 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen22,
2026-12-06 night; rounds 20 and 21 named these as not built: ALiBi, RWKV, N-BEATS, a VAE, a Loop holding its own weights):
- alibi: a four-head transformer over the 28 image rows as tokens with **ALiBi** (Press et al. 2022): no position embedding,
  a linear bias -slope_h |i - j| per head added to the scores before Softmax; the bias is **computed in the graph from the
  token count** (Shape, Gather, Range, Sub, Abs, Mul by the slopes, Neg) as a user's code that serves any length writes it;
  two pre-norm blocks, ReLU MLP, mean over tokens; opset 14
- rwkv: an **RWKV-4**-style block (Peng et al. 2023) over the 28 rows: **token shift** by nn.ZeroPad2d((0, 0, 1, -1)) (a Pad
  with a negative pad), time-mix interpolations, the WKV recurrence with **Exp decay** (w = -exp(time_decay), a bonus u)
  **unrolled over the 28 tokens** (Exp, Mul, Add, Div per step, the state two tensors), a Sigmoid receptance gate, then the
  channel mix (token shift, squared ReLU, Sigmoid gate); the classifier reads the last token; opset 13
- nbeats: **N-BEATS** (Oreshkin et al. 2020) on the 784 pixels as a series: three stacks of two blocks, each a four-layer
  ReLU MLP with a **backcast subtracted from the residual** and a **forecast (the 10 logits) summed** over blocks; the first
  stack's basis is a **fixed polynomial trend basis** (a MatMul by a constant [4, 784] / [4, 10]), the others generic; opset 13
- vae: a **VAE** whose encoder's latent mean feeds a classifier; the reparametrisation z = mu + exp(logvar / 2) eps with eps a
  **fixed noise buffer** (an initializer [1, 16]) feeds a ConvTranspose decoder whose Sigmoid image is the **second output**
  (recon); trained on cross entropy + reconstruction BCE + 0.01 KL; opset 13
- loopconv: a recurrent-refinement CNN (one 3x3 Conv applied three times, h = Relu(Conv(h) + h)), written by onnx.helper from
  the trained weights as a **Loop whose body holds the Conv's weight and bias as the body graph's own initializers** (as
  tf2onnx writes a while loop's constants), not outer-scope names; stem Conv, MaxPools, Gemm outside; opset 13
    /usr/bin/python3 tests/data/wild/make_unseen22.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN22_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, SRC, T, test_accuracy
from make_unseen13 import train13, export13
from make_unseen14 import accuracy2000

STEPS22 = int(os.environ.get("UNSEEN22_STEPS", "200"))

def rows(x): return x.flatten(1, 2)  # [N, 1, 28, 28] -> [N, 28, 28]: the rows as 28 tokens of 28 features

# --- alibi -----------------------------------------------------------------------------------------------------------
class AlibiBlock(nn.Module):
    def __init__(s, d=32, heads=4):
        super().__init__(); s.h, s.dh = heads, d // heads
        s.n1, s.n2, s.qkv, s.o = nn.LayerNorm(d), nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        s.register_buffer("slopes", torch.tensor([2.0 ** (-8.0 * (i + 1) / heads) for i in range(heads)]).view(heads, 1, 1))
    def forward(s, x):
        n, t, d = x.shape
        pos = torch.arange(t, dtype=torch.float32)                                          # from the token count: any length
        bias = -(s.slopes * (pos[None, :] - pos[:, None]).abs())                            # [H, T, T]
        q, k, v = s.qkv(s.n1(x)).reshape(n, t, 3, s.h, s.dh).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(s.dh) + bias, -1)
        x = x + s.o((a @ v).transpose(1, 2).reshape(n, t, d))
        return x + s.mlp(s.n2(x))

class Alibi(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.emb, s.b1, s.b2, s.n, s.fc = nn.Linear(28, d), AlibiBlock(d), AlibiBlock(d), nn.LayerNorm(d), nn.Linear(d, 10)
    def forward(s, x): return s.fc(s.n(s.b2(s.b1(s.emb(rows(x))))).mean(1))

# --- rwkv ------------------------------------------------------------------------------------------------------------
class TimeMix(nn.Module):
    def __init__(s, d):
        super().__init__(); s.shift = nn.ZeroPad2d((0, 0, 1, -1))                          # [N, T, C]: the previous token
        s.mk, s.mv, s.mr = (nn.Parameter(torch.rand(1, 1, d)) for _ in range(3))
        s.decay, s.first = nn.Parameter(torch.linspace(-3, 0, d)), nn.Parameter(torch.full((d,), 0.5))
        s.k, s.v, s.r, s.o = (nn.Linear(d, d, bias=False) for _ in range(4))
    def forward(s, x):
        xx = s.shift(x)
        k = s.k(x * s.mk + xx * (1 - s.mk)).clamp(max=10.0)                               # exp(k) stays finite
        v, r = s.v(x * s.mv + xx * (1 - s.mv)), torch.sigmoid(s.r(x * s.mr + xx * (1 - s.mr)))
        w, u = torch.exp(-torch.exp(s.decay)), torch.exp(s.first)                           # per-channel decay in (0, 1), bonus
        a = b = torch.zeros_like(x[:, 0]); out = []
        for t in range(x.shape[1]):                                                          # the WKV recurrence, unrolled
            ek = torch.exp(k[:, t]); euk = u * ek
            out.append((a + euk * v[:, t]) / (b + euk))
            a, b = w * a + ek * v[:, t], w * b + ek
        return s.o(r * torch.stack(out, 1))

class ChannelMix(nn.Module):
    def __init__(s, d):
        super().__init__(); s.shift = nn.ZeroPad2d((0, 0, 1, -1))
        s.mk, s.mr = nn.Parameter(torch.rand(1, 1, d)), nn.Parameter(torch.rand(1, 1, d))
        s.k, s.r, s.v = nn.Linear(d, 4 * d, bias=False), nn.Linear(d, d, bias=False), nn.Linear(4 * d, d, bias=False)
    def forward(s, x):
        xx = s.shift(x)
        k = torch.square(torch.relu(s.k(x * s.mk + xx * (1 - s.mk))))
        return torch.sigmoid(s.r(x * s.mr + xx * (1 - s.mr))) * s.v(k)

class Rwkv(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.emb = nn.Linear(28, d); s.n0, s.n1, s.n2, s.n3 = (nn.LayerNorm(d) for _ in range(4))
        s.tm, s.cm, s.fc = TimeMix(d), ChannelMix(d), nn.Linear(d, 10)
    def forward(s, x):
        t = s.n0(s.emb(rows(x))); t = t + s.tm(s.n1(t)); t = t + s.cm(s.n2(t))
        return s.fc(s.n3(t)[:, -1])

# --- nbeats ----------------------------------------------------------------------------------------------------------
class NBeatsBlock(nn.Module):
    def __init__(s, trend, L=784, H=10, w=64, p=4):
        super().__init__(); s.fc = nn.Sequential(nn.Linear(L, w), nn.ReLU(), *[m for _ in range(3) for m in (nn.Linear(w, w), nn.ReLU())])
        if trend:                                                                           # polynomial basis, fixed (not trained)
            s.theta = nn.Linear(w, 2 * p, bias=False); s.p = p
            s.register_buffer("Tb", torch.stack([torch.linspace(0, 1, L) ** i for i in range(p)]))   # [p, L]
            s.register_buffer("Tf", torch.stack([torch.linspace(0, 1, H) ** i for i in range(p)]))   # [p, H]
        else:
            s.theta = None; s.back, s.fore = nn.Linear(w, L), nn.Linear(w, H)
    def forward(s, x):
        h = s.fc(x)
        if s.theta is None: return s.back(h), s.fore(h)
        th = s.theta(h); return th[:, :s.p] @ s.Tb, th[:, s.p:] @ s.Tf

class NBeats(nn.Module):
    def __init__(s):
        super().__init__(); s.blocks = nn.ModuleList(NBeatsBlock(trend=i < 2) for i in range(6))
    def forward(s, x):
        r = x.flatten(1); f = 0
        for b in s.blocks:
            back, fore = b(r); r = r - back; f = f + fore                                   # doubly residual stacking
        return f

# --- vae -------------------------------------------------------------------------------------------------------------
class Grid(nn.Module):  # nn.Unflatten: torch 1.13 exports no aten::unflatten
    def forward(s, x): return x.reshape(-1, 32, 7, 7)

class Vae(nn.Module):
    both = False  # export: logits and the reconstruction; training and accuracy: read through train_vae / the logits
    def __init__(s, z=16):
        super().__init__()
        s.enc = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 49, 64), nn.ReLU())
        s.mu, s.logvar = nn.Linear(64, z), nn.Linear(64, z)
        s.register_buffer("eps", torch.randn(1, z))                                        # the reparametrisation's noise, fixed
        s.cls = nn.Sequential(nn.Linear(z, 32), nn.ReLU(), nn.Linear(32, 10))
        s.dec = nn.Sequential(nn.Linear(z, 32 * 49), nn.ReLU(), Grid(), nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.ReLU(),
                              nn.ConvTranspose2d(16, 1, 4, 2, 1), nn.Sigmoid())
    def parts(s, x):
        h = s.enc(x); mu, lv = s.mu(h), s.logvar(h)
        return s.cls(mu), s.dec(mu + torch.exp(lv / 2) * s.eps), mu, lv
    def forward(s, x):
        logits, recon, _, _ = s.parts(x)
        return (logits, recon) if s.both else logits

def train_vae(m, d, steps):
    """train13's loop (seed 0, Adam 3e-3, 64 images) on cross entropy + reconstruction BCE (per pixel) + 0.01 KL (per latent);
    the training noise is the fixed buffer, as the exported graph samples it."""
    torch.manual_seed(0); x, y, _, _ = d; opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train()
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy(); xb = T(x[idx])
        logits, recon, mu, lv = m.parts(xb)
        kl = -0.5 * torch.mean(1 + lv - mu * mu - lv.exp())
        loss = F.cross_entropy(logits, torch.from_numpy(y[idx])) + F.binary_cross_entropy(recon, xb) + 0.01 * kl
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval()

def export_vae(m):
    m.both = True
    try: return export13(m, "vae", 13, outs=("logits", "recon"))
    finally: m.both = False

# --- loopconv --------------------------------------------------------------------------------------------------------
class LoopConv(nn.Module):
    ITERS = 3
    def __init__(s):
        super().__init__(); s.stem, s.body, s.fc = nn.Conv2d(1, 16, 3, 1, 1), nn.Conv2d(16, 16, 3, 1, 1), nn.Linear(16 * 49, 10)
    def forward(s, x):
        h = F.max_pool2d(F.relu(s.stem(x)), 2)
        for _ in range(s.ITERS): h = F.relu(s.body(h) + h)                                   # one Conv's weights, three times
        return s.fc(F.max_pool2d(h, 2).flatten(1))

def export_loopconv(m):
    """The trained weights written by onnx.helper: the refinement a Loop of ITERS trips whose body graph holds the Conv's
    weight and bias as its own initializers (not names of the outer graph)."""
    a = lambda t, n: numpy_helper.from_array(t.detach().numpy().astype(np.float32), n)
    V = lambda n, s: helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
    body = helper.make_graph(
        [helper.make_node("Conv", ["h_in", "body_w", "body_b"], ["c"], name="body_conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
         helper.make_node("Add", ["c", "h_in"], ["s"], name="body_add"), helper.make_node("Relu", ["s"], ["h_out"], name="body_relu"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond")],
        "refine", [helper.make_tensor_value_info("iter", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                   V("h_in", ["N", 16, 14, 14])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), V("h_out", ["N", 16, 14, 14])],
        initializer=[a(m.body.weight, "body_w"), a(m.body.bias, "body_b")])
    nodes = [helper.make_node("Conv", ["input", "stem_w", "stem_b"], ["c0"], name="stem", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Relu", ["c0"], ["r0"], name="stem_relu"), helper.make_node("MaxPool", ["r0"], ["p0"], name="pool0", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Loop", ["trips", "", "p0"], ["h"], name="refine", body=body),
             helper.make_node("MaxPool", ["h"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p1"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], name="fc", transB=1)]
    inits = [a(m.stem.weight, "stem_w"), a(m.stem.bias, "stem_b"), a(m.fc.weight, "fc_w"), a(m.fc.bias, "fc_b"),
             numpy_helper.from_array(np.array(m.ITERS, np.int64), "trips")]
    g = helper.make_graph(nodes, "loopconv", [V("input", ["N", 1, 28, 28])], [V("logits", ["N", 10])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_unseen22.py")
    model.ir_version = 8; onnx.checker.check_model(model, full_check=True)
    p = os.path.join(OUT, "loopconv.onnx"); onnx.save(model, p); print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

MODELS = {"alibi": (Alibi, lambda m: export13(m, "alibi", 14)), "rwkv": (Rwkv, lambda m: export13(m, "rwkv", 13)),
          "nbeats": (NBeats, lambda m: export13(m, "nbeats", 13)), "vae": (Vae, export_vae), "loopconv": (LoopConv, export_loopconv)}
TRAIN = {"vae": train_vae}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        TRAIN.get(name, train13)(m, d, STEPS22)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen22_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen22.py", "seed": 0, "steps": STEPS22, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
