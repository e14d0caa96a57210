#!/usr/bin/python3
"""Models Quantrace was not tuned on, exported as real exporters write them (issue 13, "models in the wild"): SqueezeNet
fire modules, ShuffleNet channel shuffle, DenseNet concat chains with pre-activation BatchNorm, EfficientNet SiLU + SE,
Conv1d, MLPs (Gemm; MatMul + Add + LayerNorm + GELU), two inputs, Upsample at opset 9/10, static batch 1, NHWC input,
weights in Constant nodes, training-mode exports (Dropout, BatchNorm), Cast nodes, external data.
Each trains briefly (WILD_STEPS, default 400 steps of 64 Fashion-MNIST images, one thread): enough to hunt crashes,
wrong outputs and verify mismatches, not to publish accuracies. The models are not kept in the repository (the
regression tests build tiny graphs of each defect in code); try.sh runs the CLI over one of them.
    /usr/bin/python3 tests/data/wild/make_wild.py [name...]   -> <name>.onnx in $WILD_OUT (default /tmp/wild)"""
import gzip, os, struct, sys, math
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
torch.set_num_threads(1)
OUT = os.environ.get("WILD_OUT") or "/tmp/wild"
os.makedirs(OUT, exist_ok=True)
SRC = "/usr/share/datasets/fashion-mnist"
STEPS = int(os.environ.get("WILD_STEPS", "400"))

def read_idx(p):
    raw = gzip.open(p).read(); magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        r, c = struct.unpack(">II", raw[8:16]); return np.frombuffer(raw, np.uint8, offset=16).reshape(n, r, c)
    return np.frombuffer(raw, np.uint8, offset=8).reshape(n)

def data():
    x = read_idx(f"{SRC}/train-images-idx3-ubyte.gz"); y = read_idx(f"{SRC}/train-labels-idx1-ubyte.gz").astype(np.int64)
    tx = read_idx(f"{SRC}/t10k-images-idx3-ubyte.gz"); ty = read_idx(f"{SRC}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return x, y, tx, ty

def T(a): return torch.from_numpy(a.astype(np.float32) / 255).unsqueeze(1)

def calib300():
    """The zoo's 300 calibration images (tests/data/zoo/data), as torch's PTQ scripts calibrate on them."""
    return T(read_idx(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo", "data", "calib300-images-idx3-ubyte.gz")))

def test_accuracy(d):
    """acc(model): a torch model's accuracy on all 10,000 test images, in batches of 500 (the PTQ scripts' figure)."""
    tx, ty = T(d[2]), d[3]
    def acc(m):
        with torch.no_grad(): o = torch.cat([m(tx[i:i+500]) for i in range(0, len(tx), 500)])
        return float((o.argmax(1).numpy() == ty).mean())
    return acc

def train(model, d, steps=STEPS, lr=3e-3, prep=lambda x: (x,)):
    torch.manual_seed(0); x, y, tx, ty = d
    opt = torch.optim.Adam(model.parameters(), lr=lr); model.train()
    g = torch.Generator().manual_seed(0)
    for s in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy()
        loss = F.cross_entropy(model(*prep(T(x[idx]))), torch.from_numpy(y[idx]))
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(*prep(T(tx[i:i+500]))) for i in range(0, 2000, 500)])
    acc = float((out.argmax(1).numpy() == ty[:2000]).mean())
    print(f"  torch acc (2000 test) {acc:.4f}", flush=True)
    return acc

class Fire(nn.Module):
    def __init__(s, cin, sq, e):
        super().__init__(); s.sq = nn.Conv2d(cin, sq, 1); s.e1 = nn.Conv2d(sq, e, 1); s.e3 = nn.Conv2d(sq, e, 3, padding=1)
    def forward(s, x):
        x = F.relu(s.sq(x)); return torch.cat([F.relu(s.e1(x)), F.relu(s.e3(x))], 1)

class SqueezeNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Conv2d(1, 32, 3, 2, 1); s.f1 = Fire(32, 8, 16); s.f2 = Fire(32, 8, 16); s.f3 = Fire(32, 16, 32)
        s.cls = nn.Conv2d(64, 10, 1)
    def forward(s, x):
        x = F.relu(s.stem(x)); x = s.f2(s.f1(x)); x = F.max_pool2d(x, 3, 2, ceil_mode=True); x = s.f3(x)
        x = F.dropout(x, 0.2, s.training); x = F.relu(s.cls(x))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

def shuffle(x, g):
    n, c, h, w = x.shape
    return x.view(n, g, c // g, h, w).transpose(1, 2).contiguous().view(n, c, h, w)

class ShuffleUnit(nn.Module):
    def __init__(s, c):
        super().__init__(); h = c // 2
        s.b = nn.Sequential(nn.Conv2d(h, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU(),
                            nn.Conv2d(h, h, 3, 1, 1, groups=h, bias=False), nn.BatchNorm2d(h),
                            nn.Conv2d(h, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU())
    def forward(s, x):
        a, b = x.chunk(2, dim=1); return shuffle(torch.cat([a, s.b(b)], 1), 2)

class ShuffleNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        s.u = nn.Sequential(ShuffleUnit(32), ShuffleUnit(32), nn.MaxPool2d(2), ShuffleUnit(32))
        s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = s.u(s.stem(x)); return s.fc(x.mean([2, 3]))

class DenseNet(nn.Module):
    def __init__(s, g=12):
        super().__init__()
        s.stem = nn.Conv2d(1, 16, 3, 2, 1); c = 16; s.layers = nn.ModuleList()
        for i in range(4):
            s.layers.append(nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, g, 3, 1, 1, bias=False))); c += g
        s.trans = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, 32, 1, bias=False), nn.AvgPool2d(2))
        s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = s.stem(x)
        for l in s.layers: x = torch.cat([x, l(x)], 1)
        x = s.trans(x); return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

