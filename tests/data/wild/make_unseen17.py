#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen17, 2026-12-05 noon):
- levit: a **LeViT-style** vision transformer: a Conv+BN stem with **Hardswish** (opset 14's HardSwish) to 7x7 tokens, every
  Linear followed by a **BatchNorm1d over the flattened tokens** ([N*49, C]: a rank-2 BatchNormalization between two
  Reshapes), attention whose logits get a learned **relative-position bias gathered from a [heads, 16] table by a constant
  [49, 49] index** (Gather on a parameter), Hardswish before the attention's projection and in the MLP, a BN1d + Linear
  head; opset 14, dynamic batch
- qop: a model **already quantized in QOperator form** as ONNX Runtime's quantize_static(QuantFormat.QOperator,
  per_channel=True) writes it: QuantizeLinear of the input, **QLinearConv** (uint8 activations, per-channel symmetric int8
  weights, int32 bias, the Relu fused by the output range), MaxPool on uint8, a residual **com.microsoft QLinearAdd**,
  Flatten, **QLinearMatMul** + QLinearAdd of the uint8-coded bias, DequantizeLinear; built with onnx.helper from a trained
  torch CNN's weights and minmax ranges on the zoo's 300 calibration images (there is no onnxruntime for Python here);
  opset 13, dynamic batch. The provenance holds torch's accuracy of the same codes simulated in float (fake quantization);
  qop_fp32.onnx beside it is the float model it was made from (torch's export).
- psp: a **pyramid-pooling head** (PSPNet): a 7x7 map pooled to 1x1, 2x2, 3x3 and 6x6 (7 is no multiple of 2, 3, 6), a
  1x1 Conv+BN+ReLU per level, **bilinear Resize back to 7x7** (sizes input), **Concat** of the map and the four levels;
  torch 1.13 refuses adaptive_avg_pool2d to a size that does not divide the input, so the export swaps each level for the
  AvgPool2d of the same bins (7 -> 2: kernel 4 stride 3; 7 -> 3: 3/2; 7 -> 6: 2/1; checked equal), as users do; opset 13
- noisy: a CNN with a **Gaussian-noise layer left on at inference** (h + 0.1 randn_like(h) without a training check): torch
  exports **RandomNormalLike** into the inference graph, so the model's outputs differ from run to run; opset 13
- octave: **octave convolutions** (high- and low-frequency halves: H->H Conv, H->L AvgPool 2 + Conv, L->H Conv + nearest
  **Resize x2**, L->L Conv, the two sums), two octave layers, the low half joined by Concat after a MaxPool of the high;
  opset 13, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen17.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN17_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images (noisy: one draw of its noise)."""
import os, sys, json, time, itertools
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, SRC, test_accuracy, calib300
from make_unseen13 import train13, export13, cbr
from make_unseen14 import accuracy2000

STEPS17 = int(os.environ.get("UNSEEN17_STEPS", "200"))

# --- levit -----------------------------------------------------------------------------------------------------------
class LinBN(nn.Module):
    """LeViT's Linear_BN: a bias-free Linear, then BatchNorm1d over every token of the batch."""
    def __init__(s, a, b):
        super().__init__(); s.l = nn.Linear(a, b, bias=False); s.bn = nn.BatchNorm1d(b)
    def forward(s, x):
        x = s.l(x); return s.bn(x.flatten(0, 1)).reshape_as(x)

class LeViTAttention(nn.Module):
    def __init__(s, d=32, heads=2, kd=16, res=7):
        super().__init__(); s.h, s.kd, s.dv, s.scale = heads, kd, 2 * kd, kd ** -0.5
        s.qkv = LinBN(d, heads * (2 * kd + s.dv)); s.proj = nn.Sequential(nn.Hardswish(), LinBN(heads * s.dv, d))
        pts, offsets, idx = list(itertools.product(range(res), range(res))), {}, []
        for p1 in pts:
            for p2 in pts:
                off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1])); idx.append(offsets.setdefault(off, len(offsets)))
        s.ab = nn.Parameter(torch.zeros(heads, len(offsets)))
        s.register_buffer("idx", torch.LongTensor(idx).view(res * res, res * res))
    def forward(s, x):
        b, n, _ = x.shape
        q, k, v = s.qkv(x).view(b, n, s.h, -1).split([s.kd, s.kd, s.dv], dim=3)
        q, k, v = q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3)
        a = (q @ k.transpose(-2, -1)) * s.scale + s.ab[:, s.idx]                      # Gather from the bias table
        return s.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, s.h * s.dv))

