#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-14_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen15's models, read from make_unseen15's NAME.pt; accuracy on the 10,000 test images for fp32 and torch
int8. tied's F.linear on a bare Parameter fails FX's weight lookup (KeyError 'w'): traced as v @ W^T + b, the same function.
    /usr/bin/python3 tests/data/wild/unseen15_ptq.py [NAME...]"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen15 as U
from make_wild import data, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

class TiedForFx(torch.nn.Module):  # tied with its encoder written as a MatMul by the transposed W
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, x):
        m, F = s.m, torch.nn.functional
        h = m.a(x)
        h = F.max_pool2d(F.relu(m.shared(h)), 2)
        h = F.max_pool2d(F.relu(m.shared(h)), 2)
        h = F.relu(m.shared(h)) + h
        v = torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)
        return m.fc(v + F.relu(v @ m.W.t() + m.bw) @ m.W)

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt"))); m.eval()
    try:
        p = prepare_fx(TiedForFx(copy.deepcopy(m)) if name == "tied" else copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        tq = f"{acc(convert_fx(p)):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
