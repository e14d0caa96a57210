#!/usr/bin/python3
# bins.py OUTDIR: MultiCpu.java's inputs: input_ids.bin and attention_mask.bin (int64 [1000, 49], bert2in-test.npz's
# arrays) and input.bin (float32 [64, 1, 28, 28], the first 64 test images / 255). tests/data/wild/README.md, masks33.
import os, sys, gzip, numpy as np
here = os.path.dirname(os.path.abspath(__file__)); out = sys.argv[1]
d = np.load(os.path.join(here, "..", "..", "multiin", "bert2in-test.npz"))
for k in ("input_ids", "attention_mask"):
    d[k].astype("<i8").tofile(os.path.join(out, k + ".bin"))
img = np.frombuffer(gzip.open(os.path.join(here, "..", "..", "fashion-mnist", "t10k-images-idx3-ubyte.gz")).read()[16:], np.uint8)[:64 * 784]
(img.astype("<f4") / 255).tofile(os.path.join(out, "input.bin"))
