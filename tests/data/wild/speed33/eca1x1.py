#!/usr/bin/env python3
"""eca1x1.py IN.onnx OUT.onnx: each ECA chain x[N,C,1,1] -> Squeeze(-1) -> Transpose(0,2,1) -> Conv1d(1->1, k, pads, dilation)
-> Transpose(0,2,1) -> Unsqueeze(-1) rewritten by hand as one 1x1 Conv C->C with the banded weights W[o, i] = w[i - o + padL]
(speed33's measure of the rewrite before building it; C from onnx shape inference)."""
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, shape_inference
m = shape_inference.infer_shapes(onnx.load(sys.argv[1])); g = m.graph
inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
shape = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(g.value_info) + list(g.input)}
readers = lambda t: [n for n in g.node if t in n.input]
attr = lambda n, a, d: next((helper.get_attribute_value(x) for x in n.attribute if x.name == a), d)
gone, made = [], 0
for sq in [n for n in g.node if n.op_type == 'Squeeze']:
    chain = [sq]
    for op in ['Transpose', 'Conv', 'Transpose', 'Unsqueeze']:
        r = readers(chain[-1].output[0])
        if len(r) != 1 or r[0].op_type != op: break
        chain.append(r[0])
    if len(chain) != 5: continue
    c = shape[sq.input[0]][1]; conv = chain[2]; w = inits[conv.input[1]].ravel()
    k = len(w); pl = attr(conv, 'pads', [0, 0])[0]; d = attr(conv, 'dilations', [1])[0]
    W = np.zeros((c, c, 1, 1), np.float32)
    for o in range(c):
        for j in range(k):
            i = o - pl + j * d
            if 0 <= i < c: W[o, i, 0, 0] = w[j]
    b = np.full(c, inits[conv.input[2]][0] if len(conv.input) > 2 else 0, np.float32)
    wn, bn = conv.name + '_band_w', conv.name + '_band_b'
    g.initializer.extend([numpy_helper.from_array(W, wn), numpy_helper.from_array(b, bn)])
    new = helper.make_node('Conv', [sq.input[0], wn, bn], [chain[-1].output[0]], name=conv.name + '_band', kernel_shape=[1, 1])
    idx = list(g.node).index(sq); gone += chain; g.node.insert(idx, new); made += 1
for n in gone: g.node.remove(n)
del g.value_info[:]
onnx.checker.check_model(m); onnx.save(m, sys.argv[2]); print(made, 'chains rewritten')
