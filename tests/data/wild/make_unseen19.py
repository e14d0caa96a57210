#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen19, 2026-12-05 evening):
- fnet: FNet (Lee-Thorp et al. 2021): 4x4 patches to 49 tokens, the token mixing is the **real part of a 2-D Fourier transform**
  over (tokens, hidden) instead of attention; torch 1.13 cannot export torch.fft, so the forward is a torch.autograd.Function
  whose symbolic writes ONNX's **DFT** (opset 17: Unsqueeze to a real signal [N, T, D, 1], DFT over axis 2, DFT over axis 1,
  the real part by Slice, Squeeze), as users write a symbolic for an op the exporter lacks; LayerNorm, GELU MLP; opset 17
- pruned: a CNN **structurally pruned** by torch.nn.utils.prune.ln_structured (half of the output channels of two Convs and
  of the hidden Linear set to exact zeros, L2 over dim 0), fine-tuned under the mask, the mask made permanent by prune.remove
  and exported as it is: **all-zero weight channels** (a per-channel weight range of 0) and constant channels after the
  folded BatchNorm; opset 13
- lista: **LISTA** (Gregor and LeCun 2010), learned ISTA unrolled 3 times over the flattened image: z = softshrink(W x + S z)
  with **one S shared by the three iterations** and torch's **softshrink** (exported as Where/Greater/Less/Add/Sub on the
  threshold), a Linear classifier on the sparse code; opset 13
- gem: an image-retrieval style classifier: **GeM pooling** (generalized mean, Radenovic et al.: clamp, **Pow by a trained
  exponent p**, mean, Pow by 1/p) and a **cosine classifier** (F.normalize of the embedding and of the class weights, scale
  16: ReduceL2, Clip, Expand, Div); opset 13
- f64: a CNN trained in float32 and **exported in float64** (model.double(), a double dummy input), as scientific users who
  keep everything in double do: every tensor, the input and the output are tensor(double); opset 13
    /usr/bin/python3 tests/data/wild/make_unseen19.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN19_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3
(pruned: 60 more steps under the mask), the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from torch.nn.utils import prune
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13, cbr
from make_unseen14 import accuracy2000

STEPS19 = int(os.environ.get("UNSEEN19_STEPS", "200"))

# --- fnet ------------------------------------------------------------------------------------------------------------
class Fourier2d(torch.autograd.Function):
    """Re(FFT over tokens and hidden) of [N, T, D]; exported as ONNX DFT (opset 17), which torch 1.13 has no symbolic for."""
    @staticmethod
    def forward(ctx, x): return torch.fft.fft2(x, dim=(1, 2)).real
    @staticmethod
    def backward(ctx, g): return torch.fft.fft2(g, dim=(1, 2)).real  # the real DFT matrix is symmetric: Re(F) g
    @staticmethod
    def symbolic(g, x):
        c = lambda v: g.op("Constant", value_t=torch.tensor(v))
        s = g.op("Unsqueeze", x, c([3]))                                       # [N, T, D, 1]: a real signal
        s = g.op("DFT", g.op("DFT", s, axis_i=2, onesided_i=0), axis_i=1, onesided_i=0)   # [N, T, D, 2]
        return g.op("Squeeze", g.op("Slice", s, c([0]), c([1]), c([3])), c([3]))

class FNet(nn.Module):
    def __init__(s, d=32):
        super().__init__(); s.patch = nn.Conv2d(1, d, 4, 4); s.n1, s.n2, s.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d)); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.patch(x).flatten(2).transpose(1, 2)                                   # [N, 49, 32]
        t = s.n1(t + Fourier2d.apply(t) / 7.0)                                      # /sqrt(T): the transform's gain
        t = s.n2(t + s.mlp(t))
        return s.fc(s.n3(t).mean(1))

# --- pruned ----------------------------------------------------------------------------------------------------------
class Pruned(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU())
        s.fc1, s.fc2 = nn.Linear(32 * 49, 64), nn.Linear(64, 10)
    def forward(s, x): return s.fc2(F.relu(s.fc1(s.f(x).flatten(1))))

def prune_and_tune(m, d):
    """Half of the output channels of the second and third Conv and of fc1 zeroed (L2 structured), 60 steps under the mask."""
    for mod in (m.f[2][0], m.f[4], m.fc1): prune.ln_structured(mod, "weight", amount=0.5, n=2, dim=0)
    train13(m, d, 60)
    for mod in (m.f[2][0], m.f[4], m.fc1): prune.remove(mod, "weight")

# --- lista -----------------------------------------------------------------------------------------------------------
class Lista(nn.Module):
    def __init__(s, k=128, iters=3):
        super().__init__(); s.We, s.S, s.iters = nn.Linear(784, k), nn.Linear(k, k, bias=False), iters; s.fc = nn.Linear(k, 10)
    def forward(s, x):
        b = s.We(x.flatten(1)); z = F.softshrink(b, 0.1)
        for _ in range(s.iters): z = F.softshrink(b + s.S(z), 0.1)                   # one S for every iteration
        return s.fc(z)

# --- gem -------------------------------------------------------------------------------------------------------------
class GeM(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), cbr(32, 64))
        s.p = nn.Parameter(torch.tensor([3.0])); s.w = nn.Parameter(0.1 * torch.randn(10, 64))
    def forward(s, x):
        h = s.f(x).clamp(min=1e-6).pow(s.p).mean((2, 3)).pow(1.0 / s.p)            # GeM: [N, 64]
        return 16.0 * F.normalize(h, dim=1) @ F.normalize(s.w, dim=1).t()          # cosine logits

# --- f64 -------------------------------------------------------------------------------------------------------------
class F64(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2)); s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x): return s.fc(s.f(x.to(s.fc.weight.dtype)).flatten(1))

def export_f64(m):
    p = os.path.join(OUT, "f64.onnx"); md = F64(); md.load_state_dict(m.state_dict()); md = md.double().eval()
    torch.onnx.export(md, (torch.zeros(1, 1, 28, 28, dtype=torch.float64),), p, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(p); print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

MODELS = {"fnet": (FNet, lambda m: export13(m, "fnet", 17)), "pruned": (Pruned, lambda m: export13(m, "pruned", 13)),
          "lista": (Lista, lambda m: export13(m, "lista", 13)), "gem": (GeM, lambda m: export13(m, "gem", 13)),
          "f64": (F64, export_f64)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS19)
        extra = {}
        if name == "pruned":
            extra = {"torch_accuracy_test2000_before_pruning": accuracy2000(m, d)}
            prune_and_tune(m, d)
            zero = {n: int((p.flatten(1).abs().sum(1) == 0).sum()) for n, p in m.named_parameters() if p.dim() > 1}
            extra["zero_output_channels"] = zero
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen19_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen19.py", "seed": 0, "steps": STEPS19, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, **extra, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} {extra} ({prov['train_seconds']} s)", flush=True)
