#!/usr/bin/python3
"""Fifth round (issue 13, "models in the wild", branch wild5): architectures and export options the earlier rounds did not
cover. ResNeXt blocks (grouped 3x3 Conv, groups 8, in residuals), GoogLeNet/Inception branches (1x1/3x3/5x5 and a pool
branch, MaxPool ceil_mode, Concat) with an auxiliary classifier as a second float output, MNASNet blocks (5x5 depthwise,
expansion 3/6, no activation after the projection), a PixelShuffle (DepthToSpace) super-resolution model whose output is
an image, an image-to-image model with reflection Pad, InstanceNorm and a Tanh image output, SELU/CELU/Mish/Hardtanh/
ReLU6/Softsign/LogSoftmax activations, a pre-norm nn.TransformerEncoder (norm_first, GELU, a CLS token concatenated in
front), an Einsum self-attention (two activations), an Elman nn.RNN (bidirectional) over the rows, a text CNN over int64
token ids (nn.Embedding, Conv1d, max over time) and the same fed int32 ids (Cast inside), MatMul with the weight as first
input, a Gemm reading the weight as A (transposed output), and export options: do_constant_folding=False (BatchNorm and
shape arithmetic left to the consumer) and keep_initializers_as_inputs=True at opset 13 (IR 7: the weights are overridable
graph inputs), at opsets 14-16.
Same rules as make_wild.py: Fashion-MNIST, WILD_STEPS (default 400) steps of 64 images, seed 0, one thread.
    /usr/bin/python3 tests/data/wild/make_wild5.py [name...]   -> <name>.onnx in $WILD_OUT (default /tmp/wild5)
The token models also write tokens-calib.npy / tokens-test.npy (int64 [N, 49], int32 for textcnn_i32: tokens32-*.npy) with
labels-calib.npy / labels-test.npy."""
import os, sys
os.environ.setdefault("WILD_OUT", "/tmp/wild5")
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_wild import OUT, data, train, export, T
from make_wild2 import tokens, save

MODELS = {}
def model(f): MODELS[f.__name__] = f; return f

def export_named(m, name, opset, outputs):
    """torch.onnx.export of a one-image-input model with these output names, every axis 0 dynamic."""
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"], output_names=list(outputs),
                      dynamic_axes={n: {0: "N"} for n in ["input", *outputs]})
    onnx.checker.check_model(onnx.load(p)); print("  wrote", p)

def cbr(cin, cout, k=3, s=1, g=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

class NeXtBlock(nn.Module):  # ResNeXt bottleneck: 1x1, grouped 3x3 (cardinality 8), 1x1, residual
    def __init__(s, cin, width, cout, stride):
        super().__init__()
        s.a = cbr(cin, width, 1); s.b = cbr(width, width, 3, stride, 8)
        s.c = nn.Sequential(nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.sc = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x): return F.relu(s.c(s.b(s.a(x))) + s.sc(x))

class ResNeXt(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = cbr(1, 32, 3, 1)
        s.l = nn.Sequential(NeXtBlock(32, 32, 64, 2), NeXtBlock(64, 32, 64, 1), NeXtBlock(64, 64, 128, 2))
        s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.l(s.stem(x)), 1), 1))

class Inception(nn.Module):  # GoogLeNet's module: 1x1 | 1x1-3x3 | 1x1-5x5 | 3x3 maxpool-1x1
    def __init__(s, cin, c1, c3r, c3, c5r, c5, cp):
        super().__init__()
        s.b1 = cbr(cin, c1, 1); s.b2 = nn.Sequential(cbr(cin, c3r, 1), cbr(c3r, c3, 3)); s.b3 = nn.Sequential(cbr(cin, c5r, 1), cbr(c5r, c5, 5))
        s.b4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), cbr(cin, cp, 1))
    def forward(s, x): return torch.cat([s.b1(x), s.b2(x), s.b3(x), s.b4(x)], 1)

