#!/usr/bin/python3
"""Round 32 of models in the wild (issue 13; branch unseen32, 2026-12-07): graphs as OTHER TOOLS write them, not torch's
exporter. None of these tools is installable here (onnxruntime's Python package, skl2onnx: PyPI is not reachable), so each
graph is written op for op with onnx.helper from the tool's documented output, with the weights of a model trained here
(seed 0, Fashion-MNIST), as make_exporters30.py does:
- ortvit: a small pre-LN ViT (7x7 patches -> 16 tokens of 64, 2 blocks, 4 heads, MLP 128, mean pool) as **ONNX Runtime's
  transformers optimizer** (onnxruntime.transformers.optimizer, model_type vit/bert) leaves it: **com.microsoft.Attention**
  (fused [64, 192] QKV weight and [192] bias, num_heads 4), **SkipLayerNormalization** with the projection's bias as its 5th
  input and the residual sum as its 4th output (input_skip_bias_sum), **BiasGelu** after a bias-less MatMul, the first
  **LayerNormalization in the default domain at opset 14** (ORT's fusion writes it so; ONNX defines it from 17; ORT runs it);
  opset 14 + com.microsoft 1
- ortmha: the same weights as the optimizer writes them with use_multi_head_attention (ORT >= 1.15): three bias-less Q/K/V
  MatMuls into **com.microsoft.MultiHeadAttention** (bias [192] as its 4th input), **FastGelu** (tanh approximation, the
  optimizer's gelu_approximation: the model computes slightly differently from torch's erf GELU), SkipLayerNormalization,
  a head **FusedMatMul** (transB 1: MatMulTransposeFusion) + Add; opset 17 + com.microsoft 1
- ortcnn: a small residual CNN saved by an **ONNX Runtime session at ORT_ENABLE_EXTENDED** (optimized_model_filepath):
  BatchNorm folded into the Convs, **com.microsoft.FusedConv** (activation Relu), the residual Add + Relu fused into the
  second Conv as FusedConv's **Z input**, GlobalAveragePool, Flatten, **FusedGemm** (activation Relu) and a Gemm; opset 13
- skllr: a scikit-learn Pipeline(StandardScaler, LogisticRegression) on the 784 pixels as **skl2onnx** writes it:
  ai.onnx.ml **Scaler**, **LinearClassifier** (SOFTMAX post-transform, class labels 0-9), Normalizer (L1), **ZipMap**: outputs
  output_label (int64 [N]) and output_probability (a sequence of maps int64 -> float); opset 17 + ai.onnx.ml 1; written with it,
  skllr_nozipmap: the same pipeline with skl2onnx's options {'zipmap': False} (the probabilities a float tensor [N, 10])
- sklmlp: Pipeline(StandardScaler, MLPClassifier(128)) as skl2onnx writes it with options {zipmap: False}: Scaler,
  MatMul/Add/Relu, MatMul/Add, Softmax, the label by **ArgMax + ai.onnx.ml ArrayFeatureExtractor over the classes** +
  Reshape + Cast; outputs output_label (int64 [N]) then output_probability (float [N, 10]); opset 17 + ai.onnx.ml 1
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen32.py [NAME...]  -> NAME.onnx, NAME.json (provenance) and, for
    the sklearn models (input [N, 784] floats in [0, 1]), skl-calib.npy (the zoo's 300 calibration images, flattened),
    skl-test.npy (the first 2,000 test images), labels-calib.npy, labels-test.npy: `TOKENS=skl try2.sh sklmlp`
Provenance: seed 0; the torch models 300 steps (UNSEEN32_STEPS) of 64 training images, Adam 3e-3 (make_wild.train's loop);
the sklearn models on the first 10,000 training images (LogisticRegression lbfgs max_iter 100; MLPClassifier adam, 15
epochs, random_state 0). NAME.json: the trained model's accuracy on the first 2,000 test images, which `evaluate` of the
graph must reproduce (ortmha: FastGelu's approximation may move it by a sample or two)."""
import os, sys, json, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T, read_idx, calib300
from make_unseen13 import train13

STEPS = int(os.environ.get("UNSEEN32_STEPS", "300"))
W = lambda t: t.detach().numpy().astype(np.float32)
MS = "com.microsoft"

