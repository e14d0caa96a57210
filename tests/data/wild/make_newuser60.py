#!/usr/bin/python3
"""A new user's own models (issue 13; helper newuser60, 2026-12-07), kinds no round held (grep of every make_*.py): sklearn over
other real tabular data than wine/breast-cancer-with-a-Scaler, a regression, raw unscaled features into the first Gemm, and a CNN
declaring both its Softmax scores and its int64 ArgMax label.
- skldigits: sklearn digits (8x8, raw pixel counts 0-16), Pipeline(PCA(16), LogisticRegression) as **skl2onnx** writes it with
  {zipmap: False}: Sub (the PCA mean), MatMul (components^T), ai.onnx.ml LinearClassifier (SOFTMAX), Normalizer, Cast, Identity.
- skldiab: sklearn diabetes **regression** on the raw (scaled=False) features (age, sex 1/2, bmi, bp, s1-s6: spans 1 to 300),
  Pipeline(StandardScaler, MLPRegressor(32)) as skl2onnx writes it: Scaler, MatMul, Add, Relu, MatMul, Add -> variable [N, 1].
- tabraw: a torch MLP (30 -> 32 -> 2) trained on breast-cancer's **raw** features (0.001 to 4,254, no scaler: the user forgot it),
  exported by torch.onnx at opset 15: the first op is a Gemm on the unscaled input.
- cnn2out: a Fashion-MNIST CNN whose export declares both outputs, probs = Softmax(logits) and label = ArgMax (int64), opset 17.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_newuser60.py NAME -> DIR/NAME.onnx, NAME.json; the tabular models also
    DIR/skl-calib.npy, skl-test.npy, labels-calib.npy, labels-test.npy (one tabular model per DIR: `TOKENS=skl try2.sh NAME`;
    skldiab: METRICS=mse, its labels the targets rounded to int64, unused by mse).
Provenance: seed 0; the tabular splits are sklearn's train_test_split(random_state=0, test 0.3), calibration the first (up to)
300 training rows; cnn2out 300 steps of 64 training images, Adam 3e-3 (make_wild.train). NAME.json: accuracy (or MSE) of the
trained model on the test split, which `evaluate` of the graph must reproduce."""
import os, sys, json, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn
from onnx import helper, TensorProto
from make_wild import data, OUT, T, train
from make_unseen32 import Graph, write, scaler

LABEL = helper.make_tensor_value_info("output_label", TensorProto.INT64, [None])

def split(x, y):
    from sklearn.model_selection import train_test_split
    x = x.astype(np.float32)
    a, b, ya, yb = train_test_split(x, y, test_size=0.3, random_state=0)
    np.save(os.path.join(OUT, "skl-calib.npy"), a[:300]); np.save(os.path.join(OUT, "skl-test.npy"), b)
    np.save(os.path.join(OUT, "labels-calib.npy"), np.round(ya[:300]).astype(np.int64))
    np.save(os.path.join(OUT, "labels-test.npy"), np.round(yb).astype(np.int64))
    return a, b, ya, yb

def skldigits():
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    d = load_digits(); x, tx, y, ty = split(d.data, d.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = Pipeline([("pca", PCA(16, random_state=0)), ("clf", LogisticRegression(max_iter=500))]).fit(x, y)
    g = Graph(); pca, lr = p["pca"], p["clf"]
    s = g.node("Sub", ["input", g.init("mean", pca.mean_.astype(np.float32))], "sub_result", "Sub")
    v = g.node("MatMul", [s, g.init("transform_matrix", pca.components_.T.astype(np.float32))], "variable", "MatMul")
    g.node("LinearClassifier", [v], ["label", "probability_tensor"], "LinearClassifier", domain="ai.onnx.ml",
           coefficients=lr.coef_.astype(np.float32).ravel().tolist(), intercepts=lr.intercept_.astype(np.float32).tolist(),
           classlabels_ints=[int(c) for c in lr.classes_], multi_class=0, post_transform="SOFTMAX")
    g.node("Normalizer", ["probability_tensor"], "probabilities", "Normalizer", domain="ai.onnx.ml", norm="L1")
    g.node("Cast", ["label"], "output_label", "Cast", to=TensorProto.INT64)
    g.node("Identity", ["probabilities"], "output_probability", "Identity")
    path = write("skldigits", g, 17, "skl2onnx", "1.16.0", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 64])],
                 [LABEL, helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, 10])], ["ai.onnx.ml"])
    return path, {"accuracy_test": float((p.predict(tx) == ty).mean()), "test_rows": len(ty), "estimator": repr(p)}

