#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen15, 2026-12-05 morning):
- ssm: a Mamba-style **selective state-space scan written with CumSum**: over the 49 positions of a CNN's 7x7 map, an
  input-dependent step dt (Softplus of a Linear), the diagonal decay dA = -dt exp(A_log) summed by **CumSum**, the state
  h_t = exp(cum_t) * CumSum(exp(-cum_s) dt_s B_s x_s) (the parallel form of h_t = exp(dA_t) h_(t-1) + dt_t B_t x_t), read
  by C_t, a SiLU gate, mean, Linear; opset 13, dynamic batch. exp(-cum) spans about six decades inside the graph.
- kan: a Kolmogorov-Arnold (KAN) head: LayerNorm'd tokens of a CNN's map through two KAN layers, each a SiLU base branch plus
  **cubic B-spline basis functions** on a grid of 8 knots written with **Abs, Pow (exponents 2 and 3), Less and Where**,
  the basis flattened into a MatMul; opset 13, dynamic batch
- hyper: a **hypernetwork**: a subnet reads the pooled features of a CNN and writes a per-sample weight matrix [N, 32, 24]
  and bias, which a **MatMul of two activations** applies to the 49 positions; opset 13, dynamic batch
- tied: **shared weights**: one 3x3 Conv module applied three times (ALBERT-style; **one initializer feeding three Convs**),
  and a tied bottleneck whose weight W [16, 32] is read by a Gemm (transB) to encode and by a MatMul (as it is, W^T's role)
  to decode: **one initializer under two layers with different output axes**; opset 13, dynamic batch
- typed: a **dict-like multi-output with differently typed outputs**: logits (float), pred (**int64** ArgMax), keep (a **bool**
  mask of the positions whose saliency is above the image's mean) and count (int64); inside, **int64 side paths**: a position
  embedding gathered by **Range** (torch.arange of the symbolic length), the mask cast and summed, an index write
  (**ScatterND**) of a learned token into position 0; opset 13, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen15.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN15_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13, cbr
from make_unseen14 import accuracy2000

STEPS15 = int(os.environ.get("UNSEEN15_STEPS", "200"))

def stem(d):  # [N, 1, 28, 28] -> [N, d, 7, 7]
    return nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), cbr(32, d, st=2))

def tokens(x): return x.flatten(2).transpose(1, 2)  # [N, C, 7, 7] -> [N, 49, C]

# --- ssm -------------------------------------------------------------------------------------------------------------
class SSM(nn.Module):
    def __init__(s, d=32, n=4):
        super().__init__(); s.n = n
        s.stem = stem(d); s.inp = nn.Linear(d, 2 * d)
        s.dt, s.B, s.C = nn.Linear(d, d), nn.Linear(d, n), nn.Linear(d, n)
        s.A_log = nn.Parameter(torch.log(torch.linspace(0.05, 0.3, d)))
        s.D = nn.Parameter(torch.ones(d)); s.out = nn.Linear(d, d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        xz = s.inp(tokens(s.stem(x))); d = xz.shape[-1] // 2
        x, z = xz[..., :d], xz[..., d:]                                                # [N, L, d] each (chunk's Slices; FX cannot unpack chunk)
        dt = F.softplus(s.dt(x))                                                       # [N, L, d] > 0
        cum = torch.cumsum(-dt * torch.exp(s.A_log), 1).unsqueeze(-1)                  # [N, L, d, 1] <= 0
        u = (dt * x).unsqueeze(-1) * s.B(x).unsqueeze(2)                               # [N, L, d, n]
        h = torch.exp(cum) * torch.cumsum(torch.exp(-cum) * u, 1)                      # the scan's parallel form
        y = (h * s.C(x).unsqueeze(2)).sum(-1) + s.D * x                                # [N, L, d]
        return s.fc(s.out(y * F.silu(z)).mean(1))

# --- kan -------------------------------------------------------------------------------------------------------------
class KANLayer(nn.Module):
    """y = silu(x) Wb + sum_i B3((x - c_i) / h) Ws: cubic B-splines on 8 knots over [-2.8, 2.8]."""
    def __init__(s, fin, fout, g=8):
        super().__init__(); s.register_buffer("c", torch.linspace(-2.8, 2.8, g)); s.h = 5.6 / (g - 1)
        s.base = nn.Linear(fin, fout); s.spl = nn.Linear(fin * g, fout, bias=False)
        nn.init.normal_(s.spl.weight, std=0.1)
    def forward(s, x):
        a = torch.abs((x.unsqueeze(-1) - s.c) / s.h)                                   # [..., fin, g]
        b = torch.where(a < 1, 2 / 3 - a ** 2 + a ** 3 / 2, torch.where(a < 2, (2 - a) ** 3 / 6, torch.zeros_like(a)))
        return s.base(F.silu(x)) + s.spl(b.flatten(-2))

class KAN(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.stem = stem(d); s.n = nn.LayerNorm(d); s.k1 = KANLayer(d, d); s.k2 = KANLayer(d, 10)
    def forward(s, x):
        h = s.k1(s.n(tokens(s.stem(x))))                                               # [N, 49, d]
        return s.k2(h.mean(1))

# --- hyper -----------------------------------------------------------------------------------------------------------
class Hyper(nn.Module):
    def __init__(s, d=32, k=24):
        super().__init__(); s.d, s.k = d, k
        s.stem = stem(d); s.hyp = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, d * k + k))
        s.fc = nn.Linear(k, 10)
    def forward(s, x):
        t = tokens(s.stem(x))                                                          # [N, 49, d]
        p = s.hyp(t.mean(1))                                                           # [N, d*k + k]
        w = p[:, :s.d * s.k].reshape(-1, s.d, s.k) / s.d ** 0.5; b = p[:, s.d * s.k:].unsqueeze(1)
        return s.fc(F.relu(t @ w + b).mean(1))                                         # MatMul of two activations

