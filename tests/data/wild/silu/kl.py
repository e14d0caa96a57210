import numpy as np, torch, sys
import os; D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
from collections import Counter
from scipy.stats import entropy
from interp import run, idx
def trt_amax(hist, edges, nbins, starting=128, stride=1):
    """pytorch-quantization's _compute_amax_entropy (TensorRT toolkit), vectorised loop kept equivalent"""
    bins=hist.astype(np.float64).copy(); bins[0]=bins[1]; total=bins.sum(); div=[]; args=[]
    for i in range(starting, len(bins)+1, stride):
        space=np.linspace(0,i,num=nbins+1); dig=np.digitize(range(i),space)-1; dig[bins[:i]==0]=-1
        cnt=np.zeros(nbins); np.add.at(cnt,dig[dig!=-1],bins[:i][dig!=-1])
        c=Counter(dig)
        for k,v in c.items():
            if k!=-1: cnt[k]/=v
        nd=np.zeros(i); nd[dig!=-1]=cnt[dig[dig!=-1]]
        ref=bins[:i].copy(); ref[-1]+=bins[i:].sum()
        div.append(entropy(ref,nd)); args.append(i)
    div=np.array(div); last=len(div)-1-np.argmin(div[::-1]); return edges[last*stride+starting]
x=torch.tensor(idx(''+D+'/zoo/data/calib300-images-idx3-ubyte.gz')/255.,dtype=torch.float32)
env=run('effnet.onnx',x)
for t in sys.argv[1:]:
    v=env[t].numpy().ravel().astype(np.float64)
    a=np.abs(v); h,e=np.histogram(a,bins=2048,range=(0,a.max()))
    print(t, 'min %.3f max %.3f'%(v.min(),v.max()), 'neg frac %.3f'%(v<0).mean(), 'zeros %.3f'%(v==0).mean())
    print('  TRT |x| 128 levels:', trt_amax(h,e,128))
    p=v[v>0]; h2,e2=np.histogram(p,bins=2048,range=(0,p.max()))
    print('  TRT positives only 256 levels:', trt_amax(h2,e2,256,starting=256))
