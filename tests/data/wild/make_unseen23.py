#!/usr/bin/python3
"""Round 23 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen23,
2026-12-06 early morning):
- nfnet: a **normalizer-free ResNet** (NF-ResNet, Brock et al. 2021): no BatchNorm; every Conv's weight is **Scaled Weight
  Standardization computed in the graph** ((w - mean) / sqrt(var * fan_in + eps) * gain: ReduceMean, Sub, Mul, Sqrt, Div
  on the initializers), because the export keeps **do_constant_folding=False** as a training pipeline's export does; the
  residual branches scaled by beta on the way in and a **SkipInit alpha** on the way out, gamma-scaled ReLU; opset 13
- snn: a **spiking CNN** (leaky integrate-and-fire neurons, direct input encoding) unrolled over **4 time steps**: the
  membrane v = 0.5 v + I, the spike **(v > 1) as Greater → Cast to float**, reset by subtraction; the Convs read 0/1
  spikes; trained with a sigmoid surrogate gradient (the export writes only the Heaviside); the logits are the mean of
  the classifier's output over the steps; opset 13
- shift: **ShiftNet** (Wu et al. 2018): zero-FLOP spatial shifts between 1x1 Convs: the channels in five groups, four
  **rolled** by one pixel up/down/left/right (torch.roll: Slice + Concat), BatchNorm, ReLU, stride-2 1x1 Convs as
  downsampling; exported at **opset 11**
- bnn: an **XNOR-Net-style binary network** (Rastegari et al. 2016): first and last layers float; inside, BatchNorm →
  **Sign** of the activations → Conv whose weights are sign(W) x mean|W| per output channel (constants after export),
  MaxPool; trained with the straight-through estimator (the export writes Sign); opset 13
- vqvae: a **VQ-VAE bottleneck** classifier (van den Oord et al. 2017): a Conv encoder to [N, 16, 7, 7], each position's
  nearest of 32 codebook vectors by squared distance (|z|^2 - 2 z E^T + |E|^2, **ArgMin**), the code read back by a
  **Gather from the codebook initializer**, then a Conv head and Linear; trained with the straight-through estimator,
  codebook and commitment losses (0.25); opset 13
    /usr/bin/python3 tests/data/wild/make_unseen23.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN23_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, T, test_accuracy
from make_unseen13 import export13
from make_unseen14 import accuracy2000

STEPS23 = int(os.environ.get("UNSEEN23_STEPS", "200"))

def train23(m, d, steps):
    """train13's loop (seed 0, Adam 3e-3, batches of 64) on cross entropy plus the model's own loss term (m.aux, set by
    its forward in training: vqvae's codebook and commitment losses)."""
    torch.manual_seed(0); x, y, _, _ = d; opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train()
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy(); m.aux = 0.0
        loss = F.cross_entropy(m(T(x[idx])), torch.from_numpy(y[idx])) + m.aux
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval()

# --- nfnet -----------------------------------------------------------------------------------------------------------
class WSConv(nn.Conv2d):
    """Scaled Weight Standardization: the standardized weight is computed in the forward, so in the graph."""
    def __init__(s, *a, **k):
        super().__init__(*a, **k); s.gain = nn.Parameter(torch.ones(s.out_channels, 1, 1, 1))
    def forward(s, x):
        w = s.weight; fan_in = w[0].numel()
        mean = w.mean((1, 2, 3), keepdim=True); var = ((w - mean) ** 2).mean((1, 2, 3), keepdim=True)
        return F.conv2d(x, (w - mean) / torch.sqrt(var * fan_in + 1e-4) * s.gain, s.bias, s.stride, s.padding)

GAMMA_RELU = 1.7139  # NF-Nets' gamma for ReLU: keeps the variance of a unit Gaussian

class NFBlock(nn.Module):
    def __init__(s, cin, cout, stride, beta):
        super().__init__(); s.beta = beta
        s.c1, s.c2 = WSConv(cin, cout, 3, stride, 1), WSConv(cout, cout, 3, 1, 1)
        s.short = WSConv(cin, cout, 1, 1, 0) if stride > 1 or cin != cout else None
        s.pool = nn.AvgPool2d(2) if stride > 1 else None
        s.alpha = nn.Parameter(torch.zeros(()))                                                # SkipInit
    def forward(s, x):
        h = F.relu(x) * GAMMA_RELU * s.beta
        sc = x if s.short is None else s.short(s.pool(h) if s.pool else h)
        return sc + s.alpha * s.c2(F.relu(s.c1(h)) * GAMMA_RELU)

class NFNet(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = WSConv(1, 16, 3, 1, 1)
        s.b1, s.b2, s.b3 = NFBlock(16, 16, 1, 1.0), NFBlock(16, 32, 2, 1 / math.sqrt(1.04)), NFBlock(32, 48, 2, 1 / math.sqrt(1.08))
        s.fc = nn.Linear(48, 10)
    def forward(s, x): return s.fc(F.relu(s.b3(s.b2(s.b1(s.stem(x))))).mean((2, 3)))

# --- snn -------------------------------------------------------------------------------------------------------------
def spike(v, training):
    hard = (v > 1.0).float()
    if not training: return hard                                                               # the export: Greater, Cast
    soft = torch.sigmoid(4.0 * (v - 1.0)); return hard + soft - soft.detach()                 # surrogate gradient

class SNN(nn.Module):
    STEPS, DECAY = 4, 0.5
    def __init__(s):
        super().__init__()
        s.c1, s.n1 = nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16)
        s.c2, s.n2 = nn.Conv2d(16, 32, 3, 1, 1), nn.BatchNorm2d(32)
        s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x):
        i1 = s.n1(s.c1(x)); v1 = v2 = 0.0; out = 0.0                                               # the same current each step
        for _ in range(s.STEPS):
            v1 = s.DECAY * v1 + i1; o1 = spike(v1, s.training); v1 = v1 - o1
            v2 = s.DECAY * v2 + s.n2(s.c2(F.max_pool2d(o1, 2))); o2 = spike(v2, s.training); v2 = v2 - o2
            out = out + s.fc(F.max_pool2d(o2, 2).flatten(1))
        return out / s.STEPS

