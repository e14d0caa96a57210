#!/usr/bin/python3
"""Builds the small ONNX test models of tests/data and their expected inspection figures.

The expected figures are computed here with the onnx Python package and numpy, independently of
Quantrace's Java code, and written to expected/*.json. Run from anywhere:
    /usr/bin/python3 tests/data/make_test_models.py
Requirements (Debian 12): python3-onnx python3-numpy.
"""
import json
import os
from collections import Counter

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "fashion-mnist", "model", "fashion_cnn.onnx")
MODELS = os.path.join(HERE, "models")
EXPECTED = os.path.join(HERE, "expected")
NON_PARAMETER_TYPES = {TensorProto.INT64, TensorProto.BOOL, TensorProto.STRING}


def constant_weights_model():
    """The example CNN with every initializer moved into a Constant node, at opset 11 / IR 6, as some
    real-world exporters write them."""
    m = onnx.load(EXAMPLE)
    g = m.graph
    constants = [helper.make_node("Constant", [], [t.name], name="const_" + t.name.replace(":", "_").replace(".", "_"), value=t)
                 for t in g.initializer]
    nodes = constants + list(g.node)
    graph = helper.make_graph(nodes, "cnn_constant_weights", list(g.input), list(g.output))
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model


def if_subgraph_model():
    """y = If(sum(x) > 0, then: Relu(x @ W + b), else: Neg(x @ W)); W and b are outer-scope initializers
    read from inside the branches."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    then_branch = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["t_mm"], name="then_matmul"),
         helper.make_node("Add", ["t_mm", "b"], ["t_add"], name="then_add"),
         helper.make_node("Relu", ["t_add"], ["t_out"], name="then_relu")],
        "then_branch", [], [helper.make_tensor_value_info("t_out", TensorProto.FLOAT, None)])
    else_branch = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["e_mm"], name="else_matmul"),
         helper.make_node("Neg", ["e_mm"], ["e_out"], name="else_neg")],
        "else_branch", [], [helper.make_tensor_value_info("e_out", TensorProto.FLOAT, None)])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], name="sum", keepdims=0),
        helper.make_node("Constant", [], ["zero"], name="zero", value=numpy_helper.from_array(np.array(0, np.float32), "zero")),
        helper.make_node("Greater", ["s", "zero"], ["cond"], name="positive"),
        helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_branch, else_branch=else_branch),
    ]
    graph = helper.make_graph(nodes, "if_subgraph", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
                              [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    x_pos = np.array([[1, 2, 3, 4], [0.5, -1, 2, 0]], np.float32)
    x_neg = -x_pos
    outputs = {"positive": {"x": x_pos.tolist(), "y": np.maximum(x_pos @ w + b, 0).tolist()},
               "negative": {"x": x_neg.tolist(), "y": (-(x_neg @ w)).tolist()}}
    return model, outputs


def if_typed_branches_model():
    """y = If(sum(x) > 0, then: Relu(DequantizeLinear(QuantizeLinear(x))) with a Shape of the uint8 codes beside,
    else: Neg(x)): branch values of three element types (uint8, int64, float32), none of them declared (the
    branch outputs carry a type only, as exporters write them). The scale is an outer-scope initializer, the
    zero point the branch's own."""
    then_branch = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["t_q"], name="then_quantize"),
         helper.make_node("Shape", ["t_q"], ["t_shape"], name="then_shape"),
         helper.make_node("DequantizeLinear", ["t_q", "s", "zp"], ["t_dq"], name="then_dequantize"),
         helper.make_node("Relu", ["t_dq"], ["t_out"], name="then_relu")],
        "then_branch", [], [helper.make_tensor_value_info("t_out", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array(128, np.uint8), "zp")])
    else_branch = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["e_out"], name="else_neg")],
        "else_branch", [], [helper.make_tensor_value_info("e_out", TensorProto.FLOAT, None)])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s_x"], name="sum", keepdims=0),
        helper.make_node("Constant", [], ["zero"], name="zero", value=numpy_helper.from_array(np.array(0, np.float32), "zero")),
        helper.make_node("Greater", ["s_x", "zero"], ["cond"], name="positive"),
        helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_branch, else_branch=else_branch),
    ]
    graph = helper.make_graph(nodes, "if_typed_branches", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
                              [numpy_helper.from_array(np.array(0.05, np.float32), "s")])
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def loop_body_model():
    """y = Loop(3 times) v <- v + x, starting from v = x: a Loop body that reads x from the enclosing graph, with a
    float Cast of its iteration count and an int64 Shape beside (the body's inputs declare their types, its outputs
    only a type)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["v", "x"], ["v_next"], name="body_add"),
         helper.make_node("Cast", ["iter"], ["iter_f"], name="body_cast", to=TensorProto.FLOAT),
         helper.make_node("Mul", ["v_next", "iter_f"], ["v_scaled"], name="body_mul"),
         helper.make_node("Shape", ["v_scaled"], ["v_shape"], name="body_shape"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond")],
        "loop_body",
        [helper.make_tensor_value_info("iter", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, None), helper.make_tensor_value_info("v_next", TensorProto.FLOAT, None)])
    nodes = [helper.make_node("Loop", ["trips", "keep_going", "x"], ["y"], name="loop", body=body)]
    graph = helper.make_graph(nodes, "loop_body", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
                              [numpy_helper.from_array(np.array(3, np.int64), "trips"), numpy_helper.from_array(np.array(True), "keep_going")])
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def branch_tensors(model, path):
    """Element type and shape (the batch dimension N as 1, as a run on one sample gives it) of every value an
    If/Loop/Scan body computes, by onnx's own shape inference: the reference for what the inspector reports
    of tensors no file declares."""
    declared = {v.name for g in list(all_graphs(model.graph))[1:] for v in list(g.value_info) + list(g.output)
                if v.type.tensor_type.HasField("shape")}  # a shape the file declares is reported as declared ("N")
    inferred = onnx.shape_inference.infer_shapes(model)
    tensors = {}
    for g in list(all_graphs(inferred.graph))[1:]:
        for v in list(g.value_info) + list(g.output):
            t = v.type.tensor_type
            name = TensorProto.DataType.Name(t.elem_type)
            batch = lambda d: d.dim_param if v.name in declared and d.dim_param else "1"
            tensors[v.name] = {"type": "FLOAT32" if name == "FLOAT" else name,
                               "shape": [str(d.dim_value) if d.HasField("dim_value") else batch(d) for d in t.shape.dim]}
    return {"file": os.path.relpath(path, os.path.join(HERE, "..", "..")), "tensors": dict(sorted(tensors.items()))}


def write_branch_tensors():
    """expected/*.branch-tensors.json for the models with If branches or a Loop body."""
    for name, make in (("if_typed_branches", if_typed_branches_model), ("loop_body", loop_body_model)):
        onnx.save(make(), os.path.join(MODELS, name + ".onnx"))
    for name, path in (("if_typed_branches", os.path.join(MODELS, "if_typed_branches.onnx")), ("loop_body", os.path.join(MODELS, "loop_body.onnx")),
                       ("if_cnn", os.path.join(HERE, "zoo", "if_cnn.onnx"))):
        with open(os.path.join(EXPECTED, name + ".branch-tensors.json"), "w") as f:
            json.dump(branch_tensors(onnx.load(path), path), f, indent=2, sort_keys=True)
            f.write("\n")


def wild_opset9_model():
    """An opset-9 / IR 4 CNN with the ops real-world exports bring: BatchNormalization, Clip with min/max
    attributes (Relu6), HardSigmoid, ConvTranspose, Upsample, then Flatten and Gemm. Random weights."""
    rng = np.random.default_rng(9)
    def init(name, shape, scale=0.5):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)
    inits = [init("conv_w", (4, 1, 3, 3)), init("conv_b", (4,), 0.1),
             init("bn_scale", (4,)), init("bn_bias", (4,), 0.1), init("bn_mean", (4,), 0.1),
             numpy_helper.from_array((rng.random(4) + 0.5).astype(np.float32), "bn_var"),
             init("deconv_w", (4, 2, 2, 2)), init("deconv_b", (2,), 0.1),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "up_scales"),
             init("fc_w", (3, 2 * 32 * 32), 0.05), init("fc_b", (3,), 0.1)]
    nodes = [
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], name="bn", epsilon=1e-5),
        helper.make_node("Clip", ["bn"], ["relu6"], name="relu6", min=0.0, max=6.0),
        helper.make_node("HardSigmoid", ["relu6"], ["hs"], name="hardsigmoid", alpha=0.2, beta=0.5),
        helper.make_node("ConvTranspose", ["hs", "deconv_w", "deconv_b"], ["up1"], name="deconv", strides=[2, 2]),
        helper.make_node("Upsample", ["up1", "up_scales"], ["up2"], name="upsample", mode="nearest"),
        helper.make_node("Flatten", ["up2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "wild_opset9", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1",
                              opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 4
    onnx.checker.check_model(model)
    return model


def residual_zero_channels_model():
    """A residual CNN whose weights make some channels exactly zero, so removing them changes nothing:
    conv_a (3->8) channels 1 and 5; conv_b and the 1x1 shortcut conv_s (added together) channels 2 and 6;
    conv_c (8->4) channel 3. Zeroed filters have zero bias, so their ReLU outputs are 0 for any input."""
    rng = np.random.default_rng(7)
    def conv(name, cout, cin, k, zero):
        w = (rng.standard_normal((cout, cin, k, k)) * 0.4).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        w[zero] = 0
        b[zero] = 0
        return [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
    inits = conv("conv_a", 8, 3, 3, [1, 5]) + conv("conv_b", 8, 8, 3, [2, 6]) + conv("conv_s", 8, 3, 1, [2, 6]) + conv("conv_c", 4, 8, 3, [3])
    inits += [numpy_helper.from_array((rng.standard_normal((5, 4 * 8 * 8)) * 0.05).astype(np.float32), "fc_w"),
              numpy_helper.from_array((rng.standard_normal(5) * 0.1).astype(np.float32), "fc_b")]
    nodes = [
        helper.make_node("Conv", ["x", "conv_a_w", "conv_a_b"], ["a"], name="conv_a", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["a_relu"], name="relu_a"),
        helper.make_node("Conv", ["a_relu", "conv_b_w", "conv_b_b"], ["b"], name="conv_b", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["x", "conv_s_w", "conv_s_b"], ["s"], name="conv_s"),
        helper.make_node("Add", ["b", "s"], ["sum"], name="residual_add"),
        helper.make_node("Relu", ["sum"], ["sum_relu"], name="relu_sum"),
        helper.make_node("Conv", ["sum_relu", "conv_c_w", "conv_c_b"], ["c"], name="conv_c", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["c_relu"], name="relu_c"),
        helper.make_node("Flatten", ["c_relu"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "residual_zero_channels", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])], inits)
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def standalone_batchnorm_model():
    """BatchNormalization straight on the input (nothing to fold it into), then Relu."""
    rng = np.random.default_rng(3)
    inits = [numpy_helper.from_array(v.astype(np.float32), n) for n, v in
             (("scale", rng.random(3) + 0.5), ("bias", rng.standard_normal(3)), ("mean", rng.standard_normal(3)), ("var", rng.random(3) + 0.2))]
    nodes = [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn"], name="bn", epsilon=1e-3),
             helper.make_node("Relu", ["bn"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "standalone_bn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, 4, 4])], inits)
    model = helper.make_model(graph, producer_name="quantrace-tests", producer_version="1", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def heavy_tailed_calibration():
    """20,000 Student-t (2 degrees of freedom) values: a heavy-tailed activation. Reference ranges: the exact
    percentiles (numpy) and TensorRT's entropy threshold on a 2048-bin histogram of |x| over [0, max|x|]."""
    rng = np.random.default_rng(42)
    x = rng.standard_t(2, size=(20000, 1)).astype(np.float32)
    flat = x.ravel().astype(np.float64)
    hist, edges = np.histogram(np.abs(flat), bins=2048, range=(0, np.abs(flat).max()))
    best, best_div = 2048, np.inf
    for i in range(128, 2049):
        p = hist[:i].astype(np.float64).copy()
        p[i - 1] += hist[i:].sum()
        sliced = hist[:i].astype(np.float64)
        merged = i // 128
        q = np.zeros(i)
        for j in range(128):
            start = j * merged
            stop = i if j == 127 else start + merged
            chunk = sliced[start:stop]
            nonzero = (chunk != 0).sum()
            if nonzero:
                q[start:stop] = np.where(chunk != 0, chunk.sum() / nonzero, 0)
        div = kl(p, q)
        if div < best_div:
            best, best_div = i, div
    return x, {"min": float(flat.min()), "max": float(flat.max()),
               "percentile_99_9": [float(np.percentile(flat, 0.1)), float(np.percentile(flat, 99.9))],
               "entropy_threshold": float(best * edges[1]), "bin_width": float(edges[1])}


def kl(p, q, eps=1e-4):
    def smooth(d):
        zeros = d == 0
        taken = eps * zeros.sum()
        return np.where(zeros, eps, d / d.sum() * (1 - taken))
    ps, qs = smooth(p), smooth(q)
    mask = ps > 0
    return float((ps[mask] * np.log(ps[mask] / qs[mask])).sum())


def all_graphs(g):
    yield g
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_graphs(a.g)
            for sub in a.graphs:
                yield from all_graphs(sub)


def expected(model, path, extra=None):
    ops = Counter()
    params = 0
    param_bytes = 0
    initializers = 0
    constants = 0
    layers = []
    for g in all_graphs(model.graph):
        for t in g.initializer:
            initializers += 1
            if t.data_type not in NON_PARAMETER_TYPES:
                arr = numpy_helper.to_array(t)
                params += arr.size
                param_bytes += arr.nbytes
    for g in all_graphs(model.graph):
        for n in g.node:
            ops[n.op_type] += 1
            if n.op_type == "Constant":
                constants += 1
                arr = numpy_helper.to_array(n.attribute[0].t)
                if n.attribute[0].t.data_type not in NON_PARAMETER_TYPES:
                    params += arr.size
                    param_bytes += arr.nbytes
    # layer index: computing nodes depth first, each node followed by its subgraphs' nodes
    def walk(g):
        for n in g.node:
            if n.op_type != "Constant":
                layers.append(n.op_type)
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(model.graph)
    e = {"file": os.path.relpath(path, os.path.join(HERE, "..", "..")), "ir_version": model.ir_version,
         "opset": model.opset_import[0].version, "nodes": sum(ops.values()), "op_types": dict(sorted(ops.items())),
         "initializers": initializers, "constant_nodes": constants, "parameters": int(params),
         "parameter_bytes": int(param_bytes), "layers": layers,
         "subgraphs": sum(1 for _ in all_graphs(model.graph)) - 1}
    if extra:
        e.update(extra)
    return e


def main():
    os.makedirs(MODELS, exist_ok=True)
    os.makedirs(EXPECTED, exist_ok=True)
    results = {}
    cw = constant_weights_model()
    p = os.path.join(MODELS, "cnn_constant_weights.onnx")
    onnx.save(cw, p)
    results["cnn_constant_weights"] = expected(cw, p)
    ifm, outputs = if_subgraph_model()
    p = os.path.join(MODELS, "if_subgraph.onnx")
    onnx.save(ifm, p)
    results["if_subgraph"] = expected(ifm, p, {"outputs": outputs})
    wild = wild_opset9_model()
    p = os.path.join(MODELS, "wild_opset9.onnx")
    onnx.save(wild, p)
    results["wild_opset9"] = expected(wild, p)
    for name, make in (("residual_zero_channels", residual_zero_channels_model), ("standalone_bn", standalone_batchnorm_model)):
        m = make()
        p = os.path.join(MODELS, name + ".onnx")
        onnx.save(m, p)
        results[name] = expected(m, p)
    x, ranges = heavy_tailed_calibration()
    np.save(os.path.join(MODELS, "heavy_tailed.npy"), x)
    with open(os.path.join(EXPECTED, "heavy_tailed.ranges.json"), "w") as f:
        json.dump(ranges, f, indent=2, sort_keys=True)
        f.write("\n")
    example_dir = os.path.join(HERE, "..", "..", "examples", "fashion-mnist", "model")
    for name in ("fashion_cnn", "fashion_cnn_trained"):
        p = os.path.join(example_dir, name + ".onnx")
        results[name] = expected(onnx.load(p), p)
    write_branch_tensors()
    for name, e in results.items():
        with open(os.path.join(EXPECTED, name + ".inspect.json"), "w") as f:
            json.dump(e, f, indent=2, sort_keys=True)
            f.write("\n")
        print(name, e["nodes"], e["parameters"])


if __name__ == "__main__":
    main()
