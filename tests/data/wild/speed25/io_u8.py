"""Measurement only (changes the model's interface): the int8 input and output read and written as the uint8 codes the
network runs on, so the DequantizeLinear -> QuantizeLinear pairs that turn int8 I/O codes into uint8 ones (and back) go.
usage: io_u8.py IN.onnx OUT.onnx"""
import os
import sys
import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph import index  # noqa: E402

m = onnx.load(sys.argv[1])
g = m.graph
_, prod, cons = index(g)
inp = g.input[0].name
dq_in = cons[inp][0]
q_in = cons[dq_in.output[0]][0]
for c in cons[q_in.output[0]]:
    c.input[list(c.input).index(q_in.output[0])] = inp
g.node.remove(dq_in); g.node.remove(q_in)
g.input[0].type.tensor_type.elem_type = TensorProto.UINT8
out = g.output[0].name
q_out = prod[out]
dq_out = prod[q_out.input[0]]
q_net = prod[dq_out.input[0]]
q_net.output[0] = out
g.node.remove(q_out); g.node.remove(dq_out)
g.output[0].type.tensor_type.elem_type = TensorProto.UINT8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
