#!/usr/bin/python3
"""MSE, PSNR (data range 1) and SSIM (scikit-image, Wang et al. 2004's setting) of make_unseen12's dae and its quantized
variants, from their outputs as the bench's own ONNX Runtime client wrote them (org.quantrace.measure.Outs: MODEL.onnx.outs,
float32 [10000, 1, 28, 28]): against the fp32 model's outputs (fidelity, what `evaluate` and a recipe measure) and against the
clean images. A second path to the figures `quantrace evaluate --metrics mse,psnr,ssim` prints (branch metrics).
    /usr/bin/python3 tests/data/wild/dae_metrics.py DIR N fp32.onnx other.onnx...
"""
import gzip
import os
import sys

import numpy as np
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))


def outs(path, n):
    return np.fromfile(path + ".outs", dtype="<f4")[: n * 784].reshape(n, 1, 28, 28).astype(np.float64)


def scores(y, ref):
    mse = float(np.mean((y - ref) ** 2))
    psnr = float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)
    ssim = float(np.mean([structural_similarity(ref[i, 0], y[i, 0], data_range=1.0, gaussian_weights=True, sigma=1.5,
                                                use_sample_covariance=False) for i in range(len(y))]))
    return mse, psnr, ssim


def main():
    d, n, base, others = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    with gzip.open(os.path.join(HERE, "..", "fashion-mnist", "t10k-images-idx3-ubyte.gz")) as f:
        clean = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28).astype(np.float32) / np.float32(255)
    ref = outs(os.path.join(d, base), n)
    print(f"{n} test images; fidelity = against {base}'s outputs; clean = against the images")
    print(f"{'model':12s} {'mse fid':>11s} {'psnr fid':>9s} {'ssim fid':>8s} {'mse clean':>11s} {'psnr clean':>10s} {'ssim clean':>10s}")
    for m in [base] + others:
        y = outs(os.path.join(d, m), n)
        a, b = scores(y, ref), scores(y, clean.astype(np.float64))
        print(f"{m:12s} {a[0]:11.4e} {a[1]:9.4f} {a[2]:8.6f} {b[0]:11.4e} {b[1]:10.4f} {b[2]:10.6f}")


if __name__ == "__main__":
    main()
