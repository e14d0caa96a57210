#!/usr/bin/python3
"""Reference ranges for Quantrace's l2 calibration: torch's own HistogramObserver on the same values.

Writes expected/l2_ranges.json: for five tensors of the zoo's mobilenetv3_constants_opset11 (a BatchNormalization
output, a ReLU output, a decomposed HardSwish output, a squeeze-excitation GlobalAveragePool and its HardSigmoid gate),
over the zoo's 300 calibration images, torch's range (HistogramObserver._non_linear_param_search after one forward call
with the whole tensor of all 300 images), the observed min and max and the histogram's bin width. The values are those of
the ONNX model's tensors: the torch module is rebuilt from the ONNX file's Constant weights (BatchNormalization is not folded
in that model, so every parameter is there) and its fp32 accuracy is checked against the provenance's.

Each tensor is given to the observer divided by the power of two that brings it inside (-1, 1), and the range found is
multiplied back. Why: torch 1.13's HistogramObserver bins its first batch with torch.histc(x, min=int(min_val),
max=int(max_val)); int() truncates, so for wider values the histogram does not span the [min_val, max_val] it is labelled
with (values beyond the truncated bounds are dropped). With both bounds truncated to 0, histc uses the data's own min and
max, which is what the observer assumes. The search is invariant to the scale (it compares errors of one histogram, and a
power of two scales floats exactly). One forward call: torch merges later batches into its histogram by upsampling and
interpolating, its own approximation, which is not the L2 rule (Quantrace's streamed histograms merge exactly).

It also records the bins torch's search keeps on five small histograms, one per rule (see histograms()), which
L2RangeTest builds the same way.

Run from anywhere (Debian 12: python3-torch 1.13, python3-onnx, python3-numpy):
    /usr/bin/python3 tests/data/make_l2_reference.py
"""
import gzip
import json
import os
import struct

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch.ao.quantization.observer import HistogramObserver

HERE = os.path.dirname(os.path.abspath(__file__))
ZOO = os.path.join(HERE, "zoo")
MODEL = "mobilenetv3_constants_opset11"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, rows, cols = struct.unpack(">III", raw[4:16])
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, rows, cols)


