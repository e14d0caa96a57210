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
    example_dir = os.path.join(HERE, "..", "..", "examples", "fashion-mnist", "model")
    for name in ("fashion_cnn", "fashion_cnn_trained"):
        p = os.path.join(example_dir, name + ".onnx")
        results[name] = expected(onnx.load(p), p)
    for name, e in results.items():
        with open(os.path.join(EXPECTED, name + ".inspect.json"), "w") as f:
            json.dump(e, f, indent=2, sort_keys=True)
            f.write("\n")
        print(name, e["nodes"], e["parameters"])


if __name__ == "__main__":
    main()
