#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen13, 2026-12-04/05 night):
- capsnet: a capsule network with dynamic routing (Sabour et al. 2017, small): Conv 1 -> 32 5x5, primary capsules by a Conv
  32 -> 64 5x5 stride 3 read as 8 types x 8 dims over 7x7 (392 capsules of 8), squash (ReduceSum of squares, Sqrt, Div), the
  prediction vectors u_hat = W u by a **rank-5 MatMul of a constant [1, 392, 10, 8, 8] weight broadcast over the batch**,
  three routing iterations unrolled (logits b started as **zeros_like** (ConstantOfShape of a Shape), Softmax over the 10
  output capsules, weighted ReduceSum over the inputs, squash, agreement ReduceSum added to b); the output "lengths" is each
  class capsule's length (Sqrt of a ReduceSum), not logits; opset 13, dynamic batch
- topkaux: a CNN with **global top-k pooling** (TopK k=6 over the 7x7 positions of each channel, the mean of the values; its
  indices unused) and an **auxiliary classifier** on the 14x14 stage (GoogLeNet style, trained with weight 0.4): **two
  outputs**, "logits" and "aux"; opset 13, dynamic batch
- bilinear: bilinear (second-order) pooling: a CNN to [N, 32, 7, 7], **Einsum 'nchw,ndhw->ncd'** (the Gram matrix of the
  channels, contracting two indices), divided by 49, flattened, the signed square root **Sign(x) * Sqrt(Abs(x) + 1e-5)**,
  F.normalize (ReduceL2, Clip, Expand, Div), Linear 1024 -> 10; opset 13, dynamic batch
- gelu20: a ConvNeXt-like net exported at opset 17 and rewritten by hand to **opset 20** as an exporter of that opset writes
  it (torch 1.13 stops at 17 and this onnx package (1.12) cannot check it, so it is not checked): the Erf GELUs become the
  **Gelu-20 op**, every ReduceMean takes its axes as an **int64 input** (opset 18), the GLU gate's Split takes
  **num_outputs** (opset 18) instead of the split sizes; LayerNormalization over channels-last by Transposes; IR 9
- coordmod: CoordConv with Fourier features **computed in the graph from the input's symbolic height and width**: Shape,
  Gather, Mul, **Range** over H*W, row = floor division (**Div of int64**), col = **Mod** (fmod 0), **Cast** to float, scaled to
  [-1, 1], Sin/Cos at two frequencies, Reshape, Expand over the batch, Concat with the image as 9 input channels, then Convs;
  opset 13, dynamic batch, height and width
- seresnext: SE-ResNeXt bottlenecks (Hu et al. 2018): 1x1, **grouped 3x3 Conv with cardinality 8** (4 or 8 channels per
  group), 1x1, squeeze-excitation (GlobalAveragePool, 1x1 Convs, ReLU, Sigmoid, Mul), projection shortcut, residual Add,
  ReLU; opset 15, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen13.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN13_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy (first output) on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T, SRC, test_accuracy

STEPS13 = int(os.environ.get("UNSEEN13_STEPS", "300"))

def first(o): return o[0] if isinstance(o, (tuple, list)) else o

def train13(model, d, steps):
    """make_wild.train's loop (seed 0, Adam 3e-3, batches of 64); a two-output model adds 0.4 x its auxiliary head's loss."""
    torch.manual_seed(0); x, y, tx, ty = d
    opt = torch.optim.Adam(model.parameters(), lr=3e-3); model.train()
    g = torch.Generator().manual_seed(0)
    for s in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy()
        o = model(T(x[idx])); t = torch.from_numpy(y[idx])
        loss = F.cross_entropy(o[0], t) + 0.4 * F.cross_entropy(o[1], t) if isinstance(o, tuple) else F.cross_entropy(o * getattr(model, "train_scale", 1.0), t)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()

def export13(m, name, opset, outs=("logits",), dyn=None, check=True, **kw):
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"], output_names=list(outs),
                      dynamic_axes=dyn or dict({"input": {0: "N"}}, **{o: {0: "N"} for o in outs}), **kw)
    if check: onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

