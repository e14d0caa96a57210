import onnx, re, sys
from onnx import numpy_helper
m=sys.argv[1]
g=onnx.load(f's0/{m}/conv.onnx').graph
init={i.name:i for i in g.initializer}
names=re.findall(r"- Conv '([^']+)': a narrow Conv", open(f's0/{m}/q-fsk.txt').read())
out=[]
for n in g.node:
    if n.op_type=='Conv' and n.name in names:
        w=init.get(n.input[1])
        if w is not None and w.dims[1]==1: out.append(n.name)
print(','.join(out))
