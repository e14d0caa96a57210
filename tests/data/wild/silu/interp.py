"""Float activations of effnet-like ONNX graphs (Conv, Sigmoid, Mul, Add, GlobalAveragePool, Flatten, Gemm, Relu) in torch."""
import onnx, numpy as np, torch, gzip, torch.nn.functional as F
from onnx import numpy_helper, helper
def idx(p):
    d=gzip.open(p).read(); n=int.from_bytes(d[4:8],'big'); return np.frombuffer(d[16:],np.uint8).reshape(n,1,28,28)
def run(path, x, keep=None):
    m=onnx.load(path); env={i.name:torch.tensor(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    env[m.graph.input[0].name]=x
    for n in m.graph.node:
        a={at.name:helper.get_attribute_value(at) for at in n.attribute}; i=[env[k] if k else None for k in n.input]; o=n.op_type
        if o=='Conv':
            p=a.get('pads',[0,0,0,0]); r=F.conv2d(i[0],i[1],i[2] if len(i)>2 else None,stride=a.get('strides',[1,1]),padding=(p[0],p[1]),groups=a.get('group',1))
        elif o=='Sigmoid': r=torch.sigmoid(i[0])
        elif o=='Mul': r=i[0]*i[1]
        elif o=='Add': r=i[0]+i[1]
        elif o=='Relu': r=torch.relu(i[0])
        elif o=='GlobalAveragePool': r=i[0].mean((2,3),keepdim=True)
        elif o=='Flatten': r=i[0].flatten(1)
        elif o=='Gemm': r=i[0]@(i[1].T if a.get('transB',0) else i[1])+i[2]
        else: raise Exception(o)
        env[n.output[0]]=r
    return env

def runq(path, x):
    """QDQ model simulated in float (round half to even as ONNX's QuantizeLinear)."""
    m=onnx.load(path); env={i.name:torch.tensor(numpy_helper.to_array(i).astype(np.float64) if numpy_helper.to_array(i).dtype!=np.int64 else numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    dtypes={i.name:numpy_helper.to_array(i).dtype for i in m.graph.initializer}
    env[m.graph.input[0].name]=x.double()
    for n in m.graph.node:
        a={at.name:helper.get_attribute_value(at) for at in n.attribute}; i=[env[k] if k else None for k in n.input]; o=n.op_type
        if o in('QuantizeLinear','DequantizeLinear'):
            s=i[1]; z=i[2] if len(i)>2 and i[2] is not None else torch.tensor(0.)
            dt=dtypes.get(n.input[2]) if len(n.input)>2 else None
            ax=a.get('axis',1)
            if s.dim()==1 and s.numel()>1:
                shp=[1]*i[0].dim(); shp[ax]=-1; s=s.reshape(shp); z=z.reshape(shp)
            if o=='QuantizeLinear':
                lo,hi=(0,255) if dt==np.uint8 else (-128,127)
                r=torch.clamp(torch.round(i[0]/s)+z,lo,hi)
            else: r=(i[0]-z)*s
        elif o=='Conv':
            p=a.get('pads',[0,0,0,0]); r=F.conv2d(i[0],i[1],i[2] if len(i)>2 else None,stride=a.get('strides',[1,1]),padding=(p[0],p[1]),groups=a.get('group',1))
        elif o=='Sigmoid': r=torch.sigmoid(i[0])
        elif o=='Mul': r=i[0]*i[1]
        elif o=='Add': r=i[0]+i[1]
        elif o=='Relu': r=torch.relu(i[0])
        elif o=='GlobalAveragePool': r=i[0].mean((2,3),keepdim=True)
        elif o=='Flatten': r=i[0].flatten(1)
        elif o=='Gemm': r=i[0]@(i[1].T if a.get('transB',0) else i[1])+i[2]
        else: raise Exception(o)
        env[n.output[0]]=r
    return env
