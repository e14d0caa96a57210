#!/usr/bin/python3
"""probe.py MODULE NAME [VARIANT...]: torch's FX PTQ of make_MODULE's NAME (the PTQ scripts' recipe: onednn mapping, calib300 in
batches of 32) with its activation observer swapped, to tell what of torch's advantage is its ranges and what its graph.
The trained state dict is read from $PT_DIR/NAME.pt (default /tmp/ptqgap), else trained as make_MODULE trains it and saved there.
VARIANT: hist (torch's default, HistogramObserver), minmax (MinMaxObserver, reduce_range False), hist-bias (hist with ...).
Prints fp32 and each variant's accuracy on the 10,000 test images and writes $PT_DIR/NAME-VARIANT.json: every activation
quantization point of the converted model (FX node name, scale, zero point) and each observer's min/max."""
import os, sys, copy, json, importlib
import torch
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from make_wild import data, train, calib300, test_accuracy, T, read_idx
from torch.ao.quantization import get_default_qconfig_mapping, QConfig, MinMaxObserver, HistogramObserver
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
import ptq_forwards

mod, name = sys.argv[1], sys.argv[2]; variants = sys.argv[3:] or ["hist", "minmax"]
U = importlib.import_module(mod); ptq_forwards.patch(mod, U)
D = os.environ.get("PT_DIR", "/tmp/ptqgap"); O = os.environ.get("OUT_DIR", D); os.makedirs(O, exist_ok=True)
torch.set_num_threads(1); d = data(); cal, acc = calib300(), test_accuracy(d)
CAL = os.environ.get("CALIB")  # another calibration set (IDX images, calsets.py): its name tags the outputs
if CAL:
    from make_wild import read_idx
    cal = T(read_idx(CAL)); tag = "-" + os.path.basename(CAL).split("-")[0]
else:
    tag = ""
torch.manual_seed(0); cls = U.MODELS[name][0]; m = cls()
pt = os.path.join(D, name + ".pt")
if os.path.exists(pt): m.load_state_dict(torch.load(pt))
else:
    train(m, d, steps=int(os.environ.get("STEPS", "500"))); torch.save(m.state_dict(), pt)
tx = T(d[2])
def preds(model):
    with torch.no_grad(): return torch.cat([model(tx[i:i+500]) for i in range(0, len(tx), 500)]).argmax(1).numpy()
def save_preds(model, tag):
    open(os.path.join(O, f"{name}-{tag}.preds"), "w").write("".join(str(int(c)) for c in preds(model)))
m.eval(); print(f"{name}: fp32 {acc(m):.4f}", flush=True); save_preds(m, "fp32")

import inspect, textwrap
_fwd = textwrap.dedent(inspect.getsource(HistogramObserver.forward)).replace("int(min_val)", "float(min_val)").replace("int(max_val)", "float(max_val)")
_fwd = _fwd.replace("int(combined_min)", "float(combined_min)").replace("int(combined_max)", "float(combined_max)")
_g = dict(vars(sys.modules[HistogramObserver.__module__])); exec(_fwd, _g)

class HistFix(HistogramObserver):
    """torch's HistogramObserver with its histograms binned over the range they are labelled with (torch 1.13 bins each batch
    over int(min), int(max): values beyond are dropped and the rest is stretched over [min, max])."""
    forward = _g["forward"]

class ExactL2(HistogramObserver):
    """torch's L2 search (_non_linear_param_search) over the exact histogram: pass 1 the min and max of all batches, pass 2
    one histogram of all values over [min, max]."""
    second_pass = False
    def forward(self, x_orig):
        x = x_orig.detach().float()
        if not ExactL2.second_pass:
            lo, hi = torch.aminmax(x)
            self.min_val.copy_(torch.minimum(self.min_val, lo)); self.max_val.copy_(torch.maximum(self.max_val, hi))
        else:
            self.histogram += torch.histc(x, self.bins, min=float(self.min_val), max=float(self.max_val))
        return x_orig

def mapping(v):
    base = get_default_qconfig_mapping("onednn")
    if v == "hist": return base
    obs = {"minmax": MinMaxObserver.with_args(reduce_range=False), "minmax127": MinMaxObserver.with_args(reduce_range=False), "histfix": HistFix.with_args(reduce_range=False),
           "l2exact": ExactL2.with_args(reduce_range=False)}[v]
    w = base.global_qconfig.weight
    if v == "minmax127":  # weights as Quantrace's and ONNX Runtime's int8 weights: [-127, 127] at absmax / 127
        from torch.ao.quantization import PerChannelMinMaxObserver
        w = PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric, quant_min=-127, quant_max=127)
    qc = QConfig(activation=obs, weight=w)
    base.set_global(qc)
    for k, c in list(base.object_type_qconfigs.items()):  # every HistogramObserver of the mapping (fixed-qparams ops keep theirs)
        if c is not None and getattr(c.activation, "p", None) is not None and c.activation.p.func is HistogramObserver:
            base.set_object_type(k, qc)
    return base

for v in variants:
    f = copy.deepcopy(m)
    p = prepare_fx(f, mapping(v), (cal[:1],))
    ExactL2.second_pass = False
    with torch.no_grad():
        for i in range(0, len(cal), 32): p(cal[i:i+32])
        if v == "l2exact":
            ExactL2.second_pass = True
            for i in range(0, len(cal), 32): p(cal[i:i+32])
    obs = {}
    for n, o in p.named_modules():
        if hasattr(o, "min_val") and o.min_val.numel() == 1:
            s, z = o.calculate_qparams()
            obs[n] = {"min": float(o.min_val), "max": float(o.max_val), "scale": float(s), "zp": int(z)}
    q = convert_fx(p)
    pts = {}
    for node in q.graph.nodes:
        if node.op == "call_function" and node.target == torch.quantize_per_tensor:
            sc, zp = node.args[1], node.args[2]
            sc = getattr(q, sc.target) if hasattr(sc, "target") else sc; zp = getattr(q, zp.target) if hasattr(zp, "target") else zp
            pts[node.name] = {"scale": float(sc), "zp": int(zp), "input": str(node.args[0])}
        if node.op == "call_module":
            sm = q.get_submodule(node.target)
            if hasattr(sm, "scale") and not callable(sm.scale):
                pts[node.name] = {"scale": float(sm.scale), "zp": int(sm.zero_point), "module": type(sm).__name__}
        if node.op == "call_function" and len(node.args) >= 3 and "quantized" in str(node.target):
            a = node.args
            try:
                sc = getattr(q, a[-2].target) if hasattr(a[-2], "target") else a[-2]; zp = getattr(q, a[-1].target) if hasattr(a[-1], "target") else a[-1]
                pts[node.name] = {"scale": float(sc), "zp": int(zp), "fn": str(node.target)}
            except Exception: pass
    a = acc(q); save_preds(q, v + tag)
    print(f"{name}: torch PTQ {v}{tag} {a:.4f}", flush=True)
    json.dump({"accuracy": a, "observers": obs, "points": pts, "graph": str(q.graph)}, open(os.path.join(O, f"{name}-{v}{tag}.json"), "w"), indent=1)