class Graph:
    """Nodes in order, weights as initializers (ORT's optimizer and skl2onnx both write initializers)."""
    def __init__(s): s.nodes, s.inits, s.n = [], [], 0
    def node(s, op, ins, outs, name=None, domain=None, **a):
        outs = [outs] if isinstance(outs, str) else outs
        s.n += 1
        s.nodes.append(helper.make_node(op, ins, outs, name=name or f"{op}_{s.n}", domain=domain, **a))
        return outs[0]
    def init(s, name, a):
        s.inits.append(numpy_helper.from_array(np.ascontiguousarray(a), name)); return name

# --- the ViT (ortvit, ortmha) ---------------------------------------------------------------------------------------
class Block(nn.Module):
    def __init__(s, d=64, h=4, f=128):
        super().__init__(); s.h = h
        s.ln1, s.qkv, s.proj = nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.ln2, s.fc1, s.fc2 = nn.LayerNorm(d), nn.Linear(d, f), nn.Linear(f, d)
    def forward(s, x):
        b, n, d = x.shape
        q, k, v = s.qkv(s.ln1(x)).reshape(b, n, 3, s.h, d // s.h).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (d // s.h) ** -0.5).softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + s.fc2(F.gelu(s.fc1(s.ln2(x))))

class ViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.patch = nn.Conv2d(1, 64, 7, 7); s.pos = nn.Parameter(torch.randn(1, 16, 64) * 0.02)
        s.blocks = nn.ModuleList([Block(), Block()]); s.ln = nn.LayerNorm(64); s.head = nn.Linear(64, 10)
    def forward(s, x):
        x = s.patch(x).flatten(2).transpose(1, 2) + s.pos
        for b in s.blocks: x = b(x)
        return s.head(s.ln(x).mean(1))

def vit_graph(m, mha):
    g = Graph(); eps = 1e-5
    x = g.node("Conv", ["input", g.init("patch.weight", W(m.patch.weight)), g.init("patch.bias", W(m.patch.bias))],
               "/patch/Conv_output_0", "/patch/Conv", kernel_shape=[7, 7], strides=[7, 7])
    x = g.node("Reshape", [x, g.init("/Constant_output_0", np.array([0, 64, 16], np.int64))], "/Reshape_output_0", "/Reshape")
    x = g.node("Transpose", [x], "/Transpose_output_0", "/Transpose", perm=[0, 2, 1])
    res = g.node("Add", [x, g.init("pos", W(m.pos))], "/Add_output_0", "/Add")
    # the first LayerNorm has no residual sum before it: ORT's LayerNormFusion writes it in the default domain
    h = g.node("LayerNormalization", [res, g.init("blocks.0.ln1.weight", W(m.blocks[0].ln1.weight)),
               g.init("blocks.0.ln1.bias", W(m.blocks[0].ln1.bias))], "LayerNorm_0_output", "LayerNorm_0", axis=-1, epsilon=eps)
    for i, b in enumerate(m.blocks):
        p = f"blocks.{i}"
        if mha:
            wq, wk, wv = (W(b.qkv.weight)[j * 64:(j + 1) * 64].T for j in range(3))
            q = g.node("MatMul", [h, g.init(f"{p}.q.weight", wq)], f"/{p}/attn/q/MatMul_output_0", f"/{p}/attn/q/MatMul")
            k = g.node("MatMul", [h, g.init(f"{p}.k.weight", wk)], f"/{p}/attn/k/MatMul_output_0", f"/{p}/attn/k/MatMul")
            v = g.node("MatMul", [h, g.init(f"{p}.v.weight", wv)], f"/{p}/attn/v/MatMul_output_0", f"/{p}/attn/v/MatMul")
            a = g.node("MultiHeadAttention", [q, k, v, g.init(f"{p}.qkv_bias", W(b.qkv.bias))], f"Attention_{i}_output",
                       f"MultiHeadAttention_{i}", domain=MS, num_heads=4)
        else:
            a = g.node("Attention", [h, g.init(f"{p}.qkv.weight_T", W(b.qkv.weight).T), g.init(f"{p}.qkv.bias", W(b.qkv.bias))],
                       f"Attention_{i}_output", f"Attention_{i}", domain=MS, num_heads=4)
        a = g.node("MatMul", [a, g.init(f"{p}.proj.weight_T", W(b.proj.weight).T)], f"/{p}/attn/proj/MatMul_output_0", f"/{p}/attn/proj/MatMul")
        h, res = g.node("SkipLayerNormalization", [a, res, g.init(f"{p}.ln2.weight", W(b.ln2.weight)), g.init(f"{p}.ln2.bias", W(b.ln2.bias)),
                        g.init(f"{p}.proj.bias", W(b.proj.bias))], [f"SkipLayerNorm_{2 * i}_output", "", "", f"SkipLayerNorm_{2 * i}_sum"],
                        f"SkipLayerNorm_{2 * i}", domain=MS, epsilon=eps), f"SkipLayerNorm_{2 * i}_sum"
        f = g.node("MatMul", [h, g.init(f"{p}.fc1.weight_T", W(b.fc1.weight).T)], f"/{p}/fc1/MatMul_output_0", f"/{p}/fc1/MatMul")
        f = g.node("FastGelu" if mha else "BiasGelu", [f, g.init(f"{p}.fc1.bias", W(b.fc1.bias))], f"Gelu_{i}_output",
                   f"{'FastGelu' if mha else 'BiasGelu'}_AddBias_{i}", domain=MS)
        f = g.node("MatMul", [f, g.init(f"{p}.fc2.weight_T", W(b.fc2.weight).T)], f"/{p}/fc2/MatMul_output_0", f"/{p}/fc2/MatMul")
        last = i == len(m.blocks) - 1
        ln = m.ln if last else m.blocks[i + 1].ln1; lp = "ln" if last else f"blocks.{i + 1}.ln1"
        outs = [f"SkipLayerNorm_{2 * i + 1}_output"] + ([] if last else ["", "", f"SkipLayerNorm_{2 * i + 1}_sum"])
        h = g.node("SkipLayerNormalization", [f, res, g.init(f"{lp}.weight", W(ln.weight)), g.init(f"{lp}.bias", W(ln.bias)),
                   g.init(f"{p}.fc2.bias", W(b.fc2.bias))], outs, f"SkipLayerNorm_{2 * i + 1}", domain=MS, epsilon=eps)
        res = outs[-1]
    x = g.node("ReduceMean", [h], "/ReduceMean_output_0", "/ReduceMean", axes=[1], keepdims=0)
    if mha:   # MatMulTransposeFusion: the head's Transpose of its weight folded into FusedMatMul(transB)
        x = g.node("FusedMatMul", [x, g.init("head.weight", W(m.head.weight))], "/head/MatMul_output_0", "/head/MatMul_FusedMatMulAndScale",
                   domain=MS, alpha=1.0, transA=0, transB=1)
    else:
        x = g.node("MatMul", [x, g.init("head.weight_T", W(m.head.weight).T)], "/head/MatMul_output_0", "/head/MatMul")
    g.node("Add", [x, g.init("head.bias", W(m.head.bias))], "logits", "/head/Add")
    return g, 17 if mha else 14

# --- the CNN (ortcnn) ------------------------------------------------------------------------------------------------
def cb(cin, cout, s=1): return nn.Sequential(nn.Conv2d(cin, cout, 3, s, 1, bias=False), nn.BatchNorm2d(cout))

class ResCNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem, s.c1, s.c2, s.down, s.c3 = cb(1, 16), cb(16, 16), cb(16, 16), cb(16, 32, 2), cb(32, 32, 2)
        s.fc1, s.fc2 = nn.Linear(32, 64), nn.Linear(64, 10)
    def forward(s, x):
        x = F.relu(s.stem(x)); x = F.relu(s.c2(F.relu(s.c1(x))) + x)
        x = F.relu(s.c3(F.relu(s.down(x))))
        return s.fc2(F.relu(s.fc1(F.adaptive_avg_pool2d(x, 1).flatten(1))))

def folded(seq):
    conv, bn = seq[0], seq[1]; f = W(bn.weight) / np.sqrt(W(bn.running_var) + bn.eps)
    return W(conv.weight) * f[:, None, None, None], W(bn.bias) - W(bn.running_mean) * f

def cnn_graph(m):
    g = Graph()
    def conv(x, name, seq, z=None, s=1):
        w, b = folded(seq)
        ins = [x, g.init(f"{name}.weight_folded", w), g.init(f"{name}.bias_folded", b)] + ([z] if z else [])
        return g.node("FusedConv", ins, f"/{name}/Relu_output_0", f"/{name}/Conv_fused", domain=MS, activation="Relu",
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[s, s], dilations=[1, 1], group=1)
    x = conv("input", "stem", m.stem); y = conv(x, "c1", m.c1); x = conv(y, "c2", m.c2, z=x)
    x = conv(conv(x, "down", m.down, s=2), "c3", m.c3, s=2)
    x = g.node("GlobalAveragePool", [x], "/GlobalAveragePool_output_0", "/GlobalAveragePool")
    x = g.node("Flatten", [x], "/Flatten_output_0", "/Flatten", axis=1)
    x = g.node("FusedGemm", [x, g.init("fc1.weight", W(m.fc1.weight)), g.init("fc1.bias", W(m.fc1.bias))], "/fc1/Relu_output_0",
               "/fc1/Gemm_fused", domain=MS, activation="Relu", alpha=1.0, beta=1.0, transA=0, transB=1)
    g.node("Gemm", [x, g.init("fc2.weight", W(m.fc2.weight)), g.init("fc2.bias", W(m.fc2.bias))], "logits", "/fc2/Gemm",
           alpha=1.0, beta=1.0, transB=1)
    return g, 13

def torch_model(cls, name):
    d = data(); torch.manual_seed(0); m = cls(); t0 = time.time(); train13(m, d, STEPS)
    with torch.no_grad(): o = torch.cat([m(T(d[2][i:i + 500])) for i in range(0, 2000, 500)])
    acc = float((o.argmax(1).numpy() == d[3][:2000]).mean())
    torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
    return m, {"steps": STEPS, "batch": 64, "optimizer": "Adam lr 3e-3", "torch": torch.__version__,
               "train_seconds": round(time.time() - t0, 1), "accuracy_test2000": acc}

# --- scikit-learn (skllr, sklmlp) -----------------------------------------------------------------------------------
def skl_data():
    d = data(); flat = lambda a: (a.reshape(len(a), -1).astype(np.float32) / 255)
    np.save(os.path.join(OUT, "skl-calib.npy"), calib300().reshape(300, 784).numpy())
    np.save(os.path.join(OUT, "skl-test.npy"), flat(d[2][:2000]))
    zoo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo", "data")
    np.save(os.path.join(OUT, "labels-calib.npy"), read_idx(os.path.join(zoo, "calib300-labels-idx1-ubyte.gz")).astype(np.int64))
    np.save(os.path.join(OUT, "labels-test.npy"), d[3][:2000].astype(np.int64))
    return flat(d[0][:10000]), d[1][:10000], flat(d[2][:2000]), d[3][:2000]

def skl_model(name):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    x, y, tx, ty = skl_data(); t0 = time.time()
    est = LogisticRegression(max_iter=100) if name == "skllr" else \
        MLPClassifier((128,), max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore"); p = Pipeline([("scaler", StandardScaler()), ("clf", est)]).fit(x, y)
    import sklearn
    return p, {"sklearn": sklearn.__version__, "train_samples": 10000, "estimator": repr(est),
               "train_seconds": round(time.time() - t0, 1), "accuracy_test2000": float((p.predict(tx) == ty).mean())}

def scaler(g, sc):
    return g.node("Scaler", ["input"], "variable", "Scaler", domain="ai.onnx.ml",
                  offset=sc.mean_.astype(np.float32).tolist(), scale=(1 / sc.scale_).astype(np.float32).tolist())

def skllr_graph(p, zipmap=True):
    g = Graph(); x = scaler(g, p["scaler"]); lr = p["clf"]
    g.node("LinearClassifier", [x], ["label", "probability_tensor"], "LinearClassifier", domain="ai.onnx.ml",
           coefficients=lr.coef_.astype(np.float32).ravel().tolist(), intercepts=lr.intercept_.astype(np.float32).tolist(),
           classlabels_ints=[int(c) for c in lr.classes_], multi_class=0, post_transform="SOFTMAX")
    g.node("Normalizer", ["probability_tensor"], "probabilities", "Normalizer", domain="ai.onnx.ml", norm="L1")
    g.node("Cast", ["label"], "output_label", "Cast", to=TensorProto.INT64)
    if zipmap:
        g.node("ZipMap", ["probabilities"], "output_probability", "ZipMap", domain="ai.onnx.ml",
               classlabels_int64s=[int(c) for c in lr.classes_])
    else:   # options {'zipmap': False}: the probabilities as a float tensor, what Quantrace's refusal of skllr tells the user to do
        g.node("Identity", ["probabilities"], "output_probability", "Identity")
    return g

def sklmlp_graph(p):
    g = Graph(); x = scaler(g, p["scaler"]); mlp = p["clf"]
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        x = g.node("MatMul", [x, g.init(f"coefficient{i if i else ''}", w.astype(np.float32))], f"mul_result{i if i else ''}", f"MatMul{i if i else ''}")
        x = g.node("Add", [x, g.init(f"intercepts{i if i else ''}", b.astype(np.float32).reshape(1, -1))], f"add_result{i if i else ''}", f"Add{i if i else ''}")
        if i < len(mlp.coefs_) - 1: x = g.node("Relu", [x], f"next_activations{i if i else ''}", f"Relu{i if i else ''}")
    g.node("Softmax", [x], "probabilities", "Softmax", axis=-1)
    g.node("ArgMax", ["probabilities"], "argmax_output", "ArgMax", axis=1)
    g.node("ArrayFeatureExtractor", [g.init("classes", mlp.classes_.astype(np.int64)), "argmax_output"], "array_feature_extractor_result",
           "ArrayFeatureExtractor", domain="ai.onnx.ml")
    g.node("Reshape", ["array_feature_extractor_result", g.init("shape_tensor", np.array([-1], np.int64))], "reshaped_result", "Reshape")
    g.node("Cast", ["reshaped_result"], "output_label", "Cast", to=TensorProto.INT64)
    g.node("Identity", ["probabilities"], "output_probability", "Identity")
    return g

def map_seq(name):
    t = onnx.TypeProto(); m = t.sequence_type.elem_type.map_type; m.key_type = TensorProto.INT64
    m.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return helper.make_value_info(name, t)

def write(name, g, opset, producer, version, ins, outs, domains):
    mp = helper.make_model(helper.make_graph(g.nodes, name, ins, outs, g.inits), producer_name=producer, producer_version=version,
                           opset_imports=[helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains])
    mp.ir_version = 8
    if producer != "onnxruntime.transformers" or opset >= 17:   # ORT's default-domain LayerNormalization at opset 14 is no ONNX op
        onnx.checker.check_model(mp)
    p = os.path.join(OUT, name + ".onnx"); onnx.save_model(mp, p); return p

IMG = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])
LOGITS = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])
FLAT = helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 784])
LABEL = helper.make_tensor_value_info("output_label", TensorProto.INT64, [None])

