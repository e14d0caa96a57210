#!/usr/bin/python3
"""SSIM of images channels last ([N, H, W, C], an NHWC model's outputs) as scikit-image computes it with channel_axis=-1:
the reference of Quantrace's SSIM over [H, W, C] (ReconstructionMetrics with ImageLayout.CHANNELS_LAST,
tests/org.quantrace.engine.evaluate.tests ReconstructionTest). Run with Debian's python3-skimage:
    /usr/bin/python3 tests/data/metrics/make_ssim_nhwc_references.py

Writes metrics/ssim_nhwc_references.json: two random pairs (numpy default_rng(11)), [2, 20, 24, 3] and [2, 20, 24, 5]
(rectangular, so that rows and columns swapped give another figure; 5 channels, more than the 4 a shape alone is read
channels last by), values rounded to 8 decimals as stored, and per pair skimage.metrics.structural_similarity(ref, out,
channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1) averaged over the samples
(Wang et al. 2004's setting, as make_reconstruction_references.py uses it channels first), with the MSE.
"""
import json
import os

import numpy as np
import skimage
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))


def case(rng, shape):
    a = np.round(rng.random(shape), 8).astype(np.float32)
    b = np.round(np.clip(a + rng.normal(0, 0.1, shape), 0, 1), 8).astype(np.float32)
    ssim = [structural_similarity(a[i].astype(np.float64), b[i].astype(np.float64), channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False, data_range=1.0) for i in range(shape[0])]
    return {"shape": list(shape), "reference": a.ravel().astype(np.float64).tolist(), "outputs": b.ravel().astype(np.float64).tolist(),
            "mse": float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)), "ssim": float(np.mean(ssim))}


def main():
    rng = np.random.default_rng(11)
    out = {"skimage": skimage.__version__, "cases": [case(rng, (2, 20, 24, 3)), case(rng, (2, 20, 24, 5))]}
    with open(os.path.join(HERE, "ssim_nhwc_references.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")
    print([(c["shape"], c["ssim"]) for c in out["cases"]])


if __name__ == "__main__":
    main()
