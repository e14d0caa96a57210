#!/usr/bin/python3
"""Image-to-image test models and the MSE, PSNR and SSIM scikit-image computes for their outputs: the reference
Quantrace's reconstruction metrics (ReconstructionMetrics, the evaluator's reconstruction path) are tested against
(tests/org.quantrace.engine.evaluate.tests ReconstructionTest). Run with Debian's python3-skimage, python3-onnx:
    /usr/bin/python3 tests/data/metrics/make_reconstruction_references.py

Writes
- models/image_identity.onnx: y = x on [N, 1, 28, 28] (a Mul by 1), the reference model of a fidelity evaluation;
- models/image_affine.onnx: y = 0.5 x + 0.25 (Mul, Add): contrast halved, brightness raised;
- models/image_blur.onnx: a 3x3 box blur (Conv, weights 1/9, pads 1; of images in [0, 1], in [0, 1]);
- metrics/reconstruction_references.json: for the first 64 Fashion-MNIST test images x (scaled to [0, 1], as the
  evaluator's default preprocessing reads them), each model's outputs against x: MSE (mean over all values), PSNR =
  10 log10(1 / MSE) (data range 1), SSIM (skimage.metrics.structural_similarity, Wang et al. 2004's setting:
  gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, the mean of the per-image SSIMs), and the
  same SSIM by this file's own numpy code (an 11x11 'valid' Gaussian window) as a check of the check; plus two random
  3-channel 16x16 pairs (arrays in the file) with their SSIM for data range 1 and 255.
"""
import gzip
import json
import os

import numpy as np
import onnx
import skimage
from onnx import TensorProto, helper, numpy_helper
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..")
MODELS = os.path.join(DATA, "models")


def images(n):
    with gzip.open(os.path.join(DATA, "fashion-mnist", "t10k-images-idx3-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return (raw[: n * 784].reshape(n, 1, 28, 28).astype(np.float32) / np.float32(255)).astype(np.float32)


def model(name, nodes, inits):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1, 28, 28])],
                          [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_reconstruction_references.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(MODELS, name + ".onnx"))


def gaussian_ssim(x, y, r):
    """Wang et al. 2004 with numpy alone: 11x11 Gaussian (sigma 1.5) over the positions where it fits, population moments."""
    k = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    k /= k.sum()
    w = np.outer(k, k)
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    h, wd = x.shape
    out = []
    for i in range(h - 10):
        for j in range(wd - 10):
            a, b = x[i:i + 11, j:j + 11].astype(np.float64), y[i:i + 11, j:j + 11].astype(np.float64)
            mx, my = (w * a).sum(), (w * b).sum()
            vx, vy, cxy = (w * a * a).sum() - mx * mx, (w * b * b).sum() - my * my, (w * a * b).sum() - mx * my
            out.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2)))
    return float(np.mean(out))


def ssim_skimage(x, y, r):
    return float(structural_similarity(x.astype(np.float64), y.astype(np.float64), data_range=r, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False))


def scores(outs, ref, r=1.0):
    per_image = [np.mean([ssim_skimage(ref[i, c], outs[i, c], r) for c in range(ref.shape[1])]) for i in range(len(ref))]
    own = [np.mean([gaussian_ssim(ref[i, c], outs[i, c], r) for c in range(ref.shape[1])]) for i in range(len(ref))]
    mse = float(mean_squared_error(ref.astype(np.float64), outs.astype(np.float64)))
    return {"mse": mse, "psnr": float(peak_signal_noise_ratio(ref.astype(np.float64), outs.astype(np.float64), data_range=r)),
            "ssim": float(np.mean(per_image)), "ssim_numpy": float(np.mean(own))}


def main():
    x = images(64)
    model("image_identity", [helper.make_node("Mul", ["x", "one"], ["y"], name="identity")], {"one": 1.0})
    model("image_affine", [helper.make_node("Mul", ["x", "half"], ["h"], name="contrast"), helper.make_node("Add", ["h", "quarter"], ["y"], name="bright")],
          {"half": 0.5, "quarter": 0.25})
    model("image_blur", [helper.make_node("Conv", ["x", "box"], ["y"], name="blur", pads=[1, 1, 1, 1])],
          {"box": np.full((1, 1, 3, 3), 1 / 9, dtype=np.float32)})
    affine = (x * np.float32(0.5) + np.float32(0.25)).astype(np.float32)
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    blur = sum(p[:, :, i:i + 28, j:j + 28].astype(np.float64) for i in range(3) for j in range(3)) / 9
    blur = blur.astype(np.float32)
    rng = np.random.default_rng(7)
    a = rng.random((2, 3, 16, 16)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    out = {"skimage": skimage.__version__, "samples": 64, "data_range": 1.0,
           "image_affine": scores(affine, x), "image_blur": scores(blur, x),
           "random": {"shape": list(a.shape), "a": np.round(a.ravel().astype(np.float64), 8).tolist(), "b": np.round(b.ravel().astype(np.float64), 8).tolist()}}
    ra = np.asarray(out["random"]["a"], dtype=np.float32).reshape(a.shape)
    rb = np.asarray(out["random"]["b"], dtype=np.float32).reshape(a.shape)
    out["random"]["range1"] = scores(rb, ra, 1.0)
    out["random"]["range255"] = scores(rb * 255, ra * 255, 255.0)
    with open(os.path.join(HERE, "reconstruction_references.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for k in ("image_affine", "image_blur"):
        print(k, out[k])
    print("random", out["random"]["range1"], out["random"]["range255"])


if __name__ == "__main__":
    main()
