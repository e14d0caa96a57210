#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen16, 2026-12-05 morning):
- stn: a **spatial transformer**: a localization CNN regresses an affine theta [N, 2, 3] (initialized to the identity), the
  sampling grid is written as a user does where torch 1.13 cannot export affine_grid, a **MatMul of a constant base grid
  [784, 3] by theta^T**, and **GridSample** (bilinear, zeros padding, align_corners 0) warps the image before a small
  classifier; opset 16 (GridSample's first opset), dynamic batch. The grid holds coordinates in [-1, 1] and beyond.
- gcn: a **graph convolutional network** over the 7x7 patch grid of a CNN's map: two GCN layers relu(A H W) with a **fixed
  normalized adjacency A = D^-1/2 (A4 + I) D^-1/2** (4-neighbours, 49 x 49) applied as **MatMul(A, H): the constant on the
  left, input 0**, then mean over nodes, Linear; opset 13, dynamic batch
- restore: an **image-to-image denoiser** (Restormer/NAFNet style resampling): **PixelUnshuffle** (torch 1.13 writes it as
  Reshape to rank 6, a **rank-6 Transpose**, Reshape) to [N, 4, 14, 14], Convs with a residual, **PixelShuffle**
  (DepthToSpace, CRD) back to [N, 1, 28, 28], a global residual x + r; trained as make_unseen12's dae (noise 0.3, MSE
  against the clean image); no class scores: judged with METRICS=mse,psnr,ssim; opset 13, dynamic batch
- kmax: **k-max pooling**: a CNN whose 7x7 maps are pooled by **TopK** (k = 5 of 49 positions per channel, values only)
  and averaged, i.e. TopK over activations in the middle of an integer chain; opset 13, dynamic batch
- causal: the 28 image rows as a sequence of tokens, **causal linear attention**: feature maps elu(.) + 1 for q and k, the
  causal mask applied to the [28, 28] score matrix of activations by **Trilu** (torch.tril, opset 14), A V divided by A's
  row sums (a **Div by an activation**), mean, Linear; opset 14, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen16.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN16_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy (restore: its mean squared error against the clean image) on the first 2,000 and all 10,000
test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen12 import train_dae, dae_mse
from make_unseen13 import train13, export13, cbr
from make_unseen14 import accuracy2000

STEPS16 = int(os.environ.get("UNSEEN16_STEPS", "200"))

# --- stn -------------------------------------------------------------------------------------------------------------
def base_grid(h, w):  # [h*w, 3]: (x, y, 1) at the pixel centres, align_corners=False
    ys, xs = torch.meshgrid((torch.arange(h) * 2 + 1) / h - 1, (torch.arange(w) * 2 + 1) / w - 1, indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten(), torch.ones(h * w)], 1)

class STN(nn.Module):
    def __init__(s):
        super().__init__()
        s.loc = nn.Sequential(nn.Conv2d(1, 8, 5, 2, 2), nn.ReLU(), nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU(),
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 6))
        nn.init.zeros_(s.loc[-1].weight)
        with torch.no_grad(): s.loc[-1].bias.copy_(torch.tensor([1., 0, 0, 0, 1, 0]))
        s.register_buffer("grid0", base_grid(28, 28))
        s.cls = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 49, 10))
    def forward(s, x):
        theta = s.loc(x).reshape(-1, 2, 3)
        grid = (s.grid0 @ theta.transpose(1, 2)).reshape(-1, 28, 28, 2)                # MatMul of the constant base grid
        return s.cls(F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False))

# --- gcn -------------------------------------------------------------------------------------------------------------
def grid_adjacency(n=7):  # D^-1/2 (A + I) D^-1/2 of the n x n 4-neighbour grid
    a = torch.eye(n * n)
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                if 0 <= i + di < n and 0 <= j + dj < n: a[i * n + j, (i + di) * n + j + dj] = 1
    r = a.sum(1).rsqrt()
    return r[:, None] * a * r[None, :]

class GCN(nn.Module):
    def __init__(s, d=32):
        super().__init__()
        s.stem = nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), cbr(32, d, st=2))
        s.register_buffer("A", grid_adjacency()); s.w1 = nn.Linear(d, 48); s.w2 = nn.Linear(48, 48); s.fc = nn.Linear(48, 10)
    def forward(s, x):
        h = s.stem(x).flatten(2).transpose(1, 2)                                       # [N, 49, d]
        h = F.relu(s.A @ s.w1(h))                                                      # MatMul(A, H): the constant first
        h = F.relu(s.A @ s.w2(h)) + h
        return s.fc(h.mean(1))

# --- restore ---------------------------------------------------------------------------------------------------------
class Restore(nn.Module):
    def __init__(s, c=32):
        super().__init__()
        s.inp = nn.Conv2d(4, c, 3, 1, 1); s.b1 = nn.Conv2d(c, c, 3, 1, 1); s.b2 = nn.Conv2d(c, c, 3, 1, 1)
        s.out = nn.Conv2d(c, 4, 3, 1, 1)
    def forward(s, x):
        h = F.relu(s.inp(F.pixel_unshuffle(x, 2)))                                     # [N, c, 14, 14]
        h = h + s.b2(F.relu(s.b1(h)))
        return x + F.pixel_shuffle(s.out(h), 2)                                        # [N, 1, 28, 28]

# --- kmax ------------------------------------------------------------------------------------------------------------
class KMax(nn.Module):
    def __init__(s, k=5):
        super().__init__(); s.k = k
        s.f = nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), cbr(32, 64, st=2)); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        v = s.f(x).flatten(2).topk(s.k, dim=-1).values                                # [N, 64, k]: TopK over activations
        return s.fc(v.mean(-1))

# --- causal ----------------------------------------------------------------------------------------------------------
class Causal(nn.Module):
    def __init__(s, d=48):
        super().__init__()
        s.emb = nn.Linear(28, d); s.pos = nn.Parameter(0.02 * torch.randn(28, d))
        s.q, s.k, s.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        s.o = nn.Linear(d, d); s.n = nn.LayerNorm(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.emb(x.squeeze(1)) + s.pos                                                # [N, 28, d]: rows as tokens
        q, k = F.elu(s.q(t)) + 1, F.elu(s.k(t)) + 1
        a = torch.tril(q @ k.transpose(1, 2))                                          # Trilu on activations
        y = (a @ s.v(t)) / (a.sum(-1, keepdim=True) + 1e-6)                            # Div by an activation
        return s.fc(s.n(t + s.o(y)).mean(1))

def make(name, opset):
    return lambda m: export13(m, name, opset, ("clean",) if name == "restore" else ("logits",))

MODELS = {"stn": (STN, make("stn", 16)), "gcn": (GCN, make("gcn", 13)), "restore": (Restore, make("restore", 13)),
          "kmax": (KMax, make("kmax", 13)), "causal": (Causal, make("causal", 14))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        if name == "restore":
            train_dae(m, d, STEPS16); a2, a, what = dae_mse(m, d, 2000), dae_mse(m, d, 10000), "mse"
        else:
            train13(m, d, STEPS16); a2, a, what = accuracy2000(m, d), acc(m), "accuracy"
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen16_ptq.py
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen16.py", "seed": 0, "steps": STEPS16, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, f"torch_{what}_test2000": a2,
                f"torch_{what}_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch {what} 2000 {a2:.6g}, 10000 {a:.6g} ({prov['train_seconds']} s)", flush=True)
