import onnx, numpy as np
from onnx import numpy_helper as nh, shape_inference
m=shape_inference.infer_shapes(onnx.load('/tmp/acc11/d/conv.onnx')); g=m.graph; init={i.name:nh.to_array(i) for i in g.initializer}
sh={v.name:[d.dim_value for d in v.type.tensor_type.shape.dim] for v in g.value_info}
prod={o:n for n in g.node for o in n.output}
def leaves(t):
    n=prod.get(t)
    if n is not None and n.op_type=='Concat': return [l for i in n.input for l in leaves(i)]
    return [t]
for n in g.node:
    if n.op_type=='Mul' and n.input[1] in init and prod.get(n.input[0]) is not None and prod[n.input[0]].op_type=='Concat':
        a=np.abs(init[n.input[1]].reshape(-1)); c0=0; parts=[]
        for l in leaves(n.input[0]):
            c=sh[l][1]; s=a[c0:c0+c]; parts.append('%s[%d] %.2f..%.2f'%(l.split('/')[2],c,s.min(),s.max())); c0+=c
        print(n.name.split('/')[2], 'spread %.1f'%(a.max()/a.min()), ' | '.join(parts))
