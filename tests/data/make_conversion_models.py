#!/usr/bin/python3
"""Builds the small models of tests/data/models/conversion, the cases `quantrace convert` must handle beyond the zoo.

Run from anywhere (deterministic: seeds fixed, one thread):
    /usr/bin/python3 tests/data/make_conversion_models.py
Requirements (Debian 12): python3-torch (1.13), python3-onnx (1.12), python3-numpy.

- decomposed_opset13.onnx: a small conv + transformer block exported by torch 1.13 at opset 13, where the exporter
  decomposes what newer opsets have as single ops: nn.LayerNorm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
  Mul, Add), nn.GELU (Div, Erf, Add, Mul, Mul), nn.Hardswish (HardSigmoid, Mul) and a HardSwish written as
  x * relu6(x + 3) / 6 (Add, Clip, Mul, Div) as TensorFlow and Paddle graphs spell it; also a decomposed HardSigmoid
  relu6(x + 3) / 6 and the exporter's shape arithmetic for the token reshape.
- if_shape_condition_opset9.onnx: torch.jit.script of a CNN with BatchNormalization inside both branches of an If
  whose condition reads a static input dimension (`if x.shape[2] > 16`), exported at opset 9 in training-preserve mode
  (BatchNormalization kept): the condition is constant once the shape is folded.
- if_branch_ranks_opset9.onnx: an If (opset 9) whose branches return different ranks, with weights and
  BatchNormalization parameters in Constant nodes inside the branches. ONNX Runtime refuses If-1 branches of
  different shapes, so the model does not load as it is; from opset 11 the same graph is valid.
- dynamic_image_size.onnx: a Conv -> Flatten -> Gemm classifier whose input declares dynamic height and width (as
  Paddle exports do) although the Gemm fixes 28x28: it does not run on inputs of any other size.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models", "conversion")


def decomposed_opset13(path):
    import torch
    import torch.nn as nn

    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, 16, 4, stride=4)
            self.hs = nn.Hardswish()
            self.norm1 = nn.LayerNorm(16)
            self.fc1 = nn.Linear(16, 32)
            self.act = nn.GELU()
            self.fc2 = nn.Linear(32, 16)
            self.norm2 = nn.LayerNorm(16)
            self.head = nn.Linear(16, 10)

        def forward(self, x):
            x = self.stem(x)
            x = x * torch.clamp(x + 3, 0, 6) / 6  # HardSwish as TensorFlow/Paddle graphs write it
            x = self.hs(x)
            gate = torch.clamp(x + 3, 0, 6) / 6  # HardSigmoid, decomposed
            x = x * gate.mean(dim=(2, 3), keepdim=True)
            b, c, h, w = x.shape
            t = x.reshape(b, c, h * w).transpose(1, 2)
            t = t + self.fc2(self.act(self.fc1(self.norm1(t))))
            t = self.norm2(t)
            return self.head(t.mean(dim=1))

    m = Block().eval()
    torch.onnx.export(m, torch.rand(2, 1, 28, 28), path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def if_shape_condition_opset9(path):
    import torch
    import torch.nn as nn

    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.c2 = nn.Conv2d(8, 8, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8, 10)

        def forward(self, x):
            x = torch.relu(self.bn1(self.c1(x)))
            x = torch.relu(self.bn2(self.c2(x)))
            return self.fc(x.mean(dim=(2, 3)))

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = Net()

        def forward(self, x):
            if x.shape[2] > 16:
                y = self.net(x)
            else:
                y = self.net(x / 255)
            return y

    m = Wrapper().eval()
    for bn in (m.net.bn1, m.net.bn2):  # statistics as training leaves them, not the identity
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    torch.onnx.export(torch.jit.script(m), torch.rand(2, 1, 28, 28), path, opset_version=9, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}}, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)


def if_branch_ranks_opset9(path):
    rng = np.random.RandomState(0)

    def const(name, a):
        return helper.make_node("Constant", [], [name], name="const_" + name, value=numpy_helper.from_array(a.astype(np.float32), name))

    def branch(p, reshape):
        nodes = [const(p + "w", rng.randn(4, 1, 3, 3) * 0.3), const(p + "gamma", rng.rand(4) + 0.5), const(p + "beta", rng.randn(4) * 0.1),
                 const(p + "mean", rng.randn(4) * 0.1), const(p + "var", rng.rand(4) + 0.5),
                 helper.make_node("Conv", ["x", p + "w"], [p + "conv"], name=p + "conv", pads=[1, 1, 1, 1]),
                 helper.make_node("BatchNormalization", [p + "conv", p + "gamma", p + "beta", p + "mean", p + "var"], [p + "bn"], name=p + "bn"),
                 helper.make_node("Relu", [p + "bn"], [p + "relu"], name=p + "relu"),
                 helper.make_node("GlobalAveragePool", [p + "relu"], [p + "pool"], name=p + "pool"),
                 helper.make_node("Flatten", [p + "pool"], [p + "out"], name=p + "flatten")]
        out = p + "out"
        if reshape:
            nodes.append(helper.make_node("Constant", [], [p + "shape"], name=p + "shape",
                                          value=numpy_helper.from_array(np.array([-1, 2, 2], np.int64), p + "shape")))
            nodes.append(helper.make_node("Reshape", [out, p + "shape"], [p + "out3"], name=p + "reshape"))
            out = p + "out3"
        return helper.make_graph(nodes, p + "branch", [], [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)])

    nodes = [helper.make_node("ReduceMax", ["x"], ["max"], name="max", keepdims=0),
             helper.make_node("Constant", [], ["one"], name="one", value=numpy_helper.from_array(np.array(1.0, np.float32), "one")),
             helper.make_node("Greater", ["max", "one"], ["cond"], name="greater"),
             helper.make_node("If", ["cond"], ["y"], name="if", then_branch=branch("then_", False), else_branch=branch("else_", True))]
    g = helper.make_graph(nodes, "if_branch_ranks", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    m = helper.make_model(g, producer_name="quantrace-tests", producer_version="1", opset_imports=[helper.make_opsetid("", 9)])
    m.ir_version = 4
    onnx.save(m, path)


def dynamic_image_size(path):
    rng = np.random.RandomState(0)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["c"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1)]
    inits = [numpy_helper.from_array(rng.randn(1, 1, 3, 3).astype(np.float32), "w"),
             numpy_helper.from_array((rng.randn(10, 784) * 0.05).astype(np.float32), "fw"),
             numpy_helper.from_array(rng.randn(10).astype(np.float32), "fb")]
    g = helper.make_graph(nodes, "dynamic_image_size", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, "H", "W"])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    m = helper.make_model(g, producer_name="quantrace-tests", producer_version="1", opset_imports=[helper.make_opsetid("", 11)])
    m.ir_version = 6
    onnx.save(m, path)


def main():
    import torch
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    decomposed_opset13(os.path.join(OUT, "decomposed_opset13.onnx"))
    if_shape_condition_opset9(os.path.join(OUT, "if_shape_condition_opset9.onnx"))
    if_branch_ranks_opset9(os.path.join(OUT, "if_branch_ranks_opset9.onnx"))
    dynamic_image_size(os.path.join(OUT, "dynamic_image_size.onnx"))
    for f in sorted(os.listdir(OUT)):
        m = onnx.load(os.path.join(OUT, f))
        ops = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        print(f, os.path.getsize(os.path.join(OUT, f)), "bytes, opset", m.opset_import[0].version, ops)


if __name__ == "__main__":
    main()
