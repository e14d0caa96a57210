#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of 32) on make_unseen6's models,
retrained exactly as make_unseen6 trains them; accuracy on the 10,000 test images for fp32 and torch int8.
    /usr/bin/python3 tests/data/wild/unseen6_ptq.py effnet densenet mixer"""
import os, sys, copy, gzip
import numpy as np, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen6 as U
from make_wild import data, train, T, read_idx, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:]:
    torch.manual_seed(0); cls, opset = U.MODELS[name]; m = cls(); train(m, d, steps=500); m.eval()
    p = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
    with torch.no_grad():
        for i in range(0, len(cal), 32): p(cal[i:i+32])
    q = convert_fx(p)
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {acc(q):.4f}", flush=True)
