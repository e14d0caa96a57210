#!/usr/bin/python3
"""Noisy inputs and their clean targets for a recipe that measures a denoiser against the clean images (a dataset's
`targets "clean.npy"`), and the figures scikit-image computes for the 3x3 blur (models/image_blur.onnx, made by
make_reconstruction_references.py) as that denoiser. Run with Debian's python3-skimage and dataset-fashion-mnist:
    /usr/bin/python3 tests/data/metrics/make_denoise_targets.py

Writes
- metrics/denoise_clean.npy: the first 64 Fashion-MNIST test images, [64, 1, 28, 28] float32 in [0, 1] (x / 255);
- metrics/denoise_noisy.npy: the same with Gaussian noise of sigma 0.2 (numpy seed 13), clipped to [0, 1];
- metrics/denoise_references.json: blur(noisy) against clean and noisy against clean: MSE (the mean over all values),
  PSNR = 10 log10(1 / MSE) (data range 1), SSIM (skimage.metrics.structural_similarity, Wang et al. 2004's setting:
  gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1; the mean of the per-image SSIMs).
  blur(x) is computed here in numpy (a 3x3 mean with zero padding, the model's Conv of weights 1/9 and pads 1).
"""
import gzip
import json
import os

import numpy as np
import skimage
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
N = 64


def read_images(path, n):
    with gzip.open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28)


def blur(x):
    p = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros(x.shape, dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            out += p[:, :, dy:dy + 28, dx:dx + 28]
    return (out / 9).astype(np.float32)


def figures(y, clean):
    mse = float(np.mean((y.astype(np.float64) - clean.astype(np.float64)) ** 2))
    ssim = float(np.mean([structural_similarity(clean[i, 0].astype(np.float64), y[i, 0].astype(np.float64), gaussian_weights=True,
                                                sigma=1.5, use_sample_covariance=False, data_range=1.0) for i in range(len(y))]))
    return {"mse": mse, "psnr": 10 * np.log10(1.0 / mse), "ssim": ssim}


def main():
    clean = (read_images(IMAGES, N).astype(np.float32) / 255).astype(np.float32)
    rng = np.random.RandomState(13)
    noisy = np.clip(clean + rng.normal(0, 0.2, clean.shape).astype(np.float32), 0, 1).astype(np.float32)
    np.save(os.path.join(HERE, "denoise_clean.npy"), clean)
    np.save(os.path.join(HERE, "denoise_noisy.npy"), noisy)
    refs = {"skimage": skimage.__version__, "samples": N, "blur_against_clean": figures(blur(noisy), clean),
            "noisy_against_clean": figures(noisy, clean)}
    with open(os.path.join(HERE, "denoise_references.json"), "w") as f:
        json.dump(refs, f, indent=1)
        f.write("\n")
    print(json.dumps(refs, indent=1))


if __name__ == "__main__":
    main()
