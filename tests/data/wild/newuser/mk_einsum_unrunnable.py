# Einsum and unrunnable-model cases for the newuser pass (onnx.helper), seed 1.
import numpy as np, onnx, sys
from onnx import helper as h, TensorProto as T, numpy_helper as nh
rng = np.random.default_rng(1); OUT = sys.argv[1]
def init(name, a): return nh.from_array(np.asarray(a, dtype=np.float32), name)
def save(name, nodes, inits, outs=None, opset=13):
    inp = h.make_tensor_value_info('x', T.FLOAT, ['N', 1, 28, 28])
    outs = outs or [h.make_tensor_value_info('y', T.FLOAT, ['N', 10])]
    m = h.make_model(h.make_graph(nodes, name, [inp], outs, inits), opset_imports=[h.make_opsetid('', opset)], producer_name='newuser-mk')
    m.ir_version = 8; onnx.checker.check_model(m); onnx.save(m, f'{OUT}/{name}.onnx'); print(name)
# stem: Conv 1->4 (stride 4: 7x7) and Conv 1->3 -> a [N,4,7,7], b [N,3,7,7]
def stems():
    return ([h.make_node('Conv', ['x', 'wa'], ['a'], name='conva', strides=[4,4]), h.make_node('Conv', ['x', 'wb'], ['b'], name='convb', strides=[4,4])],
            [init('wa', rng.normal(0, .5, (4,1,4,4))), init('wb', rng.normal(0, .5, (3,1,4,4)))])
def tail(src, k):   # [N, k] -> Gemm 10
    return ([h.make_node('Gemm', [src, 'wf', 'bf'], ['y'], name='fc', transB=1)], [init('wf', rng.normal(0, .3, (10, k))), init('bf', np.zeros(10))])
def einsum_model(name, eq, ins, k, extra=(), pre=(), post=()):
    n, i = stems(); f = [h.make_node('Einsum', ins, ['e0' if post else 'e'], name='einsum', equation=eq), *post, h.make_node('Flatten', ['e'], ['ef'], name='flat')]
    n2, i2 = tail('ef', k); save(name, n + list(pre) + f + n2, i + list(extra) + i2)
einsum_model('es_2idx_perm', 'nchw,ndwh->ncd', ['a', 'b'], 12)           # operand 2's contracted axes in another order
einsum_model('es_implicit', 'nchw,hwd', ['a', 'wi'], 20, extra=[init('wi', rng.normal(0, .3, (7, 7, 5)))], post=[h.make_node('Transpose', ['e0'], ['e'], name='tp', perm=[2,0,1])])                   # implicit output: alphabetical 'cdn'!
einsum_model('es_3idx', 'nchw,ncdw->nd', ['a', 'b4'], 7, pre=[h.make_node('Transpose', ['a'], ['b4'], name='tr', perm=[0,1,3,2])])  # contracts c, h, w
einsum_model('es_const_first', 'dhw,nchw->ndc', ['wc', 'a'], 20, extra=[init('wc', rng.normal(0, .3, (5, 7, 7)))])   # constant first, 2 indices
einsum_model('es_const_dense', 'nchw,kchw->nk', ['a', 'wk'], 6, extra=[init('wk', rng.normal(0, .1, (6, 4, 7, 7)))])
einsum_model('es_ellipsis', '...hw,...dw->...hd', ['a', 'a'], 4*49)        # ellipsis, same operand twice
einsum_model('es_diag', 'nchh->nc', ['a'], 4)                              # repeated index (trace)
einsum_model('es_rep2', 'nchw,nchw->nc', ['a', 'a'], 4)                    # both operands the same tensor, contracts hw, batch n, c
einsum_model('es_upper', 'NCHW,NDHW->NCD', ['a', 'b'], 12)                 # upper-case letters
einsum_model('es_spaces', 'nchw, ndhw -> ncd', ['a', 'b'], 12)             # spaces
einsum_model('es_sumout', 'nchw,ndh->ncd', ['a', 'bs'], 12, pre=[h.make_node('ReduceMean', ['b'], ['bs'], name='rs', axes=[3], keepdims=0)])  # w summed out in op 1 only
# ---- unrunnable and not-per-sample outputs
n, i = stems(); n2, i2 = tail('ff', 196)
save('un_flatten0', n + [h.make_node('Flatten', ['a'], ['f0'], name='flat0', axis=0), h.make_node('Reshape', ['f0', 's'], ['ff'], name='rs')] + n2,
     i + [nh.from_array(np.array([-1, 196], np.int64), 's')] + i2, outs=[h.make_tensor_value_info('y', T.FLOAT, ['M', 10])])   # batch merged into rows: runs on any batch, [N,10] though
