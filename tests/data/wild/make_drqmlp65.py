#!/usr/bin/python3
"""MLPs over flattened Fashion-MNIST images (issue 13; helper drqmlp65, 2026-12-07): drqtab63's drq rule gives a Gemm reading a float
[N, F] model input one weight scale per input feature and keeps it weight-only (float compute) even where the dynamic kernel is
faster; right for raw tabular features (make_newuser60's tabraw), these models measure what it costs where the features are of
one unit.
- mlpflat: torch MLP 784 -> 512 -> 256 -> 10 on pixels in [0, 1] fed as [N, 784] (the images flattened by the user), opset 13.
- mlpstd: the same MLP on standardized features, (pixel - training mean) / training std per pixel (std floored at 1/255; the
  user standardizes outside the graph, the model input is the standardized vector).
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_drqmlp65.py NAME -> DIR/NAME.onnx, NAME.json and the tabular files
    DIR/skl-calib.npy (first 300 training rows), skl-test.npy (the 10,000 test rows), labels-calib.npy, labels-test.npy: one model
    per DIR, run by `TOKENS=skl try2.sh NAME`.
Provenance: Fashion-MNIST from /usr/share/datasets/fashion-mnist; seed 0; 3,000 steps of 64 training rows (Adam 1e-3), one
thread. NAME.json: the trained model's accuracy on the 10,000 test rows, which `evaluate` of the graph must reproduce."""
import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT

class Mlp(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1 = nn.Linear(784, 512); s.fc2 = nn.Linear(512, 256); s.fc3 = nn.Linear(256, 10)
    def forward(s, x):
        return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x)))))

def features(standardized):
    x, y, tx, ty = data()
    x = x.reshape(len(x), 784).astype(np.float32) / 255; tx = tx.reshape(len(tx), 784).astype(np.float32) / 255
    if standardized:
        mean, std = x.mean(0), np.maximum(x.std(0), 1 / 255)
        x, tx = (x - mean) / std, (tx - mean) / std
    return x.astype(np.float32), y, tx.astype(np.float32), ty

def build(name, standardized):
    x, y, tx, ty = features(standardized)
    np.save(os.path.join(OUT, "skl-calib.npy"), x[:300]); np.save(os.path.join(OUT, "skl-test.npy"), tx)
    np.save(os.path.join(OUT, "labels-calib.npy"), y[:300]); np.save(os.path.join(OUT, "labels-test.npy"), ty)
    torch.manual_seed(0); m = Mlp(); opt = torch.optim.Adam(m.parameters(), 1e-3); g = torch.Generator().manual_seed(0)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(3000):
        i = torch.randint(0, len(x), (64,), generator=g)
        opt.zero_grad(); F.cross_entropy(m(X[i]), Y[i]).backward(); opt.step()
    m.eval()
    with torch.no_grad(): acc = float((m(torch.from_numpy(tx)).argmax(1).numpy() == ty).mean())
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, X[:2], path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13)
    info = {"accuracy_test": acc, "test_rows": len(ty), "train": "3000 steps of 64 rows, Adam 1e-3, seed 0",
            "input": "standardized per pixel" if standardized else "pixels / 255"}
    json.dump(info, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(name, info, flush=True)

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:]:
        build(n, {"mlpflat": False, "mlpstd": True}[n])
