#!/usr/bin/python3
"""Round 33 of models in the wild (issue 13; branch unseen33, 2026-12-07): kinds no round held before (grep of every make_*.py and
README: no MatMulNBits, no sklearn model but round 32's LogisticRegression and MLP, no tree ensemble):
- int4rows: a token MLP (the 28 rows of an image as 28 tokens of 28 pixels, Linear 28->128, ReLU, Linear 128->128, ReLU, mean
  over the tokens, Linear 128->10) exported by torch.onnx (opset 17: the 3-D Linears as MatMul + Add, the head as Gemm), then
  weight-only int4 quantized as **ONNX Runtime's MatMul4BitsQuantizer** (onnxruntime.quantization.matmul_4bits_quantizer, block_size
  32, is_symmetric False) writes it: each MatMul with a constant weight becomes **com.microsoft.MatMulNBits** (K, N, bits 4,
  block_size 32; B uint8 [N, blocks, 16] two codes a byte, low nibble first, the weight transposed and K padded to the block; scales
  float [N * blocks]; zero_points uint8 [N * ceil(blocks / 2)] packed alike), the Gemm head left float as that quantizer leaves
  Gemms. onnxruntime's Python package is not installable here: the graph is written op for op from the quantizer's documented
  output. int4rows.json also records the accuracy of the int4 weights dequantized in numpy (what MatMulNBits computes).
- sklsvc: Pipeline(StandardScaler, LinearSVC) as **skl2onnx** writes it with options {zipmap: False}: ai.onnx.ml Scaler,
  LinearClassifier with post_transform NONE (the raw decision function as the scores), Cast of the labels.
- skltree: Pipeline(StandardScaler, RandomForestClassifier(10 trees, depth 10)) as skl2onnx writes it with {zipmap: False}:
  Scaler, **TreeEnsembleClassifier** (BRANCH_LEQ on float32 thresholds, class_weights each leaf's class share / trees,
  post_transform NONE), Cast.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen33.py [NAME...]  -> NAME.onnx, NAME.json (provenance); the sklearn models
    read [N, 784] floats in [0, 1] as round 32's: skl-calib.npy, skl-test.npy, labels-*.npy (`TOKENS=skl try2.sh sklsvc`)
Provenance: seed 0; int4rows 300 steps (UNSEEN33_STEPS) of 64 training images, Adam 3e-3 (make_wild.train's loop); the sklearn
models on the first 10,000 training images. NAME.json: the trained model's accuracy on the first 2,000 test images, which
`evaluate` of the graph must reproduce."""
import os, sys, json, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T, train
from make_unseen32 import Graph, write, skl_data, scaler, FLAT, LABEL

STEPS = int(os.environ.get("UNSEEN33_STEPS", "300"))
MS = "com.microsoft"

# --- int4rows: MatMulNBits ------------------------------------------------------------------------------------------
class RowMlp(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1, s.fc2, s.head = nn.Linear(28, 128), nn.Linear(128, 128), nn.Linear(128, 10)
    def forward(s, x):
        t = x.reshape(x.shape[0], 28, 28)
        return s.head(torch.relu(s.fc2(torch.relu(s.fc1(t)))).mean(1))

def q4(w, block=32):
    """ORT's asymmetric blockwise int4 of a [K, N] MatMul weight: per column n and block of K, scale (max - min) / 15 over the block
    with 0 in its range, zero point round(-min / scale), codes clamp(round(w / scale) + zp, 0, 15); returned as MatMulNBits holds
    them, and the dequantized [K, N] weight."""
    k, n = w.shape; blocks = (k + block - 1) // block
    wt = np.zeros((n, blocks * block), np.float32); wt[:, :k] = w.T
    wb = wt.reshape(n, blocks, block)
    lo, hi = np.minimum(wb.min(2), 0), np.maximum(wb.max(2), 0)
    scale = ((hi - lo) / 15).astype(np.float32); scale[scale == 0] = 1
    zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    codes = np.clip(np.round(wb / scale[:, :, None]) + zp[:, :, None], 0, 15).astype(np.uint8)
    packed = (codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)).astype(np.uint8)          # [N, blocks, block / 2], low nibble first
    zpad = np.zeros((n, blocks + blocks % 2), np.uint8); zpad[:, :blocks] = zp
    zpacked = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).astype(np.uint8).reshape(-1)     # [N * ceil(blocks / 2)]
    deq = ((codes.astype(np.float32) - zp[:, :, None]) * scale[:, :, None]).reshape(n, -1)[:, :k].T
    return packed, scale.reshape(-1), zpacked, deq

