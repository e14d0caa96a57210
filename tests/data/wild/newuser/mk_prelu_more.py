import numpy as np, onnx, sys
from onnx import helper as h, TensorProto as T, numpy_helper as nh
OUT = sys.argv[1]; sys.argv = ['x', OUT]; exec(open(__file__.replace('mk_prelu_more.py', 'mk_prelu.py')).read().split("C = 4")[0])
C=4; n, i = stem(C); n2, i2 = head(C, 'p')
nodes = n + [h.make_node('Reshape', ['a', 's5'], ['a5'], name='to5d'), h.make_node('PRelu', ['a5', 'slope'], ['p5'], name='prelu5d'),
             h.make_node('Reshape', ['p5', 's4'], ['p'], name='to4d')] + n2
save('pr_5d', nodes, i + i2 + [nh.from_array(np.array([0, 2, 2, 28, 28], np.int64), 's5'), nh.from_array(np.array([0, 4, 28, 28], np.int64), 's4'),
     init('slope', [[[-.4]], [[1.6]]])])
# slope [1, C, 1, 1] but computed: a Constant node (not an initializer)
n, i = stem(C); n2, i2 = head(C, 'p')
save('pr_constnode', n + [h.make_node('Constant', [], ['slope'], name='k', value=nh.from_array(np.array([.1, -.2, 1.3, .5], np.float32).reshape(1, 4, 1, 1))),
     h.make_node('PRelu', ['a', 'slope'], ['p'], name='prelu')] + n2, i + i2)
# two PRelus sharing one slope initializer
n, i = stem(C); n2, i2 = head(C, 'p2')
save('pr_shared', n + [h.make_node('PRelu', ['a', 'slope'], ['p'], name='prelu1'), h.make_node('Conv', ['p', 'w2'], ['c2'], name='conv2'),
     h.make_node('PRelu', ['c2', 'slope'], ['p2'], name='prelu2')] + n2, i + i2 + [init('slope', rng.uniform(-.5, 1.5, (C, 1, 1))), init('w2', rng.normal(0, .5, (C, C, 1, 1)))])
