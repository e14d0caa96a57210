#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen18, 2026-12-05 afternoon):
- specnorm: a CNN (LeakyReLU 0.1, trained on 10 x logits) whose Convs and Linear are under **spectral_norm** (Miyato et al. 2018, as GAN discriminators and
  Lipschitz classifiers train), exported in eval mode with do_constant_folding=False, so the **runtime arithmetic stays in the
  graph**: each weight is weight_orig / sigma with sigma = u . (W_mat v) from the stored power-iteration vectors (Reshape,
  MatMul, Div of initializers feeding the Conv/Gemm weight input); opset 13, dynamic batch
- unpool: a SegNet-style **MaxPool with indices and MaxUnpool**: the encoder's MaxPool returns its int64 indices (the MaxPool's
  second output), the decoder's **MaxUnpool** puts the values back by them; torch 1.13 has no ONNX symbolic for
  aten::max_unpool2d, so the export registers one (register_custom_op_symbolic -> ONNX MaxUnpool with output_shape, torch's
  per-plane indices turned back into ONNX's whole-tensor ones by Range/Mul/Add), as users do; opset 13
- seqops: a model **exported from TorchScript** (torch.jit.script) whose forward loops over torch.split's pieces: the graph
  holds **SplitToSequence, a Loop over SequenceLength, SequenceEmpty/SequenceInsert and ConcatFromSequence** (tensor sequences,
  not tensors, between nodes); opset 13
- dynq: a model **already quantized by ONNX Runtime's quantize_dynamic** (the dynamic form, not QOperator's QLinear ops):
  per layer **DynamicQuantizeLinear** of the float activation, **ConvInteger** (uint8 weights with a zero point) or
  **MatMulInteger** (int8 weights), Cast to float, Mul by x_scale * w_scale, Add of the float bias; built with onnx.helper from
  a trained CNN's weights (no onnxruntime for Python here); opset 13; dynq_fp32.onnx beside it is its float source
- proto: a **prototype (Student-t kernel) classifier**: a CNN embedding, squared distances to 10 learned prototypes
  (|f|^2 - 2 f c^T + |c|^2), the kernel **1 / (1 + d)** written with torch.reciprocal (**Reciprocal**), trained on log q; the
  deployed export ends in **Hardmax** (a one-hot output, as a deployment that hands out decisions writes it); opset 13
    /usr/bin/python3 tests/data/wild/make_unseen18.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN18_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time
from typing import List
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13, cbr
from make_unseen14 import accuracy2000

STEPS18 = int(os.environ.get("UNSEEN18_STEPS", "200"))

# --- specnorm --------------------------------------------------------------------------------------------------------
class SpecNorm(nn.Module):
    train_scale = 10.0  # spectral norm keeps the logits within a few units: cross entropy on 10 x logits, as SN classifiers use a temperature
    def __init__(s):
        super().__init__(); sn = nn.utils.spectral_norm
        s.c1, s.c2, s.c3 = sn(nn.Conv2d(1, 16, 3, 1, 1)), sn(nn.Conv2d(16, 32, 3, 1, 1)), sn(nn.Conv2d(32, 32, 3, 1, 1))
        s.fc = sn(nn.Linear(32, 10))
    def forward(s, x):
        h = F.max_pool2d(F.leaky_relu(s.c1(x), 0.1), 2); h = F.max_pool2d(F.leaky_relu(s.c2(h), 0.1), 2)
        return s.fc(F.leaky_relu(s.c3(h), 0.1).mean((2, 3)))

# --- unpool ----------------------------------------------------------------------------------------------------------
class Unpool(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc, s.pool = cbr(1, 16), nn.MaxPool2d(2, return_indices=True)
        s.mid, s.unpool, s.dec = cbr(16, 16), nn.MaxUnpool2d(2), cbr(16, 16)
        s.head = nn.Sequential(cbr(16, 32, 3, 2), nn.MaxPool2d(2)); s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x):
        h, idx = s.pool(s.enc(x))                                                      # [N, 16, 14, 14] and its indices
        h = s.dec(s.unpool(s.mid(h), idx, output_size=x.shape[-2:]))                    # back to 28x28 at the maxima
        return s.fc(s.head(h).flatten(1))

