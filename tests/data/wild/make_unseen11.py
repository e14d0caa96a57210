#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen11, 2026-12-04 evening):
- conformer: a Conformer-lite over the image rows: Conv2d subsampling (stride 2) to 14 steps of 16x14 features, Linear to
  d=64, two Conformer blocks (macaron FFN halves with SiLU and a 0.5 residual, nn.MultiheadAttention (4 heads, batch_first)
  after a LayerNorm, the convolution module: LayerNorm, pointwise Conv1d to 2d, GLU over channels, depthwise Conv1d k=7,
  BatchNorm1d, SiLU, pointwise Conv1d, residual; a final LayerNorm), mean over time, Linear; opset 14, dynamic batch
- sknet: Selective-Kernel units: two grouped 3x3 branches (groups 4; the second dilation 2), their sum pooled, a 1x1
  squeeze with BN + ReLU, a 1x1 to 2C, Reshape to [N, 2, C, 1, 1], Softmax over the branch axis (axis 1 of a rank-5
  tensor), the branches stacked (Unsqueeze + Concat) and weighted (rank-5 broadcast Mul) then summed (ReduceSum over axis
  1); opset 13, dynamic batch
- cbam9: a CNN with CBAM attention exported at **opset 9** with dynamic batch: channel attention by one shared MLP (1x1
  Convs) over GlobalAveragePool and GlobalMaxPool, Sigmoid; spatial attention over the channel mean (ReduceMean axis 1) and
  max (ReduceMax axis 1) concatenated, a 7x7 Conv 2 -> 1, Sigmoid; an FPN top-down step: F.interpolate(scale_factor=2,
  nearest) written as opset 9's **Upsample** (scales from the exporter), added to the 14x14 feature
- convlstm: a ConvLSTM cell unrolled over the image's four 7-row strips (Slice): the shared encoder Conv and the shared
  gate Conv (over Concat(x_t, h), 32 -> 64) run four times each (weights shared by four readers), Split into four gates,
  Sigmoid/Tanh, c = f*c + i*g, h = o*tanh(c); h and c start as zeros of the input's batch (Shape, Gather, ConstantOfShape);
  mean, Linear; opset 13, dynamic batch
- kerasnhwc: written by hand with onnx.helper as tf2onnx writes a Keras NHWC model **without its transpose optimizer**:
  NHWC input [unk__N, 28, 28, 1], every Conv and MaxPool wrapped in Transpose(0,3,1,2) ... Transpose(0,2,3,1), one
  BatchNormalization wrapped too (FusedBatchNormV3), the other BatchNorms as Mul + Add over the last (channel) axis in NHWC,
  Relu and the residual Add in NHWC, Flatten as Reshape [-1, 1568] in NHWC order, MatMul + Add, Softmax output "probs";
  opset 13, IR 7; the weights are a torch model's trained with the same arithmetic (the flatten after permute to NHWC)
- paddle10: a MobileNetV3-like model exported at **opset 10** and rewritten as Paddle2ONNX writes it: every weight in a
  Constant node (no initializer), BatchNormalization kept (export PRESERVE, no constant folding), hard_swish as
  x * Clip(x + 3, 0, 6) / 6 (Clip-6 with attributes min 0, max 6: torch's Relu + Clip(max 6) merged), SE with HardSigmoid, depthwise 3x3 and 5x5 stride 2, an FPN step with
  opset 10's Resize (scales input, nearest), the classifier as Flatten + MatMul + Add (not Gemm), a Softmax output named
  "save_infer_model/scale_0.tmp_1", nodes named p2o.OP.i, the batch dimension "p2o.DynamicDimension.0"
    /usr/bin/python3 tests/data/wild/make_unseen11.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN11_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and on all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, train, OUT, T, SRC, test_accuracy, to_constants

STEPS11 = int(os.environ.get("UNSEEN11_STEPS", "300"))
DYN = {"input": {0: "N"}, "logits": {0: "N"}}

def export11(m, name, opset, dyn=DYN, **kw):
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"],
                      output_names=["logits"], dynamic_axes=dyn, **kw)
    onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

