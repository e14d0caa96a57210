#!/usr/bin/python3
"""Second hostile round (issue 13, "models in the wild"): architectures and export styles the first round
(make_wild.py) did not cover. nn.TransformerEncoderLayer and nn.MultiheadAttention with padding and causal masks
(Where/Equal/Expand), a tiny BERT with int64 token ids (Gather embeddings), bidirectional stacked GRU/LSTM with
batch_first, grouped Conv (groups 2 and 4) with GroupNorm/InstanceNorm and PRelu/LeakyRelu/Elu/Softplus, Conv3d,
Einsum + Gemm(transB=0, alpha/beta != 1) + 4-D broadcast MatMul, ConvTranspose with output_padding and dilations +
Resize linear/cubic/nearest by scales and by sizes, a Scan and a Loop recurrence with outer-scope weights, nested If,
two outputs of which one is int64, initializers listed as graph inputs at opset 8 (old exporters), and dim_params
named differently per tensor with dynamic height/width.
Same rules as make_wild.py: Fashion-MNIST, WILD_STEPS (default 400) steps of 64 images, seed 0, one thread; hand-built
graphs (Scan, Loop, nested If, Gemm attributes) carry the weights of a torch model trained the same way.
    /usr/bin/python3 tests/data/wild/make_wild2.py [name...]   -> <name>.onnx in $WILD_OUT (default /tmp/wild)
The token model also writes tokens-calib.npy / tokens-test.npy (int64 [N, 49]) with labels-calib.npy / labels-test.npy."""
import os, sys
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_wild import OUT, STEPS, data, T, train, export

MODELS = {}
def model(f): MODELS[f.__name__] = f; return f

def save(m, name):
    onnx.checker.check_model(m); p = os.path.join(OUT, name + ".onnx"); onnx.save(m, p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True); return p

class RowsEncoder(nn.Module):  # image rows as 28 tokens of 28 features
    def __init__(s, layers=1, mask=False):
        super().__init__(); s.inp = nn.Linear(28, 32); s.pos = nn.Parameter(torch.randn(1, 28, 32) * 0.02); s.mask = mask
        s.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True), layers)
        s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = x.squeeze(1); pad = x.sum(2) == 0  # all-black rows are padding
        h = s.inp(x) + s.pos
        h = s.enc(h, src_key_padding_mask=pad) if s.mask else s.enc(h)
        return s.fc(h.mean(1))

class MhaNet(nn.Module):  # MultiheadAttention with a causal attn_mask and a key padding mask
    def __init__(s):
        super().__init__(); s.inp = nn.Linear(28, 32); s.att = nn.MultiheadAttention(32, 4, batch_first=True); s.ln = nn.LayerNorm(32)
        s.fc = nn.Linear(32, 10); s.register_buffer("causal", torch.triu(torch.ones(28, 28, dtype=torch.bool), 1))
    def forward(s, x):
        x = x.squeeze(1); pad = torch.eq(x.amax(2), 0.0); pad[:, 0] = False  # query 0 sees only key 0 (causal)
        h = s.inp(x); a, _ = s.att(h, h, h, key_padding_mask=pad, attn_mask=s.causal, need_weights=False)
        return s.fc(s.ln(h + a)[:, -1])

def tokens(img):  # 4x4 patches, mean bucketed into 64 levels; 0 = black patch (padding), ids 1..63 otherwise
    p = img.reshape(-1, 7, 4, 7, 4).mean((2, 4)).reshape(-1, 49)
    return np.where(p == 0, 0, 1 + np.minimum(62, (p / 255 * 63).astype(np.int64))).astype(np.int64)

