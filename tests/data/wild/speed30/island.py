# island.py FSK.onnx FP32.onnx OUT.onnx MODE: the narrow stage of the fsk form (float-slow-kernels) made one float
# island from the model input: the stem Conv with fp32's float weights and a float HardSwish (no Q/DQ between),
# the input dequantized by MODE: dq (DequantizeLinear, as written) or cast (Cast, Sub zero point, Mul scale: no
# DequantizeLinear before the Conv). Both run the stem as ONNX Runtime's NCHWc Conv on its float weights: its
# WeightBiasQuantization rounds only a Conv whose result reaches a QuantizeLinear (through Relu/Clip).
import sys, onnx, numpy as np
from onnx import helper, numpy_helper, TensorProto
fsk, fp = onnx.load(sys.argv[1]), onnx.load(sys.argv[2]); mode = sys.argv[4]
g = fsk.graph
stem = next(n for n in g.node if n.name == '/features/features.0/features.0.0/Conv')
fstem = next(n for n in fp.graph.node if n.name == stem.name)
hsq = [n for n in g.node if n.op_type == 'DequantizeLinear' and 'HardSwish_output_0_q' in n.input[0] and 'features.0.2' in n.input[0]][0]
island_in = hsq.output[0]
# drop every node between the input DQ and the HardSwish output's DQ (inclusive)
start = [i for i, n in enumerate(g.node) if n is stem][0]
end = [i for i, n in enumerate(g.node) if n is hsq][0]
dq_in = next(n for n in g.node if n.op_type == 'DequantizeLinear' and n.input[0] == 'input')
keep = [n for i, n in enumerate(g.node) if not (start <= i <= end) and n is not dq_in]
finit = {i.name: i for i in fp.graph.initializer}
new = []
x = 'input'
if mode == 'dq':
    new.append(dq_in); x = dq_in.output[0]
else:
    inits = {i.name: i for i in g.initializer}
    s = numpy_helper.to_array(inits[dq_in.input[1]]).astype(np.float32)
    z = numpy_helper.to_array(inits[dq_in.input[2]]).astype(np.float32)
    g.initializer.extend([numpy_helper.from_array(np.array(z, np.float32), 'isl_zp'), numpy_helper.from_array(np.array(s, np.float32), 'isl_s')])
    new += [helper.make_node('Cast', ['input'], ['isl_c'], to=TensorProto.FLOAT, name='isl_cast'),
            helper.make_node('Sub', ['isl_c', 'isl_zp'], ['isl_sub'], name='isl_sub'),
            helper.make_node('Mul', ['isl_sub', 'isl_s'], ['isl_x'], name='isl_mul')]
    x = 'isl_x'
for nm in fstem.input[1:]:
    t = onnx.TensorProto(); t.CopyFrom(finit[nm]); t.name = 'isl_' + nm.replace(':', '_'); g.initializer.append(t)
conv = helper.make_node('Conv', [x] + ['isl_' + nm.replace(':', '_') for nm in fstem.input[1:]], ['isl_stem'], name=stem.name)
conv.attribute.extend(fstem.attribute)
hs = helper.make_node('HardSwish', ['isl_stem'], [island_in], name='/features/features.0/features.0.2/HardSwish')
new += [conv, hs]
if mode != 'dq':
    new.insert(0, dq_in)  # left without readers: the measure client reads the input's scale and zero point from it
del g.node[:]
g.node.extend(new + keep)
# drop unused initializers
used = {i for n in g.node for i in n.input}
keepi = [i for i in g.initializer if i.name in used]
del g.initializer[:]; g.initializer.extend(keepi)
onnx.checker.check_model(fsk)
onnx.save(fsk, sys.argv[3])