def cbr(cin, cout, k=3, st=1, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, st, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

# --- capsnet ---------------------------------------------------------------------------------------------------------
def squash(s, dim=-1):
    n2 = (s * s).sum(dim, keepdim=True)
    return s * (n2 / (1 + n2)) / torch.sqrt(n2 + 1e-7)

class CapsNet(nn.Module):
    train_scale = 8.0  # the lengths lie in [0, 1): cross entropy on 8 x length
    def __init__(s, iters=3):
        super().__init__(); s.c1 = nn.Conv2d(1, 32, 5); s.prim = nn.Conv2d(32, 64, 5, 3); s.iters = iters
        s.W = nn.Parameter(0.05 * torch.randn(1, 392, 10, 8, 8))
    def forward(s, x):
        p = s.prim(F.relu(s.c1(x)))                                      # [N, 64, 7, 7]
        u = squash(p.reshape(-1, 8, 8, 49).permute(0, 1, 3, 2).reshape(-1, 392, 8))
        uh = torch.matmul(s.W, u[:, :, None, :, None]).squeeze(-1)      # [N, 392, 10, 8]
        b = torch.zeros_like(uh[..., 0])                                 # [N, 392, 10]
        for i in range(s.iters):
            c = F.softmax(b, dim=2)
            v = squash((c.unsqueeze(-1) * uh).sum(1))                    # [N, 10, 8]
            if i < s.iters - 1: b = b + (uh * v.unsqueeze(1)).sum(-1)
        return torch.sqrt((v * v).sum(-1) + 1e-7)                        # [N, 10] capsule lengths

# --- topkaux ---------------------------------------------------------------------------------------------------------
class TopKAux(nn.Module):
    def __init__(s, k=6):
        super().__init__(); s.k = k
        s.a = nn.Sequential(cbr(1, 32), cbr(32, 32, st=2), cbr(32, 32))               # 14x14
        s.aux = nn.Linear(32, 10)
        s.b = nn.Sequential(cbr(32, 64, st=2), cbr(64, 64))                           # 7x7
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        h = s.a(x); aux = s.aux(h.mean((2, 3)))
        f = s.b(h).flatten(2)                                                           # [N, 64, 49]
        top = torch.topk(f, s.k, dim=2).values.mean(2)                                 # global top-k pooling
        return s.fc(top), aux

# --- bilinear --------------------------------------------------------------------------------------------------------
class Bilinear(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), cbr(32, 32))
        s.fc = nn.Linear(32 * 32, 10)
    def forward(s, x):
        h = s.f(x)                                                                      # [N, 32, 7, 7]
        g = torch.einsum("nchw,ndhw->ncd", h, h).flatten(1) / 49.0
        g = torch.sign(g) * torch.sqrt(torch.abs(g) + 1e-5)
        return s.fc(10.0 * F.normalize(g, dim=1))