class TinyBert(nn.Module):
    def __init__(s, vocab=64, d=32, heads=4, layers=2):
        super().__init__(); s.tok = nn.Embedding(vocab, d); s.pos = nn.Embedding(49, d); s.ln0 = nn.LayerNorm(d); s.heads = heads
        s.q = nn.ModuleList(nn.Linear(d, d) for _ in range(layers)); s.k = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        s.v = nn.ModuleList(nn.Linear(d, d) for _ in range(layers)); s.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        s.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers)); s.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        s.ff1 = nn.ModuleList(nn.Linear(d, 2 * d) for _ in range(layers)); s.ff2 = nn.ModuleList(nn.Linear(2 * d, d) for _ in range(layers))
        s.fc = nn.Linear(d, 10)
    def forward(s, ids):
        n, t = ids.shape; pos = torch.arange(t, device=ids.device).unsqueeze(0).expand(n, t)
        h = s.ln0(s.tok(ids) + s.pos(pos)); keep = (ids != 0).unsqueeze(1).unsqueeze(2)  # [N,1,1,T]
        for i in range(len(s.q)):
            def heads(z): return z.view(n, t, s.heads, -1).transpose(1, 2)
            q, k, v = heads(s.q[i](h)), heads(s.k[i](h)), heads(s.v[i](h))
            sc = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)
            sc = sc.masked_fill(~keep.expand_as(sc), -1e4)
            a = (sc.softmax(-1) @ v).transpose(1, 2).reshape(n, t, -1)
            h = s.ln1[i](h + s.o[i](a)); h = s.ln2[i](h + s.ff2[i](F.gelu(s.ff1[i](h))))
        m = (ids != 0).unsqueeze(-1).float()
        return s.fc((h * m).sum(1) / m.sum(1).clamp(min=1))

class BiRnn(nn.Module):
    def __init__(s, kind):
        super().__init__(); s.rnn = getattr(nn, kind)(28, 32, num_layers=2, batch_first=True, bidirectional=True); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        y, _ = s.rnn(x.squeeze(1)); return s.fc(y[:, -1])

class GroupNet(nn.Module):  # grouped (not depthwise) Conv, GroupNorm, InstanceNorm, assorted activations
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 16, 3, 2, 1); s.a1 = nn.PReLU(16); s.c2 = nn.Conv2d(16, 32, 3, 1, 1, groups=2); s.gn = nn.GroupNorm(4, 32)
        s.c3 = nn.Conv2d(32, 32, 3, 2, 1, groups=4); s.inorm = nn.InstanceNorm2d(32, affine=True); s.c4 = nn.Conv2d(32, 32, 1, groups=4)
        s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = s.a1(s.c1(x)); x = F.leaky_relu(s.gn(s.c2(x)), 0.1); x = F.elu(s.inorm(s.c3(x))); x = F.softplus(s.c4(x))
        return s.fc(x.mean([2, 3]))

class Conv3dNet(nn.Module):  # the image as a 4-slice volume [N, 1, 4, 7, 28]
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv3d(1, 8, 3, 1, 1); s.b1 = nn.BatchNorm3d(8); s.c2 = nn.Conv3d(8, 16, (3, 3, 3), (1, 2, 2), 1); s.fc = nn.Linear(16, 10)
    def forward(s, x):
        x = x.reshape(-1, 1, 4, 7, 28); x = F.relu(s.b1(s.c1(x))); x = F.max_pool3d(x, (1, 2, 2)); x = F.relu(s.c2(x))
        return s.fc(x.mean([2, 3, 4]))

class EinsumNet(nn.Module):  # Einsum projections, 4-D batch-broadcast MatMul against a [4, 7, 8] weight
    def __init__(s):
        super().__init__(); s.w1 = nn.Parameter(torch.randn(28, 28) * 0.1); s.w2 = nn.Parameter(torch.randn(4, 7, 8) * 0.3)
        s.b = nn.Parameter(torch.zeros(28)); s.fc = nn.Linear(4 * 8, 10)
    def forward(s, x):
        h = torch.relu(torch.einsum("nchw,wk->nchk", x, s.w1) + s.b)  # [N,1,28,28]
        h = h.reshape(-1, 4, 28, 7)  # 4-D: [N, 4, 28, 7] @ [4, 7, 8] -> [N, 4, 28, 8]
        h = torch.relu(torch.matmul(h, s.w2)); h = torch.einsum("nhtk->nhk", h)  # ReduceSum via Einsum
        return s.fc(torch.flatten(h, 1) / 28)

