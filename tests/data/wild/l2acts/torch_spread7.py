"""torch's PTQ of make_unseen7's factinc and ghostnet (unseen7_ptq.py's recipe) calibrated on the zoo set and on other sets of 300
images (/tmp/speed/calib/kN-images-idx3-ubyte.gz), as silu/torch_spread.py does for effnet:
    /usr/bin/python3 torch_spread7.py MODEL ZOO_SET K0 K1 ..."""
import os, sys, copy
import torch
W = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'); sys.path.insert(0, W)
import make_unseen7 as U
from make_wild import data, train, T, read_idx
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
torch.set_num_threads(1); d = data()
tx, ty = T(d[2]), d[3]
def acc(m):
    with torch.no_grad(): o = torch.cat([m(tx[i:i+500]) for i in range(0, len(tx), 500)])
    return float((o.argmax(1).numpy() == ty).mean())
name = sys.argv[1]
torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls(); train(m, d, steps=500); m.eval()
print(name, 'fp32', acc(m), flush=True)
for k in sys.argv[2:]:
    cal = T(read_idx(k))
    p = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
    with torch.no_grad():
        for i in range(0, len(cal), 32): p(cal[i:i+32])
    print(name, os.path.basename(k), 'torch PTQ', acc(convert_fx(p)), flush=True)
