#!/usr/bin/python3
"""A quantization-aware-trained export made with torch 1.13's **default QAT qconfig** (issue 13, branch qat3): the fused
observer FusedMovingAvgObsFakeQuantize (get_default_qat_qconfig("fbgemm")), which rounds 14 and qat2 did not try.
- qat3: a tiny CNN, FX prepare_qat_fx: two Conv-BN-ReLU fused into nniqat.ConvBnReLU2d (1 -> 8 -> 16, the second stride 2),
  a 2x2 max pool (7x7), flatten, Linear 784 -> 10. The qconfig's weights: per-channel symmetric int8 (-128..127); its
  activations: uint8 with **reduce_range** (0..127: fbgemm's default, against the VPMADDUBSW overflow).
  torch 1.13 cannot export the fused op: "Exporting the operator 'aten::fused_moving_avg_obs_fake_quant' to ONNX opset
  version 13 is not supported". What a user does then, written here: with the observers disabled after training the fused
  op computes the plain fake-quantization with the module's frozen scale and zero point, so each fused module's forward is
  replaced by torch.fake_quantize_per_tensor_affine / fake_quantize_per_channel_affine on them (the ops torch exports as
  QuantizeLinear/DequantizeLinear). The activations' 0..127 range is exported by torch's own symbolic as
  **QuantizeLinear -> Clip(0, 127) on the uint8 codes -> DequantizeLinear**, the form this export adds to rounds 14/qat2.
  Observers and BN statistics frozen, opset 13, dynamic batch.
- qat3_aten (QAT3_ATEN=1): the same trained model exported with operator_export_type ONNX_ATEN_FALLBACK, the other thing
  the error invites: the fused op written as an `ATen` node (domain org.pytorch.aten); no ONNX runtime runs it.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_qat3.py  -> DIR/qat3.onnx, qat3.pt and qat3.json (provenance)
Provenance (qat3.json): seed 0, QAT3_STEPS (default 300) steps of 64 Fashion-MNIST training images (Debian's
dataset-fashion-mnist), Adam 3e-3 (make_unseen13.train13), the fake-quantized torch model's accuracy on the first 2,000
and all 10,000 test images, measured after the fused modules were replaced (the exported function)."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13, cbr
from make_unseen14 import qat_freeze, accuracy2000

STEPS = int(os.environ.get("QAT3_STEPS", "300"))

class Tiny(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 8), cbr(8, 16, st=2)); s.fc = nn.Linear(16 * 7 * 7, 10)
    def forward(s, x): return s.fc(torch.flatten(F.max_pool2d(s.f(x), 2), 1))

def qat3_model():
    from torch.ao.quantization import QConfigMapping, get_default_qat_qconfig
    from torch.ao.quantization.quantize_fx import prepare_qat_fx
    torch.manual_seed(0)
    return prepare_qat_fx(Tiny().train(), QConfigMapping().set_global(get_default_qat_qconfig("fbgemm")), (torch.zeros(1, 1, 28, 28),))

def unfuse(m):
    """Each FusedMovingAvgObsFakeQuantize computes, its observer disabled, the plain fake-quantization with its frozen
    scale and zero point: its forward becomes those ops (exportable). Returns how many were replaced."""
    from torch.ao.quantization.fake_quantize import FusedMovingAvgObsFakeQuantize
    n = 0
    for mod in m.modules():
        if isinstance(mod, FusedMovingAvgObsFakeQuantize):
            lo, hi = mod.activation_post_process.quant_min, mod.activation_post_process.quant_max
            def fq(X, mod=mod, lo=lo, hi=hi):
                if mod.is_per_channel:
                    return torch.fake_quantize_per_channel_affine(X, mod.scale, mod.zero_point.int(), mod.ch_axis, lo, hi)
                return torch.fake_quantize_per_tensor_affine(X, float(mod.scale), int(mod.zero_point), lo, hi)
            mod.forward = fq; n += 1
    return n

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    m = qat3_model(); t0 = time.time()
    fused = sum(type(x).__name__ == "FusedMovingAvgObsFakeQuantize" for x in m.modules())
    train13(m, d, STEPS); qat_freeze(m)
    fused_acc = acc(m)                       # the fused modules, frozen
    replaced = unfuse(m)
    a, a2 = acc(m), accuracy2000(m, d)       # the exported function
    torch.save(m.state_dict(), os.path.join(OUT, "qat3.pt"))
    export13(m, "qat3", 13)
    if os.environ.get("QAT3_ATEN"):
        m2 = qat3_model(); m2.load_state_dict(torch.load(os.path.join(OUT, "qat3.pt"))); qat_freeze(m2)
        export13(m2, "qat3_aten", 13, check=False, operator_export_type=torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK)
    prov = {"model": "qat3", "script": "tests/data/wild/make_qat3.py", "seed": 0, "steps": STEPS, "batch": 64,
            "qconfig": "get_default_qat_qconfig('fbgemm'): FusedMovingAvgObsFakeQuantize, activations uint8 0..127",
            "fused_modules": fused, "replaced_for_export": replaced,
            "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
            "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
            "torch_accuracy_test10000": a, "torch_accuracy_test10000_fused_modules": fused_acc,
            "train_seconds": round(time.time() - t0, 1)}
    json.dump(prov, open(os.path.join(OUT, "qat3.json"), "w"), indent=1)
    print(f"  qat3: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} (fused modules {fused_acc:.4f}; {fused} fused, {replaced} replaced; {prov['train_seconds']} s)", flush=True)
