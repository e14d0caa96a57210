# stemhs.py MAIN.onnx FP32.onnx OUT.onnx: main's fiq-int8 with only the stem Conv and its HardSwish float (fp32's
# weights) on the int8 input's DequantizeLinear, one QuantizeLinear after the HardSwish (main's), the rest integer.
import sys, onnx
from onnx import helper
m, fp = onnx.load(sys.argv[1]), onnx.load(sys.argv[2]); g = m.graph
nodes = list(g.node)
inits = {i.name for i in g.initializer}
stem = next(n for n in nodes if n.name == '/features/features.0/features.0.0/Conv')
fstem = next(n for n in fp.graph.node if n.name == stem.name)
hq = next(i for i, n in enumerate(nodes) if n.op_type == 'QuantizeLinear' and n.input[0].endswith('features.0/features.0.2/HardSwish_output_0'))
d0 = next(i for i, n in enumerate(nodes) if n.op_type == 'DequantizeLinear' and n.input[0] == 'input')
prod = {o: i for i, n in enumerate(nodes) for o in n.output}
anc = set(); todo = [nodes[hq].input[0]]
while todo:
    i = prod.get(todo.pop())
    if i is None or i == d0 or i in anc: continue
    if nodes[i].op_type == 'DequantizeLinear' and nodes[i].input[0] in inits: continue
    anc.add(i); todo += list(nodes[i].input)
print('removed', [nodes[i].op_type for i in sorted(anc)])
finit = {i.name: i for i in fp.graph.initializer}
for nm in fstem.input[1:]:
    t = onnx.TensorProto(); t.CopyFrom(finit[nm]); t.name = 'isl_' + nm.replace(':', '_'); g.initializer.append(t)
conv = helper.make_node('Conv', [nodes[d0].output[0]] + ['isl_' + nm.replace(':', '_') for nm in fstem.input[1:]], ['isl_stem'], name=stem.name)
conv.attribute.extend(fstem.attribute)
hs = helper.make_node('HardSwish', ['isl_stem'], [nodes[hq].input[0]], name='/features/features.0/features.0.2/HardSwish')
out = []
for i, n in enumerate(nodes):
    if i in anc: continue
    if i == hq: out += [conv, hs]
    out.append(n)
del g.node[:]; g.node.extend(out)
used = {x for n in g.node for x in n.input}
ki = [x for x in g.initializer if x.name in used]; del g.initializer[:]; g.initializer.extend(ki)
onnx.checker.check_model(m); onnx.save(m, sys.argv[3])
