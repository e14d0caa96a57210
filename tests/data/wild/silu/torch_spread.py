"""torch's PTQ of effnet (unseen6_ptq.py's recipe) calibrated on other sets of 300 images: /tmp/speed/calib/kN-images-idx3-ubyte.gz"""
import os, sys, copy, gzip
import numpy as np, torch
W=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'); sys.path.insert(0, W)
import make_unseen6 as U
from make_wild import data, train, T, read_idx
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
torch.set_num_threads(1); d = data()
tx, ty = T(d[2]), d[3]
def acc(m):
    with torch.no_grad(): o = torch.cat([m(tx[i:i+500]) for i in range(0, len(tx), 500)])
    return float((o.argmax(1).numpy() == ty).mean())
torch.manual_seed(0); cls, opset = U.MODELS['effnet']; m = cls(); train(m, d, steps=500); m.eval()
print('fp32', acc(m), flush=True)
for k in sys.argv[1:]:
    cal = T(read_idx(k))
    p = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
    with torch.no_grad():
        for i in range(0, len(cal), 32): p(cal[i:i+32])
    q = convert_fx(p)
    print(os.path.basename(k), 'torch PTQ', acc(q), flush=True)
