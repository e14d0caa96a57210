"""Grouped (not depthwise) Convs of a full-integer QDQ model written as one dense Conv with block-diagonal int8 weights.

    /usr/bin/python3 grouped_dense.py IN.onnx OUT.onnx

Every Conv with 1 < group and more than one input channel per group gets, in place of its int8 weight [O, C/g, kh, kw],
the weight [O, C, kh, kw] whose block g (output channels g*O/g.., input channels g*C/g..) is the group's weights and whose
other codes are 0 (the weight 0: symmetric int8 weights have zero point 0), and loses its group attribute. The per-channel
scales (axis 0) and the bias are unchanged, so every output channel sums the same products plus zeros: the integer model
computes exactly what it computed before (branch mbv3speed: shufflev1 and sknet give the same prediction on each of the
10,000 test images). ONNX Runtime then runs one QLinearConv GEMM per image instead of one per group per image.
An experiment on quantized models (tests/data/wild/README.md, branch mbv3speed), not a Quantrace rewrite.
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper as nh

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
init = {i.name: i for i in g.initializer}
byout = {o: n for n in g.node for o in n.output}
count = 0
for n in g.node:
    if n.op_type != 'Conv':
        continue
    att = {a.name: a for a in n.attribute}
    groups = helper.get_attribute_value(att['group']) if 'group' in att else 1
    wdq = byout[n.input[1]]
    assert wdq.op_type == 'DequantizeLinear', n.name
    w = nh.to_array(init[wdq.input[0]])
    out, per = w.shape[0], w.shape[1]
    if groups == 1 or per == 1:
        continue
    zp = nh.to_array(init[wdq.input[2]]) if len(wdq.input) > 2 else np.zeros(1, w.dtype)
    assert not zp.any(), n.name + ': weights with a zero point other than 0'
    full = np.zeros((out, per * groups) + w.shape[2:], w.dtype)
    og = out // groups
    for k in range(groups):
        full[k * og:(k + 1) * og, k * per:(k + 1) * per] = w[k * og:(k + 1) * og]
    name = wdq.input[0] + '_dense'
    g.initializer.append(nh.from_array(full, name))
    wdq.input[0] = name
    n.attribute.remove(att['group'])
    count += 1
onnx.checker.check_model(m)
onnx.save(m, dst)
print(dst, count, 'grouped Convs written dense')
