"""setrange.py BASE OUT TENSOR=LO,HI ...: BASE with TENSOR's uint8 activation qparams over [LO, HI] (biases of readers re-quantized)."""
import onnx, sys, numpy as np
from onnx import numpy_helper, helper
base=onnx.load(sys.argv[1]); out=sys.argv[2]
I={i.name:i for i in base.graph.initializer}
def put(name, arr):
    t=numpy_helper.from_array(arr, name)
    if name in I: I[name].CopyFrom(t)
    else: base.graph.initializer.append(t); I[name]=base.graph.initializer[-1]
def get(name): return numpy_helper.to_array(I[name])
dq_of={n.output[0]:n for n in base.graph.node if n.op_type=='DequantizeLinear'}
for arg in sys.argv[3:]:
    t,r=arg.split('='); lo,hi=map(float,r.split(',')); lo=min(lo,0); hi=max(hi,0)
    s=np.float32((hi-lo)/255); z=np.uint8(round(-lo/s)); zn=f'zp_{t}_set'
    old=float(get(t+'_scale'))
    put(t+'_scale', np.array(s,dtype=np.float32)); put(zn, np.array(z,dtype=np.uint8))
    for n in base.graph.node:
        if n.op_type in('QuantizeLinear','DequantizeLinear') and n.input[1]==t+'_scale': n.input[2]=zn
    for n in base.graph.node:
        if n.op_type in ('Conv','Gemm') and len(n.input)>2 and n.input[0]==t+'_dq':
            b=dq_of[n.input[2]]; bq=get(b.input[0]); bs=get(b.input[1])
            f=bq.astype(np.float64)*bs; ns=(bs/old*s).astype(np.float32)
            put(b.input[1], ns); put(b.input[0], np.round(f/ns).astype(np.int32))
onnx.save(base,out)