def max_unpool2d_symbolic(g, x, idx, output_size):
    """ONNX MaxUnpool for aten::max_unpool2d (torch 1.13 has none): output_shape = [N, C] + output_size. torch's indices
    count within each (n, c) plane, ONNX's over the whole tensor (torch's MaxPool export subtracts the planes' offsets):
    the offsets (n C + c) H W are added back (Range over N C, times H W)."""
    shape = g.op("Shape", x)
    nc = g.op("Slice", shape, g.op("Constant", value_t=torch.tensor([0])), g.op("Constant", value_t=torch.tensor([2])))
    hw = g.op("Cast", output_size, to_i=7)
    planes = g.op("Range", g.op("Constant", value_t=torch.tensor(0)), g.op("ReduceProd", nc, keepdims_i=0), g.op("Constant", value_t=torch.tensor(1)))
    offsets = g.op("Reshape", g.op("Mul", planes, g.op("ReduceProd", hw, keepdims_i=0)),
                   g.op("Concat", nc, g.op("Constant", value_t=torch.tensor([1, 1])), axis_i=0))
    out = g.op("Concat", nc, hw, axis_i=0)
    return g.op("MaxUnpool", x, g.op("Add", idx, offsets), out, kernel_shape_i=[2, 2], strides_i=[2, 2])

def export_unpool(m):
    torch.onnx.register_custom_op_symbolic("aten::max_unpool2d", max_unpool2d_symbolic, 13)
    return export13(m, "unpool", 13)

# --- seqops ----------------------------------------------------------------------------------------------------------
class SeqOps(nn.Module):
    def __init__(s):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32))     # [N, 32, 14, 14]
        s.strip = nn.Conv2d(32, 32, 3, 1, 1); s.fc = nn.Linear(32 * 2 * 14, 10)
    def forward(s, x):
        h = s.f(x)
        outs: List[torch.Tensor] = []
        for p in torch.split(h, 7, dim=2):                                             # two 7-row strips
            outs.append(F.relu(s.strip(p)).amax(2))                                    # each strip's column maxima
        return s.fc(torch.stack(outs, 1).flatten(1))

def export_seqops(m):
    p = os.path.join(OUT, "seqops.onnx")
    torch.onnx.export(torch.jit.script(m), (torch.zeros(1, 1, 28, 28),), p, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(p); print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

# --- dynq ------------------------------------------------------------------------------------------------------------
class DynqNet(nn.Module):
    def __init__(s):
        super().__init__(); s.c1, s.c2 = nn.Conv2d(1, 16, 3, 1, 1), nn.Conv2d(16, 32, 3, 1, 1); s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x):
        return s.fc(F.max_pool2d(F.relu(s.c2(F.max_pool2d(F.relu(s.c1(x)), 2))), 2).flatten(1))

