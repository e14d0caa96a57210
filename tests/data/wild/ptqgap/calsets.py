#!/usr/bin/python3
"""calsets.py K OUT: K calibration sets of 300 Fashion-MNIST training images (disjoint, drawn with RandomState(12345) as the zoo's
ptq_spread.py draws its sets) as OUT/k0..k{K-1}-images-idx3-ubyte.gz. The unseen models trained on random batches of the whole
training set, so these images are not unseen by them (nor is the zoo's calib300)."""
import gzip, os, struct, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from make_wild import read_idx, SRC
K, out = int(sys.argv[1]), sys.argv[2]; os.makedirs(out, exist_ok=True)
x = read_idx(f"{SRC}/train-images-idx3-ubyte.gz"); pool = np.random.RandomState(12345).permutation(len(x))
for k in range(K):
    imgs = x[np.sort(pool[k * 300:(k + 1) * 300])].astype(np.uint8)
    with gzip.open(os.path.join(out, f"k{k}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(imgs), 28, 28) + imgs.tobytes())
