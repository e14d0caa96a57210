"""Hand form: each squeeze-excitation HardSigmoid that Quantrace lowered to an Add (x's codes read with scale*alpha,
plus beta, QuantizeLinear over [0, 1]) folded into the 1x1 Conv (fc2) that alone feeds it: weight scales * alpha (the
int8 codes unchanged), bias scale * alpha and its int32 codes + round(beta / new bias scale) (the float bias alpha*b + beta),
the Conv's output quantized straight with the Add's output scale and zero point, whose saturation is the clamp.
Speed and accuracy only: the records of a model made so are not rewritten (speed25).
usage: se_fold.py IN.onnx OUT.onnx"""
import os
import sys
import numpy as np
import onnx
from onnx import numpy_helper as nh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph import index  # noqa: E402

m = onnx.load(sys.argv[1])
g = m.graph
init, prod, cons = index(g)
arr = lambda t: nh.to_array(init[t])
def put(name, a):
    init[name].CopyFrom(nh.from_array(a, name))
drop = []
for add in list(g.node):
    if add.op_type != 'Add' or not add.name.endswith('/HardSigmoid'):
        continue
    dqx, dqb = prod[add.input[0]], prod[add.input[1]]
    qc = prod.get(dqx.input[0])
    if qc is None or qc.op_type != 'QuantizeLinear':
        continue
    conv = prod[qc.input[0]]
    if conv.op_type != 'Conv' or len(cons[qc.output[0]]) != 1:
        continue
    alpha = float(arr(dqx.input[1])) / float(arr(qc.input[1]))
    beta = float(arr(dqb.input[0]).astype(np.float64).ravel()[0] * float(arr(dqb.input[1])))
    wdq, bdq = prod[conv.input[1]], prod[conv.input[2]]
    put(wdq.input[1], (arr(wdq.input[1]) * alpha).astype(np.float32))
    bscale = arr(bdq.input[1]).astype(np.float64) * alpha
    bq = arr(bdq.input[0]).astype(np.int64) + np.round(beta / bscale).astype(np.int64)
    put(bdq.input[0], bq.astype(np.int32))
    put(bdq.input[1], bscale.astype(np.float32))
    qout = cons[add.output[0]][0]
    qout.input[0] = conv.output[0]
    drop += [qc, dqx, dqb, add]
    print('folded', add.name, 'alpha %.5f beta %.3f' % (alpha, beta))
for n in drop:
    g.node.remove(n)
used = {i for n in g.node for i in n.input}
for i in list(g.initializer):
    if i.name not in used:
        g.initializer.remove(i)
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
