#!/usr/bin/python3
"""Vision, detection and generative architectures and export styles no earlier round tried (issue 13, models in the wild;
branch unseen20, 2026-12-05 evening):
- invol: **involution** (Li et al. 2021): the 3x3 kernel is **computed from the input at every pixel** (a 1x1 reduce, BN,
  Relu and a 1x1 Conv to G*9 weights), shared by the C/G channels of each group and applied to **nine shifted copies** of
  the padded input (Pad + Slice, as export-friendly implementations write it instead of unfold), Mul and ReduceSum over the
  nine taps: per-sample, per-pixel dynamic weights multiplying activations; opset 13
- centernet: a CenterNet-style head on a small CNN: a per-class **heat map** (Sigmoid), the **MaxPool peak trick** (3x3
  MaxPool stride 1, **Equal** of the map and its pool, **Cast** to float, **Mul**), the class scores as the spatial ReduceMax of
  the peaks, and a **TopK** of 5 over the flattened peaks with the detections' class and cell by **int64 Div and Mod**:
  four outputs, two of them int64; opset 13
- s2d: a **SpaceToDepth** stem (blocksize 2, as tf2onnx writes TF's space_to_depth; torch 1.13 has no exporter for it, so an
  autograd Function's symbolic writes the ONNX op, TF's channel order) twice: 1x28x28 -> 4x14x14 -> Convs -> SpaceToDepth
  again -> 1x1 Conv; opset 13
- maxout: a **Maxout** network (Goodfellow et al. 2013): Convs with 4 pieces per unit and a Linear with 4 pieces, the max over
  each unit's pieces written as the paper's code does, x.view(N, C // 4, 4, ...).max(2)[0] (**ReduceMax over channel
  groups**, the exporter's Reshape on both sides); no Relu anywhere; opset 13
- glow: a **Glow**-style flow (Kingma and Dhariwal 2018) as a classifier's trunk: a 6-D Reshape/Transpose squeeze, **actnorm**
  (a data-initialized per-channel scale and shift), an **invertible 1x1 Conv**, an **affine coupling** (Sigmoid scale,
  Split), twice at two scales; a second output, the **log-determinant** [N] (ReduceSum of Log of the coupling scales plus
  the constant terms of actnorm and the 1x1 Convs, whose weights are built from LU factors: Trilu); trained on cross entropy + 0.01 x the flow's log-determinant per dimension; opset 14
    /usr/bin/python3 tests/data/wild/make_unseen20.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN20_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy (its first output) on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, T
from make_unseen13 import export13, cbr

STEPS20 = int(os.environ.get("UNSEEN20_STEPS", "200"))

def first(o): return o[0] if isinstance(o, tuple) else o

# --- invol -----------------------------------------------------------------------------------------------------------
class Involution(nn.Module):
    """3x3 involution, G groups: kernel [N, G, 9, H, W] from the input, applied to the nine shifts of each group's channels."""
    def __init__(s, c, g=4, r=4):
        super().__init__(); s.c, s.g = c, g
        s.reduce = nn.Sequential(nn.Conv2d(c, c // r, 1, bias=False), nn.BatchNorm2d(c // r), nn.ReLU())
        s.span = nn.Conv2d(c // r, g * 9, 1)
    def forward(s, x):
        n, c, h, w = x.shape; k = s.span(s.reduce(x)).view(n, s.g, 1, 9, h, w)
        p = F.pad(x, (1, 1, 1, 1))
        taps = torch.stack([p[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], 2)   # [N, C, 9, H, W]
        return (taps.view(n, s.g, c // s.g, 9, h, w) * k).sum(3).view(n, c, h, w)

class Invol(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem, s.inv1, s.bn1 = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2)), Involution(16), nn.BatchNorm2d(16)
        s.up, s.inv2, s.bn2 = cbr(16, 32, 1), Involution(32), nn.BatchNorm2d(32); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.bn1(s.inv1(s.stem(x)))), 2)                         # 14x14 -> 7x7
        x = F.relu(s.bn2(s.inv2(s.up(x))))                                            # 7x7
        return s.fc(x.mean((2, 3)))

# --- centernet ---------------------------------------------------------------------------------------------------------
class CenterNet(nn.Module):
    def __init__(s, k=5):
        super().__init__(); s.k = k
        s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), cbr(32, 32))
        s.heat = nn.Conv2d(32, 10, 1)
    def forward(s, x):
        h = s.heat(s.f(x))                                                            # [N, 10, 7, 7] heat logits
        if s.training: return h.amax((2, 3))                                          # trained: max-pooled class logits
        heat = torch.sigmoid(h)
        keep = (F.max_pool2d(heat, 3, 1, 1) == heat).float()                          # CenterNet's NMS by max pooling
        peaks = heat * keep
        scores = peaks.amax((2, 3))                                                   # the global max is always a peak
        det, ind = peaks.flatten(1).topk(s.k)
        return scores, det, torch.div(ind, 49, rounding_mode="floor"), ind % 49

# --- s2d -------------------------------------------------------------------------------------------------------------
def s2d_tf(x, b=2):  # TF's space_to_depth order: block position outer, channel inner
    n, c, h, w = x.shape
    return x.view(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, b * b * c, h // b, w // b)

def d2s_tf(y, b=2):
    n, cb, h, w = y.shape; c = cb // (b * b)
    return y.view(n, b, b, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c, h * b, w * b)

class SpaceToDepth(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return s2d_tf(x)
    @staticmethod
    def backward(ctx, g): return d2s_tf(g)
    @staticmethod
    def symbolic(g, x): return g.op("SpaceToDepth", x, blocksize_i=2)

class S2D(nn.Module):
    def __init__(s):
        super().__init__()
        s.a = nn.Sequential(cbr(4, 32), cbr(32, 32)); s.b = nn.Sequential(cbr(128, 64, 1), cbr(64, 64)); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = s.a(SpaceToDepth.apply(x))                                                # [N, 32, 14, 14]
        return s.fc(s.b(SpaceToDepth.apply(x)).mean((2, 3)))                          # [N, 128, 7, 7] -> 64

# --- maxout ------------------------------------------------------------------------------------------------------------
class Maxout(nn.Module):
    def __init__(s, k=4):
        super().__init__(); s.k = k
        s.c1, s.c2 = nn.Conv2d(1, 8 * k, 3, padding=1), nn.Conv2d(8, 32 * k, 3, padding=1)
        s.l1, s.fc = nn.Linear(32 * 49, 64 * k), nn.Linear(64, 10)
    def mo(s, x):
        return x.view(x.shape[0], x.shape[1] // s.k, s.k, *x.shape[2:]).max(2)[0]
    def forward(s, x):
        x = F.max_pool2d(s.mo(s.c1(x)), 2); x = F.max_pool2d(s.mo(s.c2(x)), 2)
        return s.fc(s.mo(s.l1(x.flatten(1))))

# --- glow --------------------------------------------------------------------------------------------------------------
def squeeze2(x):  # Glow's squeeze: [N, C, H, W] -> [N, 4C, H/2, W/2] by a 6-D Reshape/Transpose
    n, c, h, w = x.shape
    return x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(n, c * 4, h // 2, w // 2)

class FlowStep(nn.Module):
    def __init__(s, c, hidden=32):
        super().__init__()
        s.an_b, s.an_logs, s.init = nn.Parameter(torch.zeros(1, c, 1, 1)), nn.Parameter(torch.zeros(1, c, 1, 1)), False
        # invertible 1x1 Conv in Glow's LU form: W = P L (U + diag(sign * exp(log_s))), log|det W| = sum(log_s)
        p, l, u = torch.linalg.lu(torch.linalg.qr(torch.randn(c, c))[0]); d = torch.diagonal(u)
        s.register_buffer("p", p); s.register_buffer("sign", torch.sign(d)); s.register_buffer("eye", torch.eye(c))
        s.l, s.u, s.log_s = nn.Parameter(l), nn.Parameter(torch.triu(u, 1)), nn.Parameter(torch.log(d.abs()))
        s.nn = nn.Sequential(nn.Conv2d(c // 2, hidden, 3, padding=1), nn.ReLU(), nn.Conv2d(hidden, c, 3, padding=1))
        nn.init.zeros_(s.nn[2].weight); nn.init.zeros_(s.nn[2].bias)
    def forward(s, x):
        hw = x.shape[2] * x.shape[3]
        if not s.init and s.training:                                                 # actnorm's data-dependent init
            with torch.no_grad():
                s.an_b.data = -x.mean((0, 2, 3), keepdim=True)
                s.an_logs.data = -torch.log(x.std((0, 2, 3), keepdim=True) + 1e-6); s.init = True
        x = (x + s.an_b) * torch.exp(s.an_logs)
        w = s.p @ (torch.tril(s.l, -1) + s.eye) @ (torch.triu(s.u, 1) + s.eye * (s.sign * torch.exp(s.log_s)))
        x = F.conv2d(x, w.view(*w.shape, 1, 1))
        xa, xb = x.chunk(2, 1)
        shift, raw = s.nn(xa).chunk(2, 1)
        sc = torch.sigmoid(raw + 2.0)
        y = torch.cat([xa, (xb + shift) * sc], 1)
        ld = torch.log(sc).flatten(1).sum(1) + hw * (s.an_logs.sum() + s.log_s.sum())
        return y, ld

class Glow(nn.Module):
    def __init__(s):
        super().__init__(); s.s1 = nn.ModuleList([FlowStep(4), FlowStep(4)]); s.s2 = nn.ModuleList([FlowStep(16), FlowStep(16)])
        s.head = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    def forward(s, x):
        z, ld = squeeze2(x - 0.5), 0
        for st in s.s1: z, l = st(z); ld = ld + l
        z = squeeze2(z)
        for st in s.s2: z, l = st(z); ld = ld + l
        return s.head(z.flatten(1)), ld

def train20(m, d, steps):
    """make_unseen13.train13's loop (seed 0, Adam 3e-3, batches of 64) on the first output; glow adds 0.01 x its NLL."""
    torch.manual_seed(0); x, y = d[0], d[1]
    opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train(); g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy()
        o = m(T(x[idx])); loss = F.cross_entropy(first(o), torch.from_numpy(y[idx]))
        if isinstance(m, Glow):  # the flow's NLL per dimension under a standard normal (z recomputed; dequantization omitted)
            loss = loss - 0.01 * o[1].mean() / 784
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval()

def accuracy(m, d, n):
    tx, ty = T(d[2][:n]), d[3][:n]
    with torch.no_grad(): o = torch.cat([first(m(tx[i:i + 500])) for i in range(0, n, 500)])
    return float((o.argmax(1).numpy() == ty).mean())

MODELS = {"invol": (Invol, lambda m: export13(m, "invol", 13)),
          "centernet": (CenterNet, lambda m: export13(m, "centernet", 13, outs=("scores", "det_scores", "det_class", "det_cell"))),
          "s2d": (S2D, lambda m: export13(m, "s2d", 13)),
          "maxout": (Maxout, lambda m: export13(m, "maxout", 13)),
          "glow": (Glow, lambda m: export13(m, "glow", 14, outs=("logits", "logdet")))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data()
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train20(m, d, STEPS20)
        a2, a = accuracy(m, d, 2000), accuracy(m, d, 10000)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen20_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen20.py", "seed": 0, "steps": STEPS20, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
