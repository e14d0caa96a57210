# stem_pad.py IN OUT C: the first Conv on one input channel reads the input padded with zero channels to C (Pad on axis 1,
# its weights widened with zeros): the same outputs; a hand experiment (speed13) on QLinearConv's one-channel stems
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1]); g = m.graph; C = int(sys.argv[3]); I = {i.name: i for i in g.initializer}
x = g.input[0].name
conv = next(n for n in g.node if n.op_type == 'Conv' and n.input[0] == x)
W = numpy_helper.to_array(I[conv.input[1]]); assert W.shape[1] == 1
W2 = np.zeros((W.shape[0], C) + W.shape[2:], np.float32); W2[:, 0] = W[:, 0]
g.initializer.append(numpy_helper.from_array(W2, conv.input[1] + '_widened'))
g.initializer.append(numpy_helper.from_array(np.array([0, 0, 0, 0, 0, C - 1, 0, 0], np.int64), 'stem_pads'))
pad = helper.make_node('Pad', [x, 'stem_pads'], [x + '_widened'], name='stem_pad', mode='constant')
conv.input[0] = x + '_widened'; conv.input[1] = conv.input[1] + '_widened'
g.node.insert(list(g.node).index(conv), pad)
onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
