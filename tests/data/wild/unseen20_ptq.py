#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-19_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen20's models, read from make_unseen20's NAME.pt; accuracy of the first output (class scores) on the 10,000
test images for fp32 and torch int8.
    /usr/bin/python3 tests/data/wild/unseen20_ptq.py [NAME...]"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen20 as U
from make_wild import data, calib300
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

torch.set_num_threads(1); d = data(); cal = calib300()
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt"))); m.eval()
    def score(n): torch.manual_seed(0); return f"{U.accuracy(n, d, 10000):.4f}"
    try:
        p = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        tq = score(convert_fx(p))
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {score(m)} torch PTQ {tq}", flush=True)