# --- gelu20 ----------------------------------------------------------------------------------------------------------
class CLN(nn.Module):  # LayerNorm over channels via channels-last
    def __init__(s, c): super().__init__(); s.n = nn.LayerNorm(c)
    def forward(s, x): return s.n(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

class G20Block(nn.Module):
    def __init__(s, c):
        super().__init__(); s.dw = nn.Conv2d(c, c, 5, 1, 2, groups=c); s.n = CLN(c); s.pw1 = nn.Conv2d(c, 4 * c, 1)
        s.pw2 = nn.Conv2d(2 * c, c, 1); s.se1 = nn.Conv2d(c, c // 4, 1); s.se2 = nn.Conv2d(c // 4, c, 1)
    def forward(s, x):
        a, g = s.pw1(s.n(s.dw(x))).chunk(2, dim=1)                                      # GLU-style gate (Split)
        y = s.pw2(a * F.gelu(g))
        y = y * torch.sigmoid(s.se2(F.gelu(s.se1(y.mean((2, 3), keepdim=True)))))      # SE with ReduceMean
        return x + y

class Gelu20(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(nn.Conv2d(1, 32, 2, 2), CLN(32))
        s.b1 = G20Block(32); s.down = nn.Conv2d(32, 64, 2, 2); s.b2 = G20Block(64); s.n = nn.LayerNorm(64); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        h = s.b2(s.down(s.b1(s.stem(x))))
        return s.fc(s.n(h.mean((2, 3))))

def to_opset20(p):
    """Rewrites torch's opset-17 graph as an opset-20 exporter writes it: Erf GELU -> Gelu, ReduceMean axes -> input,
    Split's sizes -> num_outputs."""
    m = onnx.load(p); g = m.graph; nodes = list(g.node)
    readers = {}
    for n in nodes:
        for i in n.input: readers.setdefault(i, []).append(n)
    producer = {o: n for n in nodes for o in n.output}
    drop, out = set(), []
    gelus = {}
    for n in nodes:
        if n.op_type != "Erf": continue
        div = producer[n.input[0]]; x = div.input[0]                 # Div(x, 1.414) -> Erf -> Add 1 -> Mul x -> Mul 0.5
        add = readers[n.output[0]][0]; mul = readers[add.output[0]][0]; half = readers[mul.output[0]][0]
        assert div.op_type == "Div" and add.op_type == "Add" and mul.op_type == "Mul" and half.op_type == "Mul", (div, add, mul, half)
        for k in (div, n, add, mul, half): drop.add(id(k))
        gelus[id(half)] = helper.make_node("Gelu", [x], [half.output[0]], name=half.name.replace("Mul_1", "Gelu") + "_gelu")
    ax = 0
    for n in nodes:
        if id(n) in gelus: out.append(gelus[id(n)]); continue
        if id(n) in drop: continue
        if n.op_type == "ReduceMean":
            axes = [a for a in n.attribute if a.name == "axes"][0].ints; keep = [a for a in n.attribute if a.name != "axes"]
            name = f"reducemean_axes_{ax}"; ax += 1
            g.initializer.append(numpy_helper.from_array(np.array(list(axes), np.int64), name))
            n2 = helper.make_node("ReduceMean", [n.input[0], name], list(n.output), name=n.name)
            n2.attribute.extend(keep); out.append(n2); continue
        if n.op_type == "Split":
            n2 = helper.make_node("Split", [n.input[0]], list(n.output), name=n.name, num_outputs=len(n.output))
            n2.attribute.extend([a for a in n.attribute if a.name == "axis"]); out.append(n2); continue
        out.append(n)
    del g.node[:]; g.node.extend(out)
    used = {i for n in out for i in n.input}
    keep = [t for t in g.initializer if t.name in used]; del g.initializer[:]; g.initializer.extend(keep)
    del m.opset_import[:]; m.opset_import.extend([helper.make_opsetid("", 20)]); m.ir_version = 9
    onnx.save(m, p)
    print(f"  rewrote {p} to opset 20: {len(gelus)} Gelu, {ax} ReduceMean with axes inputs, Split num_outputs", flush=True)

# --- coordmod --------------------------------------------------------------------------------------------------------
class CoordMod(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(9, 32), cbr(32, 32, st=2), cbr(32, 64, st=2), cbr(64, 64)); s.fc = nn.Linear(64, 10)
    def coords(s, x):
        h, w = x.shape[2], x.shape[3]
        idx = torch.arange(h * w)                                                       # Range over the positions
        row = torch.div(idx, w, rounding_mode="floor"); col = idx % w                   # Div (int64), Mod
        r = row.float() / (h - 1) * 2 - 1; c = col.float() / (w - 1) * 2 - 1           # Cast, scaled to [-1, 1]
        f = [torch.sin(math.pi * k * t) for k in (1, 2) for t in (r, c)] + [torch.cos(math.pi * k * t) for k in (1, 2) for t in (r, c)]
        return torch.stack(f, 0).reshape(1, 8, h, w).expand(x.shape[0], 8, h, w)
    def forward(s, x):
        return s.fc(s.f(torch.cat([x, s.coords(x)], 1)).mean((2, 3)))

# --- seresnext -------------------------------------------------------------------------------------------------------
class SEX(nn.Module):
    def __init__(s, cin, mid, cout, st, card=8):
        super().__init__()
        s.a = cbr(cin, mid, 1); s.b = cbr(mid, mid, 3, st, g=card)
        s.c = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.s1 = nn.Conv2d(cout, cout // 4, 1); s.s2 = nn.Conv2d(cout // 4, cout, 1)
        s.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, st, bias=False), nn.BatchNorm2d(cout)) if (st != 1 or cin != cout) else nn.Identity()
    def forward(s, x):
        y = s.c(s.b(s.a(x)))
        y = y * torch.sigmoid(s.s2(F.relu(s.s1(F.adaptive_avg_pool2d(y, 1)))))
        return F.relu(y + s.sc(x))

class SEResNeXt(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = cbr(1, 16)
        s.b = nn.Sequential(SEX(16, 32, 64, 2), SEX(64, 64, 64, 1), SEX(64, 64, 128, 2))
        s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(s.stem(x)), 1), 1))

def make_capsnet(m): export13(m, "capsnet", 13, outs=("lengths",))
def make_topkaux(m): export13(m, "topkaux", 13, outs=("logits", "aux"))
def make_bilinear(m): export13(m, "bilinear", 13)
def make_gelu20(m): to_opset20(export13(m, "gelu20", 17))
def make_coordmod(m): export13(m, "coordmod", 13, dyn={"input": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}})
def make_seresnext(m): export13(m, "seresnext", 15)

MODELS = {"capsnet": (CapsNet, make_capsnet), "topkaux": (TopKAux, make_topkaux), "bilinear": (Bilinear, make_bilinear),
          "gelu20": (Gelu20, make_gelu20), "coordmod": (CoordMod, make_coordmod), "seresnext": (SEResNeXt, make_seresnext)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc0 = test_accuracy(d)
    acc = lambda m: acc0(lambda x: first(m(x)))
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS13); a = acc(m)
        tx, ty = T(d[2][:2000]), d[3][:2000]
        with torch.no_grad():
            a2 = float((torch.cat([first(m(tx[i:i+500])) for i in range(0, 2000, 500)]).argmax(1).numpy() == ty).mean())
        make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen13_ptq.py
        prov = {"model": name, "script": "tests/data/wild/make_unseen13.py", "seed": 0, "steps": STEPS13, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
