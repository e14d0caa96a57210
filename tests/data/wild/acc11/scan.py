import onnx, sys, glob, numpy as np
from onnx import numpy_helper as nh
for p in sorted(set(glob.glob('/tmp/unseen*/*.onnx') + glob.glob('/tmp/narrow/w/*.onnx') + glob.glob('/work/wt/acc11/tests/data/zoo/*.onnx'))):
    try: m = onnx.load(p)
    except Exception as e: print(p, 'unreadable'); continue
    g = m.graph; init = {i.name: i for i in g.initializer}
    for n in g.node:
        if n.op_type == 'Constant':
            for a in n.attribute:
                if a.name == 'value': init[n.output[0]] = a.t
    prod = {o: n for n in g.node for o in n.output}
    hits = []
    for n in g.node:
        src = prod.get(n.input[0]) if n.input else None
        if src is None or src.op_type != 'Concat': continue
        if n.op_type == 'BatchNormalization':
            try:
                sc, b, mean, var = [nh.to_array(init[i]) for i in n.input[1:5]]
            except KeyError: hits.append('BN(?)'); continue
            eps = [a.f for a in n.attribute if a.name == 'epsilon']; eps = eps[0] if eps else 1e-5
            f = np.abs(sc / np.sqrt(var + eps)); hits.append('BN spread %.1f' % (f.max() / f.min()))
        elif n.op_type == 'Mul' and n.input[1] in init:
            f = np.abs(nh.to_array(init[n.input[1]])).reshape(-1)
            if f.size > 1: hits.append('Mul spread %.1f' % (f.max() / f.min()))
    if hits: print(p.replace('/tmp/', ''), hits)