# --- conformer ----------------------------------------------------------------------------------------------------
class FFHalf(nn.Module):
    def __init__(s, d): super().__init__(); s.n = nn.LayerNorm(d); s.a = nn.Linear(d, 2 * d); s.b = nn.Linear(2 * d, d)
    def forward(s, x): return x + 0.5 * s.b(F.silu(s.a(s.n(x))))

class ConvModule(nn.Module):
    def __init__(s, d, k=7):
        super().__init__(); s.n = nn.LayerNorm(d); s.pw1 = nn.Conv1d(d, 2 * d, 1)
        s.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d); s.bn = nn.BatchNorm1d(d); s.pw2 = nn.Conv1d(d, d, 1)
    def forward(s, x):                                    # x [N, L, d]
        y = F.glu(s.pw1(s.n(x).transpose(1, 2)), dim=1)
        y = s.pw2(F.silu(s.bn(s.dw(y))))
        return x + y.transpose(1, 2)

class ConformerBlock(nn.Module):
    def __init__(s, d, heads=4):
        super().__init__(); s.ff1 = FFHalf(d); s.na = nn.LayerNorm(d); s.att = nn.MultiheadAttention(d, heads, batch_first=True)
        s.conv = ConvModule(d); s.ff2 = FFHalf(d); s.no = nn.LayerNorm(d)
    def forward(s, x):
        x = s.ff1(x); h = s.na(x)
        x = x + s.att(h, h, h, need_weights=False)[0]
        return s.no(s.ff2(s.conv(x)))

