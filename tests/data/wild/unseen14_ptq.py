#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen8-13_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of
32) on make_unseen14's models, read from make_unseen14's NAME.pt; accuracy on the 10,000 test images for fp32 and torch
int8. qat is already quantization-aware trained: its "fp32" is the fake-quantized model as exported, its int8 torch's own
convert_fx of it (no calibration: the observers were frozen after training). normx runs its plain torch forms (the custom
ONNX symbolics only apply when exported); rawin is traced on its float path (FX cannot trace its dtype test): the same
function on the x/255 images. moe's topk/gather and perceiver's latent expand are traced by FX as they are.
    /usr/bin/python3 tests/data/wild/unseen14_ptq.py [NAME...]"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen14 as U
from make_wild import data, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

class FloatPath(torch.nn.Module):  # rawin without its uint8 branch, on x/255 as it is trained and tested
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, x): return s.m.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(s.m.f((x - 0.286) / 0.353), 1), 1))

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
    m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt")))
    if name == "qat": U.qat_freeze(m)
    m.eval()
    try:
        if name == "qat":
            q = convert_fx(copy.deepcopy(m))
        else:
            p = prepare_fx(FloatPath(copy.deepcopy(m)) if name == "rawin" else copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
            with torch.no_grad():
                for i in range(0, len(cal), 32): p(cal[i:i+32])
            q = convert_fx(p)
        tq = f"{acc(q):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
