#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen10, 2026-12-04 afternoon):
- mobilevit: a MobileViT-style hybrid: stem Conv stride 2 + BN + SiLU (x * Sigmoid), an inverted-residual MV2 block, a
  MobileViT block (local 3x3 + 1x1 to d=48, unfold into 2x2 patches by Reshape + Transpose to [N*4, 49, 48], one transformer
  layer with hand-written multi-head attention (LayerNorm, Linear qkv, MatMul, Softmax, MatMul) and a SiLU MLP, fold back by
  Reshape + Transpose, 1x1 back to the channels, Concat with the block's input, 3x3 fusion), an MV2 stride 2, 1x1, GAP,
  Linear; opset 17, dynamic batch
- yolo: a YOLO-style detector with TWO outputs: the Focus stem (four strided Slices + Concat), Conv + BN + SiLU, a C3-like
  CSP block (two 1x1 branches, bottleneck, Concat), stride 2 to 7x7, SPPF (three MaxPool 5 stride 1 pad 2 in a chain,
  Concat, 1x1), an FPN step (nearest Resize x2, Concat with the 14x14 feature, Conv), the heads: class logits (GAP, Linear)
  first and a 14x14 objectness map through Sigmoid second ("det", trained on the image's foreground by BCE); opset 13,
  dynamic batch
- tfsame: written by hand with onnx.helper as tf2onnx writes a Keras model: NHWC input [unk__N, 28, 28, 1], one Transpose
  to NCHW, Convs with auto_pad SAME_UPPER (stride 2: the pad falls after, asymmetric), depthwise Convs, Relu6 as Clip with
  min/max *inputs*, ReduceMean over H, W with keepdims 0, MatMul + Add, Softmax output "probs"; opset 13, weights as
  external data in one file PER TENSOR (all_tensors_to_one_file=False, as TF's saved-model converters can write); the weights
  are a torch model's trained with F.pad(x, (0, 1, 0, 1)) before each stride-2 Conv (the same arithmetic)
- lrnnet: AlexNet-style: Conv 5x5 + ReLU + LocalResponseNorm(5) + MaxPool 3/2 ceil_mode=True, Conv + PReLU (per channel) +
  LRN + MaxPool 3/2 ceil_mode, Conv 3x3, Flatten, Dropout, Linear, ReLU, Dropout, Linear; opset 11
- effb0_18: EfficientNet-B0-style MBConv blocks (expand 1x1, depthwise 3x3/5x5, SE with mean over H, W, SiLU written as
  x * sigmoid(x), project, stochastic depth (drop-connect, identity in eval) on the residual); exported at opset 17 and
  raised by hand to **opset 18** as an exporter of 18 writes it: every ReduceMean's axes an int64 input, dynamic batch
- normnet: GroupNorm(4) (opset 13: Reshape, InstanceNormalization, Reshape, Mul, Add) and InstanceNorm2d(affine=True),
  LeakyReLU(0.1), a ConvTranspose stride 2 upsampling between two stride-2 Convs, ELU, GAP, Linear; opset 13, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen10.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
    (round 10 ran 300 steps for all but tfsame: UNSEEN10_STEPS=1500 ... tfsame, since without BatchNorm it reached 0.54 in 300)
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN10_STEPS steps of 64
Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3, the torch
model's accuracy on the first 2,000 and on all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, train, OUT, T, SRC, test_accuracy

STEPS10 = int(os.environ.get("UNSEEN10_STEPS", "300"))
DYN = {"input": {0: "N"}, "logits": {0: "N"}}

def export10(m, name, opset, dyn=DYN, outputs=("logits",), **kw):
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"],
                      output_names=list(outputs), dynamic_axes=dyn, **kw)
    onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

def cbs(cin, cout, k, s=1, p=None, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2 if p is None else p, groups=g, bias=False), nn.BatchNorm2d(cout), nn.SiLU())

# --- mobilevit ----------------------------------------------------------------------------------------------------
class MV2(nn.Module):
    def __init__(s, cin, cout, stride, e=2):
        super().__init__(); h = cin * e; s.res = stride == 1 and cin == cout
        s.b = nn.Sequential(cbs(cin, h, 1), cbs(h, h, 3, stride, g=h), nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x): return x + s.b(x) if s.res else s.b(x)

class Attention(nn.Module):
    def __init__(s, d, heads=4):
        super().__init__(); s.h, s.dh = heads, d // heads; s.qkv = nn.Linear(d, 3 * d); s.o = nn.Linear(d, d)
    def forward(s, x):                                   # x [B, L, d], B = N * patch pixels
        q, k, v = s.qkv(x).reshape(-1, 49, 3, s.h, s.dh).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) * s.dh ** -0.5, -1)
        return s.o((a @ v).transpose(1, 2).reshape(-1, 49, s.h * s.dh))