# --- shift -----------------------------------------------------------------------------------------------------------
def shift5(x):
    """ShiftNet's shift: the first fifth of the channels stays, the others roll one pixel up, down, left, right."""
    g = x.shape[1] // 5
    return torch.cat([x[:, :g], torch.roll(x[:, g:2 * g], 1, 2), torch.roll(x[:, 2 * g:3 * g], -1, 2),
                      torch.roll(x[:, 3 * g:4 * g], 1, 3), torch.roll(x[:, 4 * g:], -1, 3)], 1)

class ShiftBlock(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.a = nn.Sequential(nn.Conv2d(cin, 2 * cin, 1, bias=False), nn.BatchNorm2d(2 * cin), nn.ReLU())
        s.b = nn.Sequential(nn.Conv2d(2 * cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        s.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride > 1 or cin != cout else None
    def forward(s, x): return F.relu(s.b(shift5(s.a(x))) + (x if s.short is None else s.short(x)))

class ShiftNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 20, 3, 1, 1, bias=False), nn.BatchNorm2d(20), nn.ReLU())
        s.blocks = nn.Sequential(ShiftBlock(20, 20, 1), ShiftBlock(20, 40, 2), ShiftBlock(40, 40, 1), ShiftBlock(40, 60, 2))
        s.fc = nn.Linear(60, 10)
    def forward(s, x): return s.fc(s.blocks(s.stem(x)).mean((2, 3)))

# --- bnn -------------------------------------------------------------------------------------------------------------
def sign_ste(x, training):
    return x + (torch.sign(x) - x).detach() if training else torch.sign(x)

class BinConv(nn.Module):
    def __init__(s, cin, cout):
        super().__init__(); s.bn = nn.BatchNorm2d(cin); s.conv = nn.Conv2d(cin, cout, 3, 1, 1)
    def forward(s, x):
        w = s.conv.weight; alpha = w.abs().mean((1, 2, 3), keepdim=True)
        return F.conv2d(sign_ste(s.bn(x), s.training), sign_ste(w, s.training) * alpha, s.conv.bias, 1, 1)

class BNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU())     # first layer float (XNOR-Net)
        s.b1, s.b2, s.b3 = BinConv(32, 64), BinConv(64, 64), BinConv(64, 64)
        s.bn, s.fc = nn.BatchNorm1d(64 * 49), nn.Linear(64 * 49, 10)                           # last layer float
    def forward(s, x):
        h = F.max_pool2d(s.b1(s.stem(x)), 2); h = F.max_pool2d(s.b3(s.b2(h)), 2)
        return s.fc(s.bn(h.flatten(1)))

# --- vqvae -----------------------------------------------------------------------------------------------------------
class VQ(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 16, 1))
        s.codebook = nn.Parameter(torch.randn(32, 16) * 0.5)
        s.head = nn.Sequential(nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 49, 10))
    def forward(s, x):
        z = s.enc(x).permute(0, 2, 3, 1)                                                        # [N, 7, 7, 16]
        e = s.codebook
        dist = (z * z).sum(-1, keepdim=True) - 2 * z @ e.t() + (e * e).sum(-1)                 # [N, 7, 7, 32]
        q = e[dist.argmin(-1)]                                                                 # Gather from the codebook
        if s.training:
            s.aux = F.mse_loss(q, z.detach()) + 0.25 * F.mse_loss(z, q.detach())
            q = z + (q - z).detach()                                                           # straight-through
        return s.head(q.permute(0, 3, 1, 2))

MODELS = {"nfnet": (NFNet, lambda m: export13(m, "nfnet", 13, do_constant_folding=False)),
          "snn": (SNN, lambda m: export13(m, "snn", 13)), "shift": (ShiftNet, lambda m: export13(m, "shift", 11)),
          "bnn": (BNN, lambda m: export13(m, "bnn", 13)), "vqvae": (VQ, lambda m: export13(m, "vqvae", 13))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train23(m, d, STEPS23)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen23.py", "seed": 0, "steps": STEPS23, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
