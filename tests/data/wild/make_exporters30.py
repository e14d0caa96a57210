#!/usr/bin/python3
"""Models as other exporters write them: old opsets and attribute forms (issue 13; branch unseen30, 2026-12-06).
TensorFlow and Paddle are not installable here, so the graphs are written by hand with onnx.helper in their exporters'
style; the weights are one small torch model's (MobileNet-like: 3x3 stem, two depthwise-separable blocks with stride 2,
BatchNorm, ReLU6; a class head and a 14x14 foreground head), trained here on Fashion-MNIST, so accuracy is real.
- tf9cls (opset 9, tf2onnx's style): NHWC input "input_1:0" with a Transpose pair around EVERY Conv, BatchNorm as Mul/Add
  constants over the last axis, Relu6 as Clip with min/max ATTRIBUTES, Pad with a pads ATTRIBUTE before the stride-2
  depthwise Convs (Keras ZeroPadding2D), Split with a split attribute + two Clips + Concat, Slice with starts/ends
  ATTRIBUTES (ends INT64_MAX, strided_slice's whole range), ReduceMean keepdims 1 + Squeeze with axes attribute, Dropout
  with a ratio attribute, Reshape whose shape comes from Shape/Gather/Cast(int32)/Cast(int64)/Unsqueeze/Concat with a
  Constant -1, MatMul + Add (no Gemm), every weight in a Constant node, the output wrapped in Identity, names with '/' and ':'
- paddle10seg (opset 10, Paddle2ONNX's style): NCHW "image", every weight in a Constant node, BatchNormalization kept,
  Relu6 as Clip attributes, Pad attribute before the stride-2 depthwise Convs, Resize-10 (nearest) whose scales are computed
  from the two feature maps' shapes through float64 Casts and a Div, a skip Add, Sigmoid foreground map as the SECOND output,
  GlobalAveragePool + Flatten + Dropout(ratio) + MatMul + Add as the first, Unsqueeze/Squeeze with axes attributes
- tf11cls (opset 11, tf2onnx's style): tf9cls's graph with opset 11's forms: Clip with min/max inputs, Pad with a pads
  input, Slice with inputs; Squeeze/Split keep their attributes (still so at 11)
    /usr/bin/python3 tests/data/wild/make_exporters30.py [NAME...]  -> NAME.onnx and exporters30.json (provenance) in $WILD_OUT
Provenance: seed 0, EXPORTERS30_STEPS (default 600) steps of 64 Fashion-MNIST training images (/usr/share/datasets/
fashion-mnist), Adam 3e-3, loss = cross-entropy + BCE of the 14x14 head against max-pooled image > 0.3; exporters30.json
holds the torch model's accuracy on the first 2,000 test images (what try2.sh's evaluate reads), which each graph's
accuracy must equal."""
import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T

STEPS = int(os.environ.get("EXPORTERS30_STEPS", "600"))

def cbr(cin, cout, k, s=1, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout), nn.ReLU6())

class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = cbr(1, 16, 3); s.dw1 = cbr(16, 16, 3, 2, 16); s.pw1 = cbr(16, 32, 1)
        s.dw2 = cbr(32, 32, 3, 2, 32); s.pw2 = cbr(32, 64, 1)
        s.fc = nn.Linear(64, 10); s.lat = nn.Conv2d(64, 32, 1); s.seg = nn.Conv2d(32, 1, 1)
    def forward(s, x):
        f14 = s.pw1(s.dw1(s.stem(x))); f7 = s.pw2(s.dw2(f14))
        seg = s.seg(F.relu(s.lat(F.interpolate(f7, scale_factor=2, mode="nearest")) + f14))
        return s.fc(f7.mean([2, 3])), seg

def train(m, d):
    torch.manual_seed(0); x, y, tx, ty = d
    opt = torch.optim.Adam(m.parameters(), lr=3e-3); m.train(); g = torch.Generator().manual_seed(0)
    for _ in range(STEPS):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy(); xb = T(x[idx])
        logits, seg = m(xb)
        loss = F.cross_entropy(logits, torch.from_numpy(y[idx])) + \
            F.binary_cross_entropy_with_logits(seg, (F.max_pool2d(xb, 2) > 0.3).float())
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval()
    with torch.no_grad(): out = torch.cat([m(T(tx[i:i + 500]))[0] for i in range(0, 2000, 500)])
    return float((out.argmax(1).numpy() == ty[:2000]).mean())

