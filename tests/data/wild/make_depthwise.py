#!/usr/bin/python3
"""Tiny depthwise graphs for the depthwise-kernel facts (branch convmixer, 2026-12-03; tests/data/wild/README.md "Depthwise kernels"):
input [N,1,28,28] -> Conv 1->C 2x2 stride 2 + act -> 3 x (depthwise kxk 'same' Conv + act) at 14x14 -> GAP -> Flatten -> Gemm C->10,
random weights, opset 17, for C in 16,48,128 (or the list given) and k in 3,5,7,9.
    /usr/bin/python3 tests/data/wild/make_depthwise.py Relu [16,48,64,96,128]   -> relu_cC_kK.onnx in $WILD_OUT (default /tmp/wild)"""
import os, sys, numpy as np, onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T
def make(c, k, act, path):
    rng = np.random.default_rng(c * 100 + k)
    inits, nodes = [], []
    def init(name, a): inits.append(nh.from_array(a.astype(np.float32), name)); return name
    x = 'input'
    nodes.append(h.make_node('Conv', [x, init('w0', rng.normal(0, 0.5, (c, 1, 2, 2))), init('b0', rng.normal(0, 0.1, c))], ['s'], kernel_shape=[2, 2], strides=[2, 2], name='stem'))
    nodes.append(h.make_node(act, ['s'], ['s_a'], name='stem_act')); x = 's_a'
    for i in range(3):
        w = rng.normal(0, 1.0 / k, (c, 1, k, k))
        nodes.append(h.make_node('Conv', [x, init(f'w{i+1}', w), init(f'b{i+1}', rng.normal(0, 0.1, c))], [f'd{i}'], kernel_shape=[k, k], pads=[k // 2] * 4, group=c, name=f'dw{i}'))
        nodes.append(h.make_node(act, [f'd{i}'], [f'd{i}_a'], name=f'dw{i}_act')); x = f'd{i}_a'
    nodes.append(h.make_node('GlobalAveragePool', [x], ['g'], name='gap'))
    nodes.append(h.make_node('Flatten', ['g'], ['f'], name='flat'))
    nodes.append(h.make_node('Gemm', ['f', init('wf', rng.normal(0, 0.3, (10, c))), init('bf', np.zeros(10))], ['output'], transB=1, name='fc'))
    g = h.make_graph(nodes, f'dw{c}_{k}', [h.make_tensor_value_info('input', T.FLOAT, ['N', 1, 28, 28])], [h.make_tensor_value_info('output', T.FLOAT, ['N', 10])], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17)]); m.ir_version = 8
    onnx.checker.check_model(m); onnx.save(m, path)
out = os.environ.get('WILD_OUT', '/tmp/wild'); os.makedirs(out, exist_ok=True)
act = sys.argv[1] if len(sys.argv) > 1 else 'Relu'
for c in [int(v) for v in (sys.argv[2].split(",") if len(sys.argv) > 2 else ["16","48","128"])]:
    for k in (3, 5, 7, 9):
        make(c, k, act, os.path.join(out, f'{act.lower()}_c{c}_k{k}.onnx'))
