"""merge.py BASE OTHER OUT PATTERN...: BASE with the activation qparams of tensors matching any regex PATTERN taken from OTHER
(scale, zero point, and the int32 biases of Convs/Gemms reading them)."""
import onnx, sys, re
from onnx import numpy_helper
base=onnx.load(sys.argv[1]); other=onnx.load(sys.argv[2]); out=sys.argv[3]; pats=[re.compile(p) for p in sys.argv[4:]]
binit={i.name:i for i in base.graph.initializer}; oinit={i.name:i for i in other.graph.initializer}
ozp={}  # tensor -> zp name in other
for n in other.graph.node:
    if n.op_type=='QuantizeLinear' and n.input[1].endswith('_scale') and n.input[1]==n.input[0]+'_scale':
        ozp[n.input[0]]=n.input[2]
chosen=set(t for t in ozp if any(p.search(t) for p in pats))
print(len(chosen),'tensors', file=sys.stderr)
def setinit(name):
    new=oinit[name]
    if name in binit: binit[name].CopyFrom(new)
    else: base.graph.initializer.append(new); binit[name]=base.graph.initializer[-1]
for t in chosen: setinit(t+'_scale')
for n in base.graph.node:
    if n.op_type in('QuantizeLinear','DequantizeLinear'):
        x=n.input[0]
        t = x if n.op_type=='QuantizeLinear' else (x[:-2] if x.endswith('_q') else None)
        if t in chosen and n.input[1]==t+'_scale':
            setinit(ozp[t]); n.input[2]=ozp[t]
dq_of={}
for n in base.graph.node:
    if n.op_type=='DequantizeLinear': dq_of[n.output[0]]=n
for n in base.graph.node:
    if n.op_type in ('Conv','Gemm') and len(n.input)>2:
        src=dq_of.get(n.input[0])
        if src is not None and src.input[0][:-2] in chosen:
            b=dq_of[n.input[2]]
            for nm in b.input[:2]: setinit(nm)
onnx.save(base,out)