class GoogLeNet(nn.Module):
    def __init__(s, aux=False):
        super().__init__(); s.aux = aux
        s.stem = cbr(1, 32, 3); s.i1 = Inception(32, 16, 16, 24, 4, 8, 8); s.i2 = Inception(56, 24, 24, 32, 8, 16, 16)
        s.i3 = Inception(88, 32, 24, 48, 8, 16, 16); s.fc = nn.Linear(112, 10)
        if aux: s.auxc = cbr(88, 32, 1); s.auxfc = nn.Linear(32 * 4 * 4, 10)
    def forward(s, x):
        x = F.max_pool2d(s.stem(x), 3, 2, ceil_mode=True)  # 28 -> 14 (ceil)
        x = s.i2(s.i1(x)); y = F.max_pool2d(x, 3, 2, ceil_mode=True)  # 14 -> 7
        out = s.fc(torch.flatten(F.adaptive_avg_pool2d(s.i3(y), 1), 1))
        if not s.aux: return out
        a = s.auxc(F.avg_pool2d(x, 5, 3))  # the aux head of GoogLeNet: AvgPool 5/3 (14 -> 4), 1x1 conv, fc
        return out, s.auxfc(torch.flatten(a, 1))

class MBConv(nn.Module):  # MNASNet's inverted residual: expand 1x1, depthwise k x k, linear 1x1 projection
    def __init__(s, cin, cout, k, stride, e):
        super().__init__(); h = cin * e; s.res = stride == 1 and cin == cout
        s.f = nn.Sequential(cbr(cin, h, 1), cbr(h, h, k, stride, h), nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x): return x + s.f(x) if s.res else s.f(x)

class MnasNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(cbr(1, 16, 3, 2), cbr(16, 16, 3, 1, 16), nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8))
        s.b = nn.Sequential(MBConv(8, 16, 3, 1, 3), MBConv(16, 16, 3, 1, 3), MBConv(16, 24, 5, 2, 3), MBConv(24, 24, 5, 1, 6), MBConv(24, 32, 5, 1, 6))
        s.head = cbr(32, 128, 1); s.drop = nn.Dropout(0.2); s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(s.drop(s.head(s.b(s.stem(x))).mean([2, 3])))

class SuperRes(nn.Module):  # ESPCN-style x2: 28x28 -> 56x56 through PixelShuffle (DepthToSpace)
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(1, 32, 5, 1, 2); s.c2 = nn.Conv2d(32, 16, 3, 1, 1); s.c3 = nn.Conv2d(16, 4, 3, 1, 1); s.ps = nn.PixelShuffle(2)
    def forward(s, x): return s.ps(s.c3(torch.tanh(s.c2(torch.tanh(s.c1(x))))))

class Restore(nn.Module):  # denoiser as style-transfer nets are built: reflection pad, InstanceNorm, stride-2 down, nearest up, Tanh image
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 5); s.n1 = nn.InstanceNorm2d(16, affine=True); s.c2 = nn.Conv2d(16, 32, 3, 2, 1); s.n2 = nn.InstanceNorm2d(32, affine=True)
        s.c3 = nn.Conv2d(32, 16, 3); s.n3 = nn.InstanceNorm2d(16, affine=True); s.c4 = nn.Conv2d(16, 1, 5)
    def forward(s, x):
        h = F.relu(s.n1(s.c1(F.pad(x, (2, 2, 2, 2), "reflect")))); h = F.relu(s.n2(s.c2(h)))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest"); h = F.relu(s.n3(s.c3(F.pad(h, (1, 1, 1, 1), "reflect"))))
        return torch.tanh(s.c4(F.pad(h, (2, 2, 2, 2), "reflect"))) * 0.5 + 0.5

class Acts(nn.Module):  # activations the earlier rounds did not meet; log-probabilities out
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 2, 1); s.c2 = nn.Conv2d(16, 32, 3, 1, 1); s.c3 = nn.Conv2d(32, 32, 3, 2, 1); s.c4 = nn.Conv2d(32, 32, 1)
        s.c5 = nn.Conv2d(32, 32, 3, 1, 1); s.fc1 = nn.Linear(32, 32); s.fc2 = nn.Linear(32, 10)
    def forward(s, x):
        x = F.selu(s.c1(x)); x = F.celu(s.c2(x), 0.5); x = s.c3(x); x = x * torch.tanh(F.softplus(x))  # Mish as opset < 18 writes it
        x = F.hardtanh(s.c4(x), -1.0, 1.0); x = F.relu6(s.c5(x)); x = F.softsign(s.fc1(x.mean([2, 3])))
        return F.log_softmax(s.fc2(x), 1)

