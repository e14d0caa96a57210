#!/usr/bin/python3
"""Half-precision models (issue 13, "models in the wild"): what `model.half()` before torch.onnx.export and
onnxconverter-common's float16 conversion write. A small CNN (Conv, BatchNormalization kept as a node, ReLU, MaxPool,
Dropout, global pooling, Linear) trained here on Fashion-MNIST, exported in float32 and turned into:
  half_fp16       float16 everywhere: initializers, input and output (what `model.half()` exports)
  half_fp16_keep  float16 inside, float32 input and output with Casts at both ends (onnxconverter-common's
                  keep_io_types=True)
  half_bf16       bfloat16 inside, float32 I/O with Casts (opset 13)
Writes WILD_OUT (default /tmp/half): the models, calib.npy (256 training images), test.npy and test-labels.npy (2,000 test
images), float32 in [0, 1]. Deterministic (seed 0)."""
import gzip, os
import numpy as np, torch, torch.nn as nn, onnx
from onnx import helper, numpy_helper, TensorProto

OUT = os.environ.get("WILD_OUT", "/tmp/half"); os.makedirs(OUT, exist_ok=True)
D = "/usr/share/datasets/fashion-mnist/"
torch.manual_seed(0); np.random.seed(0)
def images(f): return np.frombuffer(gzip.open(D + f).read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
def labels(f): return np.frombuffer(gzip.open(D + f).read(), np.uint8, offset=8).astype(np.int64)

class Cnn(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        s.drop = nn.Dropout(0.2); s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(s.drop(s.f(x).flatten(1)))

def main():
    xt, yt = images("train-images-idx3-ubyte.gz")[:20000], labels("train-labels-idx1-ubyte.gz")[:20000]
    xe, ye = images("t10k-images-idx3-ubyte.gz")[:2000], labels("t10k-labels-idx1-ubyte.gz")[:2000]
    np.save(f"{OUT}/calib.npy", xt[:256]); np.save(f"{OUT}/test.npy", xe); np.save(f"{OUT}/test-labels.npy", ye)
    m = Cnn(); opt = torch.optim.Adam(m.parameters(), 2e-3)
    for epoch in range(2):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 128):
            b = perm[i:i + 128]; loss = nn.functional.cross_entropy(m(torch.tensor(xt[b])), torch.tensor(yt[b]))
            opt.zero_grad(); loss.backward(); opt.step()
    m.eval()
    with torch.no_grad(): print("fp32 accuracy", (m(torch.tensor(xe)).argmax(1).numpy() == ye).mean())
    f32 = f"{OUT}/half_fp32.onnx"  # BatchNormalization and Dropout kept as nodes (PRESERVE), for convert to fold and remove
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), f32, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    narrow(onnx.load(f32), TensorProto.FLOAT16, keep_io=False, name="half_fp16")
    narrow(onnx.load(f32), TensorProto.FLOAT16, keep_io=True, name="half_fp16_keep")
    narrow(onnx.load(f32), TensorProto.BFLOAT16, keep_io=True, name="half_bf16")

def to_half(a, t):
    if t == TensorProto.FLOAT16: return numpy_helper.from_array(a.astype(np.float16))
    b = (a.astype(np.float32).view(np.uint32) + 0x7FFF + ((a.astype(np.float32).view(np.uint32) >> 16) & 1)) >> 16
    return helper.make_tensor("", TensorProto.BFLOAT16, a.shape, b.astype(np.uint16).tobytes(), raw=True)

def narrow(model, t, keep_io, name):
    g = model.graph
    for i, init in enumerate(g.initializer):
        if init.data_type == TensorProto.FLOAT:
            h = to_half(numpy_helper.to_array(init), t); h.name = init.name; g.initializer[i].CopyFrom(h)
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(to_half(numpy_helper.to_array(a.t), t))
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT: a.i = t
    del g.value_info[:]
    if keep_io:  # float32 at the boundary, Casts inside (onnxconverter-common's keep_io_types=True)
        x, y = g.input[0].name, g.output[0].name
        for n in g.node:
            n.input[:] = [x + "_half" if i == x else i for i in n.input]
            n.output[:] = [y + "_half" if o == y else o for o in n.output]
        g.node.insert(0, helper.make_node("Cast", [x], [x + "_half"], name="input_cast", to=t))
        g.node.append(helper.make_node("Cast", [y + "_half"], [y], name="output_cast", to=TensorProto.FLOAT))
    else:
        for v in list(g.input) + list(g.output): v.type.tensor_type.elem_type = t
    onnx.checker.check_model(model); onnx.save(model, f"{OUT}/{name}.onnx"); print("wrote", name)

if __name__ == "__main__":
    main()
