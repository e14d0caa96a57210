# Hand-made hostile models for the newuser pass (onnx.helper); random weights, seed 0.
import numpy as np, onnx, sys
from onnx import helper as h, TensorProto as T, numpy_helper as nh
rng = np.random.default_rng(0); OUT = sys.argv[1]
def init(name, a): return nh.from_array(np.asarray(a, dtype=np.float32), name)
def save(name, nodes, inits, inp=None, outs=None, opset=13, extra_inputs=()):
    inp = inp or h.make_tensor_value_info('x', T.FLOAT, ['N', 1, 28, 28])
    outs = outs or [h.make_tensor_value_info('y', T.FLOAT, ['N', 10])]
    g = h.make_graph(nodes, name, [inp, *extra_inputs], outs, inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)], producer_name='newuser-mk')
    m.ir_version = 8
    onnx.checker.check_model(m); onnx.save(m, f'{OUT}/{name}.onnx'); print(name)
def stem(C, out='a'):
    return ([h.make_node('Conv', ['x', 'w0', 'b0'], [out], name='conv0', pads=[1,1,1,1])],
            [init('w0', rng.normal(0, .5, (C,1,3,3))), init('b0', rng.normal(0, .1, C))])
def head(C, src):
    return ([h.make_node('GlobalAveragePool', [src], ['g'], name='gap'),
             h.make_node('Flatten', ['g'], ['f'], name='flat'),
             h.make_node('Gemm', ['f', 'wf', 'bf'], ['y'], name='fc', transB=1)],
            [init('wf', rng.normal(0, .5, (10, C))), init('bf', rng.normal(0, .1, 10))])
def prelu_model(name, C, slope):
    n, i = stem(C); n2, i2 = head(C, 'p')
    save(name, n + [h.make_node('PRelu', ['a', 'slope'], ['p'], name='prelu')] + n2, i + [init('slope', slope)] + i2)
C = 4
prelu_model('pr_c1111', C, rng.uniform(-.5, 1.8, (1, C, 1, 1)))          # slopes > 1 and < 0
prelu_model('pr_c11', C, [[[-.3]], [[.2]], [[1.5]], [[2.5]]])            # [C,1,1]
prelu_model('pr_scalar', C, np.float32(0.2).reshape(()))                 # scalar []
prelu_model('pr_one', C, [1.7])                                          # [1], > 1
prelu_model('pr_w28', 28, rng.uniform(-.5, 1.5, 28))                     # [28] = W: broadcasts over W, not C!
prelu_model('pr_c11_w', 28, rng.uniform(-.5, 1.5, (28, 1)))              # [28,1] broadcasts over H
prelu_model('pr_c111_4', C, rng.uniform(-.5, 1.5, (C, 1, 1, 1)))         # [C,1,1,1]: over the batch axis
# PRelu at the graph output (class scores)
n, i = stem(C); n2, i2 = head(C, 'a')
n2[-1].output[0] = 'z'
save('pr_out', n + n2 + [h.make_node('PRelu', ['z', 's10'], ['y'], name='prelu_out')], i + i2 + [init('s10', rng.uniform(-.5, 1.5, 10))])
# per-channel PRelu at the graph output, 4-D
n, i = stem(C)
save('pr_out4d', n + [h.make_node('PRelu', ['a', 'slope'], ['y'], name='prelu_out')], i + [init('slope', rng.uniform(-.5, 1.5, (C, 1, 1)))],
     outs=[h.make_tensor_value_info('y', T.FLOAT, ['N', C, 28, 28])])
# 3-D (N, C, L): x -> Reshape [0, 28, 28] -> Conv1d 28->8 -> PRelu [8,1] -> ReduceMean L -> Gemm
n = [h.make_node('Reshape', ['x', 'sh'], ['r'], name='to3d'),
     h.make_node('Conv', ['r', 'w1', 'b1'], ['c'], name='conv1d', pads=[1,1]),
     h.make_node('PRelu', ['c', 'slope'], ['p'], name='prelu1d'),
     h.make_node('ReduceMean', ['p'], ['m'], name='mean', axes=[2], keepdims=0),
     h.make_node('Gemm', ['m', 'wf', 'bf'], ['y'], name='fc', transB=1)]
save('pr_1d', n, [nh.from_array(np.array([0, 28, 28], np.int64), 'sh'), init('w1', rng.normal(0, .3, (8, 28, 3))), init('b1', np.zeros(8)),
     init('slope', rng.uniform(-.5, 1.5, (8, 1))), init('wf', rng.normal(0, .5, (10, 8))), init('bf', np.zeros(10))])
# PRelu inside an If branch (condition an initializer: a constant branch choice)
def branch(tag, sl):
    return h.make_graph([h.make_node('PRelu', ['a', 'sl_' + tag], ['p_' + tag], name='prelu_' + tag)], 'b_' + tag, [],
                        [h.make_tensor_value_info('p_' + tag, T.FLOAT, None)], [init('sl_' + tag, sl)])
n, i = stem(C); n2, i2 = head(C, 'p')
ifn = h.make_node('If', ['cond'], ['p'], name='if', then_branch=branch('t', rng.uniform(-.5, 1.5, (1, C, 1, 1))),
                  else_branch=branch('e', rng.uniform(-.5, 1.5, (C, 1, 1))))
save('pr_if', n + [ifn] + n2, i + i2 + [nh.from_array(np.array(True), 'cond')])
# If on a runtime condition (reads x)
n, i = stem(C); n2, i2 = head(C, 'p')
pre = [h.make_node('ReduceMean', ['x'], ['xm'], name='xm', keepdims=0), h.make_node('Greater', ['xm', 'half'], ['cond'], name='gt')]
save('pr_if2', n + pre + [ifn] + n2, i + i2 + [init('half', .3)])