class PreNormEncoder(nn.Module):  # ViT-like: CLS token concatenated in front, norm_first layers with GELU, final LayerNorm
    def __init__(s):
        super().__init__(); s.inp = nn.Linear(28, 32); s.cls = nn.Parameter(torch.zeros(1, 1, 32)); s.pos = nn.Parameter(torch.randn(1, 29, 32) * 0.02)
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, activation="gelu", batch_first=True, norm_first=True)
        s.enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(32)); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        h = s.inp(x.squeeze(1)); h = torch.cat([s.cls.expand(h.shape[0], -1, -1), h], 1) + s.pos
        return s.fc(s.enc(h)[:, 0])

class EinsumAttention(nn.Module):  # single-head self-attention written with einsum over two activations
    def __init__(s):
        super().__init__(); s.qkv = nn.Linear(28, 96); s.o = nn.Linear(32, 32); s.fc = nn.Linear(32, 10)
    def forward(s, x):
        q, k, v = s.qkv(x.squeeze(1)).chunk(3, -1)
        a = torch.einsum("bqd,bkd->bqk", q, k) / 32 ** 0.5
        h = torch.einsum("bqk,bkd->bqd", a.softmax(-1), v)
        return s.fc(F.relu(s.o(h)).mean(1))

class RowsRnn(nn.Module):  # Elman RNN (ONNX RNN op), bidirectional, over the rows
    def __init__(s):
        super().__init__(); s.rnn = nn.RNN(28, 48, batch_first=True, bidirectional=True); s.fc = nn.Linear(96, 10)
    def forward(s, x): y, _ = s.rnn(x.squeeze(1)); return s.fc(y.mean(1))

class TextCnn(nn.Module):  # Kim's text CNN over the patch tokens of make_wild2: Embedding, Conv1d widths 2/3/4, max over time
    def __init__(s, cast=False):
        super().__init__(); s.cast = cast; s.emb = nn.Embedding(64, 24, padding_idx=0)
        s.convs = nn.ModuleList(nn.Conv1d(24, 16, k) for k in (2, 3, 4)); s.fc = nn.Linear(48, 10)
    def forward(s, ids):
        e = s.emb(ids.long() if s.cast else ids).transpose(1, 2)
        return s.fc(torch.cat([F.relu(c(e)).amax(2) for c in s.convs], 1))

class WeightFirst(nn.Module):  # h^T = W x^T: MatMul(W, Transpose(x)), the bias added along rows
    def __init__(s):
        super().__init__(); s.w = nn.Parameter(torch.randn(64, 784) * 0.03); s.b = nn.Parameter(torch.zeros(64, 1)); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        h = torch.relu(torch.matmul(s.w, torch.flatten(x, 1).t()) + s.b)  # [64, N]
        return s.fc(h.t())

class SmallCnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(cbr(1, 16, 3), nn.MaxPool2d(2), cbr(16, 32, 3), nn.MaxPool2d(2))
        s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x): return s.fc(torch.flatten(s.f(x), 1))

def images_train(m, d, target, steps=400):
    """Trains an image-to-image model on MSE against target(x); prints the test PSNR."""
    torch.manual_seed(0); x, _, tx, _ = d; opt = torch.optim.Adam(m.parameters(), lr=3e-3); g = torch.Generator().manual_seed(0); m.train()
    for s in range(steps):
        b = T(x[torch.randint(0, len(x), (64,), generator=g).numpy()])
        loss = F.mse_loss(m(*target(b)[:1]), target(b)[1]); opt.zero_grad(); loss.backward(); opt.step()
    m.eval()
    with torch.no_grad():
        b = T(tx[:500]); i, t = target(b); mse = F.mse_loss(m(i), t).item()
    print(f"  torch test PSNR {10 * np.log10(1 / mse):.2f} dB", flush=True)

def token_data(d, dtype, prefix):
    x, y, tx, ty = d
    np.save(os.path.join(OUT, prefix + "-calib.npy"), tokens(x[:300]).astype(dtype)); np.save(os.path.join(OUT, "labels-calib.npy"), y[:300])
    np.save(os.path.join(OUT, prefix + "-test.npy"), tokens(tx[:2000]).astype(dtype)); np.save(os.path.join(OUT, "labels-test.npy"), ty[:2000])

