#!/usr/bin/python3
"""catconv.py IN.onnx OUT.onnx: every Conv (group 1) reading a Concat along channels becomes one Conv per Concat input
(its weights those input channels, the bias on the first) summed by Adds (exact in float up to summation order): each
input is then quantized at its own range instead of the Concat's shared one. (An experiment on convlstm, acc12.)"""
import sys
import numpy as np, onnx
from onnx import numpy_helper, helper, shape_inference
m = onnx.load(sys.argv[1]); m = shape_inference.infer_shapes(m); g = m.graph
init = {t.name: t for t in g.initializer}
shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(g.value_info) + list(g.input) + list(g.output)}
prod = {o: n for n in g.node for o in n.output}
out, k = [], 0
for n in g.node:
    c = prod.get(n.input[0]) if n.op_type == "Conv" else None
    grp = [a.i for a in n.attribute if a.name == "group"]
    if c is None or c.op_type != "Concat" or [a.i for a in c.attribute if a.name == "axis"] != [1] or (grp and grp[0] != 1):
        out.append(n); continue
    w = numpy_helper.to_array(init[n.input[1]]); b = n.input[2] if len(n.input) > 2 else None
    s, terms = 0, []
    for j, x in enumerate(c.input):
        ch = shapes.get(x, [0, 0])[1] or (w.shape[1] - s if j == len(c.input) - 1 else None); wn = f"{n.name}_w{j}"
        g.initializer.append(numpy_helper.from_array(w[:, s:s + ch], wn)); s += ch
        t = f"{n.name}_part{j}"
        conv = helper.make_node("Conv", [x, wn] + ([b] if b and j == 0 else []), [t], name=f"{n.name}_part{j}"); conv.attribute.extend(n.attribute)
        out.append(conv); terms.append(t)
    acc = terms[0]
    for j, t in enumerate(terms[1:]):
        o = n.output[0] if j == len(terms) - 2 else f"{n.name}_sum{j}"
        out.append(helper.make_node("Add", [acc, t], [o], name=f"{n.name}_add{j}")); acc = o
    k += 1
del g.node[:]; g.node.extend(out)
# drop Concats nobody reads
used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
keep = [n for n in g.node if n.op_type != "Concat" or any(o in used for o in n.output)]
del g.node[:]; g.node.extend(keep); del g.value_info[:]
onnx.checker.check_model(m); onnx.save(m, sys.argv[2]); print(f"{k} Convs split over their Concat's inputs")