class UpNet2(nn.Module):  # ConvTranspose with output_padding and dilation, Resize by scales and by sizes
    def __init__(s, mode):
        super().__init__(); s.mode = mode
        s.c1 = nn.Conv2d(1, 16, 3, 2, 1); s.c2 = nn.Conv2d(16, 16, 3, 2, 1)  # 28 -> 14 -> 7
        s.up1 = nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1, output_padding=1)  # 7 -> 14
        s.up2 = nn.ConvTranspose2d(16, 8, 3, stride=1, padding=2, dilation=2)  # 14 -> 14
        s.c3 = nn.Conv2d(8 + 16 + 16, 16, 3, 1, 1); s.fc = nn.Linear(16, 10)
    def forward(s, x):
        a = F.relu(s.c1(x)); b = F.relu(s.c2(a)); u = F.relu(s.up2(F.relu(s.up1(b))))
        kw = {} if s.mode == "nearest" else {"align_corners": False}
        r1 = F.interpolate(b, scale_factor=2.0, mode=s.mode, **kw)  # scales
        r2 = F.interpolate(b, size=(14, 14), mode=s.mode, **kw)  # sizes
        x = F.relu(s.c3(torch.cat([u, r1, r2], 1))); return s.fc(x.mean([2, 3]))

class MultiOut(nn.Module):
    def __init__(s):
        super().__init__(); s.c = nn.Conv2d(1, 16, 3, 2, 1); s.fc = nn.Linear(16 * 196, 10)
    def forward(s, x):
        y = s.fc(torch.flatten(F.relu(s.c(x)), 1)); return y, y.argmax(1)

class SmallCnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        s.fc = nn.Linear(32 * 49, 10)
    def forward(s, x): return s.fc(torch.flatten(s.f(x), 1))

class GapCnn(nn.Module):  # any height/width: global pooling before the classifier
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(1, 16, 3, 2, 1); s.c2 = nn.Conv2d(16, 32, 3, 2, 1); s.fc = nn.Linear(32, 10)
    def forward(s, x): return s.fc(F.relu(s.c2(F.relu(s.c1(x)))).mean([2, 3]))

class Elman(nn.Module):  # rows as steps: h = tanh(x W + h U + b); logits from the last h
    def __init__(s):
        super().__init__(); s.W = nn.Parameter(torch.randn(28, 32) * 0.1); s.U = nn.Parameter(torch.eye(32) * 0.5); s.b = nn.Parameter(torch.zeros(32))
        s.fc = nn.Linear(32, 10)
    def forward(s, x):
        x = x.squeeze(1); h = torch.zeros(x.shape[0], 32)
        for t in range(28): h = torch.tanh(x[:, t] @ s.W + h @ s.U + s.b)
        return s.fc(h)

def init(name, a): return numpy_helper.from_array(np.asarray(a, np.float32) if np.asarray(a).dtype.kind == "f" else np.asarray(a), name)
def W(p): return p.detach().numpy().astype(np.float32)
F32 = TensorProto.FLOAT

