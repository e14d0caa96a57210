#!/usr/bin/python3
"""The experiment behind make_unseen7.py factinc's int8 speed (tests/data/wild/README.md, branch unseen7): every 2-D
AveragePool 3x3, stride 1, pads 1 with count_include_pad=0 of a float model is written as a depthwise Conv with weights 1/9
followed by a Mul by a constant [1, 1, H, W] map of 9 / (the window's count inside the image): exact in float. Quantized
with fiq-int8, ONNX Runtime runs a depthwise QLinearConv and a QLinearMul instead of QLinearAveragePool.
    /usr/bin/python3 tests/data/wild/avgpool_as_dwconv.py IN.onnx OUT.onnx"""
import sys
import numpy as np, onnx
from onnx import helper, numpy_helper, shape_inference
m = onnx.load(sys.argv[1]); g = m.graph
shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in shape_inference.infer_shapes(m).graph.value_info}
nodes = []
for n in g.node:
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    if n.op_type != "AveragePool" or list(a.get("kernel_shape", [])) != [3, 3] or list(a.get("strides", [1, 1])) != [1, 1] \
            or list(a.get("pads", [])) != [1, 1, 1, 1] or a.get("count_include_pad", 0) != 0 or a.get("ceil_mode", 0) != 0:
        nodes.append(n); continue
    _, c, h, w = shapes[n.input[0]]
    g.initializer.append(numpy_helper.from_array(np.full((c, 1, 3, 3), 1 / 9, np.float32), n.name + "_w"))
    cnt = np.array([[(min(i + 1, h - 1) - max(i - 1, 0) + 1) * (min(j + 1, w - 1) - max(j - 1, 0) + 1) for j in range(w)] for i in range(h)], np.float32)
    g.initializer.append(numpy_helper.from_array((9 / cnt).reshape(1, 1, h, w).astype(np.float32), n.name + "_map"))
    nodes.append(helper.make_node("Conv", [n.input[0], n.name + "_w"], [n.output[0] + "_sum"], name=n.name + "_dw", group=c, pads=[1, 1, 1, 1], kernel_shape=[3, 3]))
    nodes.append(helper.make_node("Mul", [n.output[0] + "_sum", n.name + "_map"], [n.output[0]], name=n.name))
    print("rewrote", n.name, [c, h, w])
del g.node[:]; g.node.extend(nodes); onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
