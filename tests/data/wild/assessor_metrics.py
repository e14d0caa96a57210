# usage: /usr/bin/python3 assessor_metrics.py RUN_FOLDER N  (a run of round 12's dae: models/m/{unquantized,drq,fiq_int8,fiq_uint8}.onnx)
# dae's evaluation re-derived with torch ops (no ONNX Runtime, no Quantrace): mse, psnr (range 1), ssim (skimage) of each
# model's outputs against the original's, on the first N t10k images scaled 1/255.
import os, sys, gzip, numpy as np, onnx, torch, torch.nn.functional as F
from onnx import numpy_helper as nh
from skimage.metrics import structural_similarity
N=int(sys.argv[2]); d=sys.argv[1]
raw=gzip.open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fashion-mnist', 't10k-images-idx3-ubyte.gz')).read()
x=np.frombuffer(raw,np.uint8,offset=16).reshape(-1,1,28,28)[:N].astype(np.float32)/255
def attrs(n): return {a.name:onnx.helper.get_attribute_value(a) for a in n.attribute}
def run(path,x):
    m=onnx.load(path); g=m.graph; env={i.name:nh.to_array(i) for i in g.initializer}
    inp=g.input[0]; et=inp.type.tensor_type.elem_type
    if et in (2,3):  # integer input: q = r/S + Z of the DequantizeLinear that reads it
        dq=[n for n in g.node if n.op_type=='DequantizeLinear' and n.input[0]==inp.name][0]
        s=env[dq.input[1]]; z=env[dq.input[2]]; lo,hi=(-128,127) if et==3 else (0,255)
        x=np.clip(np.rint(x/s)+z,lo,hi).astype(np.int8 if et==3 else np.uint8)
    env[inp.name]=x
    for n in g.node:
        a=attrs(n); i=[env[k] if k else None for k in n.input]
        t=lambda v: torch.from_numpy(np.ascontiguousarray(v,dtype=np.float32))
        if n.op_type=='Conv':
            p=a.get('pads',[0]*4); o=F.conv2d(F.pad(t(i[0]),(p[1],p[3],p[0],p[2])),t(i[1]),None if len(i)<3 else t(i[2]),stride=a.get('strides',[1,1]),dilation=a.get('dilations',[1,1]),groups=a.get('group',1)).numpy()
        elif n.op_type=='ConvTranspose':
            p=a.get('pads',[0]*4); op=a.get('output_padding',[0,0]); assert p[0]==p[2] and p[1]==p[3]
            o=F.conv_transpose2d(t(i[0]),t(i[1]),None if len(i)<3 else t(i[2]),stride=a.get('strides',[1,1]),padding=(p[0],p[1]),output_padding=tuple(op),groups=a.get('group',1)).numpy()
        elif n.op_type=='Cast': assert a['to']==1; o=i[0].astype(np.float32)
        elif n.op_type=='Mul': o=(i[0]*i[1]).astype(np.float32)
        elif n.op_type=='Relu': o=np.maximum(i[0],0)
        elif n.op_type=='Sigmoid': o=(1/(1+np.exp(-i[0].astype(np.float64)))).astype(np.float32)
        elif n.op_type=='Transpose': o=np.transpose(i[0],a['perm'])
        elif n.op_type=='Reshape':
            sh=[i[0].shape[k] if v==0 else v for k,v in enumerate(i[1])]; o=i[0].reshape(sh)
        elif n.op_type in('QuantizeLinear','DequantizeLinear'):
            s=i[1]; z=i[2] if len(i)>2 and i[2] is not None else np.zeros_like(s,dtype=np.int8)
            ax=a.get('axis',1)
            if s.ndim==1: shp=[1]*i[0].ndim; shp[ax]=-1; s=s.reshape(shp); z=z.reshape(shp)
            if n.op_type=='QuantizeLinear':
                info=np.iinfo(z.dtype); o=np.clip(np.rint(i[0].astype(np.float32)/s)+z.astype(np.float32),info.min,info.max).astype(z.dtype)
            else: o=((i[0].astype(np.int64)-z.astype(np.int64)).astype(np.float32)*s).astype(np.float32)
        else: raise SystemExit('op '+n.op_type)
        env[n.output[0]]=o
    y=env[g.output[0].name]
    ot=g.output[0].type.tensor_type.elem_type
    if ot in (2,3):
        q=[n for n in g.node if n.op_type=='QuantizeLinear' and n.output[0]==g.output[0].name][0]
        y=(y.astype(np.float32)-env[q.input[2]].astype(np.float32))*env[q.input[1]]
    return y.astype(np.float64)
ref=run(d+'/models/m/unquantized.onnx',x)
for v in ['drq','fiq_int8','fiq_uint8']:
    y=run(d+f'/models/m/{v}.onnx',x)
    per=((y-ref)**2).reshape(N,-1).mean(1); mse=per.mean()
    ss=np.mean([structural_similarity(ref[k,0],y[k,0],data_range=1,gaussian_weights=True,sigma=1.5,use_sample_covariance=False) for k in range(N)])
    print(v,'mse %.4e psnr %.4f ssim %.4f'%(mse,10*np.log10(1/mse),ss))
