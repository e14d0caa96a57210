# MobileNetV3 (zoo) fiq-int8 experiments, branch mbv3speed: hsfloat = every HardSwish lowering (QLinearAdd + QLinearMul) replaced by a float
# HardSwish between DequantizeLinear and QuantizeLinear; sefloat = the 16-channel SE gate kept float so its Mul is not fused.
# /usr/bin/python3 hs_se_float.py INT8.onnx OUT.onnx hsfloat|sefloat
import onnx, sys
from onnx import helper, numpy_helper as nh
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(src); g = m.graph
nodes = list(g.node)
byout = {o: n for n in nodes for o in n.output}
readers = {}
for n in nodes:
    for i in n.input: readers.setdefault(i, []).append(n)
remove = set(); add = []
if mode in ('hsfloat', 'both'):
    # HardSwish lowering: DQ(times_alpha) -> Add(_hardsigmoid) -> Q -> DQ -> Mul(HardSwish) -> Q
    for n in nodes:
        if n.op_type == 'Mul' and n.name.endswith('/HardSwish'):
            xdq, hdq = n.input
            hq = byout[hdq].input[0]; hadd = byout[byout[hq].input[0]]
            hdq_n = byout[hdq]; hq_n = byout[hq]
            alpha_dq = byout[hadd.input[0]]; beta_dq = byout[hadd.input[1]]
            for r in (hadd, hq_n, hdq_n, alpha_dq, beta_dq): remove.add(id(r))
            remove.add(id(n))
            add.append(helper.make_node('HardSwish', [xdq], list(n.output), name=n.name))
if mode in ('sefloat', 'both'):
    # SE gate: keep the HardSigmoid's output float so the Mul is not fused
    for n in nodes:
        if n.op_type == 'Mul' and n.name.endswith('block.1/Mul') and 'features.1/' in n.name:
            xdq, gdq = n.input
            gdq_n = byout[gdq]; gq_n = byout[gdq_n.input[0]]
            # gq_n input is HardSigmoid lowering Add output (float) -> use it directly
            remove.add(id(gdq_n)); remove.add(id(gq_n))
            n.input[1] = gq_n.input[0]
keep = [n for n in nodes if id(n) not in remove]
# insert added nodes in place (topological: after their input producers) - simple: rebuild order by toposort
allnodes = keep + add
produced = set(i.name for i in g.input) | set(i.name for i in g.initializer)
order = []; pending = allnodes
while pending:
    rest = []
    for n in pending:
        if all((i == '' or i in produced) for i in n.input):
            order.append(n); produced.update(n.output)
        else: rest.append(n)
    if len(rest) == len(pending): raise SystemExit('cycle')
    pending = rest
del g.node[:]; g.node.extend(order)
onnx.checker.check_model(m)
onnx.save(m, dst)
print(dst, len(order))