class LeViT(nn.Module):
    def __init__(s, d=32):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.Hardswish(),
                               nn.Conv2d(16, d, 3, 2, 1), nn.BatchNorm2d(d))
        s.att = LeViTAttention(d); s.mlp = nn.Sequential(LinBN(d, 2 * d), nn.Hardswish(), LinBN(2 * d, d))
        s.hbn = nn.BatchNorm1d(d); s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.stem(x).flatten(2).transpose(1, 2)                                       # [N, 49, d]
        t = t + s.att(t); t = t + s.mlp(t)
        return s.fc(s.hbn(t.mean(1)))

# --- qop -------------------------------------------------------------------------------------------------------------
class QopNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 1, 1); s.c2 = nn.Conv2d(16, 32, 3, 1, 1); s.c3 = nn.Conv2d(32, 32, 3, 1, 1)
        s.fc = nn.Linear(32 * 49, 10)
    def parts(s, x):
        h1 = F.relu(s.c1(x)); h2 = F.relu(s.c2(F.max_pool2d(h1, 2))); h3 = F.relu(s.c3(h2)); a = h2 + h3
        f = F.max_pool2d(a, 2).flatten(1); mm = f @ s.fc.weight.t()
        return dict(input=x, h1=h1, h2=h2, h3=h3, add=a, mm=mm, logits=mm + s.fc.bias)
    def forward(s, x): return s.parts(x)["logits"]

def u8(lo, hi):
    """ONNX Runtime's asymmetric uint8 parameters for a calibrated range (0 always representable)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0); sc = (hi - lo) / 255 or 1.0
    return np.float32(sc), np.uint8(round(-lo / sc))

def s8(w, axis=None):
    """Symmetric int8 weight codes, per output channel (axis 0) or per tensor."""
    m = np.abs(w).reshape(w.shape[0], -1).max(1) if axis == 0 else np.abs(w).max()
    sc = np.maximum(m, 1e-12).astype(np.float32) / 127
    q = np.clip(np.round(w / (sc.reshape(-1, *[1] * (w.ndim - 1)) if axis == 0 else sc)), -127, 127).astype(np.int8)
    return q, np.asarray(sc, np.float32)

class QopFake:
    """The QOperator model's arithmetic simulated in float by torch (fake quantization with the same codes)."""
    def __init__(s, m, p): s.m, s.p = m, p
    def fq(s, x, key):
        sc, z = s.p[key]; return (torch.clamp(torch.round(x / float(sc)) + int(z), 0, 255) - int(z)) * float(sc)
    def conv(s, x, conv, key_in, key_out):
        q, sc = s8(conv.weight.detach().numpy(), 0); w = torch.from_numpy(q.astype(np.float32) * sc[:, None, None, None])
        bs = float(s.p[key_in][0]) * sc
        b = torch.from_numpy(np.round(conv.bias.detach().numpy() / bs).astype(np.float32) * bs.astype(np.float32))
        return s.fq(F.conv2d(x, w, b, 1, 1), key_out)
    def __call__(s, x):
        m = s.m; x = s.fq(x, "input")
        h2 = s.conv(F.max_pool2d(s.conv(x, m.c1, "input", "h1"), 2), m.c2, "h1", "h2")
        a = s.fq(h2 + s.conv(h2, m.c3, "h2", "h3"), "add")
        q, sc = s8(m.fc.weight.detach().numpy().T); w = torch.from_numpy(q.astype(np.float32) * sc)
        mm = s.fq(F.max_pool2d(a, 2).flatten(1) @ w, "mm")
        bsc, bz = s.p["bias"]; b = (np.round(m.fc.bias.detach().numpy() / bsc) + int(bz)).clip(0, 255) - int(bz)
        return s.fq(mm + torch.from_numpy((b * bsc).astype(np.float32)), "logits")