class SiLU(nn.Module):
    def forward(s, x): return x * torch.sigmoid(x)

class MBConv(nn.Module):
    def __init__(s, cin, cout, stride, e=4):
        super().__init__(); h = cin * e
        s.expand = nn.Sequential(nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h), SiLU())
        s.dw = nn.Sequential(nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False), nn.BatchNorm2d(h), SiLU())
        s.se1 = nn.Conv2d(h, max(1, cin // 4), 1); s.se2 = nn.Conv2d(max(1, cin // 4), h, 1)
        s.proj = nn.Sequential(nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.res = stride == 1 and cin == cout
    def forward(s, x):
        y = s.dw(s.expand(x)); z = y.mean([2, 3], keepdim=True)
        z = torch.sigmoid(s.se2(s.se1(z) * torch.sigmoid(s.se1(z)))); y = s.proj(y * z)
        return x + y if s.res else y

class EfficientNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), SiLU())
        s.blocks = nn.Sequential(MBConv(16, 16, 1), MBConv(16, 24, 2), MBConv(24, 24, 1))
        s.head = nn.Sequential(nn.Conv2d(24, 64, 1, bias=False), nn.BatchNorm2d(64), SiLU())
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = s.head(s.blocks(s.stem(x))); return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

class Conv1dNet(nn.Module):  # rows as a sequence: [N, 28 channels, 28 steps]
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv1d(28, 64, 3, padding=1); s.b1 = nn.BatchNorm1d(64); s.c2 = nn.Conv1d(64, 64, 3, padding=1, stride=2)
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = x.squeeze(1).transpose(1, 2)
        x = F.relu(s.b1(s.c1(x))); x = F.relu(s.c2(x)); x = F.max_pool1d(x, 2)
        return s.fc(x.mean(2))

class MLP(nn.Module):
    def __init__(s):
        super().__init__(); s.f1 = nn.Linear(784, 256); s.f2 = nn.Linear(256, 128); s.f3 = nn.Linear(128, 10); s.d = nn.Dropout(0.2)
    def forward(s, x):
        x = torch.flatten(x, 1); return s.f3(s.d(F.relu(s.f2(s.d(F.relu(s.f1(x)))))))

class TokenMLP(nn.Module):  # 3-D Linear -> MatMul + Add
    def __init__(s):
        super().__init__(); s.f1 = nn.Linear(28, 64); s.f2 = nn.Linear(64, 32); s.ln = nn.LayerNorm(32); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = x.squeeze(1); x = F.gelu(s.f1(x)); x = s.ln(s.f2(x)); return s.fc(x.mean(1))

class TwoInput(nn.Module):
    def __init__(s):
        super().__init__(); s.a = nn.Conv2d(1, 16, 3, 2, 1); s.b = nn.Conv2d(1, 16, 3, 2, 1); s.fc = nn.Linear(32, 10)
    def forward(s, x, y):
        a = F.relu(s.a(x)); b = F.relu(s.b(y)); return s.fc(torch.cat([a, b], 1).mean([2, 3]))

class UpNet(nn.Module):  # Upsample at opset 9
    def __init__(s):
        super().__init__()
        s.c1 = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU()); s.c2 = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU())
        s.up = nn.Upsample(scale_factor=2, mode="nearest"); s.c3 = nn.Sequential(nn.Conv2d(48, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU())
        s.d = nn.Dropout(0.1); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        a = s.c1(x); b = s.c2(a); x = s.c3(torch.cat([a, s.up(b)], 1))
        return s.fc(s.d(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))

class SmallCnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        s.d = nn.Dropout(0.2); s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x): return s.fc(s.d(torch.flatten(s.f(x), 1)))

