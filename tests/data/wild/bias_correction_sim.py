#!/usr/bin/python3
"""What empirical bias correction would gain on a Quantrace QDQ model (branch accuracy26, issue 13's 0.5 pt target).
A measurement, not a quantizer: runs the QDQ model by ONNX's definitions in torch (QuantizeLinear rounds half to even and
clamps, DequantizeLinear scales; Conv, Gemm, Add, Relu, Clip, Slice, Concat, GlobalAveragePool, Flatten, Transpose; the ops
that move codes read the codes), which reproduces ONNX Runtime's accuracy on shift (fiq-float32 0.6680 both), and the
converted float model the same way as the reference. With BC=1 it first corrects each Conv's and Gemm's bias in the file's
order by the per-channel mean of (quantized output - float output) over the calibration images, the layers before it
already corrected (sequential empirical bias correction: Nagel et al. 2019, "Data-Free Quantization", section 4.2, with data).
    /usr/bin/python3 tests/data/wild/bias_correction_sim.py QDQ.onnx FLOAT.onnx [N]   (BC=1 to correct)
QDQ.onnx: `quantrace quantize ... --scheme fiq-float32` (float outputs); FLOAT.onnx: `quantrace convert` of the same model.
Prints the accuracy on the first N (default 2,000) Fashion-MNIST test images, the logits' SQNR against the float model and how
many top-1 predictions differ from it."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn.functional as F
from onnx import numpy_helper as nh
from make_wild import data, calib300, T

def attr(n, k, d=None):
    for a in n.attribute:
        if a.name == k: return onnx.helper.get_attribute_value(a)
    return d

MOVES_CODES = ('Slice', 'Concat', 'Transpose', 'Flatten', 'Relu')

class Codes:
    """A QuantizeLinear's output: the codes as floats, which the ops that move codes pass on unchanged."""
    def __init__(s, q): s.q = q

def per_axis(t, s, axis):
    if s.numel() == 1: return s
    shape = [1] * t.dim(); shape[axis] = -1; return s.view(shape)

def node_value(n, i):
    o = n.op_type
    if o == 'QuantizeLinear':
        z = i[2]; lo, hi = {torch.uint8: (0, 255), torch.int8: (-128, 127)}.get(z.dtype, (-32768, 32767))
        ax = attr(n, 'axis', 1)
        return Codes((torch.round(i[0] / per_axis(i[0], i[1].float(), ax)) + per_axis(i[0], z.float(), ax)).clamp(lo, hi))
    if o == 'DequantizeLinear':
        q = i[0].q if isinstance(i[0], Codes) else i[0].float(); ax = attr(n, 'axis', 1)
        z = i[2].float() if len(i) > 2 and i[2] is not None else torch.zeros(())
        return (q - per_axis(q, z, ax)) * per_axis(q, i[1].float(), ax)
    codes = o in MOVES_CODES and isinstance(i[0], Codes)
    a = [x.q if isinstance(x, Codes) else x for x in i]
    if o == 'Conv':
        r = F.conv2d(a[0], a[1], a[2], attr(n, 'strides', [1, 1]), attr(n, 'pads', [0, 0, 0, 0])[:2], attr(n, 'dilations', [1, 1]), attr(n, 'group', 1))
    elif o == 'Gemm': r = F.linear(a[0], a[1] if attr(n, 'transB', 0) else a[1].t(), a[2])
    elif o == 'Relu': r = F.relu(a[0])
    elif o == 'Clip': r = a[0].clamp(float(a[1]) if len(a) > 1 and a[1] is not None else attr(n, 'min', -3.4e38),
                                     float(a[2]) if len(a) > 2 and a[2] is not None else attr(n, 'max', 3.4e38))
    elif o == 'Add': r = a[0] + a[1]
    elif o == 'Concat': r = torch.cat(a, attr(n, 'axis'))
    elif o == 'Slice':
        r = a[0]; steps = a[4].tolist() if len(a) > 4 and a[4] is not None else [1] * len(a[1])
        for b, e, ax, st in zip(a[1].tolist(), a[2].tolist(), a[3].tolist(), steps):
            idx = [slice(None)] * r.dim(); idx[ax] = slice(b, e if abs(e) < 2**62 else None, st); r = r[tuple(idx)]
    elif o == 'GlobalAveragePool': r = a[0].mean((2, 3), keepdim=True)
    elif o == 'Flatten': r = a[0].flatten(attr(n, 'axis', 1))
    elif o == 'Transpose': r = a[0].permute(*attr(n, 'perm'))
    else: raise SystemExit(f"{o} ({n.name}): not an op this measurement runs")
    return Codes(r) if codes else r

class Model:
    def __init__(s, path):
        s.g = onnx.load(path).graph
        s.init = {t.name: torch.from_numpy(nh.to_array(t).copy()) for t in s.g.initializer}
        s.layers = [n.name for n in s.g.node if n.op_type in ('Conv', 'Gemm')]

    def run(s, x, delta=None, means=None):
        """The output for x; each Conv/Gemm output less delta[name] per channel; means[name]: its per-channel mean."""
        v = dict(s.init); v[s.g.input[0].name] = x
        for n in s.g.node:
            r = node_value(n, [v[t] if t else None for t in n.input])
            if n.op_type in ('Conv', 'Gemm'):
                if delta and n.name in delta: r = r - delta[n.name].view([1, -1] + [1] * (r.dim() - 2))
                if means is not None: means[n.name] = r.transpose(0, 1).flatten(1).mean(1)
            v[n.output[0]] = r
        out = v[s.g.output[0].name]
        return out.q if isinstance(out, Codes) else out

def corrections(qm, fm, cal):
    """Sequential empirical bias correction over the calibration images."""
    ref, delta = {}, {}
    with torch.no_grad():
        fm.run(cal, means=ref)
        for name in qm.layers:
            got = {}; qm.run(cal, delta, got); delta[name] = got[name] - ref[name]
    return delta

if __name__ == "__main__":
    torch.set_num_threads(1)
    qm, fm = Model(sys.argv[1]), Model(sys.argv[2]); n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    delta = corrections(qm, fm, calib300()) if os.environ.get("BC") else None
    d = data(); x, y = T(d[2][:n]), d[3][:n]
    with torch.no_grad():
        out = torch.cat([qm.run(x[k:k + 500], delta) for k in range(0, n, 500)])
        ref = torch.cat([fm.run(x[k:k + 500]) for k in range(0, n, 500)])
    e = out - ref
    print(f"{os.path.basename(sys.argv[1])}{' bias-corrected' if delta else ''}: accuracy {float((out.argmax(1).numpy() == y).mean()):.4f}"
          f" (float {float((ref.argmax(1).numpy() == y).mean()):.4f}), logits SQNR {float(10 * torch.log10((ref ** 2).mean() / (e ** 2).mean())):.2f} dB,"
          f" top-1 changed {int((out.argmax(1) != ref.argmax(1)).sum())} of {n}")
