#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-12_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen13's models, read from make_unseen13's NAME.pt (or retrained exactly as it trains them); accuracy of the
first output on the 10,000 test images for fp32 and torch int8 (topkaux: "logits"; capsnet: the capsule lengths). gelu20 is
the torch model before its rewrite to opset 20 (the same function), its GLU gate's chunk(2) written as two slices (FX cannot
trace the tuple unpacking). coordmod's coordinates depend on the input's shape, which FX cannot trace symbolically: they are
computed once for 28x28 and kept as a buffer, broadcast over the batch as x[:, :1] * 0 + planes (the same values).
    /usr/bin/python3 tests/data/wild/unseen13_ptq.py [NAME...]"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen13 as U
from make_wild import data, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

class FixedCoords(torch.nn.Module):  # coordmod with its 28x28 coordinate planes as a constant (FX cannot trace x.shape arithmetic)
    def __init__(s, m):
        super().__init__(); s.f, s.fc = m.f, m.fc; s.register_buffer("c", m.coords(torch.zeros(1, 1, 28, 28)))
    def forward(s, x): return s.fc(s.f(torch.cat([x, x[:, :1] * 0 + s.c], 1)).mean((2, 3)))

def _g20(s, x):  # G20Block.forward with chunk(2) as two slices (the same values)
    h = s.pw1(s.n(s.dw(x))); c = h.shape[1] // 2
    y = s.pw2(h[:, :c] * torch.nn.functional.gelu(h[:, c:]))
    y = y * torch.sigmoid(s.se2(torch.nn.functional.gelu(s.se1(y.mean((2, 3), keepdim=True)))))
    return x + y
U.G20Block.forward = _g20

torch.set_num_threads(1); d = data()
cal, acc0 = calib300(), test_accuracy(d)
acc = lambda m: acc0(lambda x: U.first(m(x)))
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    saved = os.path.join(U.OUT, name + ".pt")  # make_unseen13.py's trained weights, else trained again the same way
    if os.path.exists(saved): m.load_state_dict(torch.load(saved))
    else: U.train13(m, d, U.STEPS13)
    m.eval()
    f = FixedCoords(m) if name == "coordmod" else copy.deepcopy(m)
    try:
        p = prepare_fx(f, get_default_qconfig_mapping("onednn"), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        tq = f"{acc(convert_fx(p)):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
