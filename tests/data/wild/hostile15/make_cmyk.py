#!/usr/bin/env python3
"""CMYK JPEGs (as print workflows and some scanners write them) of ten Fashion-MNIST test images, one per class, and
PIL's RGB of each (Image.convert("RGB"), what a torchvision ImageFolder loader feeds a model) as the reference.

Quantrace read a CMYK JPEG's C, M and Y bands as R, G and B: the example CNN scored 0.10 on such images (0.895 on the same
images as grey JPEGs), without a word (hostile15). Each image's ink differs per band so that every band is held:
C = g / 2, M = (255 - g) / 3, Y = the column pattern, K = g / 4 (g the grey level), saved at quality 95.

    /usr/bin/python3 tests/data/wild/hostile15/make_cmyk.py   # writes cmyk/<class>/<i>.jpg, cmyk_rgb.npy, cmyk_labels.json here
"""
import gzip
import json
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "fashion-mnist")
CLASSES = ["tshirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]

with gzip.open(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
with gzip.open(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)

out = os.path.join(HERE, "cmyk")
rgb = []
for name in sorted(CLASSES):  # the order Quantrace reads class folders in
    c = CLASSES.index(name)
    g = images[np.flatnonzero(labels == c)[0]].astype(np.int32)
    cmyk = np.stack([g // 2, (255 - g) // 3, np.tile(np.arange(28) * 9, (28, 1)), g // 4], axis=-1).astype(np.uint8)
    os.makedirs(os.path.join(out, name), exist_ok=True)
    path = os.path.join(out, name, "0.jpg")
    Image.fromarray(cmyk, "CMYK").save(path, "JPEG", quality=95)
    rgb.append(np.asarray(Image.open(path).convert("RGB")))  # the saved file decoded, as a reader of it sees it
np.save(os.path.join(HERE, "cmyk_rgb.npy"), np.stack(rgb))
with open(os.path.join(HERE, "cmyk_labels.json"), "w") as f:
    json.dump({name: CLASSES.index(name) for name in CLASSES}, f, indent=1)