def build(name):
    if name in ("ortvit", "ortmha", "ortcnn"):
        m, prov = torch_model(ResCNN if name == "ortcnn" else ViT, name)
        g, opset = cnn_graph(m) if name == "ortcnn" else vit_graph(m, name == "ortmha")
        p = write(name, g, opset, "onnxruntime.transformers" if name != "ortcnn" else "onnxruntime", "1.17.0", [IMG], [LOGITS], [MS])
    else:
        pl, prov = skl_model(name)
        if name == "skllr":
            p = write(name, skllr_graph(pl), 17, "skl2onnx", "1.16.0", [FLAT], [LABEL, map_seq("output_probability")], ["ai.onnx.ml"])
            p2 = write("skllr_nozipmap", skllr_graph(pl, zipmap=False), 17, "skl2onnx", "1.16.0", [FLAT],
                       [LABEL, helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, 10])], ["ai.onnx.ml"])
            print(f"  and {p2}: the same with options {{'zipmap': False}}", flush=True)
        else:
            p = write(name, sklmlp_graph(pl), 17, "skl2onnx", "1.16.0", [FLAT],
                      [LABEL, helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, 10])], ["ai.onnx.ml"])
    prov.update({"model": name, "script": "tests/data/wild/make_unseen32.py", "seed": 0, "onnx": onnx.__version__,
                 "data": "/usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)"})
    json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(f"{name}: accuracy 2000 {prov['accuracy_test2000']:.4f}, wrote {p} ({os.path.getsize(p)} bytes), "
          f"ops {sorted({n.op_type for n in onnx.load(p).graph.node})}", flush=True)

MODELS = ["ortvit", "ortmha", "ortcnn", "skllr", "sklmlp"]

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:] or MODELS: build(n)
