"""stem_t1.py IN.onnx OUT.onnx: hand form of a fiq-int8 model whose 1-channel stem Conv reads the int8 model input's
DequantizeLinear directly (no requantization hop int8 -> uint8 before it). The Conv's QDQ group then reads int8 and
writes uint8, which ONNX Runtime 1.29 does not fuse into QLinearConv: it computes the Conv in float on the dequantized
input, weights (the scheme's per-channel int8) and int32 bias, exactly what the file states (speed15, item 1).
Speed only: the records of a model made so are not rewritten."""
import sys
import onnx
from onnx import numpy_helper as nh

m = onnx.load(sys.argv[1])
g = m.graph
init = {i.name: i for i in g.initializer}
prod = {o: n for n in g.node for o in n.output}
cons = {}
for n in g.node:
    for i in n.input:
        cons.setdefault(i, []).append(n)
x = g.input[0].name
io_dq = [n for n in cons.get(x, []) if n.op_type == 'DequantizeLinear']
assert len(io_dq) == 1, 'the int8 input has one DequantizeLinear'
io_dq = io_dq[0]
q = cons[io_dq.output[0]]
assert len(q) == 1 and q[0].op_type == 'QuantizeLinear', [n.op_type for n in q]
dq = cons[q[0].output[0]]
assert len(dq) == 1 and dq[0].op_type == 'DequantizeLinear'
convs = cons[dq[0].output[0]]
assert len(convs) == 1 and convs[0].op_type == 'Conv', [n.op_type for n in convs]
conv = convs[0]
w = prod[conv.input[1]].input[0]  # the weight's DequantizeLinear reads the int8 codes
assert init[w].dims[1] == 1, 'a stem of one input channel'
conv.input[0] = io_dq.output[0]
g.node.remove(q[0])
g.node.remove(dq[0])
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
print(conv.name, 'reads', io_dq.output[0])
