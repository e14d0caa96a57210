#!/usr/bin/python3
"""A quantization-aware-trained export whose Linear and ConvTranspose layers carry FakeQuantize (issue 13, branch qat2):
- qat2: an hourglass classifier trained with torch 1.13's **QAT modules**, built eagerly: a uint8 input FakeQuantize, two
  nniqat.ConvBnReLU2d (1 -> 16 -> 32, the second stride 2: 14x14), a **ConvTranspose decoder** 32 -> 16 (k 2, stride 2:
  28x28) with its BatchNormalization and ReLU, a ConvBnReLU2d 16 -> 32 stride 4 (7x7), the mean over 7x7, a
  **nniqat.LinearBn1d** head 32 -> 64 (torch's own QAT Linear-BN: Gemm -> Div -> Add -> BatchNormalization -> Relu), and a
  nnqat.Linear 64 -> 10. Every weight is fake-quantized per output channel, symmetric int8; every activation per tensor,
  uint8. torch 1.13 refuses ConvTranspose+BN fusion for QAT ("not yet supported"), so the decoder is
  `QatConvTransposeBnReLU2d` below, written the way torch's _ConvBnNd does it (the weight scaled by gamma/sigma and
  fake-quantized per output channel, here axis 1 of a ConvTranspose weight; the output divided by gamma/sigma, the bias
  added, then the BatchNormalization and ReLU): the export is the form torch writes for a QAT Conv-BN, with a
  ConvTranspose. Observers and BN statistics frozen after training, exported fake-quantized (QuantizeLinear/
  DequantizeLinear pairs), opset 13, dynamic batch.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_qat2.py  -> DIR/qat2.onnx, qat2.pt and qat2.json (provenance)
Provenance (qat2.json): seed 0, QAT2_STEPS (default 200) steps of 64 Fashion-MNIST training images (Debian's
dataset-fashion-mnist), Adam 3e-3 (make_unseen13.train13), the fake-quantized torch model's accuracy on the first 2,000 and
all 10,000 test images."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
import torch.nn.intrinsic as nni, torch.nn.intrinsic.qat as nniqat, torch.nn.qat as nnqat
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import train13, export13
from make_unseen14 import qat_qconfig, accuracy2000

STEPS = int(os.environ.get("QAT2_STEPS", "200"))

def weight_fq(axis):
    from torch.ao.quantization import FakeQuantize, MovingAveragePerChannelMinMaxObserver
    return FakeQuantize(observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127, dtype=torch.qint8,
                        qscheme=torch.per_channel_symmetric, ch_axis=axis)

class QatConvTransposeBnReLU2d(nn.Module):
    """ConvTranspose2d + BatchNorm2d + ReLU for QAT, as torch's _ConvBnNd._forward does it for a Conv (axis 1: the
    ConvTranspose weight's output channels)."""
    def __init__(s, cin, cout, k, st):
        super().__init__()
        s.weight = nn.Parameter(torch.empty(cin, cout, k, k)); nn.init.kaiming_uniform_(s.weight, a=5 ** 0.5)
        s.bias = nn.Parameter(torch.zeros(cout)); s.bn = nn.BatchNorm2d(cout); s.st = st
        s.weight_fake_quant = weight_fq(1)
    def forward(s, x):
        std = torch.sqrt(s.bn.running_var + s.bn.eps)
        f = s.bn.weight / std
        w = s.weight_fake_quant(s.weight * f.reshape(1, -1, 1, 1))
        y = F.conv_transpose2d(x, w, torch.zeros_like(s.bias), s.st)
        y = y / f.reshape(1, -1, 1, 1) + s.bias.reshape(1, -1, 1, 1)
        return F.relu(s.bn(y))

def cbr(cin, cout, st, q):
    m = nni.ConvBnReLU2d(nn.Conv2d(cin, cout, 3, st, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()); m.qconfig = q
    return nniqat.ConvBnReLU2d.from_float(m)

class Qat2(nn.Module):
    def __init__(s):
        super().__init__(); q = qat_qconfig()
        s.c1, s.c2 = cbr(1, 16, 1, q), cbr(16, 32, 2, q)
        s.up = QatConvTransposeBnReLU2d(32, 16, 2, 2)
        s.c3 = cbr(16, 32, 4, q)
        lb = nni.LinearBn1d(nn.Linear(32, 64), nn.BatchNorm1d(64)); lb.qconfig = q
        s.fc1 = nniqat.LinearBn1d.from_float(lb)
        fc2 = nn.Linear(64, 10); fc2.qconfig = q
        s.fc2 = nnqat.Linear.from_float(fc2)
        s.q = nn.ModuleList(q.activation() for _ in range(8))
    def forward(s, x):
        q = s.q
        x = q[0](x); x = q[1](s.c1(x)); x = q[2](s.c2(x)); x = q[3](s.up(x)); x = q[4](s.c3(x))
        x = q[5](torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
        x = q[6](F.relu(s.fc1(x)))
        return q[7](s.fc2(x))

def freeze(m):
    m.eval(); m.apply(torch.ao.quantization.disable_observer); m.apply(nniqat.freeze_bn_stats); return m

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    torch.manual_seed(0); m = Qat2(); t0 = time.time()
    train13(m, d, STEPS); freeze(m)
    a, a2 = acc(m), accuracy2000(m, d)
    torch.save(m.state_dict(), os.path.join(OUT, "qat2.pt"))
    export13(m, "qat2", 13)
    prov = {"model": "qat2", "script": "tests/data/wild/make_qat2.py", "seed": 0, "steps": STEPS, "batch": 64,
            "optimizer": "Adam lr 3e-3", "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
            "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
            "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
    json.dump(prov, open(os.path.join(OUT, "qat2.json"), "w"), indent=1)
    print(f"  qat2: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