def elman_graph(m, kind):
    """Scan or Loop over the 28 rows; the body's MatMuls read W and U from the outer graph (outer-scope weights)."""
    inits = [init("W", W(m.W)), init("U", W(m.U)), init("b", W(m.b)), init("fcW", W(m.fc.weight).T), init("fcB", W(m.fc.bias)),
             init("axes1", np.array([1], np.int64)), init("perm_shape", np.array([-1, 28, 28], np.int64))]
    nodes = [helper.make_node("Reshape", ["input", "perm_shape"], ["rows"]),  # [N,28,28]
             helper.make_node("Transpose", ["rows"], ["steps"], perm=[1, 0, 2]),  # [28,N,28]
             helper.make_node("Shape", ["input"], ["ishape"]), helper.make_node("Gather", ["ishape", "zero"], ["n"], axis=0),
             helper.make_node("Concat", ["n", "hid"], ["hshape"], axis=0),
             helper.make_node("ConstantOfShape", ["hshape"], ["h0"], value=helper.make_tensor("v", F32, [1], [0.0]))]
    inits += [init("zero", np.array([0], np.int64)), init("hid", np.array([32], np.int64))]
    def step(x, h, out):
        return [helper.make_node("MatMul", [x, "W"], ["xw"]), helper.make_node("MatMul", [h, "U"], ["hu"]),
                helper.make_node("Add", ["xw", "hu"], ["s1"]), helper.make_node("Add", ["s1", "b"], ["s2"]),
                helper.make_node("Tanh", ["s2"], [out])]
    if kind == "scan":
        body = helper.make_graph(step("x_t", "h_in", "h_out") + [helper.make_node("Identity", ["h_out"], ["y_t"])], "scan_body",
                                 [helper.make_tensor_value_info("h_in", F32, ["N", 32]), helper.make_tensor_value_info("x_t", F32, ["N", 28])],
                                 [helper.make_tensor_value_info("h_out", F32, ["N", 32]), helper.make_tensor_value_info("y_t", F32, ["N", 32])])
        nodes.append(helper.make_node("Scan", ["h0", "steps"], ["h_last", "ys"], body=body, num_scan_inputs=1))
    else:
        body = helper.make_graph([helper.make_node("Gather", ["steps", "i"], ["x_t"], axis=0)] + step("x_t", "h_in", "h_out")
                                 + [helper.make_node("Identity", ["cond_in"], ["cond_out"])], "loop_body",
                                 [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                                  helper.make_tensor_value_info("h_in", F32, ["N", 32])],
                                 [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("h_out", F32, ["N", 32])])
        inits += [init("trips", np.array(28, np.int64)), numpy_helper.from_array(np.array(True), "cond")]
        nodes.append(helper.make_node("Loop", ["trips", "cond", "h0"], ["h_last"], body=body))
    nodes += [helper.make_node("MatMul", ["h_last", "fcW"], ["l0"]), helper.make_node("Add", ["l0", "fcB"], ["logits"])]
    g = helper.make_graph(nodes, kind, [helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", F32, ["N", 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="quantrace-wild2")

@model
def encoder(d): m = RowsEncoder(2); train(m, d); export(m, "encoder", 14)
@model
def encoder_mask(d): m = RowsEncoder(1, mask=True); train(m, d); export(m, "encoder_mask", 17)
@model
def mha(d): m = MhaNet(); train(m, d); export(m, "mha", 13)
@model
def bert(d):
    x, y, tx, ty = d; m = TinyBert(); train(m, d, prep=lambda b: (torch.from_numpy(tokens((b.squeeze(1) * 255).round().numpy())),))
    export(m, "bert", 14, inputs=(torch.from_numpy(tokens(tx[:2])),), names=("input_ids",))
    np.save(os.path.join(OUT, "tokens-calib.npy"), tokens(x[:300])); np.save(os.path.join(OUT, "labels-calib.npy"), y[:300])
    np.save(os.path.join(OUT, "tokens-test.npy"), tokens(tx[:2000])); np.save(os.path.join(OUT, "labels-test.npy"), ty[:2000])
@model
def bigru(d): m = BiRnn("GRU"); train(m, d); export(m, "bigru", 13)
@model
def bilstm(d): m = BiRnn("LSTM"); train(m, d); export(m, "bilstm", 13)
@model
def groupconv(d): m = GroupNet(); train(m, d); export(m, "groupconv", 13)
@model
def conv3d(d): m = Conv3dNet(); train(m, d); export(m, "conv3d", 13)
@model
def einsum(d):
    m = EinsumNet(); train(m, d); p = export(m, "einsum", 12)
    # the classifier as Gemm(transB=0, alpha=0.5, beta=2) with its weight doubled and bias halved (same function)
    mm = onnx.load(p); g = mm.graph; gemm = [n for n in g.node if n.op_type in ("Gemm", "MatMul") and n.output[0] != ""][-1]
    if gemm.op_type == "Gemm":
        inits = {t.name: t for t in g.initializer}; w = numpy_helper.to_array(inits[gemm.input[1]]); b = numpy_helper.to_array(inits[gemm.input[2]])
        tb = [a.i for a in gemm.attribute if a.name == "transB"]; w = w.T if tb and tb[0] == 1 else w
        inits[gemm.input[1]].CopyFrom(numpy_helper.from_array((2 * w).astype(np.float32), gemm.input[1]))
        inits[gemm.input[2]].CopyFrom(numpy_helper.from_array((b / 2).astype(np.float32), gemm.input[2]))
        del gemm.attribute[:]; gemm.attribute.extend([helper.make_attribute("alpha", 0.5), helper.make_attribute("beta", 2.0), helper.make_attribute("transB", 0)])
    save(mm, "einsum")
@model
def upbilinear(d): m = UpNet2("bilinear"); train(m, d); export(m, "upbilinear", 13)
@model
def upbicubic(d): m = UpNet2("bicubic"); train(m, d); export(m, "upbicubic", 11)
@model
def upnearest(d): m = UpNet2("nearest"); train(m, d); export(m, "upnearest", 13)
@model
def multiout(d):
    m = MultiOut()
    class L(nn.Module):
        def __init__(s): super().__init__(); s.m = m
        def forward(s, x): return s.m(x)[0]
    train(L(), d)
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), os.path.join(OUT, "multiout.onnx"), opset_version=13, input_names=["input"],
                      output_names=["logits", "label"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}, "label": {0: "N"}})
    onnx.checker.check_model(onnx.load(os.path.join(OUT, "multiout.onnx"))); print("  wrote multiout.onnx")
