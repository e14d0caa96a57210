#!/usr/bin/python3
"""torch 1.13's FX PTQ (unseen11_ptq.py's recipe: onednn mapping, batches of 32) of one make_unseen11 model over several
calibration sets, with torch's default observers (HistogramObserver) and, with `minmax`, MinMaxObserver activations:
    WILD_OUT=/tmp/unseen11 /usr/bin/python3 tptq.py NAME SET... [minmax]
SET: calib300, or an IDX images file (ptqgap/calsets.py's /tmp/ptqgap/calib/kN-images-idx3-ubyte.gz). Prints accuracy on the
10,000 test images per set (`minmax127`: min-max activations and per-channel weights on [-127, 127], Quantrace's grid) and writes each set's per-image predictions to OUT_DIR/NAME-torch-SETTAG.preds (one class a line)."""
import os, sys, copy
import numpy as np, torch
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import make_unseen11 as U
from make_wild import data, calib300, read_idx, T
from torch.ao.quantization import get_default_qconfig_mapping, QConfig, MinMaxObserver, PerChannelMinMaxObserver, default_per_channel_weight_observer
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

torch.set_num_threads(1); d = data(); tx, ty = T(d[2]), d[3]
name = sys.argv[1]; sets = [a for a in sys.argv[2:] if a not in ("minmax", "minmax127")]
v = "minmax127" if "minmax127" in sys.argv[2:] else "minmax" if "minmax" in sys.argv[2:] else "hist"
out = os.environ.get("OUT_DIR", "/tmp/acc12/torch"); os.makedirs(out, exist_ok=True)
torch.manual_seed(0); m = U.MODELS[name][0](); m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt"))); m.eval()
def preds(q):
    with torch.no_grad(): return torch.cat([q(tx[i:i+500]) for i in range(0, len(tx), 500)]).argmax(1).numpy()
p = preds(m); print(f"{name} fp32 {(p == ty).mean():.4f}", flush=True)
for s in sets:
    cal = calib300() if s == "calib300" else T(read_idx(s)); tag = "calib300" if s == "calib300" else os.path.basename(s).split("-")[0]
    qm = get_default_qconfig_mapping("onednn")
    if v != "hist":
        w = PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric, quant_min=-127, quant_max=127) \
            if v == "minmax127" else default_per_channel_weight_observer
        qm = qm.set_global(QConfig(activation=MinMaxObserver.with_args(reduce_range=False), weight=w))
    pm = prepare_fx(copy.deepcopy(m), qm, (cal[:1],))
    with torch.no_grad():
        for i in range(0, len(cal), 32): pm(cal[i:i+32])
    p = preds(convert_fx(pm))
    np.savetxt(f"{out}/{name}-torch{v}-{tag}.preds", p, fmt="%d")
    print(f"{name} torch {v} {tag} {(p == ty).mean():.4f}", flush=True)
