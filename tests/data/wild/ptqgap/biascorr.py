#!/usr/bin/python3
"""biascorr.py MODULE NAME PT CONV.onnx QUANT.onnx OUT.onnx: the experiment of bias correction (Nagel et al. 2019, DFQ sec. 4.2;
OpenVINO's FastBiasCorrection): weight rounding shifts each output channel's mean by sum((Wq - W) * E[x]); subtract it from the
layer's bias. E[x] per input channel of every Conv/Linear is measured on the 300 calibration images by hooks on the float torch
model (the state dict PT the ONNX file was exported from); Wq are the quantized model's dequantized int8 weights, W the float
(converted) model's; the int32 bias codes are re-rounded with the same scale. Layers are matched by ONNX scope names."""
import os, sys, importlib
import numpy as np, torch, onnx
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from make_wild import calib300
mod, name, pt, convp, quantp, outp = sys.argv[1:7]
U = importlib.import_module(mod); torch.manual_seed(0); m = U.MODELS[name][0](); m.load_state_dict(torch.load(pt)); m.eval()
sums, counts = {}, {}
def hook(mn):
    def f(module, inp):
        x = inp[0].detach().double()
        dims = [0] + list(range(2, x.dim()))
        sums[mn] = sums.get(mn, 0) + x.sum(dims).numpy(); counts[mn] = counts.get(mn, 0) + x.numel() // x.shape[1]
    return f
for mn, mm in m.named_modules():
    if isinstance(mm, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear)): mm.register_forward_pre_hook(hook(mn))
cal = calib300()
if os.environ.get("CALIB"):  # the set the quantized model was calibrated on (calsets.py)
    from make_wild import read_idx, T
    cal = T(read_idx(os.environ["CALIB"]))
with torch.no_grad():
    for i in range(0, len(cal), 32): m(cal[i:i+32])
def scope(mn):
    parts, out, i = mn.split("."), [], 0
    while i < len(parts):
        if i + 1 < len(parts) and parts[i + 1].isdigit(): out += [parts[i], parts[i] + "." + parts[i + 1]]; i += 2
        else: out.append(parts[i]); i += 1
    return "/" + "/".join(out) + "/"
means = {scope(mn): sums[mn] / counts[mn] for mn in sums}
means.update({"/" + mn.replace(".", "/") + "/": sums[mn] / counts[mn] for mn in sums})  # a scripted module's scopes: /b/0/k3/0/Conv
cv = onnx.load(convp); q = onnx.load(quantp)
cinit = {i.name: numpy_helper.to_array(i) for i in cv.graph.initializer}
qinit = {i.name: i for i in q.graph.initializer}
prod = {o: n for n in q.graph.node for o in n.output}
cnodes = {n.name: n for n in cv.graph.node}
def arr(nm): return numpy_helper.to_array(qinit[nm])
done = 0
for n in q.graph.node:
    if n.op_type not in ("Conv", "Gemm") or len(n.input) < 3: continue
    key = next((k for k in means if n.name.startswith(k)), None)
    fn = cnodes.get(n.name)
    if key is None or fn is None: print("skip (no match)", n.name); continue
    wdq, bdq = prod.get(n.input[1]), prod.get(n.input[2])
    if wdq is None or bdq is None or wdq.op_type != "DequantizeLinear" or bdq.op_type != "DequantizeLinear": print("skip (not QDQ)", n.name); continue
    codes, ws = arr(wdq.input[0]).astype(np.float64), arr(wdq.input[1]).astype(np.float64)
    W = cinit[fn.input[1]].astype(np.float64)
    if n.op_type == "Gemm" and codes.shape != W.shape and codes.T.shape == W.shape: codes = codes.T
    if codes.shape != W.shape: print("skip (shape)", n.name, codes.shape, W.shape); continue
    axis = int(next((a.i for a in wdq.attribute if a.name == "axis"), 1))
    if n.op_type == "Gemm":  # weights [out, in] (transB) or [in, out]
        tb = next((a.i for a in fn.attribute if a.name == "transB"), 0)
        Wq = codes * (ws.reshape(-1, 1) if tb else ws.reshape(1, -1)) if ws.size > 1 else codes * ws
        dW = (Wq - W) if tb else (Wq - W).T
        ex = means[key]; delta = dW @ ex
    else:
        Wq = codes * ws.reshape((-1,) + (1,) * (codes.ndim - 1)) if ws.size > 1 else codes * ws
        dW = Wq - W; groups = int(next((a.i for a in fn.attribute if a.name == "group"), 1))
        ex = means[key]; cin_g = W.shape[1]; cout_g = W.shape[0] // groups
        delta = np.array([(dW[o].reshape(cin_g, -1).sum(1) * ex[(o // cout_g) * cin_g:(o // cout_g + 1) * cin_g]).sum() for o in range(W.shape[0])])
    bcodes, bs = arr(bdq.input[0]).astype(np.float64), arr(bdq.input[1]).astype(np.float64)
    new = np.clip(np.rint((bcodes * bs - delta) / bs), -2**31, 2**31 - 1).astype(np.int32)
    print(f"{n.name}: mean |shift| {np.abs(delta).mean():.4g}, in bias codes {np.abs(delta / bs).mean():.2f} (max {np.abs(delta / bs).max():.1f})")
    qinit[bdq.input[0]].CopyFrom(numpy_helper.from_array(new, bdq.input[0])); done += 1
print(done, "biases corrected"); onnx.save(q, outp)
