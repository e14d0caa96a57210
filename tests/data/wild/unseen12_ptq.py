#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-11_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen12's models, read from make_unseen12's NAME.pt (or retrained exactly as it trains them); accuracy on the
10,000 test images for fp32 and torch int8 (fcnarg: of its logits, the ArgMax's input; dae: the mean squared error of its
output against the clean test image, and the int8 output's against the fp32 output; its ConvTransposes per tensor, FX having no
per-channel observer for them). gmlp's spatial gating unit is traced with its chunk(2) written as two slices (the same values).
    /usr/bin/python3 tests/data/wild/unseen12_ptq.py [NAME...]"""
import os, sys, copy
import torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen12 as U
from make_wild import data, train, calib300, test_accuracy, T
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

def _sgu(s, x):  # gMLP's chunk(2) without tuple unpacking, which FX cannot trace (the same two slices)
    h = x.shape[-1] // 2
    v = s.p(s.n(x[..., h:]).transpose(1, 2)).transpose(1, 2)
    return x[..., :h] * v
U.SGU.forward = _sgu

def qconfigs(name):
    q = get_default_qconfig_mapping("onednn")
    if name == "dae":  # FX has no per-channel weight observer for ConvTranspose: per tensor there, as normnet's in round 10
        q = q.set_object_type(torch.nn.ConvTranspose2d, torch.ao.quantization.get_default_qconfig("onednn").__class__(
            activation=torch.ao.quantization.get_default_qconfig("onednn").activation, weight=torch.ao.quantization.default_weight_observer))
    return q

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    saved = os.path.join(U.OUT, name + ".pt")  # make_unseen12.py's trained weights, else trained again the same way
    if os.path.exists(saved): m.load_state_dict(torch.load(saved))
    elif name == "dae": U.train_dae(m, d, U.STEPS12)
    else: train(m, d, steps=U.STEPS12)
    m.eval()
    f = copy.deepcopy(m)
    try:
        p = prepare_fx(f, qconfigs(name), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        q = convert_fx(p)
        if name == "dae":
            c = T(d[2])
            with torch.no_grad():
                yf = torch.cat([m(c[i:i+500]) for i in range(0, len(c), 500)]); yq = torch.cat([q(c[i:i+500]) for i in range(0, len(c), 500)])
            tq = f"mse {F.mse_loss(yq, c).item():.6f} (to fp32's output {F.mse_loss(yq, yf).item():.3g})"
        else: tq = f"{acc(q):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    if name == "dae":
        print(f"{name}: fp32 mse {U.dae_mse(m, d, 10000):.6f} torch PTQ {tq}", flush=True)
    else:
        print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