def qop_params(m):
    with torch.no_grad(): parts = m.parts(calib300())
    p = {k: u8(float(v.min()), float(v.max())) for k, v in parts.items()}
    b = m.fc.bias.detach().numpy(); p["bias"] = u8(float(b.min()), float(b.max()))
    return p

def export_qop(m, name="qop"):
    """The QOperator graph ONNX Runtime's quantizer writes for QopNet (Conv+Relu fused, MatMul + Add as QLinearMatMul + QLinearAdd)."""
    p, inits, nodes = qop_params(m), [], []
    def const(n, a):  # a quantization parameter read by two nodes is one initializer
        if n not in {i.name for i in inits}: inits.append(numpy_helper.from_array(np.asarray(a), n))
        return n
    def qparams(key): return [const(key + "_scale", p[key][0]), const(key + "_zero_point", p[key][1])]
    def qconv(x, key_in, conv, key_out, nm):
        q, sc = s8(conv.weight.detach().numpy(), 0)
        bias = np.round(conv.bias.detach().numpy() / (float(p[key_in][0]) * sc)).astype(np.int32)
        nodes.append(helper.make_node("QLinearConv", [x] + qparams(key_in) + [const(nm + ".weight_quantized", q),
                     const(nm + ".weight_scale", sc), const(nm + ".weight_zero_point", np.zeros(len(sc), np.int8))]
                     + qparams(key_out) + [const(nm + ".bias_quantized", bias)], [nm + "_quantized"], name=nm + "_quant",
                     kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        return nm + "_quantized"
    nodes.append(helper.make_node("QuantizeLinear", ["input"] + qparams("input"), ["input_quantized"], name="input_QuantizeLinear"))
    h1 = qconv("input_quantized", "input", m.c1, "h1", "/c1/Conv")
    nodes.append(helper.make_node("MaxPool", [h1], ["/MaxPool_output_0_quantized"], name="/MaxPool", kernel_shape=[2, 2], strides=[2, 2]))
    h2 = qconv("/MaxPool_output_0_quantized", "h1", m.c2, "h2", "/c2/Conv")
    h3 = qconv(h2, "h2", m.c3, "h3", "/c3/Conv")
    nodes.append(helper.make_node("QLinearAdd", [h2] + qparams("h2") + [h3] + qparams("h3") + qparams("add"),
                                  ["/Add_output_0_quantized"], name="/Add_quant", domain="com.microsoft"))
    nodes.append(helper.make_node("MaxPool", ["/Add_output_0_quantized"], ["/MaxPool_1_output_0_quantized"], name="/MaxPool_1",
                                  kernel_shape=[2, 2], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["/MaxPool_1_output_0_quantized"], ["/Flatten_output_0_quantized"], name="/Flatten", axis=1))
    q, sc = s8(m.fc.weight.detach().numpy().T)
    nodes.append(helper.make_node("QLinearMatMul", ["/Flatten_output_0_quantized"] + qparams("add")
                                  + [const("fc.weight_T_quantized", q), const("fc.weight_T_scale", sc), const("fc.weight_T_zero_point", np.int8(0))]
                                  + qparams("mm"), ["/fc/MatMul_output_0_quantized"], name="/fc/MatMul_quant"))
    bsc, bz = p["bias"]
    bq = np.clip(np.round(m.fc.bias.detach().numpy() / bsc) + int(bz), 0, 255).astype(np.uint8)
    nodes.append(helper.make_node("QLinearAdd", ["/fc/MatMul_output_0_quantized"] + qparams("mm") + [const("fc.bias_quantized", bq)]
                                  + qparams("bias") + qparams("logits"), ["logits_quantized"], name="/fc/Add_quant", domain="com.microsoft"))
    nodes.append(helper.make_node("DequantizeLinear", ["logits_quantized"] + qparams("logits"), ["logits"], name="logits_DequantizeLinear"))
    g = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    mp = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                           producer_name="onnx.quantize", producer_version="0.1.0")
    path = os.path.join(OUT, name + ".onnx"); onnx.checker.check_model(mp); onnx.save(mp, path)
    print(f"  wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
    return path

# --- psp -------------------------------------------------------------------------------------------------------------
class PSP(nn.Module):
    BINS = (1, 2, 3, 6)
    def __init__(s, c=32):
        super().__init__()
        s.stem = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, c), nn.MaxPool2d(2))              # [N, 32, 7, 7]
        s.levels = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(c, 8, 1, bias=False), nn.BatchNorm2d(8),
                                               nn.ReLU()) for b in s.BINS)
        s.fuse = cbr(c + 8 * len(s.BINS), c); s.fc = nn.Linear(c, 10)
    def forward(s, x):
        h = s.stem(x)
        h = torch.cat([h] + [F.interpolate(l(h), size=(7, 7), mode="bilinear", align_corners=False) for l in s.levels], 1)
        return s.fc(s.fuse(h).mean((2, 3)))

