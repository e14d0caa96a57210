# fill.py IN OUT FILL: the model with its Where's constant fill (gat's -9e15, a Constant node) set to FILL, to see what the
# float Softmax costs when exp of the masked entries is a normal float (-60) or not (-1e4, -9e15)
import onnx, sys, numpy as np
from onnx import numpy_helper as nh
m=onnx.load(sys.argv[1]); v=float(sys.argv[3])
fills={n.input[2] for n in m.graph.node if n.op_type=='Where'}
for n in m.graph.node:
    if n.op_type=='Constant' and n.output[0] in fills:
        n.attribute[0].t.CopyFrom(nh.from_array(np.array(v,np.float32)))
for i in m.graph.initializer:
    if i.name in fills: i.CopyFrom(nh.from_array(np.array(v,np.float32),i.name))
onnx.save(m,sys.argv[2])