def int4rows():
    d = data(); torch.manual_seed(0); m = RowMlp(); t0 = time.time()
    train(m, d, STEPS)
    m.eval(); tx = T(d[2][:2000])
    with torch.no_grad(): acc = float((m(tx).argmax(1).numpy() == d[3][:2000]).mean())
    p = os.path.join(OUT, "int4rows_fp32.onnx")
    torch.onnx.export(m, tx[:2], p, input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=17)
    mp = onnx.load(p); g = mp.graph; inits = {i.name: i for i in g.initializer}
    nodes, deqs = [], {}
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            w = numpy_helper.to_array(inits[node.input[1]]); k, n = w.shape
            packed, scales, zps, deq = q4(w)
            b = node.input[1]
            for name, a in ((b + "_Q4", packed), (b + "_scales", scales), (b + "_zero_points", zps)):
                g.initializer.append(numpy_helper.from_array(a, name))
            g.initializer.remove(inits[b]); deqs[b] = deq
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], b + "_Q4", b + "_scales", b + "_zero_points"], list(node.output),
                                          name=node.name + "_Q4", domain=MS, K=k, N=n, bits=4, block_size=32))
        else:
            nodes.append(node)
    del g.node[:]; g.node.extend(nodes)
    mp.opset_import.append(helper.make_opsetid(MS, 1))
    out = os.path.join(OUT, "int4rows.onnx"); onnx.save(mp, out)
    # what MatMulNBits computes: the int4 weights dequantized, in torch
    with torch.no_grad():
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        for b, deq in deqs.items():   # torch exports fc1/fc2 weights transposed as onnx::MatMul_* initializers, in order
            key = "fc1.weight" if deq.shape[0] == 28 else "fc2.weight"
            sd[key] = torch.from_numpy(np.ascontiguousarray(deq.T))
        q = RowMlp(); q.load_state_dict(sd); q.eval()
        acc4 = float((q(tx).argmax(1).numpy() == d[3][:2000]).mean())
    return out, {"steps": STEPS, "batch": 64, "optimizer": "Adam lr 3e-3", "torch": torch.__version__, "train_seconds": round(time.time() - t0, 1),
                 "accuracy_test2000": acc4, "accuracy_test2000_fp32": acc, "int4_matmuls": sorted(deqs), "tool": "onnxruntime MatMul4BitsQuantizer (1.17 form), block 32, asymmetric"}

# --- sklearn (sklsvc, skltree) --------------------------------------------------------------------------------------
def skl_fit(name):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC
    from sklearn.ensemble import RandomForestClassifier
    x, y, tx, ty = skl_data(); t0 = time.time()
    est = LinearSVC(C=0.01, max_iter=300, random_state=0) if name == "sklsvc" else RandomForestClassifier(10, max_depth=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore"); p = Pipeline([("scaler", StandardScaler()), ("clf", est)]).fit(x, y)
    import sklearn
    return p, {"sklearn": sklearn.__version__, "train_samples": 10000, "estimator": repr(est), "train_seconds": round(time.time() - t0, 1),
               "accuracy_test2000": float((p.predict(tx) == ty).mean())}

def svc_graph(p):
    g = Graph(); x = scaler(g, p["scaler"]); c = p["clf"]
    g.node("LinearClassifier", [x], ["label", "probabilities"], "LinearClassifier", domain="ai.onnx.ml",
           coefficients=c.coef_.astype(np.float32).ravel().tolist(), intercepts=c.intercept_.astype(np.float32).tolist(),
           classlabels_ints=[int(k) for k in c.classes_], multi_class=1, post_transform="NONE")
    g.node("Cast", ["label"], "output_label", "Cast", to=TensorProto.INT64)
    g.node("Identity", ["probabilities"], "output_probability", "Identity")
    return g

def tree_graph(p):
    g = Graph(); x = scaler(g, p["scaler"]); rf = p["clf"]; a = {k: [] for k in ("treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing")}
    cls = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    for t, est in enumerate(rf.estimators_):
        tr = est.tree_
        for i in range(tr.node_count):
            leaf = tr.children_left[i] == -1
            a["treeids"].append(t); a["nodeids"].append(i); a["featureids"].append(0 if leaf else int(tr.feature[i]))
            a["values"].append(0.0 if leaf else float(np.float32(tr.threshold[i]))); a["modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["true"].append(0 if leaf else int(tr.children_left[i])); a["false"].append(0 if leaf else int(tr.children_right[i])); a["missing"].append(0)
            if leaf:
                v = tr.value[i][0]; v = v / v.sum()
                for c, w in enumerate(v):
                    cls["treeids"].append(t); cls["nodeids"].append(i); cls["ids"].append(c); cls["weights"].append(float(w / len(rf.estimators_)))
    g.node("TreeEnsembleClassifier", [x], ["label", "probabilities"], "TreeEnsembleClassifier", domain="ai.onnx.ml",
           nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"], nodes_featureids=a["featureids"], nodes_values=a["values"],
           nodes_modes=a["modes"], nodes_truenodeids=a["true"], nodes_falsenodeids=a["false"], nodes_missing_value_tracks_true=a["missing"],
           nodes_hitrates=[1.0] * len(a["nodeids"]), class_treeids=cls["treeids"], class_nodeids=cls["nodeids"], class_ids=cls["ids"],
           class_weights=cls["weights"], classlabels_int64s=[int(k) for k in rf.classes_], post_transform="NONE")
    g.node("Cast", ["label"], "output_label", "Cast", to=TensorProto.INT64)
    g.node("Identity", ["probabilities"], "output_probability", "Identity")
    return g

def build(name):
    if name == "int4rows":
        p, prov = int4rows()
    else:
        pl, prov = skl_fit(name)
        p = write(name, svc_graph(pl) if name == "sklsvc" else tree_graph(pl), 17, "skl2onnx", "1.16.0", [FLAT],
                  [LABEL, helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, 10])], ["ai.onnx.ml"])
    prov.update({"model": name, "script": "tests/data/wild/make_unseen33.py", "seed": 0, "onnx": onnx.__version__,
                 "data": "/usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)"})
    json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(f"{name}: accuracy 2000 {prov['accuracy_test2000']:.4f}, wrote {p} ({os.path.getsize(p)} bytes), "
          f"ops {sorted({n.op_type for n in onnx.load(p).graph.node})}", flush=True)

MODELS = ["int4rows", "sklsvc", "skltree"]

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:] or MODELS: build(n)
