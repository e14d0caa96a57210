#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen14, 2026-12-05 night):
- qat: a CNN trained with **quantization-aware training** (torch FX prepare_qat_fx: Conv-BN-ReLU fused into ConvBnReLU2d,
  per-channel symmetric int8 weight fake-quant, per-tensor uint8 activation fake-quant, observers frozen after training) and
  exported **as it is, fake-quantized**: every FakeQuantize becomes a **QuantizeLinear/DequantizeLinear pair** (the weights'
  pairs per channel, axis 0, on float weights), as TensorRT-style QAT exports are; opset 13, dynamic batch. The model is
  already quantized: what should convert, quantize, evaluate and verify do with it?
- moe: a mixture-of-experts head over the 49 positions of a CNN's 7x7 map: a learned gate (Linear, **Softmax**, **TopK k=2**,
  the two weights renormalized by their sum), four expert MLPs computed densely and stacked, the chosen two picked by
  **GatherElements** (torch.gather) and summed with their weights, mean over positions, Linear; opset 13, dynamic batch
- perceiver: Perceiver-style **cross-attention from a learned latent array** (8 latents of 32) to the 49 positions of a CNN's
  map: the latents' query projection is folded by the exporter into a **constant first operand of a MatMul** ([8, 32] x
  [N, 32, 49]), keys and values by one Linear and a Split, Softmax, the latents **Expanded over the batch** (Shape, Expand)
  for the residual, a LayerNorm + GELU MLP, mean over latents, Linear; opset 13, dynamic batch
- normx: ONNX's own normalization and activation ops written by custom symbolics (torch.autograd.Function.symbolic) instead
  of the exporter's decompositions: **LpNormalization** (p 2 over the channels of a 4-D map), **MeanVarianceNormalization**
  (over H, W: an affine-free InstanceNorm) and **Mish-18** (x tanh(softplus x)); exported at 17 and declared **opset 18**
  by hand (onnx 1.12 cannot check 18: saved unchecked; no op of the graph changed between 17 and 18)
- rawin: a deployment export with the **preprocessing in the graph**: the input is the raw **uint8 image, NHWC [N, 28, 28, 1]**,
  then Transpose to NCHW, **Cast** to float, Sub mean and Div std (x/255 normalized with Fashion-MNIST's 0.286/0.353 as
  one Sub and one Div), then a CNN; an integer input read by a Cast, not a DequantizeLinear; opset 13, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen14.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in train()), UNSEEN14_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images (qat: the fake-quantized model's)."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, T, SRC, test_accuracy
from make_unseen13 import train13, export13, cbr

STEPS14 = int(os.environ.get("UNSEEN14_STEPS", "200"))

# --- qat -------------------------------------------------------------------------------------------------------------
class QatNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), cbr(32, 32), cbr(32, 64, st=2), cbr(64, 64))
        s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.f(x), 1), 1))

def qat_qconfig():
    """Plain FakeQuantize modules: their fake_quantize_per_* ops export as QuantizeLinear/DequantizeLinear pairs (the default
    QAT qconfig's fused observer was not tried)."""
    from torch.ao.quantization import (QConfig, FakeQuantize, MovingAverageMinMaxObserver,
                                       MovingAveragePerChannelMinMaxObserver)
    return QConfig(activation=FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                                                     dtype=torch.quint8, qscheme=torch.per_tensor_affine),
                   weight=FakeQuantize.with_args(observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128,
                                                 quant_max=127, dtype=torch.qint8, qscheme=torch.per_channel_symmetric))

def qat_model():
    """QatNet prepared for QAT (train mode), the module trained and saved by make_unseen14 and read by unseen14_ptq."""
    from torch.ao.quantization import QConfigMapping
    from torch.ao.quantization.quantize_fx import prepare_qat_fx
    torch.manual_seed(0)
    return prepare_qat_fx(QatNet().train(), QConfigMapping().set_global(qat_qconfig()), (torch.zeros(1, 1, 28, 28),))