class MViTBlock(nn.Module):
    def __init__(s, c, d=48):
        super().__init__(); s.d = d
        s.local = nn.Sequential(cbs(c, c, 3), nn.Conv2d(c, d, 1, bias=False))
        s.n1 = nn.LayerNorm(d); s.att = Attention(d); s.n2 = nn.LayerNorm(d)
        s.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d)); s.nf = nn.LayerNorm(d)
        s.proj = cbs(d, c, 1); s.fuse = cbs(2 * c, c, 3)
    def forward(s, x):                                   # x [N, c, 14, 14]
        y = s.local(x)                                   # [N, d, 14, 14]
        t = y.reshape(-1, s.d, 7, 2, 7, 2).permute(0, 3, 5, 2, 4, 1).reshape(-1, 49, s.d)   # unfold: [N*4, 49, d]
        t = t + s.att(s.n1(t)); t = t + s.mlp(s.n2(t)); t = s.nf(t)
        y = t.reshape(-1, 2, 2, 7, 7, s.d).permute(0, 5, 3, 1, 4, 2).reshape(-1, s.d, 14, 14)  # fold
        return s.fuse(torch.cat([x, s.proj(y)], 1))

class MobileViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = cbs(1, 16, 3, 2); s.mv1 = MV2(16, 24, 1); s.vit = MViTBlock(24); s.mv2 = MV2(24, 48, 2)
        s.head = cbs(48, 96, 1); s.fc = nn.Linear(96, 10)
    def forward(s, x): return s.fc(s.head(s.mv2(s.vit(s.mv1(s.stem(x))))).mean([2, 3]))

# --- yolo ---------------------------------------------------------------------------------------------------------
class Bottleneck(nn.Module):
    def __init__(s, c): super().__init__(); s.a = cbs(c, c, 1); s.b = cbs(c, c, 3)
    def forward(s, x): return x + s.b(s.a(x))

class C3(nn.Module):
    def __init__(s, cin, cout):
        super().__init__(); h = cout // 2
        s.c1 = cbs(cin, h, 1); s.c2 = cbs(cin, h, 1); s.m = Bottleneck(h); s.c3 = cbs(2 * h, cout, 1)
    def forward(s, x): return s.c3(torch.cat([s.m(s.c1(x)), s.c2(x)], 1))

class SPPF(nn.Module):
    def __init__(s, c):
        super().__init__(); s.a = cbs(c, c // 2, 1); s.b = cbs(c * 2, c, 1); s.p = nn.MaxPool2d(5, 1, 2)
    def forward(s, x):
        x = s.a(x); y1 = s.p(x); y2 = s.p(y1); return s.b(torch.cat([x, y1, y2, s.p(y2)], 1))

class Yolo(nn.Module):
    def __init__(s):
        super().__init__()
        s.focus = cbs(4, 24, 3)                                   # after the space-to-depth slices: 14x14
        s.c3a = C3(24, 32); s.down = cbs(32, 48, 3, 2); s.c3b = C3(48, 48); s.sppf = SPPF(48)
        s.lat = cbs(48, 32, 1); s.fpn = cbs(64, 32, 3)
        s.det = nn.Conv2d(32, 1, 1); s.fc = nn.Linear(48, 10)
    def forward(s, x):
        x = torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1)
        p3 = s.c3a(s.focus(x)); p4 = s.sppf(s.c3b(s.down(p3)))
        f = s.fpn(torch.cat([F.interpolate(s.lat(p4), scale_factor=2.0, mode="nearest"), p3], 1))
        return s.fc(p4.mean([2, 3])), torch.sigmoid(s.det(f))