n, i = stems(); n2, i2 = tail('f', 196)
save('un_transposed', n + [h.make_node('Flatten', ['a'], ['f'], name='flat')] + n2 + [],
     i + i2, outs=[h.make_tensor_value_info('y', T.FLOAT, ['N', 10])])
m = onnx.load(f'{OUT}/un_transposed.onnx'); g = m.graph
g.node[-1].output[0] = 'yt'; g.node.append(h.make_node('Transpose', ['yt'], ['y'], name='tr', perm=[1, 0]))
g.output[0].CopyFrom(h.make_tensor_value_info('y', T.FLOAT, [10, 'N'])); onnx.save(m, f'{OUT}/un_transposed.onnx')
n, i = stems(); n2, i2 = tail('f', 196)       # mean over the batch: [1, 10]
save('un_batchmean', n + [h.make_node('Flatten', ['a'], ['f'], name='flat')] + n2[:0] + [h.make_node('Gemm', ['f', 'wf', 'bf'], ['z'], name='fc', transB=1),
     h.make_node('ReduceMean', ['z'], ['y'], name='bm', axes=[0], keepdims=1)], i + i2, outs=[h.make_tensor_value_info('y', T.FLOAT, [1, 10])])
# fixed batch 1 everywhere, reshaped wrongly (no dynamic dim at all): [1,1,28,28] -> Reshape [1, 1024] fails
m = h.make_model(h.make_graph([h.make_node('Reshape', ['x', 's'], ['r'], name='rs'), h.make_node('Gemm', ['r', 'wf', 'bf'], ['y'], name='fc', transB=1)], 'un_fixed',
     [h.make_tensor_value_info('x', T.FLOAT, [1, 1, 28, 28])], [h.make_tensor_value_info('y', T.FLOAT, [1, 10])],
     [nh.from_array(np.array([1, 1024], np.int64), 's'), init('wf', rng.normal(0, .1, (10, 1024))), init('bf', np.zeros(10))]), opset_imports=[h.make_opsetid('', 13)])
m.ir_version = 8; onnx.save(m, f'{OUT}/un_fixed.onnx'); print('un_fixed')
# TopK values and indices as outputs
n, i = stems(); n2, i2 = tail('f', 196)
save('un_topk2', n + [h.make_node('Flatten', ['a'], ['f'], name='flat')] + [h.make_node('Gemm', ['f', 'wf', 'bf'], ['z'], name='fc', transB=1),
     h.make_node('TopK', ['z', 'k'], ['v', 'ix'], name='topk')], i + i2 + [nh.from_array(np.array([3], np.int64), 'k')],
     outs=[h.make_tensor_value_info('v', T.FLOAT, ['N', 3]), h.make_tensor_value_info('ix', T.INT64, ['N', 3])])
# TopK's values first with k = 10 (values and indices) and k = 1 (values only); a fixed [1, 1, 28, 28] model that runs (st_fixed)
for k, name, outs in [(10, 'un_topk10', 2), (1, 'un_topk1v', 1)]:
    m = onnx.load(f'{OUT}/un_topk2.onnx'); g = m.graph
    for i, t in enumerate(g.initializer):
        if t.name == 'k': g.initializer[i].CopyFrom(nh.from_array(np.array([k], np.int64), 'k'))
    del g.output[:]
    g.output.append(h.make_tensor_value_info('v', T.FLOAT, ['N', k]))
    if outs == 2: g.output.append(h.make_tensor_value_info('ix', T.INT64, ['N', k]))
    g.name = name; onnx.checker.check_model(m); onnx.save(m, f'{OUT}/{name}.onnx'); print(name)
m = onnx.load(f'{OUT}/un_fixed.onnx'); m.graph.initializer[0].CopyFrom(nh.from_array(np.array([1, 784], np.int64), 's'))
m.graph.initializer[1].CopyFrom(nh.from_array(np.random.default_rng(2).normal(0, .1, (10, 784)).astype(np.float32), 'wf'))
m.graph.name = 'st_fixed'; onnx.save(m, f'{OUT}/st_fixed.onnx'); print('st_fixed')
