#!/usr/bin/python3
"""A measured form, not a quantizer (branch accuracy27, README's accuracy27 section): round 27's hyena quantized by Quantrace
fiq-int8 with `--exclude` of what follows its long Convs (/bN/Add, /bN/Mul_3, /bN/Transpose_1, /bN/out/MatMul, /bN/out/Add,
/b2/Mul_2), its two long Convs '/b1/Conv', '/b2/Conv' rewritten as ConvInteger on the same uint8 input codes and int8 weights
(stored as uint8 + 128 with zero point 128: exact), Cast to float and a Mul by s_x * s_w per channel, their QuantizeLinear and
the DequantizeLinear after the Slice removed: the long Convs' int32 sums are never requantized to 8 bits.
    /usr/bin/python3 tests/data/wild/convinteger_form.py FIQ_INT8.onnx OUT.onnx   (then `quantrace evaluate`)"""
import sys, onnx, numpy as np
from onnx import helper as h, numpy_helper as nh
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src); g = m.graph
init = {t.name: t for t in g.initializer}
prod = {o: n for n in g.node for o in n.output}
cons = {}
for n in g.node:
    for i in n.input: cons.setdefault(i, []).append(n)
remove, add = [], []
for conv in [n for n in g.node if n.op_type == 'Conv' and n.name in ('/b1/Conv', '/b2/Conv')]:
    dqx, dqw = prod[conv.input[0]], prod[conv.input[1]]
    sx = nh.to_array(init[dqx.input[1]]).astype(np.float64); zx = dqx.input[2]
    wq = nh.to_array(init[dqw.input[0]]).astype(np.int16); sw = nh.to_array(init[dqw.input[1]]).astype(np.float64)
    p = conv.name.replace('/', '_')
    g.initializer.extend([nh.from_array((wq + 128).astype(np.uint8), p + '_wu8'), nh.from_array(np.array(128, np.uint8), p + '_wzp'),
                          nh.from_array((sx * sw).astype(np.float32).reshape(1, -1, 1), p + '_rescale')])
    attrs = {a.name: h.get_attribute_value(a) for a in conv.attribute}
    add += [h.make_node('ConvInteger', [dqx.input[0], p + '_wu8', zx, p + '_wzp'], [p + '_i32'], name=conv.name + '_int', **attrs),
            h.make_node('Cast', [p + '_i32'], [p + '_f'], to=onnx.TensorProto.FLOAT),
            h.make_node('Mul', [p + '_f', p + '_rescale'], [conv.output[0]], name=conv.name + '_rescale')]
    q = cons[conv.output[0]][0]; assert q.op_type == 'QuantizeLinear'
    sl = cons[q.output[0]][0]; assert sl.op_type == 'Slice'
    dq = cons[sl.output[0]][0]; assert dq.op_type == 'DequantizeLinear', dq.op_type
    sl.input[0] = conv.output[0]
    for c in cons.get(dq.output[0], []):
        for i, x in enumerate(c.input):
            if x == dq.output[0]: c.input[i] = sl.output[0]
    remove += [conv, q, dq]
# keep topological order: the new nodes where the Conv was
out = []
for n in g.node:
    if any(n is r for r in remove):
        if n.op_type == 'Conv':
            out += [a for a in add if a.name.startswith(n.name) or a.input[0].startswith(n.name.replace('/', '_'))]
        continue
    out.append(n)
del g.node[:]; g.node.extend(out)
onnx.checker.check_model(m); onnx.save(m, dst); print('wrote', dst)