W = lambda t: t.detach().numpy().astype(np.float32)

class Graph:
    """Nodes in order; weights as Constant nodes (both exporters write them so at these opsets)."""
    def __init__(s): s.nodes = []
    def node(s, op, ins, out, name, **a):
        s.nodes.append(helper.make_node(op, ins, [out], name=name, **a)); return out
    def const(s, name, a):
        s.nodes.append(helper.make_node("Constant", [], [name], name=name + "/Const", value=numpy_helper.from_array(np.asarray(a), name)))
        return name

def bn_affine(bn):
    scale = W(bn.weight) / np.sqrt(W(bn.running_var) + bn.eps)
    return scale, W(bn.bias) - W(bn.running_mean) * scale

def tf_graph(m, opset):
    """tf9cls / tf11cls: NHWC, a Transpose pair around every Conv, BN as Mul/Add, Relu6 as Clip."""
    g = Graph(); P = "StatefulPartitionedCall/sequential"
    def relu6(x, base):
        if opset < 11: return g.node("Clip", [x], base + "/Relu6:0", base + "/Relu6", min=0.0, max=6.0)
        return g.node("Clip", [x, g.const(base + "/Relu6/min:0", np.float32(0)), g.const(base + "/Relu6/max:0", np.float32(6))],
                      base + "/Relu6:0", base + "/Relu6")
    def pad(x, base):                                     # Keras ZeroPadding2D((1, 1)) in NHWC
        pads = [0, 1, 1, 0, 0, 1, 1, 0]
        if opset < 11: return g.node("Pad", [x], base + "/Pad:0", base + "/Pad", mode="constant", pads=pads, value=0.0)
        return g.node("Pad", [x, g.const(base + "/Pad/paddings:0", np.array(pads, np.int64))], base + "/Pad:0", base + "/Pad", mode="constant")
    def conv(x, layer, base, padded, act=True):
        c, bn = layer[0], layer[1]; k = c.kernel_size[0]; p = 0 if padded else k // 2
        t = g.node("Transpose", [x], base + "/Conv2D__6:0", base + "/Conv2D__6", perm=[0, 3, 1, 2])
        y = g.node("Conv", [t, g.const(base + "/Conv2D/ReadVariableOp:0", W(c.weight))], base + "/Conv2D_nchw:0", base + "/Conv2D",
                   kernel_shape=[k, k], strides=list(c.stride), pads=[p] * 4, group=c.groups, dilations=[1, 1])
        y = g.node("Transpose", [y], base + "/Conv2D:0", base + "/Conv2D__8", perm=[0, 2, 3, 1])
        sc, sh = bn_affine(bn)
        y = g.node("Mul", [y, g.const(base + "/bn/batchnorm/mul:0", sc)], base + "/bn/batchnorm/mul_1:0", base + "/bn/batchnorm/mul_1")
        y = g.node("Add", [y, g.const(base + "/bn/batchnorm/sub:0", sh)], base + "/bn/batchnorm/add_1:0", base + "/bn/batchnorm/add_1")
        return relu6(y, base) if act else y
    x = conv("input_1:0", m.stem, P + "/conv2d", False)
    x = conv(pad(x, P + "/zero_padding2d"), m.dw1, P + "/depthwise_conv2d", True)
    y = conv(x, m.pw1, P + "/conv2d_1", False, act=False)  # its Relu6 split in two halves, as a grouped Keras model
    halves = [P + "/split:0", P + "/split:1"]
    g.nodes.append(helper.make_node("Split", [y], halves, name=P + "/split", axis=3, split=[16, 16]))
    x = g.node("Concat", [relu6(halves[0], P + "/re_lu_a"), relu6(halves[1], P + "/re_lu_b")], P + "/concat:0", P + "/concat", axis=3)
    x = conv(pad(x, P + "/zero_padding2d_1"), m.dw2, P + "/depthwise_conv2d_1", True)
    x = conv(x, m.pw2, P + "/conv2d_2", False)
    big = np.iinfo(np.int64).max                           # strided_slice over the whole channel range
    if opset < 10:
        x = g.node("Slice", [x], P + "/strided_slice:0", P + "/strided_slice", starts=[0], ends=[big], axes=[3])
    else:
        x = g.node("Slice", [x, g.const(P + "/strided_slice/begin:0", np.array([0], np.int64)),
                             g.const(P + "/strided_slice/end:0", np.array([big], np.int64)),
                             g.const(P + "/strided_slice/axes:0", np.array([3], np.int64))], P + "/strided_slice:0", P + "/strided_slice")
    x = g.node("ReduceMean", [x], P + "/gap/Mean:0", P + "/gap/Mean", axes=[1, 2], keepdims=1)
    x = g.node("Squeeze", [x], P + "/gap/Squeeze:0", P + "/gap/Squeeze", axes=[1, 2])
    x = g.node("Dropout", [x], P + "/dropout/Identity:0", P + "/dropout", ratio=0.2)
    n = g.node("Shape", [x], P + "/flatten/Shape:0", P + "/flatten/Shape")
    n = g.node("Gather", [n, g.const(P + "/flatten/strided_slice/stack:0", np.array(0, np.int64))], P + "/flatten/strided_slice:0", P + "/flatten/strided_slice", axis=0)
    n = g.node("Cast", [n], P + "/flatten/Cast:0", P + "/flatten/Cast", to=TensorProto.INT32)
    n = g.node("Cast", [n], P + "/flatten/Cast_1:0", P + "/flatten/Cast_1", to=TensorProto.INT64)
    n = g.node("Unsqueeze", [n], P + "/flatten/Reshape/shape/0:0", P + "/flatten/Reshape/shape/0", axes=[0])
    n = g.node("Concat", [n, g.const(P + "/flatten/Const:0", np.array([-1], np.int64))], P + "/flatten/Reshape/shape:0", P + "/flatten/Reshape/shape", axis=0)
    x = g.node("Reshape", [x, n], P + "/flatten/Reshape:0", P + "/flatten/Reshape")
    x = g.node("MatMul", [x, g.const(P + "/dense/MatMul/ReadVariableOp:0", W(m.fc.weight).T.copy())], P + "/dense/MatMul:0", P + "/dense/MatMul")
    x = g.node("Add", [x, g.const(P + "/dense/BiasAdd/ReadVariableOp:0", W(m.fc.bias))], P + "/dense/BiasAdd:0", P + "/dense/BiasAdd")
    g.node("Identity", [x], "Identity:0", "Identity")
    return helper.make_graph(g.nodes, "tf2onnx", [helper.make_tensor_value_info("input_1:0", TensorProto.FLOAT, ["unk__12", 28, 28, 1])],
                             [helper.make_tensor_value_info("Identity:0", TensorProto.FLOAT, ["unk__13", 10])]), "tf2onnx", "1.9.3 1190aa"

