# dwu8.py IN.onnx OUT.onnx [NAME_SUBSTR...]: every depthwise Conv's int8 weights written uint8 (code + 128, zero
# point 128): the same values, so ONNX Runtime's QLinearConv leaves its symmetric path (ConvSym) for MlasConvDepthwise.
import sys, onnx, numpy as np
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); g = m.graph; sel = sys.argv[3:]
inits = {i.name: i for i in g.initializer}
prod = {o: n for n in g.node for o in n.output}
done = 0
for n in g.node:
    if n.op_type != 'Conv': continue
    grp = [a.i for a in n.attribute if a.name == 'group']
    if not grp or grp[0] == 1: continue
    if sel and not any(s in n.name for s in sel): continue
    dq = prod[n.input[1]]
    w = numpy_helper.to_array(inits[dq.input[0]]); z = numpy_helper.to_array(inits[dq.input[2]])
    assert w.dtype == np.int8 and not z.any()
    inits[dq.input[0]].CopyFrom(numpy_helper.from_array((w.astype(np.int16) + 128).astype(np.uint8), dq.input[0]))
    zn = dq.input[2] + '_u8'
    g.initializer.append(numpy_helper.from_array(np.full(z.shape, 128, np.uint8), zn))
    dq.input[2] = zn; done += 1
print('depthwise Convs rewritten:', done)
onnx.save(m, sys.argv[2])