def export_psp(m):
    """torch 1.13 cannot export AdaptiveAvgPool2d 7 -> 2, 3, 6: each becomes the AvgPool2d of the same bins, checked equal."""
    x = torch.rand(4, 32, 7, 7)
    for l, b in zip(m.levels, m.BINS):
        if b == 1: continue
        k, st = -(-7 // b), (7 - -(-7 // b)) // (b - 1)
        pool = nn.AvgPool2d(k, st)
        assert torch.allclose(pool(x), l[0](x), atol=1e-6), b
        l[0] = pool
    return export13(m, "psp", 13)

# --- noisy -----------------------------------------------------------------------------------------------------------
class Noisy(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2))
        s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x):
        h = s.f(x)
        return s.fc((h + 0.1 * torch.randn_like(h)).flatten(1))                       # no `if s.training`: RandomNormalLike

# --- octave ----------------------------------------------------------------------------------------------------------
class Oct(nn.Module):
    def __init__(s, hi, lo, ho, loo):
        super().__init__()
        s.hh, s.hl = nn.Conv2d(hi, ho, 3, 1, 1), nn.Conv2d(hi, loo, 3, 1, 1)
        s.lh, s.ll = nn.Conv2d(lo, ho, 3, 1, 1), nn.Conv2d(lo, loo, 3, 1, 1)
        s.bh, s.bl = nn.BatchNorm2d(ho), nn.BatchNorm2d(loo)
    def forward(s, h, l):
        yh = s.hh(h) + F.interpolate(s.lh(l), scale_factor=2.0, mode="nearest")       # L -> H: Conv, nearest Resize x2
        yl = s.ll(l) + s.hl(F.avg_pool2d(h, 2))                                       # H -> L: AvgPool 2, Conv
        return F.relu(s.bh(yh)), F.relu(s.bl(yl))

class Octave(nn.Module):
    def __init__(s):
        super().__init__()
        s.h0, s.l0 = cbr(1, 8), cbr(1, 8)
        s.o1, s.o2 = Oct(8, 8, 16, 16), Oct(16, 16, 16, 16); s.out = cbr(32, 32); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        h, l = s.h0(x), s.l0(F.avg_pool2d(x, 2))                                      # 28x28 and 14x14
        h, l = s.o1(F.max_pool2d(h, 2), F.max_pool2d(l, 2))                           # 14x14 and 7x7
        h, l = s.o2(h, l)
        return s.fc(s.out(torch.cat([F.max_pool2d(h, 2), l], 1)).mean((2, 3)))

MODELS = {"levit": (LeViT, lambda m: export13(m, "levit", 14)), "qop": (QopNet, export_qop), "psp": (PSP, export_psp),
          "noisy": (Noisy, lambda m: export13(m, "noisy", 13)), "octave": (Octave, lambda m: export13(m, "octave", 13))}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS17); a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen17_ptq.py
        extra = {}
        if name == "qop":
            fake = QopFake(m, qop_params(m))
            extra = {"torch_fake_quant_accuracy_test2000": accuracy2000(fake, d), "torch_fake_quant_accuracy_test10000": acc(fake)}
            export13(m, "qop_fp32", 13)  # the float model it was made from, which quantrace's hint asks for
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen17.py", "seed": 0, "steps": STEPS17, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, **extra, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} {extra} ({prov['train_seconds']} s)", flush=True)
