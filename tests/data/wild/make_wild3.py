#!/usr/bin/python3
"""Third round (issue 13, "models in the wild"): opsets Quantrace was not tuned on, at both ends.
Old: PyTorch 1.13's torch.onnx.export at opset_version 7 and 8 of a small CNN (Conv, BatchNorm, Relu, MaxPool, Upsample
nearest or bilinear, Dropout, Flatten, Gemm), exported in eval and in training mode, initializers also listed as graph inputs
(keep_initializers_as_inputs=True, as old exporters wrote them); and one hand-built opset-7 graph with what the early model
zoo has (the experimental ImageScaler, BatchNormalization with spatial = 0, Upsample-7's scales attribute).
New: what torch 2.x / onnxscript / tf2onnx write at opsets 18 to 23, built from a torch 1.13 export of a trained model at
opset 17 rewritten the way newer exporters write it: Reduce* with axes as an input, Split with num_outputs, Pad with an
axes input, Resize-18/19 attributes (antialias, keep_aspect_ratio_policy), GroupNormalization-18 (per-group scale, the
per-channel affine after it) or -21 (per-channel), LayerNormalization, model-local functions (ModelProto.functions, as the
dynamo exporter emits them), and the same graph declared at opset 22 and 23.
Same rules as make_wild.py: Fashion-MNIST, WILD_STEPS (default 400) steps of 64 images, seed 0, one thread.
    /usr/bin/python3 tests/data/wild/make_wild3.py [name...]   -> <name>.onnx in $WILD_OUT (default /tmp/wild)"""
import os, sys
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_wild import OUT, data, train, export

MODELS = {}
def model(f): MODELS[f.__name__] = f; return f
F32 = TensorProto.FLOAT
def W(p): return p.detach().numpy().astype(np.float32)
def init(name, a): return numpy_helper.from_array(np.asarray(a), name)

def save(m, name, check=True):
    if check: onnx.checker.check_model(m)
    p = os.path.join(OUT, name + ".onnx"); onnx.save(m, p); print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True); return p

class OldCnn(nn.Module):  # what opset 7/8 exporters met: Conv/BN/Relu/MaxPool, Upsample, Dropout, Flatten, Gemm
    def __init__(s, up="nearest"):
        super().__init__(); s.up = up
        s.c1 = nn.Conv2d(1, 16, 3, 1, 1); s.b1 = nn.BatchNorm2d(16); s.c2 = nn.Conv2d(16, 32, 3, 1, 1); s.b2 = nn.BatchNorm2d(32)
        s.c3 = nn.Conv2d(32, 16, 3, 2, 1); s.drop = nn.Dropout(0.2); s.fc = nn.Linear(16 * 49, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.b1(s.c1(x))), 2)  # 14
        x = F.max_pool2d(F.relu(s.b2(s.c2(x))), 2)  # 7
        x = F.interpolate(x, size=(14, 14), mode=s.up, **({} if s.up == "nearest" else {"align_corners": False}))  # 14
        x = F.relu(s.c3(x))  # 7
        return s.fc(s.drop(torch.flatten(x, 1)))

def old(d, name, opset, up="nearest", training=False, batch=None):
    """torch 1.13 exports Upsample at opset 7/8 only with a static output size, so with a static batch (1, as old model zoo
    files have it); batch="N" then names the first dimension of input and output, as users did to batch such models."""
    m = OldCnn(up); train(m, d)
    p = export(m, name, opset, dynamic=False, keep_initializers_as_inputs=True,
               training=torch.onnx.TrainingMode.TRAINING if training else torch.onnx.TrainingMode.EVAL, do_constant_folding=not training)
    if batch:
        mm = onnx.load(p)
        for v in (mm.graph.input[0], mm.graph.output[0]):
            v.type.tensor_type.shape.dim[0].dim_param = batch
        save(mm, name)

@model
def old7(d): old(d, "old7", 7)
@model
def old7_train(d): old(d, "old7_train", 7, training=True)
@model
def old8(d): old(d, "old8", 8, batch="N")
@model
def old8_train(d): old(d, "old8_train", 8, training=True, batch="N")
@model
def old7_bilinear(d): old(d, "old7_bilinear", 7, up="bilinear", batch="N")

