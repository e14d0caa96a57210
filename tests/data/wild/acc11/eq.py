"""eq.py IN OUT K_STEM K_POOL: exact power-of-two equalization of densenet's Concat leaves (hand-made, for measurement only)."""
import onnx, sys, numpy as np
from onnx import numpy_helper as nh
m = onnx.load(sys.argv[1]); g = m.graph; ks, kp = float(sys.argv[3]), float(sys.argv[4])
init = {i.name: i for i in g.initializer}
def scale(name, f, sl=slice(None)):
    a = nh.to_array(init[name]).copy(); flat = a.reshape(-1); flat[sl] *= f; init[name].CopyFrom(nh.from_array(a.reshape(a.shape), name))
node = {n.name: n for n in g.node}
scale(node['/f/f.0/Conv'].input[1], ks)                       # stem weights x ks (no bias)
scale(node['/f/f.1/f/f.0/BatchNormalization_mul'].input[1], 1 / ks)
for b in ['/f/f.2/f/f.0', '/f/f.3/f/f.0', '/f/f.4']:
    scale(node[b + '/BatchNormalization_mul'].input[1], 1 / ks, slice(0, 16))
assert not node['/f/f.6/Conv'].input[2:] 
scale(node['/f/f.6/Conv'].input[1], kp)                        # transition Conv x kp -> pool output x kp (Pad value 0)
scale(node['/f/f.8/f/f.0/BatchNormalization_mul'].input[1], 1 / kp)
for b in ['/f/f.9/f/f.0', '/f/f.10/f/f.0', '/f/f.11']:
    scale(node[b + '/BatchNormalization_mul'].input[1], 1 / kp, slice(0, 20))
onnx.save(m, sys.argv[2])
