#!/usr/bin/python3
"""torch's own PTQ on make_unseen25's models, read from make_unseen25's NAME.pt in $WILD_OUT: unseen23_ptq.py's procedure
(FX prepare_fx/convert_fx on calib300 in batches of 32, onednn's default qconfig mapping and MinMax activations with
per-channel weights), accuracy on the first 2,000 and all 10,000 test images; where FX cannot trace the model (llama's
`n, t, d = x.shape`), torch's eager dynamic quantization of the nn.Linear layers (quantize_dynamic, qint8: the counterpart of
Quantrace's drq) instead.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen25_ptq.py [NAME...]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
import make_unseen25 as U
from make_wild import data, calib300
from unseen23_ptq import MAPPINGS, accuracies, ptq

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); cal = calib300()
    for name in sys.argv[1:] or U.MODELS:
        torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
        m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt"))); m.eval()
        a2, a10 = accuracies(m, d)
        print(f"{name}: fp32 {a2:.4f} (2,000) {a10:.4f} (10,000)", flush=True)
        dynamic = None
        for label, mapping in MAPPINGS.items():
            try:
                torch.manual_seed(0); q2, q10 = accuracies(ptq(m, mapping(), "onednn", cal), d)
                print(f"  torch PTQ {label}: {q2:.4f} (2,000, {100 * (q2 - a2):+.2f} pt) {q10:.4f} (10,000, {100 * (q10 - a10):+.2f} pt)", flush=True)
            except Exception as e:
                print(f"  torch PTQ {label}: failed ({type(e).__name__}: {str(e)[:120]})", flush=True)
                dynamic = dynamic or torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
        if dynamic:
            q2, q10 = accuracies(dynamic, d)
            print(f"  torch dynamic (Linear, qint8): {q2:.4f} (2,000, {100 * (q2 - a2):+.2f} pt) {q10:.4f} (10,000, {100 * (q10 - a10):+.2f} pt)", flush=True)
