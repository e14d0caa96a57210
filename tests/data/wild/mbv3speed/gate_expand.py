# MobileNetV3 (zoo) fiq-int8 experiment, branch mbv3speed: the SE gate [N,C,1,1] expanded on its codes to [N,C,H,W] (Expand) before the
# QLinearMul, so that ONNX Runtime multiplies equal shapes instead of broadcasting over spans of C values in NHWC.
# /usr/bin/python3 gate_expand.py INT8.onnx OUT.onnx all|features.1/
import onnx, sys
import numpy as np
from onnx import helper, numpy_helper as nh
src, dst, which = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(src); g = m.graph
nodes = list(g.node)
byout = {o: n for n in nodes for o in n.output}
hw = {'features.1/': 14, 'features.4/': 7, 'features.5/': 7, 'features.6/': 7}
new = []
for n in nodes:
    if n.op_type == 'Mul' and n.name.endswith('/Mul') and any(k in n.name for k in hw) and (which == 'all' or which in n.name):
        k = [k for k in hw if k in n.name][0]
        gdq = byout[n.input[1]]
        shp = n.name + '_expand_shape'
        g.initializer.append(nh.from_array(np.array([1, 1, hw[k], hw[k]], dtype=np.int64), shp))
        ex = helper.make_node('Expand', [gdq.input[0], shp], [gdq.input[0] + '_expanded'], name=n.name + '_expand')
        dq2 = helper.make_node('DequantizeLinear', [gdq.input[0] + '_expanded'] + list(gdq.input[1:]), [n.input[1] + '_full'], name=n.name + '_dqfull')
        new.append((n, [ex, dq2]))
        n.input[1] = n.input[1] + '_full'
out = []
for n in nodes:
    for (mn, extra) in new:
        if mn is n: out.extend(extra)
    out.append(n)
del g.node[:]; g.node.extend(out)
onnx.checker.check_model(m); onnx.save(m, dst); print(dst, len(new))