def qat_freeze(m):
    m.eval(); m.apply(torch.ao.quantization.disable_observer); m.apply(torch.nn.intrinsic.qat.freeze_bn_stats); return m

# --- moe -------------------------------------------------------------------------------------------------------------
class MoE(nn.Module):
    def __init__(s, d=32, e=4, k=2):
        super().__init__(); s.k = k
        s.stem = nn.Sequential(cbr(1, 32), cbr(32, d, st=2), cbr(d, d, st=2))                   # [N, d, 7, 7]
        s.gate = nn.Linear(d, e)
        s.experts = nn.ModuleList(nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, d)) for _ in range(e))
        s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.stem(x).flatten(2).transpose(1, 2)                                              # [N, 49, d]
        g = F.softmax(s.gate(t), -1)                                                          # [N, 49, e]
        w, i = torch.topk(g, s.k, -1)                                                         # [N, 49, k]
        w = w / w.sum(-1, keepdim=True)
        y = torch.stack([ex(t) for ex in s.experts], 2)                                       # [N, 49, e, d]
        pick = torch.gather(y, 2, i.unsqueeze(-1).expand(-1, -1, -1, y.shape[-1]))            # [N, 49, k, d]
        h = t + (w.unsqueeze(-1) * pick).sum(2)
        return s.fc(h.mean(1))

# --- perceiver -------------------------------------------------------------------------------------------------------
class Perceiver(nn.Module):
    def __init__(s, d=32, L=8):
        super().__init__(); s.d = d
        s.stem = nn.Sequential(cbr(1, 16), cbr(16, 32, st=2), cbr(32, d, st=2))                 # [N, d, 7, 7]
        s.lat = nn.Parameter(0.5 * torch.randn(L, d))
        s.q, s.kv, s.o = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)
        s.n1, s.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.mlp = nn.Sequential(nn.Linear(d, 64), nn.GELU(), nn.Linear(64, d))
        s.fc = nn.Linear(d, 10)
    def forward(s, x):
        t = s.stem(x).flatten(2).transpose(1, 2)                                              # [N, 49, d]
        k, v = s.kv(t).chunk(2, -1)
        a = F.softmax(s.q(s.lat) @ k.transpose(1, 2) / math.sqrt(s.d), -1)                    # [N, L, 49]
        z = s.lat.expand(x.shape[0], -1, -1) + s.o(a @ v)                                     # [N, L, d]
        z = z + s.mlp(s.n1(z))
        return s.fc(s.n2(z).mean(1))

# --- normx -----------------------------------------------------------------------------------------------------------
def lp_t(x): return x / x.norm(2, 1, keepdim=True)
def mvn_t(x): c = x - x.mean((2, 3), keepdim=True); return c / torch.sqrt((c * c).mean((2, 3), keepdim=True) + 1e-9)
def mish_t(x): return x * torch.tanh(F.softplus(x))

class LpNorm(torch.autograd.Function):  # ONNX LpNormalization has no epsilon: x / ||x||_2 over axis 1
    @staticmethod
    def forward(ctx, x): return lp_t(x)
    @staticmethod
    def symbolic(g, x): return g.op("LpNormalization", x, axis_i=1, p_i=2)

class MVN(torch.autograd.Function):  # MeanVarianceNormalization over H, W (ONNX's definition: no epsilon but ORT's 1e-9)
    @staticmethod
    def forward(ctx, x): return mvn_t(x)
    @staticmethod
    def symbolic(g, x): return g.op("MeanVarianceNormalization", x, axes_i=[2, 3])

class Mish(torch.autograd.Function):  # the Mish-18 op
    @staticmethod
    def forward(ctx, x): return mish_t(x)
    @staticmethod
    def symbolic(g, x): return g.op("qrx::Mish", x)  # the exporter checks opset 17, which has no Mish: renamed in to_opset18