def train_yolo(m, d, steps):
    """Cross-entropy on the logits plus BCE of the objectness map against the image's foreground (14x14 max-pooled > 0.2)."""
    torch.manual_seed(0); x, y, tx, ty = d
    opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train(); g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy(); xb = T(x[idx])
        lo, det = m(xb); fg = (F.max_pool2d(xb, 2) > 0.2).float()
        loss = F.cross_entropy(lo, torch.from_numpy(y[idx])) + F.binary_cross_entropy(det, fg)
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval()

class YoloLogits(nn.Module):   # the logits alone, for the accuracy figures and torch's PTQ
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, x): return s.m(x)[0]

# --- tfsame -------------------------------------------------------------------------------------------------------
class TfSame(nn.Module):
    """Keras-like: SAME padding (stride 2 pads (0, 1) as TF does for even sizes), ReLU6, depthwise separable, mean, dense."""
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 2); s.d1 = nn.Conv2d(16, 16, 3, 1, 1, groups=16); s.p1 = nn.Conv2d(16, 32, 1)
        s.d2 = nn.Conv2d(32, 32, 3, 2, groups=32); s.p2 = nn.Conv2d(32, 64, 1)
        s.d3 = nn.Conv2d(64, 64, 3, 1, 1, groups=64); s.p3 = nn.Conv2d(64, 64, 1); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        r = lambda t: F.relu6(t)
        x = r(s.c1(F.pad(x, (0, 1, 0, 1)))); x = r(s.p1(r(s.d1(x))))
        x = r(s.p2(r(s.d2(F.pad(x, (0, 1, 0, 1)))))); x = r(s.p3(r(s.d3(x))))
        return s.fc(x.mean([2, 3]))

def write_tfsame(m, name="tfsame"):
    W = lambda t: t.detach().numpy().astype(np.float32)
    inits, nodes = [], []
    def const(n, a): inits.append(numpy_helper.from_array(np.asarray(a), n)); return n
    const("clip_min", np.float32(0)); const("clip_max", np.float32(6))
    nodes.append(helper.make_node("Transpose", ["input"], ["input_nchw"], perm=[0, 3, 1, 2], name="StatefulPartitionedCall/model/transpose"))
    x = "input_nchw"
    for i, (conv, stride) in enumerate([(m.c1, 2), (m.d1, 1), (m.p1, 1), (m.d2, 2), (m.p2, 1), (m.d3, 1), (m.p3, 1)]):
        base = f"StatefulPartitionedCall/model/conv{i}"
        wn, bn = const(base + "/kernel", W(conv.weight)), const(base + "/bias", W(conv.bias))
        k = conv.kernel_size[0]
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], dilations=[1, 1], group=conv.groups)
        if k > 1: attrs["auto_pad"] = "SAME_UPPER"
        nodes.append(helper.make_node("Conv", [x, wn, bn], [base + ":0"], name=base + "/Conv2D", **attrs))
        nodes.append(helper.make_node("Clip", [base + ":0", "clip_min", "clip_max"], [base + "/Relu6:0"], name=base + "/Relu6"))
        x = base + "/Relu6:0"
    nodes.append(helper.make_node("ReduceMean", [x], ["gap:0"], axes=[2, 3], keepdims=0, name="StatefulPartitionedCall/model/gap/Mean"))
    const("dense/kernel", W(m.fc.weight).T.copy()); const("dense/bias", W(m.fc.bias))
    nodes.append(helper.make_node("MatMul", ["gap:0", "dense/kernel"], ["dense/MatMul:0"], name="StatefulPartitionedCall/model/dense/MatMul"))
    nodes.append(helper.make_node("Add", ["dense/MatMul:0", "dense/bias"], ["dense/BiasAdd:0"], name="StatefulPartitionedCall/model/dense/BiasAdd"))
    nodes.append(helper.make_node("Softmax", ["dense/BiasAdd:0"], ["probs"], axis=-1, name="StatefulPartitionedCall/model/dense/Softmax"))
    g = helper.make_graph(nodes, "tf2onnx",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["unk__N", 28, 28, 1])],
                          [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["unk__N", 10])], inits)
    mp = helper.make_model(g, producer_name="tf2onnx", producer_version="1.16.1 15c810", opset_imports=[helper.make_opsetid("", 13)])
    mp.ir_version = 8
    onnx.checker.check_model(mp)
    p = os.path.join(OUT, name + ".onnx")
    for f in os.listdir(OUT):
        if f.startswith(name + "_w_"): os.remove(os.path.join(OUT, f))
    for t in mp.graph.initializer:   # one file per tensor, named after it
        if t.dims: onnx.external_data_helper.set_external_data(t, name + "_w_" + t.name.replace("/", "_") + ".bin")
    onnx.external_data_helper.convert_model_to_external_data  # (not used: set per tensor above)
    onnx.save_model(mp, p)
    onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes) + {sum(1 for t in mp.graph.initializer if t.dims)} external files", flush=True)

