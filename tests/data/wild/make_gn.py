"""GroupNorm model of another exporter's style (issue 13, entropy calibration; written by the lead, committed by entropy28).

Depthwise-separable blocks (3x3 depthwise Conv, 1x1 Conv), GroupNorm(4) that torch 1.13 exports at opset 12 as Reshape +
InstanceNormalization + Reshape + Mul + Add, SiLU as x * sigmoid(x), MaxPool, a ReduceMax head (torch.amax) and a Linear;
one epoch over the first 20,000 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's
dataset-fashion-mnist), batch 64, Adam 3e-3, torch.manual_seed(0), deterministic on one machine.
Run: /usr/bin/python3 tests/data/wild/make_gn.py OUT.onnx [--instance-norm]   (about 1 min on 2 cores)
--instance-norm: the same network with InstanceNorm2d(affine=True) in place of each GroupNorm (torch writes one
InstanceNormalization on [N, C, H, W] with its scale and bias, no Reshape): speed28's second form.
tests/data/models/gn_groupnorm.onnx is its output (20,731 bytes, SHA-256 1dec8990...): fp32 0.7669 on the 10,000 test
images; main at 4e238194 quantized it fiq-int8 with --method entropy to 0.6667 (the KL threshold of '/b1/dw/Conv' clipped
3.6 % of its values, before the normalization), EntropySaturationTest.
"""
import gzip, sys, numpy as np, torch, torch.nn as nn
torch.manual_seed(0)
INSTANCE = '--instance-norm' in sys.argv[2:]
def idx(p):
    with gzip.open(p) as f: d = f.read()
    n = int.from_bytes(d[4:8], 'big')
    return np.frombuffer(d, np.uint8, offset=16 if d[3] == 3 else 8)
root = '/usr/share/datasets/fashion-mnist/'
X = idx(root + 'train-images-idx3-ubyte.gz').reshape(-1, 1, 28, 28).astype(np.float32) / 255
Y = idx(root + 'train-labels-idx1-ubyte.gz').astype(np.int64)
class Block(nn.Module):
    def __init__(s, ci, co):
        super().__init__(); s.dw = nn.Conv2d(ci, ci, 3, padding=1, groups=ci); s.pw = nn.Conv2d(ci, co, 1); s.gn = nn.InstanceNorm2d(co, affine=True) if INSTANCE else nn.GroupNorm(4, co); s.act = nn.SiLU()
    def forward(s, x): return s.act(s.gn(s.pw(s.dw(x))))
class Net(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Conv2d(1, 16, 3, padding=1); s.b1 = Block(16, 32); s.b2 = Block(32, 64); s.pool = nn.MaxPool2d(2); s.head = nn.Linear(64, 10)
    def forward(s, x):
        x = torch.relu(s.stem(x)); x = s.pool(s.b1(x)); x = s.pool(s.b2(x)); x = torch.amax(x, dim=(2, 3)); return s.head(x)
m = Net(); opt = torch.optim.Adam(m.parameters(), 3e-3)
for i in range(0, 20000, 64):
    xb, yb = torch.from_numpy(X[i:i+64]), torch.from_numpy(Y[i:i+64])
    opt.zero_grad(); loss = nn.functional.cross_entropy(m(xb), yb); loss.backward(); opt.step()
m.eval()
torch.onnx.export(m, torch.zeros(1, 1, 28, 28), sys.argv[1], input_names=['input'], output_names=['logits'], opset_version=12,
                  dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}})
print('loss', float(loss))
