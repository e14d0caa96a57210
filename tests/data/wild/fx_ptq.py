"""torch's PTQ as the zoo's recipe and unseen8-19_ptq.py run it (FX prepare_fx/convert_fx, onednn mapping, calib300 in
batches of 32), for a round's make script U (its MODELS and OUT, each model's NAME.pt): one line per model, fp32 and torch int8
accuracy on the 10,000 test images, or why FX failed. unseen17-21_ptq.py call it; older rounds keep their own copies. A round
whose models score otherwise (make_unseen20's centernet: the first of four outputs) passes accuracy(d) -> (model -> accuracy)."""
import os, copy
import torch
from make_wild import data, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

def main(U, names, accuracy=test_accuracy):
    torch.set_num_threads(1); d = data()
    cal, acc = calib300(), accuracy(d)
    for name in names or U.MODELS:
        torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls()
        m.load_state_dict(torch.load(os.path.join(U.OUT, name + ".pt"))); m.eval()
        def score(n): torch.manual_seed(0); return f"{acc(n):.4f}"
        try:
            p = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping("onednn"), (cal[:1],))
            with torch.no_grad():
                for i in range(0, len(cal), 32): p(cal[i:i+32])
            tq = score(convert_fx(p))
        except Exception as e:
            tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
        print(f"{name}: fp32 {score(m)} torch PTQ {tq}", flush=True)
