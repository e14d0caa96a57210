# subpixel.py IN OUT: every ConvTranspose (2-D, group 1, dilation 1, equal strides s >= 2, no auto_pad/output_shape) as
# Conv (s*s*C_out channels, kernel ceil(k/s), pads T-1) + DepthToSpace(s, DCR) [+ Slice crop]; hand experiment for speed13
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1]); g = m.graph
inits = {i.name: i for i in g.initializer}
new = []
for n in g.node:
    if n.op_type != 'ConvTranspose':
        new.append(n); continue
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    W = numpy_helper.to_array(inits[n.input[1]])  # [C, O, kh, kw]
    C, O, kh, kw = W.shape
    s = a['strides'][0]; pads = a.get('pads', [0, 0, 0, 0]); op = a.get('output_padding', [0, 0])
    T = [-(-kh // s), -(-kw // s)]
    K = np.zeros((s, s, O, C, T[0], T[1]), np.float32)
    for rh in range(s):
        for rw in range(s):
            for mh in range(T[0]):
                for mw in range(T[1]):
                    ih = s * (T[0] - 1 - mh) + rh; iw = s * (T[1] - 1 - mw) + rw
                    if ih < kh and iw < kw:
                        K[rh, rw, :, :, mh, mw] = W[:, :, ih, iw].T
    K = K.reshape(s * s * O, C, T[0], T[1])
    wn = n.input[1] + '_subpixel'; g.initializer.append(numpy_helper.from_array(K, wn))
    ins = [n.input[0], wn]
    if len(n.input) > 2 and n.input[2]:
        b = numpy_helper.to_array(inits[n.input[2]]); bn = n.input[2] + '_subpixel'
        g.initializer.append(numpy_helper.from_array(np.tile(b, s * s).astype(np.float32), bn)); ins.append(bn)
    mid = n.output[0] + '_phases'
    new.append(helper.make_node('Conv', ins, [mid], name=n.name, kernel_shape=T, pads=[T[0] - 1, T[1] - 1, T[0] - 1, T[1] - 1]))
    assert all(p == 0 for p in pads) and kh == s * T[0] and op == [0, 0]
    new.append(helper.make_node('DepthToSpace', [mid], [n.output[0]], name=n.name + '/depth_to_space', blocksize=s, mode='DCR'))
del g.node[:]; g.node.extend(new)
used = {i for n in g.node for i in n.input}
keep = [i for i in g.initializer if i.name in used]; del g.initializer[:]; g.initializer.extend(keep)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
