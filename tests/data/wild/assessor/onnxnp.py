"""A small, independent ONNX interpreter (numpy + torch.nn.functional for convolutions and pooling).

Written for the assessment; shares no code with Quantrace. Covers the ops of the example CNN, the zoo's
ResNet/MobileNetV2 and their DRQ/QDQ/pruned/factorized variants.
"""
import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn.functional as F

NP = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 4: np.uint16, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def rne(x):
    return np.round(x)  # numpy rounds half to even


def quantize(x, s, z, dtype, axis=1):
    s = np.asarray(s, np.float32)
    z = np.asarray(z)
    if s.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        s = s.reshape(shape)
        z = z.reshape(shape)
    info = np.iinfo(dtype)
    q = rne(x.astype(np.float32) / s) + z.astype(np.float64)
    return np.clip(q, info.min, info.max).astype(dtype)


def dequantize(q, s, z, axis=1):
    s = np.asarray(s, np.float32)
    z = np.asarray(z if z is not None else 0)
    if s.ndim == 1 and q.ndim > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        s = s.reshape(shape)
        z = z.reshape(shape)
    return ((q.astype(np.int64) - z.astype(np.int64)).astype(np.float32) * s).astype(np.float32)


class Model:
    def __init__(self, path):
        self.m = onnx.load(path)
        self.g = self.m.graph
        self.init = {i.name: numpy_helper.to_array(i) for i in self.g.initializer}

    def run(self, feeds):
        env = dict(self.init)
        env.update(feeds)
        self._run_graph(self.g, env)
        return [env[o.name] for o in self.g.output]

    def _run_graph(self, graph, env):
        for n in graph.node:
            ins = [env[i] if i else None for i in n.input]
            outs = self.op(n, ins, env)
            for name, v in zip(n.output, outs):
                if name:
                    env[name] = v

    def op(self, n, x, env):
        t = n.op_type
        a = attrs(n)
        if t == 'Constant':
            return [numpy_helper.to_array(a['value'])]
        if t == 'Identity' or t == 'Dropout':
            return [x[0], None]
        if t == 'Relu':
            return [np.maximum(x[0], 0).astype(x[0].dtype)]
        if t == 'Clip':
            lo = x[1] if len(x) > 1 and x[1] is not None else a.get('min', -np.inf)
            hi = x[2] if len(x) > 2 and x[2] is not None else a.get('max', np.inf)
            return [np.clip(x[0], lo, hi).astype(x[0].dtype)]
        if t == 'Sigmoid':
            return [(1 / (1 + np.exp(-x[0]))).astype(np.float32)]
        if t == 'HardSigmoid':
            al, be = a.get('alpha', 0.2), a.get('beta', 0.5)
            return [np.clip(al * x[0] + be, 0, 1).astype(np.float32)]
        if t == 'HardSwish':
            return [(x[0] * np.clip(x[0] / 6 + 0.5, 0, 1)).astype(np.float32)]
        if t in ('Add', 'Sub', 'Mul', 'Div'):
            f = {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply, 'Div': np.divide}[t]
            r = f(x[0], x[1])
            return [r.astype(np.result_type(x[0], x[1]))]
        if t == 'Cast':
            return [x[0].astype(NP[a['to']])]
        if t == 'Conv':
            w = torch.from_numpy(np.ascontiguousarray(x[1].astype(np.float32)))
            b = torch.from_numpy(x[2].astype(np.float32)) if len(x) > 2 and x[2] is not None else None
            pads = a.get('pads', [0] * (2 * (w.dim() - 2)))
            k = w.dim() - 2
            inp = torch.from_numpy(np.ascontiguousarray(x[0].astype(np.float32)))
            if a.get('auto_pad', b'NOTSET') not in (b'NOTSET', 'NOTSET'):
                raise NotImplementedError('auto_pad')
            if pads[:k] != pads[k:]:
                inp = F.pad(inp, sum([[pads[i], pads[i + k]] for i in reversed(range(k))], []))
                pads = [0] * (2 * k)
            conv = F.conv2d if k == 2 else F.conv1d
            y = conv(inp, w, b, stride=a.get('strides', [1] * k), padding=pads[:k], dilation=a.get('dilations', [1] * k), groups=a.get('group', 1))
            return [y.numpy()]
        if t == 'MaxPool' or t == 'AveragePool':
            k = a['kernel_shape']
            pads = a.get('pads', [0] * 2 * len(k))
            inp = torch.from_numpy(np.ascontiguousarray(x[0].astype(np.float32)))
            if t == 'MaxPool':
                y = F.max_pool2d(inp, k, a.get('strides', k), pads[:len(k)], ceil_mode=bool(a.get('ceil_mode', 0)))
            else:
                y = F.avg_pool2d(inp, k, a.get('strides', k), pads[:len(k)], ceil_mode=bool(a.get('ceil_mode', 0)),
                                 count_include_pad=bool(a.get('count_include_pad', 0)))
            return [y.numpy().astype(x[0].dtype), None]
        if t == 'BatchNormalization':
            sh = [1, -1] + [1] * (x[0].ndim - 2)
            sc, b, mu, var = (v.reshape(sh) for v in x[1:5])
            return [((x[0] - mu) / np.sqrt(var + a.get('epsilon', 1e-5)) * sc + b).astype(np.float32), None, None]
        if t == 'GlobalAveragePool':
            return [x[0].mean(axis=tuple(range(2, x[0].ndim)), keepdims=True).astype(x[0].dtype)]
        if t == 'Flatten':
            ax = a.get('axis', 1)
            s = x[0].shape
            return [x[0].reshape(int(np.prod(s[:ax])), -1)]
        if t == 'Reshape':
            shape = [int(v) for v in x[1]]
            shape = [x[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
            return [x[0].reshape(shape)]
        if t == 'Transpose':
            return [np.transpose(x[0], a.get('perm'))]
        if t == 'Gemm':
            A = x[0].T if a.get('transA', 0) else x[0]
            B = x[1].T if a.get('transB', 0) else x[1]
            y = a.get('alpha', 1.0) * (A.astype(np.float32) @ B.astype(np.float32))
            if len(x) > 2 and x[2] is not None:
                y = y + a.get('beta', 1.0) * x[2]
            return [y.astype(np.float32)]
        if t == 'MatMul':
            return [(x[0].astype(np.float32) @ x[1].astype(np.float32)).astype(np.float32)]
        if t == 'MatMulInteger':
            za = x[2] if len(x) > 2 and x[2] is not None else 0
            zb = x[3] if len(x) > 3 and x[3] is not None else 0
            return [((x[0].astype(np.int64) - np.int64(za)) @ (x[1].astype(np.int64) - np.asarray(zb, np.int64))).astype(np.int32)]
        if t == 'DynamicQuantizeLinear':
            v = x[0].astype(np.float32)
            lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
            s = np.float32((hi - lo) / 255) if hi > lo else np.float32(1.0)  # spec: scale = (max-min)/255
            z = np.uint8(np.clip(rne(np.float32(0 - lo) / s), 0, 255))
            q = np.clip(rne(v / s) + z, 0, 255).astype(np.uint8)
            return [q, np.array(s, np.float32), np.array(z, np.uint8)]
        if t == 'QuantizeLinear':
            z = x[2] if len(x) > 2 and x[2] is not None else np.uint8(0)
            return [quantize(x[0], x[1], z, np.asarray(z).dtype.type, a.get('axis', 1))]
        if t == 'DequantizeLinear':
            z = x[2] if len(x) > 2 and x[2] is not None else None
            return [dequantize(x[0], x[1], z, a.get('axis', 1))]
        if t == 'Softmax':
            ax = a.get('axis', -1)
            e = np.exp(x[0] - x[0].max(axis=ax, keepdims=True))
            return [(e / e.sum(axis=ax, keepdims=True)).astype(np.float32)]
        if t == 'Concat':
            return [np.concatenate(x, axis=a['axis'])]
        if t == 'Shape':
            return [np.array(x[0].shape, np.int64)]
        if t == 'Squeeze':
            axes = tuple(int(v) for v in x[1]) if len(x) > 1 and x[1] is not None else a.get('axes')
            return [np.squeeze(x[0], axis=tuple(axes) if axes is not None else None)]
        if t == 'Unsqueeze':
            axes = [int(v) for v in x[1]] if len(x) > 1 else a['axes']
            y = x[0]
            for ax in sorted(axes):
                y = np.expand_dims(y, ax)
            return [y]
        raise NotImplementedError(t)
