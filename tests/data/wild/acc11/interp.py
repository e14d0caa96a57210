"""Tiny torch executor for the converted densenet (Conv, Mul, Add, Relu, Concat, Pad, AveragePool, GAP, Flatten, Gemm),
collecting per-channel min/max of chosen tensors."""
import onnx, torch, gzip, numpy as np, torch.nn.functional as F
from onnx import numpy_helper as nh
def att(n):
    d = {}
    for a in n.attribute:
        d[a.name] = onnx.helper.get_attribute_value(a)
    return d
def load_idx(p, n=None):
    with gzip.open(p) as f: b = f.read()
    a = np.frombuffer(b, np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    return a[:n] if n else a
def run(model, x, keep=()):
    g = model.graph; env = {i.name: torch.from_numpy(nh.to_array(i).copy()) for i in g.initializer}
    env[g.input[0].name] = torch.from_numpy(x); out = {}
    for n in g.node:
        i = [env[k] if k else None for k in n.input]; a = att(n); t = n.op_type
        if t == 'Conv':
            p = a.get('pads', [0,0,0,0]); assert p[0]==p[2] and p[1]==p[3]
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get('strides',[1,1]), (p[0],p[1]), a.get('dilations',[1,1]), a.get('group',1))
        elif t == 'Mul': y = i[0] * i[1]
        elif t == 'Add': y = i[0] + i[1]
        elif t == 'Relu': y = torch.relu(i[0])
        elif t == 'Concat': y = torch.cat(i, a['axis'])
        elif t == 'Pad':
            pads = i[1].tolist(); r = len(pads)//2; pp = []
            for d in reversed(range(r)): pp += [pads[d], pads[d+r]]
            y = F.pad(i[0], pp, value=float(i[2]) if len(i) > 2 and i[2] is not None else 0.)
        elif t == 'AveragePool':
            y = F.avg_pool2d(i[0], a['kernel_shape'], a.get('strides'), 0)
        elif t == 'GlobalAveragePool': y = i[0].mean((2,3), keepdim=True)
        elif t == 'Flatten': y = i[0].flatten(1)
        elif t == 'Gemm': y = i[0] @ (i[1].T if a.get('transB',0) else i[1]) + i[2]
        else: raise Exception(t)
        env[n.output[0]] = y
    return env
