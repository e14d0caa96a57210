#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen12, 2026-12-04 evening):
- gmlp: gMLP (Liu et al. 2021): a 4x4 stride-4 patch embedding to 49 tokens of d=64, two gMLP blocks (LayerNorm, Linear d ->
  256, GELU, the spatial gating unit: chunk into u and v (Split), LayerNorm(v), token mixing by a Linear 49 -> 49 over
  v.transpose(1, 2) (Transpose, MatMul, Add, Transpose; its bias initialised to 1 as the paper does), u * v, Linear 128 -> d,
  residual), a final LayerNorm, the mean over tokens, Linear; opset 17, dynamic batch
- xcept9: an Xception-style net (separable Convs = depthwise 3x3 + pointwise 1x1, BatchNorm, **PReLU with one slope per
  channel**, entry/exit blocks with MaxPool 3/2/1 and a strided 1x1 Conv shortcut, a middle block with an identity residual),
  global average pool, Linear and **LogSoftmax** (the output is log-probabilities, "log_probs"); exported at **opset 9** the
  way torch's opset-9 era exports were: **keep_initializers_as_inputs=True** (every initializer also a graph input) and
  **do_constant_folding=False**, dynamic batch
- fcnarg: a fully convolutional classifier with **symbolic height and width** (input [N, 1, H, W]: Convs, BatchNorm, ReLU,
  strided Convs, a 1x1 Conv to 10 class maps, GlobalAveragePool) whose graph ends in **ArgMax** (keepdims 0): the output
  "class" is an int64 class index [N], not logits; opset 13
- dae: a denoising autoencoder, image to image: Conv 1 -> 16 -> 32 (stride 2 each), ReLU, ConvTranspose 32 -> 16 -> 1
  (stride 2), Sigmoid; the output "clean" [N, 1, 28, 28] has no classes. Trained with MSE to restore images with Gaussian
  noise (sigma 0.3, clipped to [0, 1]); opset 13, dynamic batch
- mobileone: MobileOne-S0-like blocks (Vasu et al. 2023) exported **unfused**, as trained: each depthwise stage is k=3
  parallel 3x3 depthwise Conv+BN branches, a 1x1 depthwise Conv+BN "scale" branch and an identity BatchNorm (stride 1),
  summed, ReLU; each pointwise stage k=3 parallel 1x1 Conv+BN branches and an identity BatchNorm (cin = cout), summed,
  ReLU; torch's eval export folds each branch's BN into its Conv, so the graph holds the parallel Convs, their Adds and the
  identity BatchNormalizations; opset 13, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen12.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN12_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy (dae: its mean squared error against the clean image) on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, train, OUT, T, SRC, test_accuracy

STEPS12 = int(os.environ.get("UNSEEN12_STEPS", "300"))

def export12(m, name, opset, out="logits", dyn=None, **kw):
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"],
                      output_names=[out], dynamic_axes=dyn or {"input": {0: "N"}, out: {0: "N"}}, **kw)
    onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

# --- gmlp ------------------------------------------------------------------------------------------------------------
class SGU(nn.Module):
    def __init__(s, ff, seq):
        super().__init__(); s.n = nn.LayerNorm(ff // 2); s.p = nn.Linear(seq, seq)
        nn.init.zeros_(s.p.weight); nn.init.ones_(s.p.bias)            # the paper's near-identity start
    def forward(s, x):
        u, v = x.chunk(2, dim=-1)
        v = s.p(s.n(v).transpose(1, 2)).transpose(1, 2)                 # token mixing over the 49 tokens
        return u * v

class GBlock(nn.Module):
    def __init__(s, d, ff, seq):
        super().__init__(); s.n = nn.LayerNorm(d); s.a = nn.Linear(d, ff); s.sgu = SGU(ff, seq); s.b = nn.Linear(ff // 2, d)
    def forward(s, x): return x + s.b(s.sgu(F.gelu(s.a(s.n(x)))))

class GMLP(nn.Module):
    def __init__(s, d=64, ff=256):
        super().__init__(); s.emb = nn.Conv2d(1, d, 4, 4); s.blocks = nn.Sequential(GBlock(d, ff, 49), GBlock(d, ff, 49))
        s.n = nn.LayerNorm(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.emb(x).flatten(2).transpose(1, 2)                          # [N, 49, d]
        return s.fc(s.n(s.blocks(t)).mean(1))

# --- xcept9 ----------------------------------------------------------------------------------------------------------
class Sep(nn.Module):
    def __init__(s, cin, cout):
        super().__init__(); s.dw = nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False); s.pw = nn.Conv2d(cin, cout, 1, bias=False)
        s.bn = nn.BatchNorm2d(cout)
    def forward(s, x): return s.bn(s.pw(s.dw(x)))

class XBlock(nn.Module):
    """Xception's entry/exit block: PReLU, Sep, PReLU, Sep, MaxPool 3/2/1, plus a strided 1x1 Conv + BN shortcut."""
    def __init__(s, cin, cout):
        super().__init__(); s.a1 = nn.PReLU(cin); s.s1 = Sep(cin, cout); s.a2 = nn.PReLU(cout); s.s2 = Sep(cout, cout)
        s.sc = nn.Conv2d(cin, cout, 1, 2, bias=False); s.scbn = nn.BatchNorm2d(cout)
    def forward(s, x): return F.max_pool2d(s.s2(s.a2(s.s1(s.a1(x)))), 3, 2, 1) + s.scbn(s.sc(x))

class MBlock(nn.Module):
    def __init__(s, c):
        super().__init__(); s.l = nn.Sequential(*[m for _ in range(3) for m in (nn.PReLU(c), Sep(c, c))])
    def forward(s, x): return x + s.l(x)

class Xcept(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16))
        s.entry = XBlock(16, 32); s.mid = MBlock(32); s.exit = XBlock(32, 64); s.act = nn.PReLU(64); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        y = s.act(s.exit(s.mid(s.entry(s.stem(x)))))
        return F.log_softmax(s.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)), 1)