class NhwcCnn(SmallCnn):  # input NHWC, a Transpose first (tf2onnx style)
    def forward(s, x): return super().forward(x.permute(0, 3, 1, 2))

def export(model, name, opset=13, inputs=None, names=("input",), dynamic=True, **kw):
    inputs = inputs or (torch.zeros(1, 1, 28, 28),)
    path = os.path.join(OUT, name + ".onnx")
    dyn = {n: {0: "N"} for n in list(names) + ["logits"]} if dynamic else None
    torch.onnx.export(model, inputs, path, opset_version=opset, input_names=list(names), output_names=["logits"], dynamic_axes=dyn, **kw)
    onnx.checker.check_model(onnx.load(path))
    print(f"  wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
    return path

def to_constants(path):
    m = onnx.load(path); g = m.graph
    consts = [helper.make_node("Constant", [], [t.name], name="C_" + t.name.replace(".", "_"), value=t) for t in g.initializer]
    names = {t.name for t in g.initializer}; ins = [i for i in g.input if i.name not in names]
    nodes = consts + list(g.node); del g.initializer[:]; del g.node[:]; g.node.extend(nodes); del g.input[:]; g.input.extend(ins)
    onnx.save(m, path)

def add_casts(path):
    """Cast input to float (as from a double/uint8-typed exporter) and Cast float->float before output."""
    m = onnx.load(path); g = m.graph
    inp = g.input[0].name; g.input[0].name = inp + "_raw"
    n0 = helper.make_node("Cast", [inp + "_raw"], [inp], to=TensorProto.FLOAT, name="cast_in")
    out = g.output[0].name; last = [n for n in g.node if out in n.output][0]
    last.output[list(last.output).index(out)] = out + "_pre"
    n1 = helper.make_node("Cast", [out + "_pre"], [out], to=TensorProto.FLOAT, name="cast_out")
    nodes = [n0] + list(g.node) + [n1]; del g.node[:]; g.node.extend(nodes); onnx.save(m, path)

MODELS = {}
def model(f): MODELS[f.__name__] = f; return f

@model
def squeezenet(d): m = SqueezeNet(); train(m, d); export(m, "squeezenet", 13)
@model
def shufflenet(d): m = ShuffleNet(); train(m, d); export(m, "shufflenet", 11)
@model
def densenet(d): m = DenseNet(); train(m, d); export(m, "densenet", 13)
@model
def efficientnet(d): m = EfficientNet(); train(m, d); export(m, "efficientnet", 13)
@model
def conv1d(d): m = Conv1dNet(); train(m, d); export(m, "conv1d", 13)
@model
def mlp(d): m = MLP(); train(m, d); export(m, "mlp", 13, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
@model
def tokenmlp(d): m = TokenMLP(); train(m, d); export(m, "tokenmlp", 17)
@model
def twoinput(d):
    m = TwoInput(); train(m, d, prep=lambda x: (x, 1 - x))
    export(m, "twoinput", 13, inputs=(torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 28)), names=("input", "inverse"))
@model
def upsample9(d): m = UpNet(); train(m, d); export(m, "upsample9", 9, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
@model
def upsample10(d): m = UpNet(); train(m, d); export(m, "upsample10", 10)
@model
def static1(d): m = SmallCnn(); train(m, d); export(m, "static1", 13, dynamic=False)
@model
def nhwc(d):
    m = NhwcCnn(); train(m, d, prep=lambda x: (x.permute(0, 2, 3, 1),))
    export(m, "nhwc", 11, inputs=(torch.zeros(1, 28, 28, 1),))
@model
def constants9(d):
    m = SmallCnn(); train(m, d)
    p = export(m, "constants9", 9, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False); to_constants(p)
@model
def dropout_train(d): m = SmallCnn(); train(m, d); export(m, "dropout_train", 12, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
@model
def casts(d): m = SmallCnn(); train(m, d); p = export(m, "casts", 13); add_casts(p)
@model
def external(d):
    m = SmallCnn(); train(m, d); p = export(m, "external", 13)
    mm = onnx.load(p); onnx.save_model(mm, p, save_as_external_data=True, all_tensors_to_one_file=True, location="external.onnx.data", size_threshold=64)

if __name__ == "__main__":
    d = data()
    for n in sys.argv[1:] or list(MODELS):
        print(n, flush=True); MODELS[n](d)