class NormX(nn.Module):
    def __init__(s):
        super().__init__()
        s.a = cbr(1, 32); s.b = nn.Conv2d(32, 32, 3, 2, 1); s.c = nn.Conv2d(32, 64, 3, 1, 1)
        s.d = nn.Conv2d(64, 64, 3, 2, 1); s.e = nn.Conv2d(64, 64, 3, 1, 1); s.fc = nn.Linear(64, 10)
        s.g = nn.Parameter(torch.full((1, 64, 1, 1), 4.0))                                    # the L2-normalized map's gain
    def forward(s, x):
        ex = torch.onnx.is_in_onnx_export()  # the ONNX ops when exported; their plain torch forms (differentiable) otherwise
        lp, mvn, mish = (LpNorm.apply, MVN.apply, Mish.apply) if ex else (lp_t, mvn_t, mish_t)
        h = mish(mvn(s.b(s.a(x))))                                                            # 14x14, affine-free norm
        h = mish(s.c(h))
        h = lp(s.d(h)) * s.g                                                                  # 7x7, unit length per position
        h = mish(s.e(h))
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))

# --- rawin ------------------------------------------------------------------------------------------------------------
class RawIn(nn.Module):
    """Fed uint8 NHWC images when exported; trained and tested on make_wild's float NCHW x/255 (the same values)."""
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(1, 32), cbr(32, 32, st=2), cbr(32, 64), cbr(64, 64, st=2), cbr(64, 64))
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = x.permute(0, 3, 1, 2).float() / 255 if x.dtype == torch.uint8 else x
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.f((x - 0.286) / 0.353), 1), 1))

def make_rawin(m):
    p = os.path.join(OUT, "rawin.onnx")
    torch.onnx.export(m, (torch.zeros(1, 28, 28, 1, dtype=torch.uint8),), p, opset_version=13, input_names=["image"],
                      output_names=["logits"], dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(p); print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)

def to_opset18(p):
    """Declares the opset-17 export at 18: none of its ops (Conv, Relu, Mul, MeanVarianceNormalization, LpNormalization,
    GlobalAveragePool, Flatten, Gemm, Mish) changed between them, and Mish exists from 18 on."""
    m = onnx.load(p); ops = {n.op_type for n in m.graph.node}
    for n in m.graph.node:
        if n.domain == "qrx": n.domain = ""
    keep = [o for o in m.opset_import if o.domain != "qrx"]; del m.opset_import[:]; m.opset_import.extend(keep)
    assert not ops & {"ReduceMean", "ReduceSum", "ReduceL2", "Split", "Pad", "Resize"}, ops
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"): o.version = 18
    m.ir_version = 8; onnx.save(m, p); print(f"  {p}: opset 18, ops {sorted(ops)}", flush=True)

def make_qat(m):
    export13(qat_freeze(m), "qat", 13)
def make_moe(m): export13(m, "moe", 13)
def make_perceiver(m): export13(m, "perceiver", 13)
def make_normx(m): to_opset18(export13(m, "normx", 17, check=False, custom_opsets={"qrx": 1}))

MODELS = {"qat": (qat_model, make_qat), "moe": (MoE, make_moe), "perceiver": (Perceiver, make_perceiver),
          "normx": (NormX, make_normx), "rawin": (RawIn, make_rawin)}

def accuracy2000(m, d):
    tx, ty = T(d[2][:2000]), d[3][:2000]
    with torch.no_grad():
        return float((torch.cat([m(tx[i:i+500]) for i in range(0, 2000, 500)]).argmax(1).numpy() == ty).mean())

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS14)
        if name == "qat": qat_freeze(m)
        a, a2 = acc(m), accuracy2000(m, d)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen14_ptq.py
        make(m)
        prov = {"model": name, "script": "tests/data/wild/make_unseen14.py", "seed": 0, "steps": STEPS14, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