@model
def old7_zoo(d):
    """Opset 7 as the early model zoo has it: ImageScaler on the input, BatchNormalization with spatial = 0 (its per-channel
    statistics repeated over height and width), Upsample-7 (scales attribute), Gemm, Dropout; initializers as inputs."""
    m = OldCnn(); train(m, d)
    def bn(prefix, b, hw):
        rep = lambda a: np.repeat(W(a)[:, None, None], hw * hw, 1).reshape(-1, hw, hw).astype(np.float32)
        return [init(prefix + "_s", rep(b.weight)), init(prefix + "_b", rep(b.bias)), init(prefix + "_m", rep(b.running_mean)),
                init(prefix + "_v", rep(b.running_var))]
    inits = [init("c1w", W(m.c1.weight)), init("c1b", W(m.c1.bias)), init("c2w", W(m.c2.weight)), init("c2b", W(m.c2.bias)),
             init("c3w", W(m.c3.weight)), init("c3b", W(m.c3.bias)), init("fcw", W(m.fc.weight)), init("fcb", W(m.fc.bias)),
             init("shape", np.array([-1, 16 * 49], np.int64))] + bn("bn1", m.b1, 28) + bn("bn2", m.b2, 14)
    conv = lambda i, w, b, o, s=1: helper.make_node("Conv", [i, w, b], [o], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[s, s])
    nodes = [helper.make_node("ImageScaler", ["input"], ["scaled"], scale=2.0, bias=[-0.5]),  # x * 2 - 0.5, undone in c1
             conv("scaled", "c1w_s", "c1b_s", "h1"),
             helper.make_node("BatchNormalization", ["h1", "bn1_s", "bn1_b", "bn1_m", "bn1_v"], ["n1"], spatial=0, epsilon=1e-5),
             helper.make_node("Relu", ["n1"], ["r1"]), helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
             conv("p1", "c2w", "c2b", "h2"),
             helper.make_node("BatchNormalization", ["h2", "bn2_s", "bn2_b", "bn2_m", "bn2_v"], ["n2"], spatial=0, epsilon=1e-5),
             helper.make_node("Relu", ["n2"], ["r2"]), helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Upsample", ["p2"], ["u"], mode="nearest", scales=[1.0, 1.0, 2.0, 2.0]),
             conv("u", "c3w", "c3b", "h3", 2), helper.make_node("Relu", ["h3"], ["r3"]),
             helper.make_node("Reshape", ["r3", "shape"], ["flat"]), helper.make_node("Dropout", ["flat"], ["dropped"], ratio=0.2),
             helper.make_node("Gemm", ["dropped", "fcw", "fcb"], ["logits"], transB=1)]
    # c1 reads ImageScaler's x * 2 - 0.5: halve its weights and add back what the -0.5 took
    w = W(m.c1.weight); inits += [init("c1w_s", w / 2), init("c1b_s", W(m.c1.bias) + 0.25 * w.sum((1, 2, 3)))]
    g = helper.make_graph(nodes, "old7_zoo", [helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28])]
                          + [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits],
                          [helper.make_tensor_value_info("logits", F32, ["N", 10])], inits)
    mm = helper.make_model(g, opset_imports=[helper.make_opsetid("", 7)], producer_name="quantrace-wild3"); mm.ir_version = 3
    save(mm, "old7_zoo", check=False)  # onnx 1.12's checker no longer knows ImageScaler (c1's zero padding now pads -0.5: not quite torch's model)

class NewNet(nn.Module):  # what the newer exporters are fed: padding, chunk, GroupNorm, bilinear resize, LayerNorm, means
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 2); s.c2 = nn.Conv2d(8, 8, 3, 1, 1); s.gn = nn.GroupNorm(4, 16); s.c3 = nn.Conv2d(16, 32, 3, 2, 1)
        s.ln = nn.LayerNorm(32); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = F.relu(s.c1(F.pad(x, (1, 1, 1, 1))))  # [N,16,14,14]
        a, b = x.chunk(2, 1); x = torch.cat([a, F.relu(s.c2(b))], 1)
        x = F.relu(s.gn(x)); x = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False)  # 7
        x = F.relu(s.c3(x))  # 4
        h = x.amax([2, 3]) + x.mean([2, 3])
        return s.fc(s.ln(h))

def c(name, value, dtype=np.int64): return init(name, np.array(value, dtype))

