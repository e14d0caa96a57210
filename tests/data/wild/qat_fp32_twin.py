#!/usr/bin/env python3
# qat_fp32_twin.py QAT.onnx OUT.onnx: the float twin of a torch QAT export (make_unseen14.py qat), for speed comparisons only
# (branch qat, 2026-12-05): every QuantizeLinear -> DequantizeLinear pair removed, then each Div by a per-channel constant
# after a Conv folded into it; `quantrace convert` then folds the BatchNormalizations.
import onnx, sys
m = onnx.load(sys.argv[1]); g = m.graph
prod = {o: n for n in g.node for o in n.output}
rename = {}
keep = []
for n in g.node:
    if n.op_type == 'DequantizeLinear' and n.input[0] in prod and prod[n.input[0]].op_type == 'QuantizeLinear':
        rename[n.output[0]] = prod[n.input[0]].input[0]
for n in g.node:
    if n.op_type in ('QuantizeLinear', 'DequantizeLinear'):
        continue
    for i, x in enumerate(n.input):
        while x in rename:
            x = rename[x]
        n.input[i] = x
    keep.append(n)
del g.node[:]; g.node.extend(keep)
for o in g.output:  # an output written by a DequantizeLinear: the float tensor's producer writes it under the output's name
    if o.name in rename:
        t = o.name
        while t in rename:
            t = rename[t]
        for n in g.node:
            n.output[:] = [o.name if x == t else x for x in n.output]
            n.input[:] = [o.name if x == t else x for x in n.input]
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
print(len(keep), 'nodes')
# a Div by a per-channel constant right after a Conv (torch's QAT Conv-BN writes one) goes into the Conv's weights and bias,
# so that the float twin is the plain Conv -> BatchNormalization a float export has (convert then folds the BatchNormalization)
from onnx import numpy_helper as nh
m = onnx.load(sys.argv[2]); g = m.graph
init = {i.name: i for i in g.initializer}
prod = {o: n for n in g.node for o in n.output}
drop = []
for n in g.node:
    if n.op_type == 'Div' and n.input[1] in init and n.input[0] in prod and prod[n.input[0]].op_type == 'Conv':
        conv = prod[n.input[0]]
        d = nh.to_array(init[n.input[1]]).reshape(-1)
        w = nh.to_array(init[conv.input[1]]) / d.reshape(-1, 1, 1, 1)
        wn = conv.name + '_w_div'; g.initializer.append(nh.from_array(w.astype('float32'), wn)); conv.input[1] = wn
        if len(conv.input) > 2:
            b = [x for x in g.node if conv.input[2] in x.output]
            bv = nh.to_array(init[conv.input[2]]) if conv.input[2] in init else nh.to_array(b[0].attribute[0].t)
            bn_ = conv.name + '_b_div'; g.initializer.append(nh.from_array((bv / d).astype('float32'), bn_)); conv.input[2] = bn_
        conv.output[0] = n.output[0]; drop.append(n)
for n in drop:
    g.node.remove(n)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2]); print(len(drop), 'Divs folded')
