#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8/9/10_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen11's models, read from make_unseen11's NAME.pt (or retrained exactly as it trains them); accuracy on the
10,000 test images for fp32 and torch int8. kerasnhwc's and paddle10's torch models are the ones whose weights make_unseen11
wrote into the hand-made NHWC graph and the Paddle2ONNX-style graph.
    /usr/bin/python3 tests/data/wild/unseen11_ptq.py [NAME...]"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen11 as U
from make_wild import data, train, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    saved = os.path.join(U.OUT, name + ".pt")  # make_unseen11.py's trained weights, else trained again the same way
    if os.path.exists(saved): m.load_state_dict(torch.load(saved))
    else: train(m, d, steps=U.STEPS11)
    m.eval()
    f = copy.deepcopy(m)
    try:
        p = prepare_fx(f, get_default_qconfig_mapping("onednn"), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        q = convert_fx(p); tq = f"{acc(q):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
