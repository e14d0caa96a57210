"""image.py IN OUT: each SiLU product's (x*sigmoid(x)) range set to the image of its input's range in IN, via setrange.py"""
import os, onnx, sys, subprocess, numpy as np
from onnx import numpy_helper
m=onnx.load(sys.argv[1]); I={i.name:numpy_helper.to_array(i) for i in m.graph.initializer}
def rng(t):
    for n in m.graph.node:
        if n.op_type=='QuantizeLinear' and n.input[0]==t:
            s=float(I[n.input[1]]); z=int(I[n.input[2]]); return ((0-z)*s,(255-z)*s)
silu=lambda v: v/(1+np.exp(-v))
args=[]
for n in m.graph.node:
    if n.op_type=='Mul':
        a,b=[x[:-3] if x.endswith('_dq') else x for x in n.input]
        # float graph names: Mul reads X_dq and Sigmoid_output_dq
        sg=[k for k in m.graph.node if k.op_type=='Sigmoid' and k.output[0]==b]
        if sg and sg[0].input[0] in (a, a+'_dq'):
            lo,hi=rng(a); plo=silu(-1.2785) if lo< -1.2785 else silu(lo); phi=silu(hi)
            args.append(f"{n.output[0]}={plo},{phi}")
print(len(args), args[:3], file=sys.stderr)
subprocess.run(['/usr/bin/python3',os.path.join(os.path.dirname(os.path.abspath(__file__)),'setrange.py'),sys.argv[1],sys.argv[2]]+args,check=True)