def skldiab():
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler
    from sklearn.pipeline import Pipeline
    d = load_diabetes(scaled=False); x, tx, y, ty = split(d.data, d.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = Pipeline([("scaler", StandardScaler()), ("reg", MLPRegressor((32,), max_iter=2000, random_state=0))]).fit(x, y)
    g = Graph(); h = scaler(g, p["scaler"]); mlp = p["reg"]
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        h = g.node("MatMul", [h, g.init(f"coefficient{i or ''}", w.astype(np.float32))], f"mul_result{i or ''}", f"MatMul{i or ''}")
        h = g.node("Add", [h, g.init(f"intercepts{i or ''}", b.astype(np.float32).reshape(1, -1))],
                   "variable1" if i == len(mlp.coefs_) - 1 else f"add_result{i or ''}", f"Add{i or ''}")
        if i < len(mlp.coefs_) - 1: h = g.node("Relu", [h], f"next_activations{i or ''}", f"Relu{i or ''}")
    path = write("skldiab", g, 17, "skl2onnx", "1.16.0", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 10])],
                 [helper.make_tensor_value_info("variable1", TensorProto.FLOAT, [None, 1])], ["ai.onnx.ml"])
    return path, {"mse_test": float(((p.predict(tx) - ty) ** 2).mean()), "target_var_test": float(ty.var()), "test_rows": len(ty),
                  "feature_span": [float(v) for v in x.max(0) - x.min(0)], "estimator": repr(p)}

class Mlp(nn.Module):
    def __init__(s): super().__init__(); s.fc1, s.fc2 = nn.Linear(30, 32), nn.Linear(32, 2)
    def forward(s, x): return s.fc2(torch.relu(s.fc1(x)))

def tabraw():
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer(); x, tx, y, ty = split(d.data, d.target)
    torch.manual_seed(0); m = Mlp(); opt = torch.optim.Adam(m.parameters(), 1e-3)
    X, Y = torch.from_numpy(x), torch.from_numpy(y).long()
    for _ in range(3000):
        opt.zero_grad(); nn.functional.cross_entropy(m(X), Y).backward(); opt.step()
    m.eval()
    with torch.no_grad(): acc = float((m(torch.from_numpy(tx)).argmax(1).numpy() == ty).mean())
    path = os.path.join(OUT, "tabraw.onnx")
    torch.onnx.export(m, X[:2], path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=15)
    return path, {"accuracy_test": acc, "test_rows": len(ty), "feature_span": [float(v) for v in x.max(0) - x.min(0)],
                  "train": "3000 full-batch Adam 1e-3 steps on the raw features"}

class Cnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 49, 10))
        s.export = False
    def forward(s, x):
        z = s.f(x)
        return (torch.softmax(z, 1), torch.argmax(z, 1)) if s.export else z

def cnn2out():
    d = data(); torch.manual_seed(0); m = Cnn(); t0 = time.time(); train(m, d, 300); m.eval(); m.export = True
    tx = T(d[2][:2000])
    with torch.no_grad(): acc = float((m(tx)[1].numpy() == d[3][:2000]).mean())
    path = os.path.join(OUT, "cnn2out.onnx")
    torch.onnx.export(m, tx[:2], path, input_names=["input"], output_names=["probs", "label"],
                      dynamic_axes={"input": {0: "N"}, "probs": {0: "N"}, "label": {0: "N"}}, opset_version=17)
    return path, {"accuracy_test2000": acc, "steps": 300, "train_seconds": round(time.time() - t0, 1)}

MODELS = {"skldigits": skldigits, "skldiab": skldiab, "tabraw": tabraw, "cnn2out": cnn2out}

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:]:
        p, prov = MODELS[n]()
        import sklearn
        prov.update({"model": n, "script": "tests/data/wild/make_newuser60.py", "seed": 0, "onnx": onnx.__version__,
                     "torch": torch.__version__, "sklearn": sklearn.__version__})
        json.dump(prov, open(os.path.join(OUT, n + ".json"), "w"), indent=1)
        print(n, {k: v for k, v in prov.items() if k not in ("feature_span", "estimator")}, os.path.getsize(p), "bytes",
              sorted({x.op_type for x in onnx.load(p).graph.node}), flush=True)