# --- tied ------------------------------------------------------------------------------------------------------------
class Tied(nn.Module):
    def __init__(s, d=32, r=16):
        super().__init__()
        s.a = nn.Sequential(nn.Conv2d(1, d, 3, 1, 1), nn.ReLU())
        s.shared = nn.Conv2d(d, d, 3, 1, 1)                                            # applied three times
        s.W = nn.Parameter(torch.randn(r, d) / d ** 0.5); s.bw = nn.Parameter(torch.zeros(r))
        s.fc = nn.Linear(d, 10)
    def forward(s, x):
        h = s.a(x)
        h = F.max_pool2d(F.relu(s.shared(h)), 2)                                       # 14x14
        h = F.max_pool2d(F.relu(s.shared(h)), 2)                                       # 7x7
        h = F.relu(s.shared(h)) + h
        v = torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)                              # [N, d]
        z = F.relu(F.linear(v, s.W, s.bw))                                             # Gemm, transB: W encodes
        return s.fc(v + z @ s.W)                                                       # MatMul: the same W decodes

# --- typed -----------------------------------------------------------------------------------------------------------
class Typed(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.stem = stem(d); s.pe = nn.Embedding(64, d); s.tok = nn.Parameter(torch.zeros(d))
        s.sal = nn.Linear(d, 1); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = tokens(s.stem(x))                                                          # [N, L, d]
        t = t + s.pe(torch.arange(t.shape[1]))                                         # Range -> Gather
        t = t.clone(); t[:, 0] = s.tok                                                 # ScatterND
        sal = s.sal(t).squeeze(-1)                                                     # [N, L]
        keep = sal > sal.mean(1, keepdim=True)                                         # bool
        w = torch.softmax(sal, 1) * (1 + keep.float())
        logits = s.fc((t * w.unsqueeze(-1)).sum(1) / w.sum(1, keepdim=True))
        if not torch.onnx.is_in_onnx_export(): return logits
        return logits, logits.argmax(1), keep, keep.long().sum(1)

def make(name, outs=("logits",)):
    return lambda m: export13(m, name, 13, outs)

MODELS = {"ssm": (SSM, make("ssm")), "kan": (KAN, make("kan")), "hyper": (Hyper, make("hyper")),
          "tied": (Tied, make("tied")), "typed": (Typed, make("typed", ("logits", "pred", "keep", "count")))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS15)
        a, a2 = acc(m), accuracy2000(m, d)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen15_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen15.py", "seed": 0, "steps": STEPS15, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
