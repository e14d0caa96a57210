# Hostile variants of float64 narrowing, arrived-quantized models and QAT exports (branch hostile7, tests/data/wild/README.md),
# built from round 19's f64.onnx trained weights: WILD_F64=/tmp/unseen19/f64.onnx WILD_OUT=/tmp/hostile7/m python3 make_hostile7.py
import os, onnx, numpy as np
from onnx import helper as h, numpy_helper as nh, TensorProto as T
src = onnx.load(os.environ.get('WILD_F64', '/tmp/unseen19/f64.onnx'))
W = {i.name: nh.to_array(i) for i in src.graph.initializer}
w1, b1, w2, b2, fw, fb = (W['onnx::Conv_27'], W['onnx::Conv_28'], W['onnx::Conv_30'], W['onnx::Conv_31'], W['fc.weight'], W['fc.bias'])
OUT = os.environ.get('WILD_OUT', '/tmp/hostile7/m') + '/'
def init(name, a): return nh.from_array(a, name)
def conv(i, w, b, o): return h.make_node('Conv', [i, w, b], [o], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
def pool(i, o): return h.make_node('MaxPool', [i], [o], kernel_shape=[2, 2], strides=[2, 2])
def vi(name, t, shape): return h.make_tensor_value_info(name, t, shape)
def save(name, nodes, inits, it=T.FLOAT, ot=T.FLOAT, producer='pytorch', opsets=None):
    g = h.make_graph(nodes, name, [vi('input', it, ['N', 1, 28, 28])], [vi('logits', ot, ['N', 10])], inits)
    m = h.make_model(g, producer_name=producer, opset_imports=opsets or [h.make_opsetid('', 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, OUT + name + '.onnx'); print(name)
f32 = lambda a: a.astype(np.float32)
tail = lambda x: [pool(x, 'p1'), conv('p1', 'w2', 'b2', 'c2'), h.make_node('Relu', ['c2'], ['r2']), pool('r2', 'p2'),
                  h.make_node('Flatten', ['p2'], ['fl']), h.make_node('Gemm', ['fl', 'fw', 'fb'], ['logits'], transB=1)]
tailw = [init('w2', f32(w2)), init('b2', f32(b2)), init('fw', f32(fw)), init('fb', f32(fb))]
# 1: float32 I/O, the first Conv computes in float64 between two Casts
save('f32_f64conv', [h.make_node('Cast', ['input'], ['xd'], to=T.DOUBLE), conv('xd', 'w1', 'b1', 'c1d'),
     h.make_node('Relu', ['c1d'], ['r1d']), h.make_node('Cast', ['r1d'], ['r1'], to=T.FLOAT)] + tail('r1'),
     [init('w1', w1), init('b1', b1)] + tailw)
# 2: float32 weights everywhere, a float64 Cast chain (Relu and a Mul by a double constant) inside
save('f32_castchain', [conv('input', 'w1', 'b1', 'c1'), h.make_node('Cast', ['c1'], ['c1d'], to=T.DOUBLE),
     h.make_node('Relu', ['c1d'], ['r1d']), h.make_node('Mul', ['r1d', 'one'], ['m1d']),
     h.make_node('Cast', ['m1d'], ['r1'], to=T.FLOAT)] + tail('r1'),
     [init('w1', f32(w1)), init('b1', f32(b1)), init('one', np.array(1.0, np.float64))] + tailw)
# 2b: the same in float32 with a Mul by 2.0 (a rescale the quantizer writes as no node; main's verify fails the honest run)
save('mul2_f', [conv('input', 'w1', 'b1', 'c1'), h.make_node('Relu', ['c1'], ['r1d']), h.make_node('Mul', ['r1d', 'two'], ['r1'])] + tail('r1'),
     [init('w1', f32(w1)), init('b1', f32(b1)), init('two', np.array(2.0, np.float32))] + tailw)
# 3: a float64 input, float32 weights (the model casts its input down)
save('f64in_f32w', [h.make_node('Cast', ['input'], ['x'], to=T.FLOAT), conv('x', 'w1', 'b1', 'c1'),
     h.make_node('Relu', ['c1'], ['r1'])] + tail('r1'), [init('w1', f32(w1)), init('b1', f32(b1))] + tailw, it=T.DOUBLE)
# 4, 5: float64 models holding a value float32 cannot hold: a tiny nonzero weight, and a huge bias of a channel
def f64model(name, w1x, b1x):
    nodes = [conv('input', 'w1', 'b1', 'c1'), h.make_node('Relu', ['c1'], ['r1'])] + tail('r1')
    save(name, nodes, [init('w1', w1x), init('b1', b1x), init('w2', w2), init('b2', b2), init('fw', fw), init('fb', fb)],
         it=T.DOUBLE, ot=T.DOUBLE)
tiny = w1.copy(); tiny[0, 0, 0, 0] = 1e-50
f64model('f64_tiny', tiny, b1)
huge = b1.copy(); huge[3] = -1e300
f64model('f64_huge', w1, huge)
f64model('f64_plain', w1, b1)
# 6: a QDQ model another tool wrote (tf2onnx style): per-tensor int8 weights, uint8 activations with zero point 128
def q(a, s, zp, dt):
    info = np.iinfo(dt); return np.clip(np.round(a / s) + zp, info.min, info.max).astype(dt)
def qdq_w(name, a, per_channel):
    if per_channel:
        s = (np.abs(a).reshape(a.shape[0], -1).max(1) / 127).astype(np.float32)
        codes = np.stack([q(a[c], s[c], 0, np.int8) for c in range(a.shape[0])])
        return [init(name + '_q', codes), init(name + '_s', s), init(name + '_z', np.zeros(a.shape[0], np.int8))], \
               h.make_node('DequantizeLinear', [name + '_q', name + '_s', name + '_z'], [name], axis=0)
    s = np.float32(np.abs(a).max() / 127)
    return [init(name + '_q', q(a, s, 0, np.int8)), init(name + '_s', np.array(s)), init(name + '_z', np.array(0, np.int8))], \
           h.make_node('DequantizeLinear', [name + '_q', name + '_s', name + '_z'], [name])
def qdq_act(x, s, zp, dt=np.uint8, tag=''):
    n = x + tag
    return [init(n + '_as', np.array(s, np.float32)), init(n + '_az', np.array(zp, dt))], \
           [h.make_node('QuantizeLinear', [x, n + '_as', n + '_az'], [n + '_q']),
            h.make_node('DequantizeLinear', [n + '_q', n + '_as', n + '_az'], [n + '_dq'])], n + '_dq'
def qdq_model(name, pcs, zps, producer, input_only=False):
    inits, nodes = [], []
    i0, n0, x = qdq_act('input', 1 / 255, zps[0]); inits += i0; nodes += n0
    if input_only:
        nodes += [conv(x, 'w1', 'b1', 'c1'), h.make_node('Relu', ['c1'], ['r1'])] + tail('r1')
        save(name, nodes, inits + [init('w1', f32(w1)), init('b1', f32(b1))] + tailw, producer=producer); return
    for wn, a, pc in (('w1', w1, pcs[0]), ('w2', w2, pcs[1]), ('fw', fw, pcs[2])):
        i, n = qdq_w(wn, f32(a), pc); inits += i; nodes.append(n)
    inits += [init('b1', f32(b1)), init('b2', f32(b2)), init('fb', f32(fb))]
    nodes += [conv(x, 'w1', 'b1', 'c1'), h.make_node('Relu', ['c1'], ['r1'])]
    i1, n1, x = qdq_act('r1', 0.02, zps[1]); inits += i1; nodes += n1
    nodes += [pool(x, 'p1'), conv('p1', 'w2', 'b2', 'c2'), h.make_node('Relu', ['c2'], ['r2'])]
    i2, n2, x = qdq_act('r2', 0.03, zps[2]); inits += i2; nodes += n2
    nodes += [pool(x, 'p2'), h.make_node('Flatten', ['p2'], ['fl']), h.make_node('Gemm', ['fl', 'fw', 'fb'], ['logits'], transB=1)]
    save(name, nodes, inits, producer=producer)
qdq_model('qdq_other', (False, False, False), (128, 128, 128), 'tf2onnx')
qdq_model('qat_mixed', (True, False, True), (0, 7, 3), 'pytorch')
qdq_model('qat_inputonly', None, (0,), 'pytorch', input_only=True)
# 7: half QOperator, half float: the first Conv a QLinearConv (ONNX Runtime's QOperator form), the rest float
s1 = (np.abs(w1).reshape(16, -1).max(1) / 127).astype(np.float32)
codes = np.stack([q(w1[c], s1[c], 0, np.int8) for c in range(16)])
xs, ys = np.float32(1 / 255), np.float32(0.05)
bq = np.round(b1 / (xs * s1)).astype(np.int32)
inits = [init('xs', np.array(xs)), init('xz', np.array(0, np.uint8)), init('w1q', codes), init('w1s', s1),
         init('w1z', np.zeros(16, np.int8)), init('ys', np.array(ys)), init('yz', np.array(128, np.uint8)), init('b1q', bq)] + tailw
nodes = [h.make_node('QuantizeLinear', ['input', 'xs', 'xz'], ['xq']),
         h.make_node('QLinearConv', ['xq', 'xs', 'xz', 'w1q', 'w1s', 'w1z', 'ys', 'yz', 'b1q'], ['c1q'], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         h.make_node('DequantizeLinear', ['c1q', 'ys', 'yz'], ['c1']), h.make_node('Relu', ['c1'], ['r1'])] + tail('r1')
save('mixed_qop', nodes, inits, producer='onnx.quantize')