class Conformer(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.sub = nn.Conv2d(1, 16, 3, 2, 1); s.inp = nn.Linear(16 * 14, d)
        s.blocks = nn.Sequential(ConformerBlock(d), ConformerBlock(d)); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        y = F.relu(s.sub(x))                                   # [N, 16, 14, 14]
        y = y.permute(0, 2, 1, 3).reshape(-1, 14, 16 * 14)     # 14 steps (rows) of 16 x 14 features
        return s.fc(s.blocks(s.inp(y)).mean(1))

# --- sknet --------------------------------------------------------------------------------------------------------
def cbr(cin, cout, k, s=1, p=0, d=1, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, dilation=d, groups=g, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

class SK(nn.Module):
    def __init__(s, cin, c, stride, g=4):
        super().__init__(); s.c = c
        s.b1 = cbr(cin, c, 3, stride, 1, g=g); s.b2 = cbr(cin, c, 3, stride, 2, d=2, g=g)
        s.fc = cbr(c, max(c // 4, 8), 1); s.att = nn.Conv2d(max(c // 4, 8), 2 * c, 1)
    def forward(s, x):
        u1, u2 = s.b1(x), s.b2(x)
        a = torch.softmax(s.att(s.fc((u1 + u2).mean([2, 3], keepdim=True))).reshape(-1, 2, s.c, 1, 1), 1)
        return (torch.stack([u1, u2], 1) * a).sum(1)

class SKNet(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = cbr(1, 16, 3, 1, 1)
        s.sk1 = SK(16, 32, 2); s.sk2 = SK(32, 32, 1); s.sk3 = SK(32, 64, 2); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = s.sk1(s.stem(x)); x = x + s.sk2(x); x = s.sk3(x)
        return s.fc(x.mean([2, 3]))

# --- cbam9 --------------------------------------------------------------------------------------------------------
class CBAM(nn.Module):
    def __init__(s, c, r=4):
        super().__init__(); s.mlp = nn.Sequential(nn.Conv2d(c, c // r, 1), nn.ReLU(), nn.Conv2d(c // r, c, 1))
        s.sp = nn.Conv2d(2, 1, 7, 1, 3)
    def forward(s, x):
        x = x * torch.sigmoid(s.mlp(F.adaptive_avg_pool2d(x, 1)) + s.mlp(F.adaptive_max_pool2d(x, 1)))
        return x * torch.sigmoid(s.sp(torch.cat([x.mean(1, keepdim=True), torch.amax(x, 1, keepdim=True)], 1)))

class CbamNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = cbr(1, 24, 3, 1, 1); s.s2 = cbr(24, 32, 3, 2, 1); s.a2 = CBAM(32)     # 14
        s.s3 = cbr(32, 48, 3, 2, 1); s.a3 = CBAM(48)                                     # 7
        s.lat = nn.Conv2d(48, 32, 1); s.fuse = cbr(32, 64, 3, 2, 1); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        c14 = s.a2(s.s2(s.stem(x))); c7 = s.a3(s.s3(c14))
        p14 = F.interpolate(s.lat(c7), scale_factor=2.0, mode="nearest") + c14
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.fuse(p14) + c7.mean(1, keepdim=True), 1), 1))

# --- convlstm -----------------------------------------------------------------------------------------------------
class ConvLSTM(nn.Module):
    def __init__(s, c=16):
        super().__init__(); s.c = c
        s.enc = nn.Sequential(nn.Conv2d(1, c, 3, 1, 1), nn.ReLU()); s.gates = nn.Conv2d(2 * c, 4 * c, 3, 1, 1)
        s.fc = nn.Linear(c, 10)
    def forward(s, x):
        h = x.new_zeros((x.shape[0], s.c, 7, 28)); c = x.new_zeros((x.shape[0], s.c, 7, 28))
        for t in range(4):
            i, f, o, g = s.gates(torch.cat([s.enc(x[:, :, 7 * t:7 * t + 7, :]), h], 1)).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return s.fc(h.mean([2, 3]))

# --- kerasnhwc ----------------------------------------------------------------------------------------------------
class KerasLike(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 1, 1); s.bn1 = nn.BatchNorm2d(16, eps=1e-3)
        s.c2 = nn.Conv2d(16, 32, 3, 1, 1); s.bn2 = nn.BatchNorm2d(32, eps=1e-3)
        s.c3 = nn.Conv2d(32, 32, 3, 1, 1); s.bn3 = nn.BatchNorm2d(32, eps=1e-3)
        s.fc = nn.Linear(7 * 7 * 32, 10)
    def forward(s, x):
        x = F.relu(s.bn1(s.c1(x))); x = F.max_pool2d(F.relu(s.bn2(s.c2(x))), 2)
        x = F.max_pool2d(F.relu(s.bn3(s.c3(x)) + x), 2)
        return s.fc(x.permute(0, 2, 3, 1).reshape(x.shape[0], -1))     # Keras' Flatten reads NHWC

def write_kerasnhwc(m, name="kerasnhwc"):
    W = lambda t: t.detach().numpy().astype(np.float32)
    inits, nodes = [], []
    def const(n, a): inits.append(numpy_helper.from_array(np.asarray(a), n)); return n
    def node(op, ins, out, nm, **kw): nodes.append(helper.make_node(op, ins, [out], name=nm, **kw)); return out
    def nchw(x, base): return node("Transpose", [x], base + "__0", base + "__0", perm=[0, 3, 1, 2])   # tf2onnx's own names
    def nhwc(x, base): return node("Transpose", [x], base + ":0", base + "__1", perm=[0, 2, 3, 1])
    def conv(x, c, base):
        y = node("Conv", [nchw(x, base), const(base + "/ReadVariableOp:0", W(c.weight)), const(base + "/BiasAdd/ReadVariableOp:0", W(c.bias))],
                 base + "_nchw", base, kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], group=1)
        return nhwc(y, base)
    def bn_mul_add(x, bn, base):   # Keras' BatchNormalization unfused: x * (gamma / sqrt(var + eps)) + (beta - mean * that)
        sc = W(bn.weight) / np.sqrt(W(bn.running_var) + bn.eps); sh = W(bn.bias) - W(bn.running_mean) * sc
        y = node("Mul", [x, const(base + "/batchnorm/mul:0", sc.astype(np.float32))], base + "/batchnorm/mul_1:0", base + "/batchnorm/mul_1")
        return node("Add", [y, const(base + "/batchnorm/sub:0", sh.astype(np.float32))], base + "/batchnorm/add_1:0", base + "/batchnorm/add_1")
    def maxpool(x, base):
        return nhwc(node("MaxPool", [nchw(x, base)], base + "_nchw", base, kernel_shape=[2, 2], strides=[2, 2]), base)
    P = "StatefulPartitionedCall/model"
    x = conv("input_1", m.c1, P + "/conv2d/Conv2D")
    b = P + "/batch_normalization/FusedBatchNormV3"   # tf2onnx's FusedBatchNormV3: BatchNormalization in NCHW between Transposes
    y = node("BatchNormalization", [nchw(x, b), const(b + "/scale", W(m.bn1.weight)), const(b + "/offset", W(m.bn1.bias)),
             const(b + "/mean", W(m.bn1.running_mean)), const(b + "/variance", W(m.bn1.running_var))], b + "_nchw", b, epsilon=m.bn1.eps)
    x = node("Relu", [nhwc(y, b)], P + "/re_lu/Relu:0", P + "/re_lu/Relu")
    x = conv(x, m.c2, P + "/conv2d_1/Conv2D")
    x = node("Relu", [bn_mul_add(x, m.bn2, P + "/batch_normalization_1")], P + "/re_lu_1/Relu:0", P + "/re_lu_1/Relu")
    p = maxpool(x, P + "/max_pooling2d/MaxPool")
    x = bn_mul_add(conv(p, m.c3, P + "/conv2d_2/Conv2D"), m.bn3, P + "/batch_normalization_2")
    x = node("Add", [x, p], P + "/add/add:0", P + "/add/add")
    x = node("Relu", [x], P + "/re_lu_2/Relu:0", P + "/re_lu_2/Relu")
    x = maxpool(x, P + "/max_pooling2d_1/MaxPool")
    x = node("Reshape", [x, const("const_fold_opt__28", np.array([-1, 7 * 7 * 32], np.int64))], P + "/flatten/Reshape:0", P + "/flatten/Reshape")
    x = node("MatMul", [x, const(P + "/dense/MatMul/ReadVariableOp:0", W(m.fc.weight).T.copy())], P + "/dense/MatMul:0", P + "/dense/MatMul")
    x = node("Add", [x, const(P + "/dense/BiasAdd/ReadVariableOp:0", W(m.fc.bias))], P + "/dense/BiasAdd:0", P + "/dense/BiasAdd")
    node("Softmax", [x], "probs", P + "/dense/Softmax", axis=-1)
    g = helper.make_graph(nodes, "tf2onnx",
                          [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__45", 28, 28, 1])],
                          [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["unk__46", 10])], inits)
    mp = helper.make_model(g, producer_name="tf2onnx", producer_version="1.9.3 1190aa", opset_imports=[helper.make_opsetid("", 13)])
    mp.ir_version = 7
    onnx.checker.check_model(mp)
    p = os.path.join(OUT, name + ".onnx"); onnx.save(mp, p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes), {len(nodes)} nodes, {sum(n.op_type == 'Transpose' for n in nodes)} Transposes", flush=True)

# --- paddle10 -----------------------------------------------------------------------------------------------------
def hswish(x): return x * F.relu6(x + 3.0) / 6.0   # Paddle2ONNX's hard_swish below opset 14: Add, Clip, Mul, Div

class CBH(nn.Module):
    def __init__(s, cin, cout, k, st=1, g=1, act=True):
        super().__init__(); s.c = nn.Conv2d(cin, cout, k, st, k // 2, groups=g, bias=False); s.bn = nn.BatchNorm2d(cout); s.act = act
    def forward(s, x): y = s.bn(s.c(x)); return hswish(y) if s.act else y

class PSE(nn.Module):
    def __init__(s, c): super().__init__(); s.a = nn.Conv2d(c, c // 4, 1); s.b = nn.Conv2d(c // 4, c, 1)
    def forward(s, x): return x * F.hardsigmoid(s.b(F.relu(s.a(F.adaptive_avg_pool2d(x, 1)))))

class PaddleNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = CBH(1, 16, 3, 2)                                                           # 14
        s.dw1 = CBH(16, 16, 3, g=16); s.se1 = PSE(16); s.pw1 = CBH(16, 24, 1, act=False)
        s.ex2 = CBH(24, 48, 1); s.dw2 = CBH(48, 48, 5, 2, g=48); s.se2 = PSE(48); s.pw2 = CBH(48, 32, 1, act=False)   # 7
        s.lat = nn.Conv2d(24, 32, 1); s.fuse = CBH(32, 64, 3, 2)                           # 7
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x14 = s.pw1(s.se1(s.dw1(s.stem(x))))
        x7 = s.pw2(s.se2(s.dw2(s.ex2(x14))))
        f = s.fuse(F.interpolate(x7, scale_factor=2.0, mode="nearest") + s.lat(x14))
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(f, 1), 1))

def write_paddle10(m, name="paddle10"):
    p = export11(m, name, 10, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    mp = onnx.load(p); g = mp.graph
    inits = {t.name: t for t in g.initializer}
    nodes, relu6 = [], {}
    for n in g.node:   # torch writes relu6 at opset 10 as Relu then Clip(max 6); Paddle2ONNX as one Clip(min 0, max 6)
        if n.op_type == "Clip" and [x for x in g.node if x.op_type == "Relu" and x.output[0] == n.input[0]]:
            relu6[n.input[0]] = n
    for n in g.node:   # Gemm(x, W, b, transB=1) -> MatMul(x, Wᵀ) + Add(b), as Paddle2ONNX writes a fc/linear layer
        if n.op_type == "Gemm":
            w = numpy_helper.to_array(inits[n.input[1]]); tb = [a.i for a in n.attribute if a.name == "transB"]
            if tb and tb[0]: w = w.T.copy()
            g.initializer.remove(inits[n.input[1]]); g.initializer.append(numpy_helper.from_array(w.astype(np.float32), "linear_0.w_0"))
            nodes.append(helper.make_node("MatMul", [n.input[0], "linear_0.w_0"], ["linear_0.tmp_0"]))
            nodes.append(helper.make_node("Add", ["linear_0.tmp_0", n.input[2]], ["linear_0.tmp_1"]))
        elif n.op_type == "Relu" and n.output[0] in relu6:
            c = relu6[n.output[0]]; del c.attribute[:]; c.attribute.extend([helper.make_attribute("min", 0.0), helper.make_attribute("max", 6.0)])
            c.input[0] = n.input[0]
        else: nodes.append(n)
    nodes.append(helper.make_node("Softmax", ["linear_0.tmp_1"], ["save_infer_model/scale_0.tmp_1"], axis=1))
    for i, n in enumerate(nodes): n.name = f"p2o.{n.op_type}.{i}"
    del g.node[:]; g.node.extend(nodes)
    del g.output[:]; g.output.extend([helper.make_tensor_value_info("save_infer_model/scale_0.tmp_1", TensorProto.FLOAT, ["p2o.DynamicDimension.0", 10])])
    g.input[0].name = "x"; g.input[0].type.tensor_type.shape.dim[0].dim_param = "p2o.DynamicDimension.0"
    for n in g.node:
        for k, v in enumerate(n.input):
            if v == "input": n.input[k] = "x"
    mp.producer_name = "PaddlePaddle"; mp.producer_version = ""
    onnx.save(mp, p); to_constants(p)
    mp = onnx.load(p); onnx.checker.check_model(mp)
    ops = {}
    for n in mp.graph.node: ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"  rewrote {p} as Paddle2ONNX writes it: {ops}, {len(mp.graph.initializer)} initializers", flush=True)

def make_conformer(m): export11(m, "conformer", 14)
def make_sknet(m): export11(m, "sknet", 13)
def make_cbam9(m): export11(m, "cbam9", 9)
def make_convlstm(m): export11(m, "convlstm", 13)
def make_kerasnhwc(m): write_kerasnhwc(m)
def make_paddle10(m): write_paddle10(m)

MODELS = {"conformer": (Conformer, make_conformer), "sknet": (SKNet, make_sknet), "cbam9": (CbamNet, make_cbam9),
          "convlstm": (ConvLSTM, make_convlstm), "kerasnhwc": (KerasLike, make_kerasnhwc), "paddle10": (PaddleNet, make_paddle10)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train(m, d, steps=STEPS11); a = acc(m)
        tx, ty = T(d[2][:2000]), d[3][:2000]
        with torch.no_grad():
            a2 = float((torch.cat([m(tx[i:i+500]) for i in range(0, 2000, 500)]).argmax(1).numpy() == ty).mean())
        make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen11_ptq.py
        prov = {"model": name, "script": "tests/data/wild/make_unseen11.py", "seed": 0, "steps": STEPS11, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch acc 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
