#!/usr/bin/python3
"""cmp.py LABELS FP32.preds A.preds [B.preds ...]: per model its accuracy, the fp32 predictions it changes (fixed / broken),
and between each pair of models the exact McNemar test (two-sided) on the samples only one of them gets right."""
import sys, gzip, math, itertools
import numpy as np
def labels(p):
    b = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
    return np.frombuffer(b[8:], np.uint8)
y = labels(sys.argv[1])
def read(p): return np.array([int(c) for c in open(p).read().strip()])
fp = read(sys.argv[2]); ms = [(p, read(p)) for p in sys.argv[3:]]
def mcnemar(b, c):
    b, c = int(b), int(c); n = b + c
    if n == 0: return 1.0
    k = min(b, c); from fractions import Fraction; p = float(Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2 ** n))
    return min(1.0, 2 * p)
print(f"fp32 {sys.argv[2]}: {np.mean(fp == y):.4f}")
for p, q in ms:
    ch = q != fp
    print(f"{p}: {np.mean(q == y):.4f} ({100*(np.mean(q == y)-np.mean(fp == y)):+.2f} pt); changes {ch.sum()} fp32 predictions: fixes {(ch & (q == y)).sum()}, breaks {(ch & (fp == y)).sum()}")
for (pa, a), (pb, b) in itertools.combinations(ms, 2):
    x = ((a == y) & (b != y)).sum(); z = ((a != y) & (b == y)).sum()
    print(f"  {pa} vs {pb}: only first right {x}, only second right {z}, McNemar p = {mcnemar(x, z):.3f}")