def token_prep(b): return (torch.from_numpy(tokens((b.squeeze(1) * 255).round().numpy())),)

@model
def inception_aux(d):
    """Two float outputs: the logits first, the auxiliary head's logits second (trained on 0.3 x its loss, as GoogLeNet)."""
    m = GoogLeNet(aux=True)
    class L(nn.Module):
        def __init__(s): super().__init__(); s.m = m
        def forward(s, x):
            a, b = s.m(x); return a + 0.3 * b if s.training else a
    train(L(), d); export_named(m, "inception_aux", 15, ["logits", "aux_logits"])
@model
def superres(d):
    m = SuperRes(); images_train(m, d, lambda b: (b, F.interpolate(b, scale_factor=2.0, mode="bicubic", align_corners=False).clamp(0, 1)))
    export_named(m, "superres", 15, ["image"])
@model
def restore(d):
    gen = torch.Generator().manual_seed(1)
    m = Restore(); images_train(m, d, lambda b: ((b + 0.1 * torch.randn(b.shape, generator=gen)).clamp(0, 1), b))
    export_named(m, "restore", 14, ["image"])
@model
def textcnn(d):
    x, y, tx, ty = d; m = TextCnn(); train(m, d, prep=token_prep)
    export(m, "textcnn", 15, inputs=(torch.from_numpy(tokens(tx[:2])),), names=("input_ids",)); token_data(d, np.int64, "tokens")
@model
def textcnn_i32(d):
    x, y, tx, ty = d; m = TextCnn(cast=True); train(m, d, prep=lambda b: (token_prep(b)[0].int(),))
    export(m, "textcnn_i32", 15, inputs=(torch.from_numpy(tokens(tx[:2]).astype(np.int32)),), names=("input_ids",)); token_data(d, np.int32, "tokens32")
@model
def gemm_wa(d):
    """SmallCnn whose classifier is Gemm(A = W [10, K], B = x [N, K], transB = 1) -> [10, N], then Transpose: the weight as A."""
    m = SmallCnn(); train(m, d); p = export(m, "gemm_wa", 13)
    mm = onnx.load(p); g = mm.graph; gemm = [n for n in g.node if n.op_type == "Gemm"][-1]
    inits = {t.name: t for t in g.initializer}; b = numpy_helper.to_array(inits[gemm.input[2]])
    inits[gemm.input[2]].CopyFrom(numpy_helper.from_array(b.reshape(10, 1).astype(np.float32), gemm.input[2]))
    out = gemm.output[0]; gemm.output[0] = "logits_t"; x, w = gemm.input[0], gemm.input[1]; gemm.input[0] = w; gemm.input[1] = x
    del gemm.attribute[:]; gemm.attribute.extend([helper.make_attribute("transB", 1)])
    idx = list(g.node).index(gemm); g.node.insert(idx + 1, helper.make_node("Transpose", ["logits_t"], [out], perm=[1, 0], name="/fc/Transpose"))
    save(mm, "gemm_wa")

# trained and exported as they are: name -> (model class, opset, export options)
PLAIN = {"resnext": (ResNeXt, 14, {}), "inception": (GoogLeNet, 15, {}), "mnasnet": (MnasNet, 16, {}), "acts": (Acts, 15, {}),
         "prenorm": (PreNormEncoder, 16, {}), "einsum_attn": (EinsumAttention, 14, {}), "birnn": (RowsRnn, 14, {}), "weightfirst": (WeightFirst, 14, {}),
         "nofold": (SmallCnn, 15, {"do_constant_folding": False}), "kinit13": (SmallCnn, 13, {"keep_initializers_as_inputs": True})}
def plain(name):
    cls, opset, kw = PLAIN[name]
    def make(d): m = cls(); train(m, d); export(m, name, opset, **kw)
    return make
MODELS.update({n: plain(n) for n in PLAIN})

if __name__ == "__main__":
    d = data()
    for n in sys.argv[1:] or list(MODELS):
        print(n, flush=True); MODELS[n](d)
