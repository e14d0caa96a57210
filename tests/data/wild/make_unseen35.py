#!/usr/bin/python3
"""Round 35 of models in the wild (issue 13; branch unseen63, 2026-12-07): the old ONNX model zoo's forms and ops no round held.
make_wild3 held opset 7/8 (ImageScaler, BatchNormalization spatial = 0, Upsample-7); nothing held opset 6 or older (is_test,
Caffe2's legacy broadcast with an axis), Sum of several inputs, MaxPool's storage_order, a 4-D Softmax at axis 1 of opset < 13
(which normalizes over C*H*W), ReverseSequence, OneHot, Tile, Selu, Celu, ThresholdedRelu or Shrink. Each graph is written op
for op with onnx.helper as its old exporter wrote it, with the weights of a torch model trained here:
- squeeze7: SqueezeNet 1.1 as Caffe2's exporter wrote it for the zoo (opset 7, IR 3, every weight also a graph input, static
  batch 1, names data_0 / softmaxout_1): Fire modules (squeeze 1x1, expand 1x1 and 3x3, Concat), MaxPool 3/2 with ceil mode
  written as an extra bottom/right pad, Dropout (with its mask output), conv10, Relu, GlobalAveragePool, Softmax over
  [1, 10, 1, 1].
- alex8: AlexNet/GoogLeNet-like (opset 8, IR 3, initializers as inputs): Conv, Relu, **LRN** (size 5), MaxPool with
  **storage_order 0** and ceil padding, an inception-like block whose three branches are added by one **Sum of 3 inputs**,
  **Reshape by a Constant node's shape** [0, -1], Gemm, Relu, Dropout, Gemm, Softmax.
- seg9: an FCN/U-Net-like segmentation net (opset 9): encoder Convs and MaxPools, **Upsample-9** (scales from a Constant node)
  and **Sum** with the skip features twice, a 10-channel score map; outputs logits (GlobalAveragePool, Flatten) and
  prob_map = **Softmax axis 1 over the 4-D map**, which at opset < 13 normalizes over C*H*W (the spec's coercion to 2-D).
- caffe6: Caffe2's opset-6 form (IR 3, initializers as inputs): the input scaled and shifted by **Mul / Add broadcast=1**
  (ImageScaler-like), a Conv without bias and its bias added by **Add broadcast=1 axis=1** (legacy broadcast: [C] against
  [N, C, H, W] at axis 1), Relu, MaxPool, Flatten, **Gemm broadcast=1**, **BatchNormalization is_test=1** on [N, 128],
  Relu, **Dropout is_test=1**, **Sum** of the block and a skip Gemm, Gemm, Softmax.
- rare13: ops no round held (opset 13): Conv, **Selu**, MaxPool, Conv, **Celu**, MaxPool, **Shrink** (soft-shrink 0.05),
  **ReverseSequence** of the feature map's rows (time axis 2 of [N, C*W... ] written as batch_axis 0 / time_axis 1 over
  [N, 7, 224]), Concat with the rows as they were, a 1x1-like Gemm head after **ThresholdedRelu** (alpha 0.1), the pooled
  features **Tile**d twice, and a two-stage head: coarse logits -> ArgMax -> **OneHot** (depth 10) -> an embedding MatMul
  added to the features -> the final Gemm.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen35.py [NAME...]  -> NAME.onnx, NAME.json (provenance), NAME.pt (torch)
Provenance: seed 0; 300 steps (UNSEEN35_STEPS) of 64 training images, Adam 3e-3 (make_wild.train's loop); NAME.json: the torch
model's accuracy on the first 2,000 test images, which `evaluate` of the graph must reproduce."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T, train

STEPS = int(os.environ.get("UNSEEN35_STEPS", "300"))
F32 = TensorProto.FLOAT
W = lambda t: t.detach().numpy().astype(np.float32)

def acc2000(m, d):
    with torch.no_grad():
        o = torch.cat([m(T(d[2][i:i + 500])) for i in range(0, 2000, 500)])
    return float((o.reshape(len(o), -1).argmax(1).numpy() == d[3][:2000]).mean())

class G:
    """Nodes and initializers in order; `inputs_too` lists every initializer as a graph input (IR 3, as old exporters wrote)."""
    def __init__(s): s.nodes, s.inits = [], []
    def node(s, op, ins, out, name, **a):
        outs = [out] if isinstance(out, str) else out
        s.nodes.append(helper.make_node(op, ins, outs, name=name, **a)); return outs[0]
    def init(s, name, a): s.inits.append(numpy_helper.from_array(np.ascontiguousarray(a), name)); return name
    def const(s, name, a):
        """A Constant node (old exporters wrote shapes and scales so)."""
        return s.node("Constant", [], name, name, value=numpy_helper.from_array(np.asarray(a), name))
    def model(s, name, inp, outs, opset, ir, inputs_too, producer=("pytorch", "0.3")):
        ins = [inp] + ([helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in s.inits] if inputs_too else [])
        m = helper.make_model(helper.make_graph(s.nodes, name, ins, outs, s.inits), producer_name=producer[0], producer_version=producer[1],
                              opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = ir; return m

def save(name, m, check=True):
    if check: onnx.checker.check_model(m)
    p = os.path.join(OUT, name + ".onnx"); onnx.save(m, p); return p

# --- squeeze7 -------------------------------------------------------------------------------------------------------
class Fire(nn.Module):
    def __init__(s, cin, sq, e):
        super().__init__(); s.sq, s.e1, s.e3 = nn.Conv2d(cin, sq, 1), nn.Conv2d(sq, e, 1), nn.Conv2d(sq, e, 3, padding=1)
    def forward(s, x):
        x = F.relu(s.sq(x)); return torch.cat([F.relu(s.e1(x)), F.relu(s.e3(x))], 1)

class Squeeze(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(1, 32, 3, 2); s.f2, s.f3, s.f4 = Fire(32, 8, 16), Fire(32, 8, 16), Fire(32, 16, 32)
        s.conv10 = nn.Conv2d(64, 10, 1)
    def forward(s, x):
        x = F.relu(s.conv1(x))                                                    # 13
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)                                 # 6
        x = s.f3(s.f2(x)); x = s.f4(x)
        x = F.dropout(x, 0.5, s.training); x = F.relu(s.conv10(x))
        return F.adaptive_avg_pool2d(x, 1).flatten(1) * 4                         # logits (the graph ends in Softmax)

def squeeze7():
    d = data(); torch.manual_seed(0); m = Squeeze(); t0 = time.time(); train(m, d, STEPS); acc = acc2000(m, d)
    torch.save(m.state_dict(), os.path.join(OUT, "squeeze7.pt")); g = G()
    def conv(x, c, name, out, **a):
        return g.node("Conv", [x, g.init(name + "_w_0", W(c.weight)), g.init(name + "_b_0", W(c.bias))], out, name, **a)
    def fire(x, f, k):
        p = f"fire{k}"
        s = g.node("Relu", [conv(x, f.sq, p + "/squeeze1x1", p + "/squeeze1x1_1", kernel_shape=[1, 1])], p + "/squeeze1x1_2", p + "/relu_squeeze1x1")
        a = g.node("Relu", [conv(s, f.e1, p + "/expand1x1", p + "/expand1x1_1", kernel_shape=[1, 1])], p + "/expand1x1_2", p + "/relu_expand1x1")
        b = g.node("Relu", [conv(s, f.e3, p + "/expand3x3", p + "/expand3x3_1", kernel_shape=[3, 3], pads=[1, 1, 1, 1])], p + "/expand3x3_2",
                   p + "/relu_expand3x3")
        return g.node("Concat", [a, b], p + "/concat_1", p + "/concat", axis=1)
    x = g.node("Relu", [conv("data_0", m.conv1, "conv1", "conv1_1", kernel_shape=[3, 3], strides=[2, 2])], "conv1_2", "relu_conv1")
    x = g.node("MaxPool", [x], "pool1_1", "pool1", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])   # ceil mode, as Caffe2 padded
    x = fire(fire(fire(x, m.f2, 2), m.f3, 3), m.f4, 4)
    x = g.node("Dropout", [x], ["drop9_1", "_drop9_mask_1"], "drop9", ratio=0.5)
    x = g.node("Relu", [conv(x, m.conv10, "conv10", "conv10_1", kernel_shape=[1, 1])], "conv10_2", "relu_conv10")
    x = g.node("GlobalAveragePool", [x], "pool10_1", "pool10")
    # the torch model's logits are the pool times 4: a Caffe2 Scale as the zoo's files hold it (Mul broadcast of opset 7)
    x = g.node("Mul", [x, g.init("scale4_0", np.array([4], np.float32))], "pool10_scaled", "scale10")
    g.node("Softmax", [x], "softmaxout_1", "softmax")
    mm = g.model("squeeze7", helper.make_tensor_value_info("data_0", F32, [1, 1, 28, 28]),
                 [helper.make_tensor_value_info("softmaxout_1", F32, [1, 10, 1, 1])], 7, 3, True, ("caffe2", ""))
    return save("squeeze7", mm), acc, t0, "Caffe2 onnx exporter's form (opset 7, IR 3), written op for op"

# --- alex8 ----------------------------------------------------------------------------------------------------------
class Alex(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1, s.c2 = nn.Conv2d(1, 24, 5, padding=2), nn.Conv2d(24, 32, 3, padding=1)
        s.b1, s.b3, s.b5 = nn.Conv2d(32, 32, 1), nn.Conv2d(32, 32, 3, padding=1), nn.Conv2d(32, 32, 5, padding=2)
        s.fc6, s.fc7 = nn.Linear(32 * 16, 96), nn.Linear(96, 10); s.lrn = nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)
    def forward(s, x):
        x = F.max_pool2d(s.lrn(F.relu(s.c1(x))), 3, 2, ceil_mode=True)           # 28 -> 14
        x = F.max_pool2d(s.lrn(F.relu(s.c2(x))), 3, 2, ceil_mode=True)           # 14 -> 7
        x = F.relu(s.b1(x) + s.b3(x) + s.b5(x))
        x = F.max_pool2d(x, 2, 2, ceil_mode=True)                                 # 7 -> 4
        x = F.dropout(F.relu(s.fc6(x.flatten(1))), 0.5, s.training)
        return s.fc7(x)

def alex8():
    d = data(); torch.manual_seed(0); m = Alex(); t0 = time.time(); train(m, d, STEPS); acc = acc2000(m, d)
    torch.save(m.state_dict(), os.path.join(OUT, "alex8.pt")); g = G()
    def conv(x, c, name, k):
        return g.node("Conv", [x, g.init(name + "_W", W(c.weight)), g.init(name + "_B", W(c.bias))], name + "_Y", name, kernel_shape=[k, k],
                      pads=[k // 2] * 4)
    def lrn(x, name): return g.node("LRN", [x], name + "_Y", name, size=5, alpha=1e-4, beta=0.75, bias=1.0)
    def pool(x, name, k, pad):
        return g.node("MaxPool", [x], name + "_Y", name, kernel_shape=[k, k], strides=[2, 2], pads=[0, 0, pad, pad], storage_order=0)
    x = pool(lrn(g.node("Relu", [conv("data_0", m.c1, "conv1", 5)], "relu1_Y", "relu1"), "norm1"), "pool1", 3, 1)
    x = pool(lrn(g.node("Relu", [conv(x, m.c2, "conv2", 3)], "relu2_Y", "relu2"), "norm2"), "pool2", 3, 1)
    s = g.node("Sum", [conv(x, m.b1, "inc_1x1", 1), conv(x, m.b3, "inc_3x3", 3), conv(x, m.b5, "inc_5x5", 5)], "inc_sum_Y", "inc_sum")
    x = pool(g.node("Relu", [s], "inc_relu_Y", "inc_relu"), "pool3", 2, 1)
    shape = g.const("OC2_DUMMY_1", np.array([0, -1], np.int64))
    x = g.node("Reshape", [x, shape], "flat_Y", "flatten")
    x = g.node("Relu", [g.node("Gemm", [x, g.init("fc6_W", W(m.fc6.weight)), g.init("fc6_B", W(m.fc6.bias))], "fc6_Y", "fc6", transB=1)],
               "relu6_Y", "relu6")
    x = g.node("Dropout", [x], "drop6_Y", "drop6", ratio=0.5)
    x = g.node("Gemm", [x, g.init("fc7_W", W(m.fc7.weight)), g.init("fc7_B", W(m.fc7.bias))], "fc7_Y", "fc7", transB=1)
    g.node("Softmax", [x], "prob_1", "prob")
    mm = g.model("alex8", helper.make_tensor_value_info("data_0", F32, ["N", 1, 28, 28]),
                 [helper.make_tensor_value_info("prob_1", F32, ["N", 10])], 8, 3, True, ("onnx-caffe2", ""))
    return save("alex8", mm), acc, t0, "an opset-8 zoo AlexNet/GoogLeNet form (LRN, Sum, storage_order, Constant shape), written op for op"

# --- seg9 -----------------------------------------------------------------------------------------------------------
class Seg(nn.Module):
    def __init__(s):
        super().__init__()
        s.e1, s.e2, s.e3 = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1)
        s.d2, s.d1 = nn.Conv2d(32, 16, 3, padding=1), nn.Conv2d(16, 10, 3, padding=1)
    def maps(s, x):
        a = F.relu(s.e1(x)); b = F.relu(s.e2(F.max_pool2d(a, 2))); c = F.relu(s.e3(F.max_pool2d(b, 2)))
        u = F.relu(s.d2(F.interpolate(c, scale_factor=2, mode="nearest") + b))
        return s.d1(F.interpolate(u, scale_factor=2, mode="nearest") + a)
    def forward(s, x): return s.maps(x).mean((2, 3))

def seg9():
    d = data(); torch.manual_seed(0); m = Seg(); t0 = time.time(); train(m, d, STEPS); acc = acc2000(m, d)
    torch.save(m.state_dict(), os.path.join(OUT, "seg9.pt")); g = G()
    def conv(x, c, name):
        return g.node("Conv", [x, g.init(name + ".weight", W(c.weight)), g.init(name + ".bias", W(c.bias))], name + "_out", name,
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    relu = lambda x, name: g.node("Relu", [x], name + "_out", name)
    pool = lambda x, name: g.node("MaxPool", [x], name + "_out", name, kernel_shape=[2, 2], strides=[2, 2])
    a = relu(conv("input", m.e1, "e1"), "e1_relu"); b = relu(conv(pool(a, "p1"), m.e2, "e2"), "e2_relu")
    c = relu(conv(pool(b, "p2"), m.e3, "e3"), "e3_relu")
    sc = g.const("up_scales", np.array([1, 1, 2, 2], np.float32))
    u = g.node("Upsample", [c, sc], "up2_out", "up2", mode="nearest")
    u = relu(conv(g.node("Sum", [u, b], "skip2_out", "skip2"), m.d2, "d2"), "d2_relu")
    u = g.node("Upsample", [u, sc], "up1_out", "up1", mode="nearest")
    smap = conv(g.node("Sum", [u, a], "skip1_out", "skip1"), m.d1, "d1")
    g.node("Flatten", [g.node("GlobalAveragePool", [smap], "gap_out", "gap")], "logits", "flatten", axis=1)
    g.node("Softmax", [smap], "prob_map", "softmax_map", axis=1)
    mm = g.model("seg9", helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28]),
                 [helper.make_tensor_value_info("logits", F32, ["N", 10]), helper.make_tensor_value_info("prob_map", F32, ["N", 10, 28, 28])],
                 9, 4, False, ("pytorch", "1.0"))
    return save("seg9", mm), acc, t0, "torch.onnx 1.0's opset-9 form (Upsample-9, Sum, a 4-D Softmax at axis 1), written op for op"

# --- caffe6 ---------------------------------------------------------------------------------------------------------
class Caffe(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv = nn.Conv2d(1, 16, 5, 2, 2, bias=False); s.bias = nn.Parameter(torch.zeros(16))
        s.fc1, s.bn, s.fc2, s.skip, s.fc3 = nn.Linear(16 * 49, 128), nn.BatchNorm1d(128), nn.Linear(128, 128), nn.Linear(16 * 49, 128), nn.Linear(128, 10)
    def forward(s, x):
        x = (x * 2.0 - 0.5)                                                       # the exporter's preprocessing constants
        x = F.max_pool2d(F.relu(s.conv(x) + s.bias[None, :, None, None]), 2)     # 14 -> 7
        x = x.flatten(1); h = F.relu(s.bn(s.fc1(x)))
        h = F.relu(s.fc2(F.dropout(h, 0.3, s.training))) + s.skip(x)
        return s.fc3(h)

def caffe6():
    d = data(); torch.manual_seed(0); m = Caffe(); t0 = time.time(); train(m, d, STEPS); acc = acc2000(m, d)
    torch.save(m.state_dict(), os.path.join(OUT, "caffe6.pt")); g = G()
    x = g.node("Mul", ["data_0", g.init("scale_0", np.array([2.0], np.float32))], "scaled_0", "scale", broadcast=1)
    x = g.node("Add", [x, g.init("mean_0", np.array([-0.5], np.float32))], "shifted_0", "shift", broadcast=1)
    x = g.node("Conv", [x, g.init("conv1_w_0", W(m.conv.weight))], "conv1_0", "conv1", kernel_shape=[5, 5], strides=[2, 2], pads=[2, 2, 2, 2])
    x = g.node("Add", [x, g.init("conv1_b_0", W(m.bias))], "conv1_1", "conv1_bias", broadcast=1, axis=1)
    x = g.node("MaxPool", [g.node("Relu", [x], "conv1_2", "relu1")], "pool1_0", "pool1", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [x], "flat_0", "flatten", axis=1)
    fc = lambda i, l, name: g.node("Gemm", [i, g.init(name + "_w_0", W(l.weight)), g.init(name + "_b_0", W(l.bias))], name + "_0", name,
                                   transB=1, broadcast=1)
    h = fc(x, m.fc1, "fc1")
    bn = m.bn
    h = g.node("BatchNormalization", [h, g.init("bn1_s_0", W(bn.weight)), g.init("bn1_b_0", W(bn.bias)), g.init("bn1_rm_0", W(bn.running_mean)),
                                      g.init("bn1_riv_0", W(bn.running_var))], "bn1_0", "bn1", is_test=1, epsilon=bn.eps, momentum=0.9)
    h = g.node("Relu", [h], "relu2_0", "relu2")
    h = g.node("Dropout", [h], "drop2_0", "drop2", is_test=1, ratio=0.3)
    h = g.node("Relu", [fc(h, m.fc2, "fc2")], "relu3_0", "relu3")
    h = g.node("Sum", [h, fc(x, m.skip, "skip")], "sum_0", "sum")
    g.node("Softmax", [fc(h, m.fc3, "fc3")], "softmax_0", "softmax")
    mm = g.model("caffe6", helper.make_tensor_value_info("data_0", F32, ["N", 1, 28, 28]),
                 [helper.make_tensor_value_info("softmax_0", F32, ["N", 10])], 6, 3, True, ("onnx-caffe2", ""))
    return save("caffe6", mm), acc, t0, "Caffe2's opset-6 form (legacy broadcast with axis, is_test), written op for op"

# --- rare13 ---------------------------------------------------------------------------------------------------------
class Rare(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1, s.c2 = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1)
        s.rows = nn.Linear(2 * 7 * 32 * 7, 128); s.coarse = nn.Linear(256, 10); s.emb = nn.Parameter(torch.randn(10, 256) * 0.1)
        s.head = nn.Linear(256, 10)
    def both(s, x):
        x = F.max_pool2d(F.selu(s.c1(x)), 2); x = F.max_pool2d(F.celu(s.c2(x)), 2)         # [N, 32, 7, 7]
        x = F.softshrink(x, 0.05)
        r = x.permute(0, 2, 1, 3).reshape(len(x), 7, 224)                                 # rows as a sequence
        h = torch.cat([r, r.flip(1)], 2).reshape(len(x), -1)                             # ReverseSequence of the rows
        h = F.threshold(s.rows(h), 0.1, 0.0)                                              # ThresholdedRelu alpha 0.1
        h = h.repeat(1, 2)                                                                # Tile
        c = s.coarse(h)
        return c, s.head(h + F.one_hot(c.argmax(1), 10).float() @ s.emb)
    def forward(s, x): return s.both(x)[1]

def rare13():
    d = data(); torch.manual_seed(0); m = Rare(); t0 = time.time()
    opt = torch.optim.Adam(m.parameters(), lr=3e-3); gen = torch.Generator().manual_seed(0); m.train()
    for _ in range(STEPS):
        idx = torch.randint(0, len(d[0]), (64,), generator=gen).numpy(); y = torch.from_numpy(d[1][idx])
        c, f = m.both(T(d[0][idx])); loss = F.cross_entropy(c, y) + F.cross_entropy(f, y)
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval(); acc = acc2000(m, d); torch.save(m.state_dict(), os.path.join(OUT, "rare13.pt")); g = G()
    def conv(x, c, name):
        return g.node("Conv", [x, g.init(name + ".weight", W(c.weight)), g.init(name + ".bias", W(c.bias))], name + "_out", "/" + name + "/Conv",
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    pool = lambda x, name: g.node("MaxPool", [x], name + "_out", "/" + name + "/MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    x = pool(g.node("Selu", [conv("input", m.c1, "c1")], "selu_out", "/act1/Selu"), "p1")
    x = pool(g.node("Celu", [conv(x, m.c2, "c2")], "celu_out", "/act2/Celu", alpha=1.0), "p2")
    x = g.node("Shrink", [x], "shrink_out", "/shrink/Shrink", lambd=0.05, bias=0.05)
    x = g.node("Transpose", [x], "rows_t", "/rows/Transpose", perm=[0, 2, 1, 3])
    r = g.node("Reshape", [x, g.init("rows_shape", np.array([-1, 7, 224], np.int64))], "rows", "/rows/Reshape")
    n = g.node("Gather", [g.node("Shape", [r], "rows_shape_out", "/rows/Shape"), g.init("zero", np.array([0], np.int64))], "batch", "/rows/Gather", axis=0)
    lens = g.node("Expand", [g.init("seven", np.array([7], np.int64)), n], "lens", "/rows/Expand")      # [N] sequence lengths, all 7
    rev = g.node("ReverseSequence", [r, lens], "rows_rev", "/rows/ReverseSequence", batch_axis=0, time_axis=1)
    h = g.node("Concat", [r, rev], "rows_both", "/rows/Concat", axis=2)
    h = g.node("Reshape", [h, g.init("flat_shape", np.array([-1, 2 * 7 * 224], np.int64))], "rows_flat", "/rows/Flatten")
    lin = lambda x, l, name: g.node("Gemm", [x, g.init(name + ".weight", W(l.weight)), g.init(name + ".bias", W(l.bias))], name + "_out",
                                    "/" + name + "/Gemm", transB=1)
    h = g.node("ThresholdedRelu", [lin(h, m.rows, "rows_fc")], "thr_out", "/act3/ThresholdedRelu", alpha=0.1)
    h = g.node("Tile", [h, g.init("repeats", np.array([1, 2], np.int64))], "tiled", "/repeat/Tile")
    c = lin(h, m.coarse, "coarse")
    k = g.node("ArgMax", [c], "coarse_class", "/coarse/ArgMax", axis=1, keepdims=0)
    oh = g.node("OneHot", [k, g.init("depth", np.array(10, np.int64)), g.init("onehot_values", np.array([0, 1], np.float32))], "onehot",
                "/onehot/OneHot", axis=-1)
    e = g.node("MatMul", [oh, g.init("emb", W(m.emb))], "emb_out", "/emb/MatMul")
    lin(g.node("Add", [h, e], "refined", "/refine/Add"), m.head, "head")
    g.nodes[-1].output[0] = "logits"
    mm = g.model("rare13", helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28]), [helper.make_tensor_value_info("logits", F32, ["N", 10])],
                 13, 7, False, ("pytorch", "1.13.0"))
    return save("rare13", mm), acc, t0, "torch 1.13 model, its graph written op for op with the ops torch's exporter writes otherwise"

MODELS = {"squeeze7": squeeze7, "alex8": alex8, "seg9": seg9, "caffe6": caffe6, "rare13": rare13}

def build(name):
    p, acc, t0, tool = MODELS[name]()
    prov = {"model": name, "accuracy_test2000": acc, "train_seconds": round(time.time() - t0, 1), "tool": tool,
            "script": "tests/data/wild/make_unseen35.py", "seed": 0, "steps": STEPS, "batch": 64, "optimizer": "Adam lr 3e-3",
            "torch": torch.__version__, "onnx": onnx.__version__, "data": "/usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)"}
    json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(f"{name}: accuracy 2000 {acc:.4f}, wrote {p} ({os.path.getsize(p)} bytes), ops {sorted({n.op_type for n in onnx.load(p).graph.node})}",
          flush=True)

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:] or MODELS: build(n)
