# prelu_affine.py IN OUT: every PRelu(x, a) with a constant per-channel slope written a*x + (1-a)*Relu(x) (exact in real
# arithmetic), so that the quantizer can run the two per-channel Muls as depthwise 1x1 QLinearConvs and the sum as QLinearAdd
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1]); g = m.graph; I = {i.name: i for i in g.initializer}
new = []
for n in g.node:
    if n.op_type != 'PRelu' or n.input[1] not in I:
        new.append(n); continue
    a = numpy_helper.to_array(I[n.input[1]]).astype(np.float32); x = n.input[0]; y = n.output[0]; p = n.name
    g.initializer.append(numpy_helper.from_array(1 - a, p + '/one_minus_slope'))
    new += [helper.make_node('Mul', [x, n.input[1]], [p + '/ax'], name=p + '/ax'),
            helper.make_node('Relu', [x], [p + '/relu'], name=p + '/relu'),
            helper.make_node('Mul', [p + '/relu', p + '/one_minus_slope'], [p + '/br'], name=p + '/br'),
            helper.make_node('Add', [p + '/ax', p + '/br'], [y], name=p)]
del g.node[:]; g.node.extend(new); onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
