#!/usr/bin/python3
"""torch's own PTQ on make_unseen23's models (branch accuracy26), read from make_unseen23's NAME.pt in $WILD_OUT: FX
prepare_fx/convert_fx on calib300 in batches of 32 (fx_ptq.py's procedure), per-channel symmetric int8 weights, with two
activation observers: onednn's default qconfig mapping (HistogramObserver, quint8, as fx_ptq.py), and
MinMaxObserver activations (quint8, per-tensor affine: Quantrace's default minmax calibration) with per-channel weights.
Accuracy on the first 2,000 test images (the figure try2.sh's `evaluate --samples 2000` prints) and on all 10,000.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/unseen23_ptq.py [NAME...]"""
import os, sys, copy
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
import make_unseen23 as U
from make_wild import data, calib300, T
from torch.ao.quantization import QConfig, QConfigMapping, get_default_qconfig_mapping
from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

def minmax_mapping():
    """uint8 asymmetric per-tensor MinMax activations, int8 symmetric per-channel MinMax weights: Quantrace's fiq-int8 defaults."""
    return QConfigMapping().set_global(QConfig(
        activation=MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
        weight=PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)))

# Debian's torch 1.13 has the onednn and qnnpack engines (no fbgemm/x86): onednn runs per-channel weights
MAPPINGS = {"onednn": lambda: get_default_qconfig_mapping("onednn"), "minmax (onednn)": minmax_mapping}

def accuracies(m, d):
    """(first 2,000, all 10,000) test accuracies, batches of 500."""
    tx, ty = T(d[2]), d[3]
    with torch.no_grad(): o = torch.cat([m(tx[i:i+500]) for i in range(0, len(tx), 500)]).argmax(1).numpy()
    return float((o[:2000] == ty[:2000]).mean()), float((o == ty).mean())

def ptq(m, mapping, engine, cal):
    torch.backends.quantized.engine = engine
    p = prepare_fx(copy.deepcopy(m), mapping, (cal[:1],))
    with torch.no_grad():
        for i in range(0, len(cal), 32): p(cal[i:i+32])
    return convert_fx(p)

def compare(models, out, names, dynamic_fallback=False):
    """Each model's fp32 and PTQ accuracies, from NAME.pt in out; with dynamic_fallback, where FX cannot trace a model, torch's
    eager dynamic quantization of its nn.Linear layers (quantize_dynamic, qint8: the counterpart of Quantrace's drq) instead."""
    torch.set_num_threads(1); d = data(); cal = calib300()
    for name in names or models:
        torch.manual_seed(0); cls, _ = models[name]; m = cls()
        m.load_state_dict(torch.load(os.path.join(out, name + ".pt"))); m.eval()
        a2, a10 = accuracies(m, d)
        print(f"{name}: fp32 {a2:.4f} (2,000) {a10:.4f} (10,000)", flush=True)
        dynamic = None
        for label, mapping in MAPPINGS.items():
            try:
                torch.manual_seed(0); q2, q10 = accuracies(ptq(m, mapping(), "onednn", cal), d)
                print(f"  torch PTQ {label}: {q2:.4f} (2,000, {100 * (q2 - a2):+.2f} pt) {q10:.4f} (10,000, {100 * (q10 - a10):+.2f} pt)", flush=True)
            except Exception as e:
                print(f"  torch PTQ {label}: failed ({type(e).__name__}: {str(e)[:200]})", flush=True)
                if dynamic_fallback and dynamic is None:
                    dynamic = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
        if dynamic is not None:
            q2, q10 = accuracies(dynamic, d)
            print(f"  torch dynamic (Linear, qint8): {q2:.4f} (2,000, {100 * (q2 - a2):+.2f} pt) {q10:.4f} (10,000, {100 * (q10 - a10):+.2f} pt)", flush=True)

if __name__ == "__main__":
    compare(U.MODELS, U.OUT, sys.argv[1:])
