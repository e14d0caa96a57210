#!/usr/bin/python3
"""A measured form, not a quantizer (branch accuracy27, README's accuracy27 section): round 27's hyena quantized by Quantrace
fiq-int8 with `--exclude` of what follows its long Convs (/bN/Add, /bN/Mul_3, /bN/Transpose_1, /bN/out/MatMul, /bN/out/Add,
/b2/Mul_2: "heavy float but the long Convs"), its two long Convs '/b1/Conv', '/b2/Conv' with their filter channels equalized:
channel c's weight scale times f_c = (the widest channel's largest magnitude) / (channel c's), the int8 codes unchanged (exact),
so each channel's kept output spans about the widest one's range; the Conv's output QuantizeLinear and the DequantizeLinear
after its Slice take that range, and a float Mul by 1/f_c after that DequantizeLinear gives the float ops after it the Conv's
values again. Per-channel ranges: the float model's 196 kept outputs over calib300 (hyena_tails_sim.py's calibration).
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/equalize_form.py FIQ_INT8.onnx OUT.onnx   (DIR holds hyena.pt)"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch
from onnx import helper as h, numpy_helper as nh
import hyena_tails_sim as H
from make_wild import calib300, OUT
src, dst = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
tm = H.Hyena(); tm.load_state_dict(torch.load(os.path.join(OUT, 'hyena.pt'))); tm.eval()
stats, values = H.calibrate(tm, calib300(), slice_aware=True)
m = onnx.load(src); g = m.graph; init = {t.name: t for t in g.initializer}
cons = {}
for n in g.node:
    for i in n.input: cons.setdefault(i, []).append(n)
nodes = list(g.node)
for b in ('b1', 'b2'):
    v = torch.cat(values[b + '.conv']).transpose(0, 1).reshape(32, -1).double().numpy()
    lo, hi = np.minimum(v.min(1), 0), np.maximum(v.max(1), 0)
    mag = np.maximum(-lo, hi); f = mag.max() / mag                  # f_c >= 1: every channel as wide as the widest
    L, Hh = (lo * f).min(), (hi * f).max(); scale = (Hh - L) / 255; zp = int(round(-L / scale))
    conv = [n for n in nodes if n.name == '/%s/Conv' % b][0]
    dqw = [n for n in nodes if n.output[0] == conv.input[1]][0]
    ws = init[dqw.input[1]]; ws.CopyFrom(nh.from_array((nh.to_array(ws).astype(np.float64) * f).astype(np.float32), ws.name))
    q = cons[conv.output[0]][0]; sl = cons[q.output[0]][0]; dq = cons[sl.output[0]][0]
    sname, zname = '/%s/eq_scale' % b, '/%s/eq_zp' % b
    g.initializer.extend([nh.from_array(np.array(scale, np.float32), sname), nh.from_array(np.array(zp, np.uint8), zname),
                          nh.from_array((1 / f).astype(np.float32).reshape(1, -1, 1), '/%s/eq_undo' % b)])
    q.input[1], q.input[2], dq.input[1], dq.input[2] = sname, zname, sname, zname
    out = dq.output[0] + '_eq'
    for c in cons[dq.output[0]]:
        for i, x in enumerate(c.input):
            if x == dq.output[0]: c.input[i] = out
    nodes.insert(nodes.index(dq) + 1, h.make_node('Mul', [dq.output[0], '/%s/eq_undo' % b], [out], name='/%s/eq_undo' % b))
    print(b, 'f from %.3g to %.3g; range [%.4g, %.4g] (was %s)' % (f.min(), f.max(), L, Hh, (lo.min(), hi.max())))
del g.node[:]; g.node.extend(nodes)
onnx.checker.check_model(m); onnx.save(m, dst); print('wrote', dst)
