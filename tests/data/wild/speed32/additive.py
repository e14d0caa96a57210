# additive.py IN OUT FILL: round 27's gat (fp32) with each Where(adj, scores, fill) before a Softmax replaced by
# Add(scores, M), M = 0 where adj holds and FILL elsewhere (an additive mask as BERT's extended mask or a causal mask
# constant), to see whether the float Softmax is slow with additive masks as with Where's fill (speed31).
import onnx, sys, numpy as np
from onnx import helper as oh, numpy_helper as nh
m = onnx.load(sys.argv[1]); fill = float(sys.argv[3])
inits = {i.name: nh.to_array(i) for i in m.graph.initializer}
adj = next(a for a in inits.values() if a.dtype == bool)
m.graph.initializer.append(nh.from_array(np.where(adj, 0, fill).astype(np.float32), 'additive_mask'))
for k, n in enumerate(m.graph.node):
    if n.op_type == 'Where':
        add = oh.make_node('Add', [n.input[1], 'additive_mask'], [n.output[0]], name=n.name.replace('Where', 'MaskAdd'))
        m.graph.node.remove(n); m.graph.node.insert(k, add)
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
