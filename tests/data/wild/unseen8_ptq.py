#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen7_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of 32) on
make_unseen8's models, read from make_unseen8's NAME.pt (or retrained exactly as it trains them); accuracy on the 10,000 test images for fp32 and torch int8.
FX cannot iterate a Proxy nor branch on one: gatedmix's three-way split is read by index, shufflev1's shuffle is read with unflatten/flatten (the same values), repvgg_script's
forward is traced without its `if x.size(-1) != 28` (never taken at 28x28); crnn's GRU is left float (no static quantized GRU).
    /usr/bin/python3 tests/data/wild/unseen8_ptq.py mbv3h crnn shufflev1 convnext gatedmix repvgg_script"""
import os, sys, copy
import torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen8 as U
from make_wild import data, train, T, read_idx, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

def unit_forward(s, x):
    y = s.g1(x)
    y = s.g2(s.dw(y.unflatten(1, (s.g, -1)).transpose(1, 2).flatten(1, 2)))
    if s.stride == 2: return F.relu(torch.cat([F.avg_pool2d(x, 3, 2, 1), y], 1))
    return F.relu(x + y)

def gated_forward(s, x):
    t = torch.split(s.conv(x), [s.c // 2, s.c // 2, s.c], 1)
    a, b, m = t[0], t[1], t[2]
    lk = torch.where(a > 0, a, 0.2 * a)
    y = torch.cat([lk, torch.minimum(b, lk)], 1) + m
    return x + s.proj(s.norm(y))

def repvgg_forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(x), 1), 1))

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    saved = os.path.join(U.OUT, name + ".pt")  # make_unseen8.py's trained weights, else trained again the same way
    if os.path.exists(saved): m.load_state_dict(torch.load(saved))
    else: train(m, d, steps=500)
    m.eval()
    f = copy.deepcopy(m)
    U.ShuffleV1Unit.forward = unit_forward; U.RepVGG.forward = repvgg_forward; U.GatedBlock.forward = gated_forward
    try:
        mapping = get_default_qconfig_mapping("onednn").set_object_type(torch.nn.GRU, None)  # static FX has no quantized GRU: left float
        p = prepare_fx(f, mapping, (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        q = convert_fx(p); tq = f"{acc(q):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
