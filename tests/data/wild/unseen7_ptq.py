#!/usr/bin/python3
"""torch's PTQ (the zoo's recipe, as unseen6_ptq.py: FX prepare_fx/convert_fx, onednn mapping, calib300 in batches of 32) on
make_unseen7's models, retrained exactly as make_unseen7 trains them; accuracy on the 10,000 test images for fp32 and torch int8.
FX cannot iterate a Proxy: coatnet's `q, k, v = ...` is read by index for tracing (the same values); tcn's weight_norm is
removed first (the weight it computes, unchanged); pointnet's grid is broadcast by a product with ones instead of expand(x.size(0)).
    /usr/bin/python3 tests/data/wild/unseen7_ptq.py factinc tcn pointnet siamese coatnet ghostnet"""
import os, sys, copy
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_unseen7 as U
from make_wild import data, train, T, read_idx, calib300, test_accuracy
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

def rel_forward(s, x):
    t = s.qkv(x).reshape(-1, s.n, 3, s.h, s.dh).permute(2, 0, 3, 1, 4)
    q, k, v = t[0], t[1], t[2]
    bias = s.table[s.index.view(-1)].view(s.n, s.n, s.h).permute(2, 0, 1)
    a = torch.softmax(q @ k.transpose(-2, -1) * (s.dh ** -0.5) + bias, -1)
    return s.proj((a @ v).transpose(1, 2).reshape(-1, s.n, s.h * s.dh))

def pointnet_forward(s, x):
    f = x.flatten(2)
    pts = torch.cat([s.grid * torch.ones_like(f), f], 1)  # the grid over the batch without expand(x.size(0), ...), which FX cannot trace
    t = s.tfc(torch.max(s.tnet(pts), 2)[0]) + s.eye
    pts = torch.bmm(t.view(-1, 3, 3), pts)
    return s.head(torch.max(s.feat(pts), 2)[0])

torch.set_num_threads(1); d = data()
cal, acc = calib300(), test_accuracy(d)
for name in sys.argv[1:] or U.MODELS:
    torch.manual_seed(0); cls, _ = U.MODELS[name]; m = cls(); train(m, d, steps=500); m.eval()
    f = copy.deepcopy(m)
    for mod in f.modules():
        if hasattr(mod, "weight_g"): torch.nn.utils.remove_weight_norm(mod)
    U.RelAttention.forward = rel_forward; U.PointNet.forward = pointnet_forward
    try:
        p = prepare_fx(f, get_default_qconfig_mapping("onednn"), (cal[:1],))
        with torch.no_grad():
            for i in range(0, len(cal), 32): p(cal[i:i+32])
        q = convert_fx(p); tq = f"{acc(q):.4f}"
    except Exception as e:
        tq = f"failed ({type(e).__name__}: {str(e)[:200]})"
    print(f"{name}: fp32 {acc(m):.4f} torch PTQ {tq}", flush=True)