def newgraph(m, opset, functions=False):
    """The trained NewNet as torch 2.x's exporters write it at `opset` (18 to 23)."""
    inits = [init("c1w", W(m.c1.weight)), init("c1b", W(m.c1.bias)), init("c2w", W(m.c2.weight)), init("c2b", W(m.c2.bias)),
             init("c3w", W(m.c3.weight)), init("c3b", W(m.c3.bias)), init("lnw", W(m.ln.weight)), init("lnb", W(m.ln.bias)),
             init("fcw", W(m.fc.weight)), init("fcb", W(m.fc.bias)), c("pads", [1, 1, 1, 1]), c("pad_axes", [2, 3]), c("hw", [2, 3]),
             c("roi", [], np.float32), c("half", [1, 1, 0.5, 0.5], np.float32)]
    G = 4
    if opset >= 21:  # GroupNormalization-21: per-channel scale and bias
        inits += [init("gns", W(m.gn.weight)), init("gnb", W(m.gn.bias))]
        gn = [helper.make_node("GroupNormalization", ["cat", "gns", "gnb"], ["gn"], num_groups=G, epsilon=1e-5)]
    else:  # GroupNormalization-18: per-group scale and bias; the per-channel affine after it
        inits += [init("gn1", np.ones(G, np.float32)), init("gn0", np.zeros(G, np.float32)),
                  init("gns", W(m.gn.weight).reshape(16, 1, 1)), init("gnb", W(m.gn.bias).reshape(16, 1, 1))]
        gn = [helper.make_node("GroupNormalization", ["cat", "gn1", "gn0"], ["gn_raw"], num_groups=G, epsilon=1e-5),
              helper.make_node("Mul", ["gn_raw", "gns"], ["gn_mul"]), helper.make_node("Add", ["gn_mul", "gnb"], ["gn"])]
    resize_attrs = {"mode": "linear", "coordinate_transformation_mode": "half_pixel", "antialias": 0}
    if opset >= 19:
        resize_attrs["keep_aspect_ratio_policy"] = "stretch"
    conv_relu = lambda i, w, b, o, **kw: [helper.make_node("Conv", [i, w, b], [o + "_c"], **kw), helper.make_node("Relu", [o + "_c"], [o])]
    if functions:  # the dynamo exporter's module functions: each Conv + Relu block a call of a model-local function
        conv_relu = lambda i, w, b, o, **kw: [helper.make_node("ConvRelu", [i, w, b], [o], domain="pkg.wild", **kw)]
    nodes = ([helper.make_node("Pad", ["input", "pads", "", "pad_axes"], ["padded"], mode="constant")]
             + conv_relu("padded", "c1w", "c1b", "h1", strides=[2, 2])
             + [helper.make_node("Split", ["h1"], ["a", "b"], axis=1, num_outputs=2)]
             + conv_relu("b", "c2w", "c2b", "b2", pads=[1, 1, 1, 1])
             + [helper.make_node("Concat", ["a", "b2"], ["cat"], axis=1)] + gn
             + [helper.make_node("Relu", ["gn"], ["gr"]), helper.make_node("Resize", ["gr", "roi", "half"], ["rs"], **resize_attrs)]
             + conv_relu("rs", "c3w", "c3b", "h3", strides=[2, 2], pads=[1, 1, 1, 1])
             + [helper.make_node("ReduceMax", ["h3", "hw"], ["mx"], keepdims=0), helper.make_node("ReduceMean", ["h3", "hw"], ["mn"], keepdims=0),
                helper.make_node("Add", ["mx", "mn"], ["pooled"]),
                helper.make_node("LayerNormalization", ["pooled", "lnw", "lnb"], ["ln"], axis=-1, epsilon=1e-5),
                helper.make_node("Gemm", ["ln", "fcw", "fcb"], ["logits"], transB=1)])
    g = helper.make_graph(nodes, "new%d" % opset, [helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", F32, ["N", 10])], inits)
    imports = [helper.make_opsetid("", opset)]
    fs = []
    if functions:
        imports.append(helper.make_opsetid("pkg.wild", 1))
        # strides as an attribute of the call, referenced inside (ref_attr_name), as onnxscript writes module attributes
        strides = onnx.AttributeProto(); strides.name = "strides"; strides.ref_attr_name = "strides"; strides.type = onnx.AttributeProto.INTS
        pads = onnx.AttributeProto(); pads.name = "pads"; pads.ref_attr_name = "pads"; pads.type = onnx.AttributeProto.INTS
        conv = helper.make_node("Conv", ["X", "W", "B"], ["C"]); conv.attribute.extend([strides, pads])
        fn = helper.make_function("pkg.wild", "ConvRelu", ["X", "W", "B"], ["Y"], [conv, helper.make_node("Relu", ["C"], ["Y"])],
                                  [helper.make_opsetid("", opset)], attributes=["strides", "pads"])
        fs = [fn]
    mm = helper.make_model(g, opset_imports=imports, producer_name="quantrace-wild3", functions=fs)
    mm.ir_version = {18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11}[opset]
    return mm

def new(d, name, opset, functions=False):
    m = NewNet(); train(m, d)
    save(newgraph(m, opset, functions), name, check=False)  # onnx 1.12 knows opsets up to 17

@model
def new18(d): new(d, "new18", 18)
@model
def new19(d): new(d, "new19", 19)
@model
def new21(d): new(d, "new21", 21)
@model
def new18_functions(d): new(d, "new18_functions", 18, functions=True)
@model
def new22(d): new(d, "new22", 22)
@model
def new23(d): new(d, "new23", 23)

if __name__ == "__main__":
    d = data()
    for n in sys.argv[1:] or list(MODELS):
        print(n, flush=True); MODELS[n](d)