def export_dynq(m):
    """The graph ONNX Runtime's quantize_dynamic writes (Conv with weight_type QUInt8 -> ConvInteger; MatMul of a Gemm with
    QInt8 -> MatMulInteger): per-tensor weights, the activation's scale and zero point computed per batch at run time."""
    export13(m, "dynq_fp32", 13)
    inits, nodes = [], []
    def const(n, a): inits.append(numpy_helper.from_array(np.asarray(a), n)); return n
    def dql(x, nm):
        nodes.append(helper.make_node("DynamicQuantizeLinear", [x], [x + "_quantized", x + "_scale", x + "_zero_point"], name=nm + "_QuantizeLinear"))
        return x + "_quantized", x + "_scale", x + "_zero_point"
    def rescale(acc, xs, ws, bias, nm, bshape):
        nodes.append(helper.make_node("Cast", [acc], [acc + "_cast"], name=nm + "_cast", to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Mul", [xs, ws], [nm + "_scales_mul"], name=nm + "_scales_mul"))
        nodes.append(helper.make_node("Mul", [acc + "_cast", nm + "_scales_mul"], [nm + "_scaled"], name=nm + "_output_scale_mul"))
        nodes.append(helper.make_node("Add", [nm + "_scaled", const(nm + ".bias", bias.reshape(bshape))], [nm + "_out"], name=nm + "_bias_add"))
        return nm + "_out"
    def conv(x, c, nm):
        w = c.weight.detach().numpy(); lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
        sc = np.float32((hi - lo) / 255); zp = np.uint8(round(-lo / sc))
        q = np.clip(np.round(w / sc) + int(zp), 0, 255).astype(np.uint8)
        xq, xs, xz = dql(x, nm)
        nodes.append(helper.make_node("ConvInteger", [xq, const(nm + ".weight_quantized", q), xz, const(nm + ".weight_zero_point", zp)],
                                      [nm + "_output_quantized"], name=nm + "_quant", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        y = rescale(nm + "_output_quantized", xs, const(nm + ".weight_scale", sc), c.bias.detach().numpy(), nm, (1, -1, 1, 1))
        nodes.append(helper.make_node("Relu", [y], [nm + "_relu"], name=nm + "_Relu"))
        nodes.append(helper.make_node("MaxPool", [nm + "_relu"], [nm + "_pool"], name=nm + "_MaxPool", kernel_shape=[2, 2], strides=[2, 2]))
        return nm + "_pool"
    h = conv(conv("input", m.c1, "c1"), m.c2, "c2")
    nodes.append(helper.make_node("Flatten", [h], ["flat"], name="Flatten", axis=1))
    wt = m.fc.weight.detach().numpy().T; sc = np.float32(np.abs(wt).max() / 127)
    xq, xs, xz = dql("flat", "fc")
    nodes.append(helper.make_node("MatMulInteger", [xq, const("fc.weight_quantized", np.clip(np.round(wt / sc), -127, 127).astype(np.int8)), xz,
                                  const("fc.weight_zero_point", np.int8(0))], ["fc_output_quantized"], name="fc_MatMul_quant"))
    out = rescale("fc_output_quantized", xs, const("fc.weight_scale", sc), m.fc.bias.detach().numpy(), "fc", (-1,))
    nodes.append(helper.make_node("Identity", [out], ["logits"], name="logits_Identity"))
    g = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    mp = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.quantize", producer_version="0.1.0")
    path = os.path.join(OUT, "dynq.onnx"); onnx.checker.check_model(mp); onnx.save(mp, path)
    print(f"  wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
    return path

class DynqFake(nn.Module):
    """dynq's arithmetic simulated by torch: per-batch uint8 activations (DynamicQuantizeLinear's range includes 0), the codes above."""
    def __init__(s, m): super().__init__(); s.m = m
    @staticmethod
    def dq(x):
        lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0); sc = (hi - lo) / 255 or 1.0
        zp = float(np.clip(np.round(-lo / sc), 0, 255)); return (torch.clamp(torch.round(x / sc) + zp, 0, 255) - zp) * sc
    @staticmethod
    def wq(w, signed):
        if signed: sc = float(w.abs().max()) / 127; return torch.clamp(torch.round(w / sc), -127, 127) * sc
        lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0); sc = np.float32((hi - lo) / 255); zp = float(np.uint8(round(-lo / sc)))
        return (torch.clamp(torch.round(w / float(sc)) + zp, 0, 255) - zp) * float(sc)
    def forward(s, x):
        m = s.m
        h = F.max_pool2d(F.relu(F.conv2d(s.dq(x), s.wq(m.c1.weight, False), m.c1.bias, 1, 1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(s.dq(h), s.wq(m.c2.weight, False), m.c2.bias, 1, 1)), 2)
        return s.dq(h.flatten(1)) @ s.wq(m.fc.weight, True).t() + m.fc.bias

# --- proto -----------------------------------------------------------------------------------------------------------
class Proto(nn.Module):
    def __init__(s, d=16):
        super().__init__(); s.f = nn.Sequential(cbr(1, 16), nn.MaxPool2d(2), cbr(16, 32), nn.MaxPool2d(2), cbr(32, 32))
        s.emb = nn.Linear(32, d); s.centres = nn.Parameter(torch.randn(10, d)); s.deployed = False
    def forward(s, x):
        f = s.emb(s.f(x).mean((2, 3)))
        d = (f * f).sum(1, keepdim=True) - 2 * f @ s.centres.t() + (s.centres * s.centres).sum(1)
        q = torch.reciprocal(1 + d.clamp(min=0))                                       # Student-t kernel (one degree of freedom)
        if s.deployed: return hardmax(q)                                               # the decision, one-hot
        return torch.log(q / q.sum(1, keepdim=True))

class HardmaxFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q): return F.one_hot(q.argmax(1), q.shape[1]).to(q.dtype)
    @staticmethod
    def symbolic(g, q): return g.op("Hardmax", q, axis_i=1)
hardmax = HardmaxFn.apply

def export_proto(m):
    m.deployed = True
    return export13(m, "proto", 13)

MODELS = {"specnorm": (SpecNorm, lambda m: export13(m, "specnorm", 13, do_constant_folding=False)),
          "unpool": (Unpool, export_unpool), "seqops": (SeqOps, export_seqops), "dynq": (DynqNet, export_dynq),
          "proto": (Proto, export_proto)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, export = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS18); a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen18_ptq.py
        extra = {}
        if name == "dynq":
            fake = DynqFake(m)  # per batch of accuracy2000 (500) / test_accuracy: the activation ranges are the batch's
            extra = {"torch_fake_quant_accuracy_test2000": accuracy2000(fake, d), "torch_fake_quant_accuracy_test10000": acc(fake)}
        p = export(m)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen18.py", "seed": 0, "steps": STEPS18, "batch": 64,
                "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, **extra, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} {extra} ({prov['train_seconds']} s)", flush=True)
