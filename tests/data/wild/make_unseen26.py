#!/usr/bin/python3
"""Round 26 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen26,
2026-12-06 afternoon):
- nystrom: a **Nystromformer** (Xiong et al. 2021): 49 patch tokens (4x4 patches, d 64), two pre-norm layers whose
  attention is the Nystrom approximation: 7 **landmarks as segment means** of the queries and keys, three softmax kernels
  and the **iterative Moore-Penrose pseudo-inverse** of the landmark kernel (6 Newton-Schulz-style iterations
  Z <- 0.25 Z (13I - XZ (15I - XZ (7I - XZ))), started from X^T / (max row sum x max column sum), the maxima per sample
  and head, not over the batch as the reference code does, so that a sample's output does not depend on its batch),
  plus the paper's **depthwise convolution skip over the value tokens**; GELU MLP, mean over tokens; opset 13
- sinkhorn: an **optimal-transport pooling** (OTK, Mialon et al. 2021): a CNN to 49 tokens of 32 features, 8 learned
  reference tokens, the similarity x r^T / eps and **5 log-domain Sinkhorn iterations written with torch.logsumexp**
  (ReduceLogSumExp alternately over the tokens and the references, uniform marginals as constants), the transport plan
  exp(logK + u + v) pooling the tokens onto the references, flattened, Linear; opset 12
- dgcnn: a **DGCNN** (Wang et al. 2019) over the 49 patches as a point cloud (patch features + (x, y) coordinates):
  two **EdgeConv** layers, each a **dynamic k-nearest-neighbour graph** (k 8) from -||xi - xj||^2 computed as DGCNN does
  (-2 x x^T, the squared norms, **TopK** on it), the neighbours fetched as DGCNN's code does (indices + **arange(N) x 49
  (Range over the batch)**, a Gather on the flattened [N x 49, C] features), edge features [xj - xi, xi], a shared 1x1
  Conv2d, BatchNorm, LeakyReLU 0.2, **max over the neighbours**; both layers concatenated, a Conv1d, max + mean over the
  points, Linear; opset 11
- dcn: a **DCN-V2 cross network** (Wang et al. 2021) as a recommender's tabular model, on the 784 pixels as dense
  features: a Linear to 128, three **low-rank cross layers x_{l+1} = x0 * (U (V^T x_l) + b) + x_l** (rank 32: an
  elementwise product of two activations and a residual each), in parallel a deep tower (256, 128, ReLU), both
  concatenated, Linear; opset 13
- bifpn: an **EfficientDet-style BiFPN** neck (Tan et al. 2020) on a small MBConv backbone written as EfficientNet's
  exporters write it at **opset 11** (Swish as x * Sigmoid(x), squeeze-excitation, depthwise 3x3 stride 2): levels at
  14x14, 7x7 and 4x4; **fast normalized fusion** (ReLU'd learned weights divided by their sum + 1e-4, as Mul by
  scalars computed in the graph), upsampling by **Resize to a size (4x4 -> 7x7, nearest)**, downsampling by MaxPool
  3x3 stride 2, depthwise-separable fusion convolutions with BatchNorm and Swish; the three outputs pooled, concatenated,
  Linear
- ndf: a **deep neural decision forest** (Kontschieder et al. 2015): a small CNN to 64 features, 4 soft trees of depth 4
  (15 routing nodes each, d = Sigmoid(Linear), the path probabilities built level by level as products mu * [d, 1 - d]
  interleaved by Stack + Reshape), leaf class distributions Softmax(pi) read by a MatMul, the trees' mean, **log** of it
  as the logits (probabilities in (0, 1], so the logits are <= 0); opset 13
    /usr/bin/python3 tests/data/wild/make_unseen26.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN26_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy, SiLU as Swish   # x * sigmoid(x), as EfficientNet's exporters write it
from make_unseen13 import export13, train13
from make_unseen14 import accuracy2000

STEPS26 = int(os.environ.get("UNSEEN26_STEPS", "300"))

class Patches(nn.Module):
    """4x4 patches of the 28x28 image as 49 tokens [N, 49, d]."""
    def __init__(s, d):
        super().__init__(); s.conv = nn.Conv2d(1, d, 4, 4)
    def forward(s, x):
        return s.conv(x).flatten(2).transpose(1, 2)

# --- nystrom ---------------------------------------------------------------------------------------------------------
def pinv_iterative(x, iters=6):
    """The Nystromformer's Moore-Penrose approximation; the scaling maxima per sample and head (see the header)."""
    a = x.abs()
    z = x.transpose(-1, -2) / (a.sum(-1).amax(-1)[..., None, None] * a.sum(-2).amax(-1)[..., None, None])
    eye = torch.eye(x.shape[-1])
    for _ in range(iters):
        xz = x @ z
        z = 0.25 * z @ (13 * eye - xz @ (15 * eye - xz @ (7 * eye - xz)))
    return z

