# experiment, branch mbv3speed: /usr/bin/python3 stem_taps.py INT8.onnx OUT.onnx H W
# the 1-input-channel stem Conv kxk as taps gathered on the codes (Pad, k*k strided Slices, Concat) + a 1x1 Conv over k*k channels
import onnx, sys, numpy as np
from onnx import helper, numpy_helper as nh
src, dst = sys.argv[1], sys.argv[2]
H = int(sys.argv[3]); W = int(sys.argv[4])
m = onnx.load(src); g = m.graph
init = {i.name: i for i in g.initializer}
byout = {o: n for n in g.node for o in n.output}
conv = next(n for n in g.node if n.op_type == 'Conv')
att = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
k = att['kernel_shape']; s = att.get('strides', [1, 1]); p = att.get('pads', [0, 0, 0, 0])
xdq = byout[conv.input[0]]; wdq = byout[conv.input[1]]
codes = xdq.input[0]
zp = nh.to_array(init[xdq.input[2]]) if len(xdq.input) > 2 else np.array(0, np.uint8)
new = []
name = conv.name
g.initializer.append(nh.from_array(np.array([0, 0, p[0], p[1], 0, 0, p[2], p[3]], np.int64), name + '_pads'))
g.initializer.append(nh.from_array(np.array(zp).reshape(()), name + '_padval'))
new.append(helper.make_node('Pad', [codes, name + '_pads', name + '_padval'], [name + '_padded'], name=name + '_pad'))
Ho = (H + p[0] + p[2] - k[0]) // s[0] + 1; Wo = (W + p[1] + p[3] - k[1]) // s[1] + 1
taps = []
for ky in range(k[0]):
    for kx in range(k[1]):
        t = f'{name}_tap{ky}{kx}'
        g.initializer.append(nh.from_array(np.array([ky, kx], np.int64), t + '_st'))
        g.initializer.append(nh.from_array(np.array([ky + s[0] * (Ho - 1) + 1, kx + s[1] * (Wo - 1) + 1], np.int64), t + '_en'))
        g.initializer.append(nh.from_array(np.array([2, 3], np.int64), t + '_ax'))
        g.initializer.append(nh.from_array(np.array(s, np.int64), t + '_sp'))
        new.append(helper.make_node('Slice', [name + '_padded', t + '_st', t + '_en', t + '_ax', t + '_sp'], [t], name=t))
        taps.append(t)
new.append(helper.make_node('Concat', taps, [name + '_taps'], axis=1, name=name + '_concat'))
new.append(helper.make_node('DequantizeLinear', [name + '_taps'] + list(xdq.input[1:]), [name + '_taps_dq'], name=name + '_taps_dq'))
wq = nh.to_array(init[wdq.input[0]])
g.initializer.append(nh.from_array(wq.reshape(wq.shape[0], -1, 1, 1), name + '_w1x1'))
wdq2 = helper.make_node('DequantizeLinear', [name + '_w1x1'] + list(wdq.input[1:]), [name + '_w1x1_dq'], name=name + '_w1x1_dq', axis=0)
new.append(wdq2)
conv2 = helper.make_node('Conv', [name + '_taps_dq', name + '_w1x1_dq'] + list(conv.input[2:]), list(conv.output), name=name, kernel_shape=[1, 1])
new.append(conv2)
i = list(g.node).index(conv)
nodes = list(g.node); nodes[i:i + 1] = new
del g.node[:]; g.node.extend(nodes)
onnx.checker.check_model(m); onnx.save(m, dst); print(dst, Ho, Wo)