# --- fcnarg ----------------------------------------------------------------------------------------------------------
def cbr(cin, cout, k=3, st=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, st, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

class FcnArg(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), cbr(16, 32, 3, 2), cbr(32, 32), cbr(32, 64, 3, 2), cbr(64, 64))
        s.cls = nn.Conv2d(64, 10, 1); s.argmax = False
    def forward(s, x):
        logits = F.adaptive_avg_pool2d(s.cls(s.f(x)), 1).flatten(1)
        return logits.argmax(1) if s.argmax else logits

# --- dae -------------------------------------------------------------------------------------------------------------
class Dae(nn.Module):
    def __init__(s):
        super().__init__(); s.e1 = nn.Conv2d(1, 16, 3, 2, 1); s.e2 = nn.Conv2d(16, 32, 3, 2, 1)
        s.d1 = nn.ConvTranspose2d(32, 16, 2, 2); s.d2 = nn.ConvTranspose2d(16, 1, 2, 2)
    def forward(s, x): return torch.sigmoid(s.d2(F.relu(s.d1(F.relu(s.e2(F.relu(s.e1(x))))))))

def train_dae(m, d, steps):
    torch.manual_seed(0); x = d[0]; opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train()
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        c = T(x[torch.randint(0, len(x), (64,), generator=g).numpy()])
        noisy = (c + 0.3 * torch.randn(c.shape, generator=g)).clamp(0, 1)
        loss = F.mse_loss(m(noisy), c); opt.zero_grad(); loss.backward(); opt.step()
    m.eval()

def dae_mse(m, d, n):
    c = T(d[2][:n])
    with torch.no_grad(): return float(torch.cat([F.mse_loss(m(c[i:i+500]), c[i:i+500], reduction="none").flatten(1).mean(1)
                                                  for i in range(0, n, 500)]).mean())

# --- mobileone -------------------------------------------------------------------------------------------------------
class ConvBN(nn.Sequential):
    def __init__(s, cin, cout, k, st, g):
        super().__init__(nn.Conv2d(cin, cout, k, st, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout))

class MOBranches(nn.Module):
    """One MobileOne stage in training form: k KxK Conv+BN branches, a 1x1 Conv+BN scale branch (K > 1), an identity
    BatchNorm when the shapes allow; summed."""
    def __init__(s, cin, cout, k, st, g, kb=3):
        super().__init__(); s.br = nn.ModuleList([ConvBN(cin, cout, k, st, g) for _ in range(kb)])
        s.scale = ConvBN(cin, cout, 1, st, g) if k > 1 else None
        s.idn = nn.BatchNorm2d(cin) if cin == cout and st == 1 else None
    def forward(s, x):
        y = sum(b(x) for b in s.br)
        if s.scale is not None: y = y + s.scale(x)
        if s.idn is not None: y = y + s.idn(x)
        return F.relu(y)

class MOBlock(nn.Sequential):
    def __init__(s, cin, cout, st):
        super().__init__(MOBranches(cin, cin, 3, st, cin), MOBranches(cin, cout, 1, 1, 1))

class MobileOne(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = MOBranches(1, 16, 3, 1, 1, kb=1)
        s.b = nn.Sequential(MOBlock(16, 32, 2), MOBlock(32, 32, 1), MOBlock(32, 64, 2), MOBlock(64, 64, 1)); s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(s.stem(x)), 1), 1))

def make_gmlp(m): export12(m, "gmlp", 17)
def make_xcept9(m): export12(m, "xcept9", 9, out="log_probs", keep_initializers_as_inputs=True, do_constant_folding=False)
def make_fcnarg(m):
    m.argmax = True
    export12(m, "fcnarg", 13, out="class", dyn={"input": {0: "N", 2: "H", 3: "W"}, "class": {0: "N"}})
    m.argmax = False
def make_dae(m): export12(m, "dae", 13, out="clean")
def make_mobileone(m): export12(m, "mobileone", 13)

MODELS = {"gmlp": (GMLP, make_gmlp), "xcept9": (Xcept, make_xcept9), "fcnarg": (FcnArg, make_fcnarg), "dae": (Dae, make_dae),
          "mobileone": (MobileOne, make_mobileone)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        if name == "dae":
            train_dae(m, d, STEPS12); a2, a = dae_mse(m, d, 2000), dae_mse(m, d, 10000); what = "mse"
        else:
            train(m, d, steps=STEPS12); a = acc(m); what = "accuracy"
            tx, ty = T(d[2][:2000]), d[3][:2000]
            with torch.no_grad():
                a2 = float((torch.cat([m(tx[i:i+500]) for i in range(0, 2000, 500)]).argmax(1).numpy() == ty).mean())
        make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen12_ptq.py
        prov = {"model": name, "script": "tests/data/wild/make_unseen12.py", "seed": 0, "steps": STEPS12, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, f"torch_{what}_test2000": a2,
                f"torch_{what}_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch {what} 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
