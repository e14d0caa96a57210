# subpixel_nhwc.py IN OUT: as subpixel.py (kernel == stride, no pads) but the phases interleaved by channel-last
# Transpose/Reshape moves of s*C contiguous values instead of DepthToSpace; static H, W read from onnx shape inference
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, shape_inference
m = onnx.load(sys.argv[1]); mi = shape_inference.infer_shapes(m); g = m.graph
shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(mi.graph.value_info) + list(mi.graph.input)}
inits = {i.name: i for i in g.initializer}
new = []
def const(name, v):
    g.initializer.append(numpy_helper.from_array(np.array(v, np.int64), name)); return name
for n in g.node:
    if n.op_type != 'ConvTranspose':
        new.append(n); continue
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    W = numpy_helper.to_array(inits[n.input[1]]); C, O, kh, kw = W.shape; s = a['strides'][0]
    assert kh == s and kw == s and all(p == 0 for p in a.get('pads', [0]*4))
    K = np.zeros((s, s, O, C, 1, 1), np.float32)
    for rh in range(s):
        for rw in range(s):
            K[rh, rw, :, :, 0, 0] = W[:, :, rh, rw].T
    K = K.reshape(s * s * O, C, 1, 1)
    wn = n.input[1] + '_subpixel'; g.initializer.append(numpy_helper.from_array(K, wn)); ins = [n.input[0], wn]
    if len(n.input) > 2 and n.input[2]:
        b = numpy_helper.to_array(inits[n.input[2]]); bn = n.input[2] + '_subpixel'
        g.initializer.append(numpy_helper.from_array(np.tile(b, s * s).astype(np.float32), bn)); ins.append(bn)
    _, _, H, Wd = shapes[n.input[0]]
    y = n.output[0]; p = n.name
    new.append(helper.make_node('Conv', ins, [y + '_ph'], name=p, kernel_shape=[1, 1]))
    new.append(helper.make_node('Transpose', [y + '_ph'], [y + '_nhwc'], name=p + '/to_nhwc', perm=[0, 2, 3, 1]))
    new.append(helper.make_node('Reshape', [y + '_nhwc', const(p + '/s1', [0, H, Wd, s, s * O])], [y + '_r1'], name=p + '/split_rows'))
    new.append(helper.make_node('Transpose', [y + '_r1'], [y + '_t'], name=p + '/interleave', perm=[0, 1, 3, 2, 4]))
    new.append(helper.make_node('Reshape', [y + '_t', const(p + '/s2', [0, H * s, Wd * s, O])], [y + '_r2'], name=p + '/merge'))
    new.append(helper.make_node('Transpose', [y + '_r2'], [y], name=p + '/to_nchw', perm=[0, 3, 1, 2]))
del g.node[:]; g.node.extend(new)
used = {i for n in g.node for i in n.input}
keep = [i for i in g.initializer if i.name in used]; del g.initializer[:]; g.initializer.extend(keep)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
