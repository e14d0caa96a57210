"""hostile12: a model of 3 classes for the recipe's top-k rule (a top-k of 5 on 3 classes is 1 for every model).

Fisher's iris (scikit-learn's copy), a 4-16-3 MLP trained with torch (seed 0, 300 full-batch Adam steps), exported to ONNX
(opset 13, dynamic batch); the 150 samples shuffled (seed 0) as iris.csv (features, then the class index).
Run: /usr/bin/python3 make_iris.py OUTDIR
"""
import sys, os
import numpy as np
import torch
from sklearn.datasets import load_iris

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x, y = load_iris(return_X_y=True)
perm = np.random.RandomState(0).permutation(len(y))
x, y = x[perm].astype(np.float32), y[perm].astype(np.int64)
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
xt, yt = torch.from_numpy(x), torch.from_numpy(y)
for _ in range(300):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(xt), yt)
    loss.backward()
    opt.step()
model.eval()
print("train accuracy", (model(xt).argmax(1) == yt).float().mean().item())
torch.onnx.export(model, xt[:1], os.path.join(out, "iris_mlp.onnx"), input_names=["features"], output_names=["logits"],
                  dynamic_axes={"features": {0: "N"}, "logits": {0: "N"}}, opset_version=13)
with open(os.path.join(out, "iris.csv"), "w") as f:
    f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
    for row, label in zip(x, y):
        f.write(",".join(f"{v:g}" for v in row) + f",{label}\n")
