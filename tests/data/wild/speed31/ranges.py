# ranges.py: the unmasked scores (LeakyRelu outputs) of gat.pt over the first 64 calibration images: their range, and what
# the 40 masked entries per row would weigh in the Softmax if clamped to the range's minimum (a QLinearSoftmax form)
import sys, gzip, numpy as np, torch, torch.nn.functional as F
sys.path.insert(0,'/work/wt/speed31/tests/data/wild')
import make_unseen27 as U
m=U.GAT(); sd=torch.load('ref/gat.pt', map_location='cpu'); m.load_state_dict(sd if isinstance(sd,dict) else sd.state_dict()); m.eval()
x=torch.tensor(np.frombuffer(gzip.open('/work/wt/speed31/tests/data/zoo/data/calib300-images-idx3-ubyte.gz').read()[16:],np.uint8).reshape(-1,1,28,28)[:300].astype(np.float32)/255)
cap={}
def hook(layer,k):
    def f(mod, inp, out):
        pass
    return f
orig=F.leaky_relu; seen=[]
def lr(t, s): o=orig(t,s); seen.append(o.detach()); return o
U.F.leaky_relu=lr
with torch.no_grad(): m(x)
a=U.grid_adjacency()
for k,v in enumerate(seen):
    lo=v.min().item(); hi=v.max().item()
    rowmax=torch.where(a, v, torch.tensor(-1e30)).amax(-1)
    w=40*torch.exp(lo-rowmax)
    print('layer',k+1, tuple(v.shape), 'range',round(lo,3),round(hi,3),'rowmax-lo min',(rowmax-lo).min().item(),'median',(rowmax-lo).median().item(),'masked weight max',w.max().item(),'median',w.median().item())