class NystromAttention(nn.Module):
    def __init__(s, d=64, heads=4, t=49, landmarks=7):
        super().__init__(); s.h, s.hd, s.t, s.m = heads, d // heads, t, landmarks
        s.qkv = nn.Linear(d, 3 * d, bias=False); s.o = nn.Linear(d, d)
        s.res = nn.Conv2d(heads, heads, (7, 1), padding=(3, 0), groups=heads, bias=False)   # the paper's value-token skip
    def forward(s, x):
        q, k, v = s.qkv(x).reshape(-1, s.t, 3, s.h, s.hd).permute(2, 0, 3, 1, 4)       # each [N, h, t, hd]
        q = q * s.hd ** -0.5
        ql = q.reshape(-1, s.h, s.m, s.t // s.m, s.hd).mean(-2); kl = k.reshape(-1, s.h, s.m, s.t // s.m, s.hd).mean(-2)
        k1 = (q @ kl.transpose(-1, -2)).softmax(-1); k2 = (ql @ kl.transpose(-1, -2)).softmax(-1)
        k3 = (ql @ k.transpose(-1, -2)).softmax(-1)
        out = (k1 @ pinv_iterative(k2)) @ (k3 @ v) + s.res(v)
        return s.o(out.transpose(1, 2).reshape(-1, s.t, s.h * s.hd))

class NystromLayer(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d); s.attn = NystromAttention(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(s, x):
        x = x + s.attn(s.n1(x)); return x + s.mlp(s.n2(x))

class Nystrom(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.emb = Patches(d); s.pos = nn.Parameter(0.02 * torch.randn(1, 49, d))
        s.layers = nn.Sequential(NystromLayer(d), NystromLayer(d)); s.norm = nn.LayerNorm(d); s.head = nn.Linear(d, 10)
    def forward(s, x):
        return s.head(s.norm(s.layers(s.emb(x) + s.pos)).mean(1))

# --- sinkhorn --------------------------------------------------------------------------------------------------------
class Sinkhorn(nn.Module):
    def __init__(s, d=32, refs=8, eps=0.5, iters=5):
        super().__init__(); s.eps, s.iters, s.refs = eps, iters, refs
        s.cnn = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, d, 3, 2, 1),
                              nn.BatchNorm2d(d), nn.ReLU(), nn.Conv2d(d, d, 3, 2, 1))
        s.ref = nn.Parameter(torch.randn(refs, d) / d ** 0.5); s.head = nn.Linear(refs * d, 10)
    def forward(s, x):
        t = s.cnn(x).flatten(2).transpose(1, 2)                                     # [N, 49, d]
        logk = t @ s.ref.t() / s.eps                                                # [N, 49, refs]
        log_a, log_b = -torch.log(torch.tensor(49.0)), -torch.log(torch.tensor(float(s.refs)))
        u = torch.zeros_like(logk[:, :, :1]); v = torch.zeros_like(logk[:, :1, :])
        for _ in range(s.iters):
            u = log_a - torch.logsumexp(logk + v, 2, keepdim=True)
            v = log_b - torch.logsumexp(logk + u, 1, keepdim=True)
        plan = torch.exp(logk + u + v) * s.refs                                     # columns sum to 1
        return s.head((plan.transpose(1, 2) @ t).flatten(1))

# --- dgcnn -----------------------------------------------------------------------------------------------------------
def knn(x, k):
    """DGCNN's knn on [N, C, P]: the k largest of -||xi - xj||^2."""
    inner = -2 * torch.matmul(x.transpose(2, 1), x); xx = torch.sum(x ** 2, dim=1, keepdim=True)
    return (-xx - inner - xx.transpose(2, 1)).topk(k=k, dim=-1)[1]                 # [N, P, k]

def graph_feature(x, k):
    """DGCNN's get_graph_feature: neighbours fetched from the flattened batch by index + arange(N) x P."""
    n, c, p = x.size(0), x.size(1), x.size(2)
    idx = (knn(x, k) + torch.arange(0, n).view(-1, 1, 1) * p).view(-1)
    xt = x.transpose(2, 1).contiguous()
    feat = xt.view(n * p, -1)[idx, :].view(n, p, k, c)
    xi = xt.view(n, p, 1, c).repeat(1, 1, k, 1)
    return torch.cat((feat - xi, xi), dim=3).permute(0, 3, 1, 2).contiguous()      # [N, 2C, P, k]

class EdgeConv(nn.Module):
    def __init__(s, cin, cout, k=8):
        super().__init__(); s.k = k
        s.mlp = nn.Sequential(nn.Conv2d(2 * cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))
    def forward(s, x):
        return s.mlp(graph_feature(x, s.k)).max(dim=-1)[0]

class DGCNN(nn.Module):
    def __init__(s):
        super().__init__(); s.patch = nn.Conv2d(1, 14, 4, 4)
        g = torch.stack(torch.meshgrid(torch.arange(7.0), torch.arange(7.0), indexing="ij")).reshape(1, 2, 49) / 6
        s.register_buffer("coords", g)
        s.e1, s.e2 = EdgeConv(16, 32), EdgeConv(32, 32)
        s.fuse = nn.Sequential(nn.Conv1d(64, 128, 1, bias=False), nn.BatchNorm1d(128), nn.LeakyReLU(0.2))
        s.head = nn.Linear(256, 10)
    def forward(s, x):
        p = s.patch(x).flatten(2)                                                   # [N, 14, 49]
        p = torch.cat((p, s.coords.expand(p.size(0), -1, -1)), 1)                   # [N, 16, 49]
        a = s.e1(p); b = s.e2(a); f = s.fuse(torch.cat((a, b), 1))
        return s.head(torch.cat((f.max(-1)[0], f.mean(-1)), 1))

# --- dcn -------------------------------------------------------------------------------------------------------------
class CrossLayer(nn.Module):
    def __init__(s, d=128, rank=32):
        super().__init__(); s.v = nn.Linear(d, rank, bias=False); s.u = nn.Linear(rank, d)
    def forward(s, x0, x):
        return x0 * s.u(s.v(x)) + x

class DCN(nn.Module):
    def __init__(s, d=128):
        super().__init__(); s.embed = nn.Linear(784, d)
        s.cross = nn.ModuleList(CrossLayer(d) for _ in range(3))
        s.deep = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        s.head = nn.Linear(d + 128, 10)
    def forward(s, x):
        x0 = s.embed(x.flatten(1)); c = x0
        for layer in s.cross: c = layer(x0, c)
        return s.head(torch.cat((c, s.deep(x0)), 1))

# --- bifpn -----------------------------------------------------------------------------------------------------------
class MBConv(nn.Module):
    def __init__(s, cin, cout, st, e=4):
        super().__init__(); m = cin * e
        s.expand = nn.Sequential(nn.Conv2d(cin, m, 1, bias=False), nn.BatchNorm2d(m), Swish())
        s.dw = nn.Sequential(nn.Conv2d(m, m, 3, st, 1, groups=m, bias=False), nn.BatchNorm2d(m), Swish())
        s.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(m, max(4, cin // 4), 1), Swish(),
                             nn.Conv2d(max(4, cin // 4), m, 1), nn.Sigmoid())
        s.project = nn.Sequential(nn.Conv2d(m, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x):
        h = s.dw(s.expand(x)); return s.project(h * s.se(h))

class SepConv(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.body = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
                               nn.BatchNorm2d(c), Swish())
    def forward(s, x): return s.body(x)

class Fuse(nn.Module):
    """EfficientDet's fast normalized fusion of n inputs, then a separable conv."""
    def __init__(s, n, c):
        super().__init__(); s.w = nn.Parameter(torch.ones(n)); s.conv = SepConv(c)
    def forward(s, *xs):
        w = F.relu(s.w); w = w / (w.sum() + 1e-4)
        return s.conv(sum(w[i] * x for i, x in enumerate(xs)))

class BiFPN(nn.Module):
    def __init__(s, c=32):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), Swish())
        s.b3, s.b4, s.b5 = MBConv(16, 24, 2), MBConv(24, 40, 2), MBConv(40, 64, 2)   # 14x14, 7x7, 4x4
        s.l3, s.l4, s.l5 = nn.Conv2d(24, c, 1), nn.Conv2d(40, c, 1), nn.Conv2d(64, c, 1)
        s.td4, s.out3, s.out4, s.out5 = Fuse(2, c), Fuse(2, c), Fuse(3, c), Fuse(2, c)
        s.down = nn.MaxPool2d(3, 2, 1); s.head = nn.Linear(3 * c, 10)
    def forward(s, x):
        c3 = s.b3(s.stem(x)); c4 = s.b4(c3); c5 = s.b5(c4)
        p3, p4, p5 = s.l3(c3), s.l4(c4), s.l5(c5)
        td4 = s.td4(p4, F.interpolate(p5, size=(7, 7), mode="nearest"))
        o3 = s.out3(p3, F.interpolate(td4, size=(14, 14), mode="nearest"))
        o4 = s.out4(p4, td4, s.down(o3)); o5 = s.out5(p5, s.down(o4))
        return s.head(torch.cat([o.mean((2, 3)) for o in (o3, o4, o5)], 1))

# --- ndf -------------------------------------------------------------------------------------------------------------
class NDF(nn.Module):
    def __init__(s, features=64, trees=4, depth=4):
        super().__init__(); s.depth, s.trees, inner = depth, trees, 2 ** depth - 1
        s.cnn = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1),
                              nn.BatchNorm2d(32), nn.ReLU(), nn.AvgPool2d(3, 2), nn.Flatten(), nn.Linear(288, features), nn.ReLU())
        s.route = nn.Linear(features, trees * inner); s.pi = nn.Parameter(torch.randn(trees, 2 ** depth, 10))
    def forward(s, x):
        d = torch.sigmoid(s.route(s.cnn(x))).reshape(-1, s.trees, 2 ** s.depth - 1)   # [N, trees, inner], level by level
        mu, first = torch.ones_like(d[:, :, :1]), 0
        for level in range(s.depth):
            dl = d[:, :, first:first + 2 ** level]; first += 2 ** level
            mu = torch.stack((mu * dl, mu * (1 - dl)), 3).reshape(-1, s.trees, 2 ** (level + 1))
        p = torch.matmul(mu.unsqueeze(2), s.pi.softmax(-1)).squeeze(2).mean(1)          # [N, 10]
        return torch.log(p + 1e-6)

MODELS = {"nystrom": (Nystrom, 13), "sinkhorn": (Sinkhorn, 12), "dgcnn": (DGCNN, 11), "dcn": (DCN, 13), "bifpn": (BiFPN, 11), "ndf": (NDF, 13)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, opset = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS26)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
        p = export13(m, name, opset)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen26.py", "seed": 0, "steps": STEPS26, "batch": 64,
                "optimizer": "Adam lr 3e-3", "opset": opset, "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