# --- lrnnet -------------------------------------------------------------------------------------------------------
class LRNNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(1, 32, 5, 1, 2), nn.ReLU(), nn.LocalResponseNorm(5), nn.MaxPool2d(3, 2, ceil_mode=True),  # 28 -> 14
                            nn.Conv2d(32, 48, 3, 1, 1), nn.PReLU(48), nn.LocalResponseNorm(5), nn.MaxPool2d(3, 2, ceil_mode=True),  # -> 7
                            nn.Conv2d(48, 64, 3, 1, 1), nn.ReLU())
        s.c = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    def forward(s, x): return s.c(s.f(x))

# --- effb0_18 -----------------------------------------------------------------------------------------------------
class SE(nn.Module):
    def __init__(s, c, r):
        super().__init__(); s.a = nn.Conv2d(c, r, 1); s.b = nn.Conv2d(r, c, 1)
    def forward(s, x):
        z = s.a(x.mean([2, 3], keepdim=True)); z = z * torch.sigmoid(z); return x * torch.sigmoid(s.b(z))

class MBConv(nn.Module):
    def __init__(s, cin, cout, k, stride, e, p_drop):
        super().__init__(); h = cin * e; s.res = stride == 1 and cin == cout; s.p = p_drop
        s.exp = nn.Sequential(nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h)) if e != 1 else None
        s.dw = nn.Sequential(nn.Conv2d(h, h, k, stride, k // 2, groups=h, bias=False), nn.BatchNorm2d(h))
        s.se = SE(h, max(1, cin // 4)); s.pr = nn.Sequential(nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x):
        y = x
        if s.exp is not None: y = s.exp(y); y = y * torch.sigmoid(y)
        y = s.dw(y); y = y * torch.sigmoid(y); y = s.pr(s.se(y))
        if s.res:
            if s.training and s.p > 0:   # drop-connect (stochastic depth); identity in eval, so not in the export
                keep = (torch.rand(y.shape[0], 1, 1, 1) > s.p).float() / (1 - s.p); y = y * keep
            y = x + y
        return y

class EffB0(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16))
        cfg = [(16, 16, 3, 1, 1), (16, 24, 3, 1, 4), (24, 24, 3, 1, 4), (24, 40, 5, 2, 4), (40, 40, 5, 1, 4), (40, 64, 3, 1, 4)]
        s.blocks = nn.Sequential(*[MBConv(a, b, k, st, e, 0.1 * i / len(cfg)) for i, (a, b, k, st, e) in enumerate(cfg)])
        s.head = nn.Sequential(nn.Conv2d(64, 128, 1, bias=False), nn.BatchNorm2d(128)); s.fc = nn.Linear(128, 10)
    def forward(s, x):
        x = s.stem(x); x = x * torch.sigmoid(x); x = s.head(s.blocks(x)); x = x * torch.sigmoid(x)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

def to_opset18(p):
    """Raise an opset-17 export to 18 as an exporter of 18 writes it (onnx 1.12's version converter stops at 17): every
    Reduce* but ReduceSum (already an input since 13) takes its axes as an int64 input; nothing else that torch wrote here changed."""
    mp = onnx.load(p); n_moved = 0
    for n in mp.graph.node:
        if n.op_type in ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceL1", "ReduceSumSquare", "ReduceLogSumExp"):
            ax = [a for a in n.attribute if a.name == "axes"]
            if ax:
                name = n.name.strip("/").replace("/", "_") + "_axes"
                mp.graph.initializer.append(numpy_helper.from_array(np.array(ax[0].ints, np.int64), name))
                n.attribute.remove(ax[0]); n.input.append(name); n_moved += 1
        if n.op_type in ("Split", "Pad", "Resize", "Scatter", "Col2Im", "GroupNormalization", "BitwiseAnd", "LpPool"):
            raise SystemExit(f"{n.op_type} changed at 18: not handled")
    for o in mp.opset_import:
        if o.domain in ("", "ai.onnx"): o.version = 18
    mp.ir_version = 8
    onnx.save(mp, p)
    print(f"  raised to opset 18: {n_moved} ReduceMean axes now inputs (onnx {onnx.__version__} cannot check opset 18)", flush=True)

# --- normnet ------------------------------------------------------------------------------------------------------
class NormNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.b = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.GroupNorm(4, 16), nn.LeakyReLU(0.1),
                            nn.Conv2d(16, 32, 3, 2, 1), nn.InstanceNorm2d(32, affine=True), nn.LeakyReLU(0.1),        # 14
                            nn.Conv2d(32, 48, 3, 2, 1), nn.GroupNorm(4, 48), nn.ELU(),                               # 7
                            nn.ConvTranspose2d(48, 32, 2, 2), nn.GroupNorm(4, 32), nn.LeakyReLU(0.1),              # 14
                            nn.Conv2d(32, 64, 3, 2, 1), nn.ELU())                                                 # 7
        s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(x), 1), 1))

