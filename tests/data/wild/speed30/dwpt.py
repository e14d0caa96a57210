# dwpt.py IN.onnx OUT.onnx: every depthwise Conv's per-channel int8 weights requantized per tensor (the largest
# channel scale; speed form only, numerics change), bias requantized to the new scale.
import sys, onnx, numpy as np
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); g = m.graph
inits = {i.name: i for i in g.initializer}; prod = {o: n for n in g.node for o in n.output}
for n in g.node:
    grp = [a.i for a in n.attribute if a.name == 'group']
    if n.op_type != 'Conv' or not grp or grp[0] == 1: continue
    wdq = prod[n.input[1]]; bdq = prod[n.input[2]]
    w = numpy_helper.to_array(inits[wdq.input[0]]).astype(np.float32); s = numpy_helper.to_array(inits[wdq.input[1]])
    real = w * s.reshape(-1, 1, 1, 1); S = np.float32(s.max())
    q = np.clip(np.round(real / S), -127, 127).astype(np.int8)
    inits[wdq.input[0]].CopyFrom(numpy_helper.from_array(q, wdq.input[0]))
    inits[wdq.input[1]].CopyFrom(numpy_helper.from_array(np.array(S, np.float32), wdq.input[1]))
    inits[wdq.input[2]].CopyFrom(numpy_helper.from_array(np.array(0, np.int8), wdq.input[2]))
    for a in wdq.attribute:
        if a.name == 'axis': wdq.attribute.remove(a); break
    b = numpy_helper.to_array(inits[bdq.input[0]]).astype(np.float64); bs = numpy_helper.to_array(inits[bdq.input[1]]).astype(np.float64)
    breal = b * bs; xs = bs / s  # input scale
    nbs = np.float32(xs[0] * S)
    inits[bdq.input[0]].CopyFrom(numpy_helper.from_array(np.round(breal / nbs).astype(np.int32), bdq.input[0]))
    inits[bdq.input[1]].CopyFrom(numpy_helper.from_array(np.array(nbs, np.float32), bdq.input[1]))
    for a in bdq.attribute:
        if a.name == 'axis': bdq.attribute.remove(a); break
onnx.save(m, sys.argv[2])