@model
def opset8_inputs(d):
    m = SmallCnn(); train(m, d)
    export(m, "opset8_inputs", 8, keep_initializers_as_inputs=True, training=torch.onnx.TrainingMode.EVAL)
@model
def dimnames(d):
    m = GapCnn(); train(m, d); p = os.path.join(OUT, "dimnames.onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=13, input_names=["image"], output_names=["scores"],
                      dynamic_axes={"image": {0: "batch_size", 2: "height", 3: "width"}, "scores": {0: "num_images"}})
    onnx.checker.check_model(onnx.load(p)); print("  wrote dimnames.onnx")
@model
def scan(d): m = Elman(); train(m, d); save(elman_graph(m, "scan"), "scan")
@model
def loop(d): m = Elman(); train(m, d); save(elman_graph(m, "loop"), "loop")
@model
def nested_if(d):
    """if mean(x) > 0.25: (if max(x) > 0.99: conv A else conv B) else conv C, each branch a Conv + Relu on outer-scope input."""
    m = GapCnn(); train(m, d); rng = np.random.default_rng(0)
    c1w, c1b = W(m.c1.weight), W(m.c1.bias)
    def branch(name, scale):
        wn = name + "_w"; out = name + "_y"
        g = helper.make_graph([helper.make_node("Conv", ["input", wn, name + "_b"], [name + "_c"], strides=[2, 2], pads=[1, 1, 1, 1]),
                               helper.make_node("Relu", [name + "_c"], [out])], name, [], [helper.make_tensor_value_info(out, F32, None)],
                              [init(wn, c1w * scale), init(name + "_b", c1b * scale)])
        return g
    inner = helper.make_node("If", ["big"], ["in_y"], then_branch=branch("A", 1.0), else_branch=branch("B", 0.9))
    then_g = helper.make_graph([helper.make_node("ReduceMax", ["input"], ["mx"], keepdims=0), helper.make_node("Greater", ["mx", "thr2"], ["big"]), inner],
                               "outer_then", [], [helper.make_tensor_value_info("in_y", F32, None)])
    nodes = [helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=0), helper.make_node("Greater", ["mean", "thr1"], ["bright"]),
             helper.make_node("If", ["bright"], ["h1"], then_branch=then_g, else_branch=branch("C", 1.1)),
             helper.make_node("Conv", ["h1", "c2w", "c2b"], ["h2c"], strides=[2, 2], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["h2c"], ["h2"]),
             helper.make_node("GlobalAveragePool", ["h2"], ["gp"]), helper.make_node("Flatten", ["gp"], ["f"]),
             helper.make_node("Gemm", ["f", "fcw", "fcb"], ["logits"], transB=1)]
    inits = [init("thr1", np.array(0.25, np.float32)), init("thr2", np.array(0.99, np.float32)), init("c2w", W(m.c2.weight)), init("c2b", W(m.c2.bias)),
             init("fcw", W(m.fc.weight)), init("fcb", W(m.fc.bias))]
    g = helper.make_graph(nodes, "nested_if", [helper.make_tensor_value_info("input", F32, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("logits", F32, ["N", 10])], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="quantrace-wild2"), "nested_if")

if __name__ == "__main__":
    d = data()
    for n in sys.argv[1:] or list(MODELS):
        print(n, flush=True); MODELS[n](d)
