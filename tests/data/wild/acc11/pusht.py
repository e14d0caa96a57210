"""push.py IN OUT: Mul(Concat(x_i), s) [+ t] [-> Relu]  ->  Concat(Relu(Mul(x_i, s_i) + t_i)), to a fixed point (exact in float)."""
import onnx, sys, numpy as np
from onnx import numpy_helper as nh, helper, shape_inference
T = float(sys.argv[3]); m = onnx.load(sys.argv[1]); m = shape_inference.infer_shapes(m); g = m.graph
init = {i.name: i for i in g.initializer}
shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(g.value_info) + list(g.input) + list(g.output)}
def chans(t): return shapes[t][1]
def readers(t): return [n for n in g.node if t in n.input]
def const(name):
    return nh.to_array(init[name]) if name in init else None
k = 0; changed = True
while changed:
    changed = False
    for mul in list(g.node):
        if mul.op_type != 'Mul': continue
        cat = next((n for n in g.node if n.op_type == 'Concat' and n.output[0] == mul.input[0]), None)
        s = const(mul.input[1])
        if cat is None or s is None or s.size <= 1: continue
        if np.abs(s).max() / np.abs(s).min() <= T: continue
        ax = [a.i for a in cat.attribute if a.name == 'axis'][0]
        if ax != 1: continue
        s = s.reshape(-1)
        rd = readers(mul.output[0]); add = rd[0] if len(rd) == 1 and rd[0].op_type == 'Add' and const(rd[0].input[1]) is not None else None
        t = const(add.input[1]).reshape(-1) if add else None
        last = add or mul
        rd = readers(last.output[0]); relu = rd[0] if len(rd) == 1 and rd[0].op_type == 'Relu' else None
        last = relu or last
        outs = []; c0 = 0
        for i, x in enumerate(cat.input):
            c = chans(x); base = '%s#%d' % (mul.name, i); k += 1
            sn = base + '_scale'; g.initializer.append(nh.from_array(s[c0:c0+c].reshape(c, 1, 1).astype(np.float32), sn)); init[sn] = g.initializer[-1]
            y = base + '_scaled'; nodes = [helper.make_node('Mul', [x, sn], [y], name=base)]
            if add:
                tn = base + '_shift'; g.initializer.append(nh.from_array(t[c0:c0+c].reshape(c, 1, 1).astype(np.float32), tn)); init[tn] = g.initializer[-1]
                y2 = base + '_shifted'; nodes.append(helper.make_node('Add', [y, tn], [y2], name=base + '_add')); y = y2
            if relu:
                y2 = base + '_relu'; nodes.append(helper.make_node('Relu', [y], [y2], name=base + '_relu')); y = y2
            for n in nodes: shapes[n.output[0]] = shapes[x]
            idx = list(g.node).index(mul)
            for j, n in enumerate(nodes): g.node.insert(idx + j, n)
            outs.append(y); c0 += c
        assert c0 == len(s)
        newcat = helper.make_node('Concat', outs, [last.output[0]], name=mul.name + '_concat', axis=1)
        idx = list(g.node).index(mul); g.node.insert(idx, newcat)
        for n in [mul, add, relu]:
            if n is not None: g.node.remove(n)
        changed = True
        break
# drop dead nodes
outputs = {o.name for o in g.output}
while True:
    used = {i for n in g.node for i in n.input} | outputs
    dead = [n for n in g.node if all(o not in used for o in n.output)]
    if not dead: break
    for n in dead: g.node.remove(n)
used = {i for n in g.node for i in n.input}
for i in [i for i in g.initializer if i.name not in used]: g.initializer.remove(i)
del g.value_info[:]
# topological order
prod = {}; order = []; avail = {i.name for i in g.input} | {i.name for i in g.initializer}; rest = list(g.node)
while rest:
    for n in rest:
        if all(x in avail or x == '' for x in n.input):
            order.append(n); avail |= set(n.output); rest.remove(n); break
    else: raise Exception('cycle')
del g.node[:]; g.node.extend(order)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2]); print(k, 'pieces', len(g.node), 'nodes')
