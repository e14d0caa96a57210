#!/usr/bin/python3
"""convsplit.py IN.onnx OUT.onnx: every Conv whose output only Slices along the channel axis read (constant starts/ends,
step 1) becomes one Conv per Slice, its weights and bias those channels (exact in float): each gate then gets its own
output range when quantized. (An experiment on convlstm's shared gate Convs, acc12.)"""
import sys
import numpy as np, onnx
from onnx import numpy_helper, helper
m = onnx.load(sys.argv[1]); g = m.graph
init = {t.name: t for t in g.initializer}
def const(n): return numpy_helper.to_array(init[n]) if n in init else None
readers = {}
for n in g.node:
    for i in n.input: readers.setdefault(i, []).append(n)
new_nodes, drop, added = [], set(), []
for n in g.node:
    if n.op_type != "Conv": continue
    rs = readers.get(n.output[0], [])
    if not rs or any(r.op_type != "Slice" or r.input[0] != n.output[0] for r in rs): continue
    w, b = const(n.input[1]), const(n.input[2]) if len(n.input) > 2 else None
    pieces = []
    for r in rs:
        st, en = const(r.input[1]), const(r.input[2]); ax = const(r.input[3]) if len(r.input) > 3 else np.array([0])
        if st is None or en is None or ax is None or list(ax) != [1] or (len(r.input) > 4 and list(const(r.input[4])) != [1]): break
        pieces.append((r, int(st[0]), int(min(en[0], w.shape[0]))))
    else:
        for r, s, e in pieces:
            wn, bn = f"{r.name}_w", f"{r.name}_b"
            if wn not in init:
                added += [numpy_helper.from_array(w[s:e], wn)] + ([numpy_helper.from_array(b[s:e], bn)] if b is not None else [])
            conv = helper.make_node("Conv", [n.input[0], wn] + ([bn] if b is not None else []), [r.output[0]], name=f"{r.name}_conv")
            conv.attribute.extend(n.attribute); drop.add(r.name); new_nodes.append((n.name, conv))
        drop.add(n.name)
out = []
for n in g.node:
    if n.name in drop:
        out += [c for (src, c) in new_nodes if src == n.name]
    else: out.append(n)
del g.node[:]; g.node.extend(out); g.initializer.extend(added)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2]); print(f"{len(new_nodes)} Convs from {len({s for s, _ in new_nodes})}")