def paddle_graph(m):
    """paddle10seg: NCHW, BatchNormalization kept, Resize-10 with scales from float64 shape arithmetic, two outputs."""
    g = Graph(); ids = {"conv": 0, "bn": 0, "clip": 0}
    def nid(kind): i = ids[kind]; ids[kind] += 1; return f"{kind}2d_{i}" if kind == "conv" else f"{kind}_{i}"
    def conv(x, c, pads, bias=None):
        name = nid("conv"); k = c.kernel_size[0]
        ins = [x, g.const(name + ".w_0", W(c.weight))] + ([g.const(name + ".b_0", W(c.bias))] if c.bias is not None else [])
        return g.node("Conv", ins, name + ".tmp_0", name, kernel_shape=[k, k], strides=list(c.stride), pads=[pads] * 4,
                      group=c.groups, dilations=[1, 1])
    def cbr(x, layer, padded=False):
        c, bn = layer[0], layer[1]; y = conv(x, c, 0 if padded else c.kernel_size[0] // 2); b = nid("bn")
        y = g.node("BatchNormalization", [y, g.const(b + ".w_0", W(bn.weight)), g.const(b + ".b_0", W(bn.bias)),
                   g.const(b + ".w_1", W(bn.running_mean)), g.const(b + ".w_2", W(bn.running_var))], b + ".tmp_2", b,
                   epsilon=bn.eps, momentum=0.9)
        k = nid("clip"); return g.node("Clip", [y], k + ".tmp_0", k, min=0.0, max=6.0)
    def pad(x, i): return g.node("Pad", [x], f"pad2d_{i}.tmp_0", f"pad2d_{i}", mode="constant", pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.0)
    x = cbr("image", m.stem); x = cbr(pad(x, 0), m.dw1, True); f14 = cbr(x, m.pw1)
    f7 = cbr(cbr(pad(f14, 1), m.dw2, True), m.pw2)
    hw = []
    for f, t in ((f14, "shape_0"), (f7, "shape_1")):      # nearest_interp's out_shape / in_shape (H, W), in float64 as Paddle casts
        s = g.node("Shape", [f], t + ".tmp_0", t)
        s = g.node("Slice", [s, g.const(t + "_starts", np.array([2], np.int64)), g.const(t + "_ends", np.array([4], np.int64)),
                             g.const(t + "_axes", np.array([0], np.int64))], "slice_" + t + ".tmp_0", "slice_" + t)
        hw.append(g.node("Cast", [s], t + ".tmp_0_cast", t + "_cast", to=TensorProto.DOUBLE))
    r = g.node("Div", hw, "elementwise_div_0.tmp_0", "elementwise_div_0")
    r = g.node("Cast", [r], "elementwise_div_0.tmp_0_cast", "elementwise_div_0_cast", to=TensorProto.FLOAT)
    r = g.node("Concat", [g.const("fill_constant_0.tmp_0", np.ones(2, np.float32)), r], "concat_0.tmp_0", "concat_0", axis=0)
    up = g.node("Resize", [f7, r], "nearest_interp_0.tmp_0", "nearest_interp_0", mode="nearest")
    y = g.node("Add", [conv(up, m.lat, 0), f14], "elementwise_add_0", "elementwise_add_0")
    y = g.node("Relu", [y], "relu_0.tmp_0", "relu_0")
    g.node("Sigmoid", [conv(y, m.seg, 0)], "save_infer_model/scale_1.tmp_0", "sigmoid_0")
    x = g.node("GlobalAveragePool", [f7], "pool2d_0.tmp_0", "pool2d_0")
    x = g.node("Flatten", [x], "flatten_0.tmp_0", "flatten_0", axis=1)
    x = g.node("Unsqueeze", [x], "unsqueeze2_0.tmp_0", "unsqueeze2_0", axes=[1])
    x = g.node("Squeeze", [x], "squeeze2_0.tmp_0", "squeeze2_0", axes=[1])
    x = g.node("Dropout", [x], "dropout_0.tmp_0", "dropout_0", ratio=0.5)
    x = g.node("MatMul", [x, g.const("linear_0.w_0", W(m.fc.weight).T.copy())], "linear_0.tmp_0", "linear_0")
    g.node("Add", [x, g.const("linear_0.b_0", W(m.fc.bias))], "save_infer_model/scale_0.tmp_0", "linear_0_add")
    return helper.make_graph(g.nodes, "paddle-onnx", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [-1, 1, 28, 28])],
                             [helper.make_tensor_value_info("save_infer_model/scale_0.tmp_0", TensorProto.FLOAT, [-1, 10]),
                              helper.make_tensor_value_info("save_infer_model/scale_1.tmp_0", TensorProto.FLOAT, [-1, 1, 14, 14])]), \
        "PaddlePaddle", "0.9.2"

MODELS = {"tf9cls": (lambda m: tf_graph(m, 9), 9), "paddle10seg": (paddle_graph, 10), "tf11cls": (lambda m: tf_graph(m, 11), 11)}

if __name__ == "__main__":
    names = sys.argv[1:] or list(MODELS)
    m = Net(); torch.manual_seed(0); m = Net(); acc = train(m, data())
    print(f"  torch acc (2000 test) {acc:.4f}", flush=True)
    for name in names:
        build, opset = MODELS[name]; graph, producer, version = build(m)
        mp = helper.make_model(graph, producer_name=producer, producer_version=version, opset_imports=[helper.make_opsetid("", opset)])
        mp.ir_version = 6 if opset >= 11 else 5
        onnx.checker.check_model(mp, full_check=True)
        p = os.path.join(OUT, name + ".onnx"); onnx.save_model(mp, p)
        print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    json.dump({"steps": STEPS, "seed": 0, "torch_acc_first2000": acc, "models": names},
              open(os.path.join(OUT, "exporters30.json"), "w"), indent=1)
