#!/usr/bin/env python3
"""Which channels global channel pruning should take from the zoo ResNet (prune8, 2026-12-06).

Re-runs tests/data/zoo/resnet.onnx (Conv, Relu, Add, GlobalAveragePool, Flatten, Gemm only) in torch and zeroes channels as
Quantrace's channel pruning removes them (a channel of a residual stream in every producer that adds into it), on the 10,000
Fashion-MNIST test images. Removing the same number of channels per layer as `quantrace prune --pattern channel --sparsity 5`
does (its ranking: filter RMS over the layer's mean, averaged over the stream's producers, 1.5 x floor), it compares taking the
lowest-scoring, the highest-scoring and random channels. Usage: python3 prune_rank_resnet.py  (about a minute on 2 cores).
"""
import gzip, math, os, random
import numpy as np, onnx, torch, torch.nn.functional as F
from onnx import numpy_helper as nh

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..')
g = onnx.load(os.path.join(DATA, 'zoo', 'resnet.onnx')).graph
init = {i.name: torch.tensor(nh.to_array(i).copy()) for i in g.initializer}
node = {n.name: n for n in g.node}


def idx(name, offset):
    return np.frombuffer(gzip.open(os.path.join(DATA, 'fashion-mnist', name)).read(), np.uint8, offset=offset)


X = torch.tensor(idx('t10k-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28) / 255., dtype=torch.float32)
Y = torch.tensor(idx('t10k-labels-idx1-ubyte.gz', 8).astype(np.int64))


def accuracy(weights):
    env = {g.input[0].name: X, **weights}
    with torch.no_grad():
        for n in g.node:
            a = {x.name: x for x in n.attribute}
            i = [env.get(k) for k in n.input]
            if n.op_type == 'Conv':
                pads = list(a['pads'].ints) if 'pads' in a else [0] * 4
                strides = list(a['strides'].ints) if 'strides' in a else [1, 1]
                o = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=strides, padding=(pads[0], pads[1]))
            elif n.op_type == 'Relu':
                o = F.relu(i[0])
            elif n.op_type == 'Add':
                o = i[0] + i[1]
            elif n.op_type == 'GlobalAveragePool':
                o = i[0].mean((2, 3), keepdim=True)
            elif n.op_type == 'Flatten':
                o = i[0].flatten(1)
            else:  # Gemm
                o = i[0] @ (i[1].T if 'transB' in a and a['transB'].i else i[1]) + i[2]
            env[n.output[0]] = o
    return (env[g.output[0].name].argmax(1) == Y).float().mean().item()


L = '/layers/layers.%d/%s/%s.0/Conv'
# the channel spaces Quantrace's ChannelPruning finds: the residual stream of stem and layers.0 is one space
SPACES = [['/stem/stem.0/Conv', L % (0, 'conv2', 'conv2')], [L % (0, 'conv1', 'conv1')], [L % (1, 'conv1', 'conv1')],
          [L % (1, 'conv2', 'conv2'), L % (1, 'shortcut', 'shortcut')], [L % (2, 'conv1', 'conv1')],
          [L % (2, 'conv2', 'conv2'), L % (2, 'shortcut', 'shortcut')]]


def scores(si):
    total = 0
    for p in SPACES[si]:
        w = init[node[p].input[1]]
        rms = w.reshape(w.shape[0], -1).pow(2).mean(1).sqrt()
        total = total + rms / rms.mean()
    return (total / len(SPACES[si])).tolist()


def without(removed):
    w = dict(init)
    for si, c in removed:
        for p in SPACES[si]:
            for t in node[p].input[1:3]:
                w[t] = w[t].clone()
                w[t][c] = 0
    return w


def quantrace_ranking(percent):
    ranked = sorted((s, si, c) for si in range(len(SPACES)) for c, s in enumerate(scores(si)))
    left = [len(scores(si)) for si in range(len(SPACES))]
    floor = [max(1, n - math.floor(n * max(percent, min(1.5 * percent, 90)) / 100)) for n in left]
    removed = []
    for s, si, c in ranked:
        if len(removed) >= int(len(ranked) * percent / 100):
            break
        if left[si] > floor[si]:
            removed.append((si, c))
            left[si] -= 1
    return removed


if __name__ == '__main__':
    print('fp32', round(accuracy(init), 4))
    chosen = quantrace_ranking(5)
    per_space = [sum(1 for si, _ in chosen if si == s) for s in range(len(SPACES))]
    print('channels removed per space at 5 %:', per_space)
    print('lowest score (Quantrace)', round(accuracy(without(chosen)), 4))
    for kind in ('highest', 'random 1', 'random 2'):
        removed = []
        for si, n in enumerate(per_space):
            order = sorted(range(len(scores(si))), key=lambda c: scores(si)[c], reverse=kind == 'highest')
            if kind.startswith('random'):
                random.Random(kind).shuffle(order)
            removed += [(si, c) for c in order[:n]]
        print(kind, 'score', round(accuracy(without(removed)), 4))
    for si in range(len(SPACES)):
        two = sorted(range(len(scores(si))), key=lambda c: scores(si)[c])[:2]
        print('only the 2 lowest of', SPACES[si][0], round(accuracy(without([(si, c) for c in two])), 4))