def zoo_model():
    """The zoo model rebuilt in torch from the ONNX file's weights (BatchNormalization is not folded in it, so every
    parameter of the torch module is a Constant of the graph)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_zoo", os.path.join(ZOO, "make_zoo.py"))
    make_zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_zoo)
    weights = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
               for n in onnx.load(os.path.join(ZOO, MODEL + ".onnx")).graph.node if n.op_type == "Constant"}
    model = make_zoo.ZOO[MODEL]["build"]()
    state = model.state_dict()
    model.load_state_dict({k: torch.from_numpy(weights[k].copy()) if k in weights else v for k, v in state.items()})
    return model.eval()


# ONNX tensor -> the torch value it is (a function of the forward hooks' captures)
TENSORS = {
    "/features/features.4/block/block.0/block.0.1/BatchNormalization_output_0": lambda c: c["bn"],
    "/features/features.2/block/block.0/block.0.2/Relu_output_0": lambda c: c["relu"],
    "/features/features.4/block/block.0/block.0.2/Div_output_0": lambda c: c["hardswish"],
    "/features/features.4/block/block.2/GlobalAveragePool_output_0": lambda c: F.adaptive_avg_pool2d(c["se_input"], 1),
    "/features/features.4/block/block.2/HardSigmoid_output_0": lambda c: F.hardsigmoid(c["fc2"]),
}


def activations():
    model = zoo_model()
    images = read_idx(os.path.join(ZOO, "data", "calib300-images-idx3-ubyte.gz"))
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255))
    captured = {}

    def keep(name):
        return lambda module, inputs, output: captured.__setitem__(name, output)

    f2, f4 = model.features[2].block, model.features[4].block
    hooks = [f4[0][1].register_forward_hook(keep("bn")), f2[0][2].register_forward_hook(keep("relu")),
             f4[0][2].register_forward_hook(keep("hardswish")), f4[1].register_forward_hook(keep("se_input")),
             f4[2].fc2.register_forward_hook(keep("fc2"))]
    with torch.no_grad():
        model(x)
        test = read_idx(os.path.join(HERE, "fashion-mnist", "t10k-images-idx3-ubyte.gz"))
        labels = np.frombuffer(gzip.open(os.path.join(HERE, "fashion-mnist", "t10k-labels-idx1-ubyte.gz")).read(), np.uint8, offset=8)
        for h in hooks:
            h.remove()
        logits = torch.cat([model(torch.from_numpy(test[i:i + 500].astype(np.float32) / np.float32(255))) for i in range(0, len(test), 500)])
    accuracy = float((logits.argmax(1).numpy() == labels).mean())
    with open(os.path.join(ZOO, MODEL + ".json")) as f:
        recorded = json.load(f)["evaluation"]["torch_fp32"]
    assert abs(accuracy - recorded) < 1e-9, f"rebuilt model's accuracy {accuracy} is not the provenance's {recorded}"
    return {name: value(captured).detach() for name, value in TENSORS.items()}


def histograms():
    """Small histograms, one per rule of the search, as L2RangeTest builds them (2048 bins over [0, 2048), 256 levels)."""
    even = np.full(2048, 100.0)
    tail = np.zeros(2048)
    tail[:256] = 10000
    tail[256::64] = 1
    tail[2047] = 1
    below = np.zeros(2048)
    below[1792:] = 10000
    below[0:1792:64] = 1
    spike = np.zeros(256)
    spike[100] = 50
    ramp = np.array([(b % 7) * (2048 - b) for b in range(2048)], dtype=np.float64)  # uneven, decreasing, empty every 7th bin
    return {"even": even, "tail": tail, "below": below, "spike": spike, "ramp": ramp}


def torch_search(h):
    """torch's search on histogram h over [0, len(h)): the kept bins [start, end]."""
    obs = HistogramObserver(bins=len(h), reduce_range=False)
    obs.histogram.copy_(torch.from_numpy(h).float())
    obs.min_val.copy_(torch.tensor(0.0))
    obs.max_val.copy_(torch.tensor(float(len(h))))
    lo, hi = obs._non_linear_param_search()
    return [int(round(lo.item())), int(round(hi.item())) - 1]


def main():
    torch.set_num_threads(1)
    expected = {"script": "tests/data/make_l2_reference.py", "command": "/usr/bin/python3 tests/data/make_l2_reference.py",
                "torch": torch.__version__, "model": "tests/data/zoo/" + MODEL + ".onnx",
                "data": "tests/data/zoo/data/calib300-images-idx3-ubyte.gz (all 300, pixel / 255)",
                "observer": "torch.ao.quantization.observer.HistogramObserver(bins=2048, upsample_rate=128, dtype=torch.quint8, "
                            "qscheme=torch.per_tensor_affine, reduce_range=False), one forward call with the whole tensor",
                "tensors": {}}
    for name, t in activations().items():
        scale = float(2.0 ** (np.floor(np.log2(t.abs().max().item())) + 1))
        obs = HistogramObserver(reduce_range=False)
        obs(t / scale)
        lo, hi = obs._non_linear_param_search()
        r = {"values": t.numel(), "min": obs.min_val.item() * scale, "max": obs.max_val.item() * scale,
             "bin_width": (obs.max_val.item() - obs.min_val.item()) / obs.bins * scale, "l2_min": lo.item() * scale, "l2_max": hi.item() * scale}
        expected["tensors"][name] = r
        print(name, r)
    expected["histograms"] = {}
    for name, h in histograms().items():
        expected["histograms"][name] = {"bins": torch_search(h)}
        print(name, expected["histograms"][name])
    with open(os.path.join(HERE, "expected", "l2_ranges.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
