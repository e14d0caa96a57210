#!/usr/bin/python3
# fill.py IN OUT VALUE: IN with every scalar float constant -10000 (bert2in's mask factor, (1 - mask) * -10000) set to VALUE:
# "min" for float32's lowest, as newer Hugging Face exports write torch.finfo(float32).min, or e.g. -60 (exp normal: no denormals).
# tests/data/wild/README.md, masks33.
import sys, numpy as np, onnx
from onnx import numpy_helper as nh
m = onnx.load(sys.argv[1]); v = np.finfo(np.float32).min if sys.argv[3] == "min" else float(sys.argv[3])
for n in m.graph.node:
    if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
        a = nh.to_array(n.attribute[0].t)
        if a.dtype == np.float32 and a.size == 1 and float(a.ravel()[0]) == -10000.0:
            n.attribute[0].t.CopyFrom(nh.from_array(np.array(v, np.float32).reshape(a.shape), n.attribute[0].t.name))
onnx.save(m, sys.argv[2])