def make_mobilevit(m): export10(m, "mobilevit", 17)
def make_yolo(m): export10(m, "yolo", 13, dyn={"input": {0: "N"}, "logits": {0: "N"}, "det": {0: "N"}}, outputs=("logits", "det"))
def make_tfsame(m): write_tfsame(m)
def make_lrnnet(m): export10(m, "lrnnet", 11)
def make_effb0_18(m): to_opset18(export10(m, "effb0_18", 17))
def make_normnet(m): export10(m, "normnet", 13)

MODELS = {"mobilevit": (MobileViT, make_mobilevit), "yolo": (Yolo, make_yolo), "tfsame": (TfSame, make_tfsame),
          "lrnnet": (LRNNet, make_lrnnet), "effb0_18": (EffB0, make_effb0_18), "normnet": (NormNet, make_normnet)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        if name == "yolo": train_yolo(m, d, STEPS10); a = acc(YoloLogits(m))
        else: train(m, d, steps=STEPS10); a = acc(m)
        tx, ty = T(d[2][:2000]), d[3][:2000]
        with torch.no_grad():
            f = YoloLogits(m) if name == "yolo" else m
            a2 = float((torch.cat([f(tx[i:i+500]) for i in range(0, 2000, 500)]).argmax(1).numpy() == ty).mean())
        make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen10_ptq.py
        prov = {"model": name, "script": "tests/data/wild/make_unseen10.py", "seed": 0, "steps": STEPS10, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch acc 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
