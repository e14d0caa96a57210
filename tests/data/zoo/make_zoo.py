#!/usr/bin/python3
"""Trains the zoo: small real architectures on Fashion-MNIST, exported to ONNX the way real exporters
write them, with provenance and torch's own post-training quantization of each model.

Run from anywhere (Debian 12: python3-torch 1.13, python3-onnx 1.12, python3-numpy, dataset-fashion-mnist):
    /usr/bin/python3 tests/data/zoo/make_zoo.py            # every model, one after the other
    /usr/bin/python3 tests/data/zoo/make_zoo.py resnet vit # only these
One thread (torch.set_num_threads(1)): the machine's cores are shared. Deterministic: every model seeds
torch, numpy and random with its own seed before it is built; the same script gives the same files.

Writes into this folder:
    data/calib300-images-idx3-ubyte.gz, data/calib300-labels-idx1-ubyte.gz   300 training images (calibration)
    data/t10k-attributes.npy     [10000, 5] uint8 multilabel targets of the test set (attribute models)
    data/calib300-attributes.npy [300, 5]
    data/t1k-attributes.npz      the first 1,000 test images (x, float32 [1000, 1, 28, 28]) with their attributes (y)
    <model>.onnx, <model>.json   the model and its provenance (accuracy, torch PTQ, versions, ops)
Evaluation data is the Fashion-MNIST test set already in tests/data/fashion-mnist/ (10,000 images).
"""
import gzip
import hashlib
import json
import math
import os
import random
import struct
import sys
import time
from collections import Counter

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

HERE = os.environ.get("ZOO_OUT") or os.path.dirname(os.path.abspath(__file__))  # ZOO_OUT: try the script elsewhere
DATA = os.path.join(HERE, "data")
SMOKE = os.environ.get("ZOO_SMOKE") == "1"  # a few batches per model, to check the exports quickly
SOURCE = "/usr/share/datasets/fashion-mnist"
TEST_IN_REPO = "tests/data/fashion-mnist/t10k-images-idx3-ubyte.gz"
TEST_LABELS_IN_REPO = "tests/data/fashion-mnist/t10k-labels-idx1-ubyte.gz"
CLASSES = ["tshirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]
ATTRIBUTES = ["upper_body", "footwear", "long_sleeves", "worn_on_legs", "accessory"]
ATTRIBUTE_CLASSES = [[0, 2, 4, 6], [5, 7, 9], [2, 4, 6], [1, 3], [8]]
CALIBRATION = 300

torch.set_num_threads(1)
# Debian's torch 1.13 is built without FBGEMM (supported engines: qnnpack, onednn): oneDNN is its x86 backend.
QENGINE = "onednn"
torch.backends.quantized.engine = QENGINE


# ---------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(raw, np.uint8, offset=8).reshape(n)


def write_idx(path, array):
    """IDX (ubyte) gzip-compressed with a fixed time stamp, so the bytes only depend on the data."""
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


def write_npz(path, **arrays):
    """np.savez_compressed with fixed entry times, so the bytes only depend on the data."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            z.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED)


def attributes(labels):
    a = np.zeros((len(labels), len(ATTRIBUTES)), np.uint8)
    for j, classes in enumerate(ATTRIBUTE_CLASSES):
        a[:, j] = np.isin(labels, classes)
    return a


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Data:
    """Training images (all 60k minus the 300 calibration images), calibration and test sets, as x/255 NCHW."""

    def __init__(self):
        train_x = read_idx(os.path.join(SOURCE, "train-images-idx3-ubyte.gz"))
        train_y = read_idx(os.path.join(SOURCE, "train-labels-idx1-ubyte.gz")).astype(np.int64)
        self.test_x = read_idx(os.path.join(SOURCE, "t10k-images-idx3-ubyte.gz"))
        self.test_y = read_idx(os.path.join(SOURCE, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
        order = np.random.RandomState(0).permutation(len(train_x))
        calib, rest = np.sort(order[:CALIBRATION]), order[CALIBRATION:]
        self.calib_x, self.calib_y = train_x[calib], train_y[calib]
        self.train_x, self.train_y = train_x[rest], train_y[rest]
        self.calibration_indices = calib
        if SMOKE:
            self.test_x, self.test_y = self.test_x[:500], self.test_y[:500]

    @staticmethod
    def tensor(images):
        return torch.from_numpy(images.astype(np.float32) / np.float32(255)).unsqueeze(1)

    def write(self):
        os.makedirs(DATA, exist_ok=True)
        write_idx(os.path.join(DATA, "calib300-images-idx3-ubyte.gz"), self.calib_x)
        write_idx(os.path.join(DATA, "calib300-labels-idx1-ubyte.gz"), self.calib_y.astype(np.uint8))
        np.save(os.path.join(DATA, "calib300-attributes.npy"), attributes(self.calib_y))
        np.save(os.path.join(DATA, "t10k-attributes.npy"), attributes(self.test_y))
        # Quantrace reads IDX labels as classes only: the multilabel model's evaluation set as .npz (x, y) too
        write_npz(os.path.join(DATA, "t1k-attributes.npz"), x=Data.tensor(self.test_x[:1000]).numpy(), y=attributes(self.test_y[:1000]))
        with open(os.path.join(HERE, "labels.json"), "w") as f:
            json.dump({c: i for i, c in enumerate(CLASSES)}, f, indent=1)
            f.write("\n")
        with open(os.path.join(HERE, "attributes.json"), "w") as f:
            json.dump({"attributes": ATTRIBUTES, "positive_classes": {a: [CLASSES[c] for c in cs] for a, cs in zip(ATTRIBUTES, ATTRIBUTE_CLASSES)}},
                      f, indent=1)
            f.write("\n")


# ---------------------------------------------------------------- architectures

def conv_bn(cin, cout, k=3, stride=1, groups=1, act=None):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expand, 3x3 depthwise, 1x1 project (linear), residual when shapes agree."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else [conv_bn(cin, hidden, 1, act=nn.ReLU6)]
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6), conv_bn(hidden, cout, 1)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.block(x) if self.residual else self.block(x)


class MobileNetV2(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        cfg = [(1, 16, 1, 1), (4, 24, 2, 1), (4, 32, 2, 2), (4, 64, 2, 1)]  # expand, channels, repeats, first stride
        layers = [conv_bn(1, 16, 3, 2, act=nn.ReLU6)]  # 28x28 -> 14x14, as the original's stride-2 stem
        cin = 16
        for t, c, n, s in cfg:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn(cin, 160, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(160, classes))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class HardSwishDecomposed(nn.Module):
    """x * relu6(x + 3) / 6, as TensorFlow/Paddle graphs spell HardSwish (Add, Clip, Mul, Div in ONNX)."""

    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class V3Block(nn.Module):
    def __init__(self, cin, hidden, cout, k, stride, se, act):
        super().__init__()
        layers = [] if hidden == cin else [conv_bn(cin, hidden, 1, act=act)]
        layers.append(conv_bn(hidden, hidden, k, stride, groups=hidden, act=act))
        if se:
            layers.append(SqueezeExcitation(hidden, max(8, hidden // 4)))
        layers.append(conv_bn(hidden, cout, 1))
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.block(x) if self.residual else self.block(x)


class MobileNetV3(nn.Module):
    """MobileNetV3-Small-like: HardSwish, squeeze-excitation with HardSigmoid, depthwise convolutions."""

    def __init__(self, hardswish=nn.Hardswish, classes=10):
        super().__init__()
        hs, re = hardswish, nn.ReLU
        # cin, hidden, cout, kernel, stride, SE, activation
        cfg = [(16, 16, 16, 3, 1, True, re), (16, 64, 24, 3, 1, False, re), (24, 72, 24, 3, 1, False, re),
               (24, 96, 40, 5, 2, True, hs), (40, 120, 40, 5, 1, True, hs), (40, 120, 48, 5, 1, True, hs)]
        layers = [conv_bn(1, 16, 3, 2, act=hs)]  # stride-2 stem as the original: 28x28 -> 14x14
        for c in cfg:
            layers.append(V3Block(*c))
        layers.append(conv_bn(48, 144, 1, act=hs))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(144, 128), hs(), nn.Dropout(0.1), nn.Linear(128, classes))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride, act=nn.ReLU)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride)

    def forward(self, x):
        return F.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(1, 32, 3, 1, act=nn.ReLU)
        self.layers = nn.Sequential(BasicBlock(32, 32, 1), BasicBlock(32, 64, 2), BasicBlock(64, 96, 2))
        self.fc = nn.Linear(96, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Attention(nn.Module):
    """Multi-head self-attention as timm's ViT writes it: one qkv Linear, q @ k^T, Softmax, @ v."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.dim, self.scale = heads, dim, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n = x.shape[0], x.shape[1]
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.dim // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, self.dim))


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """A small vision transformer: 4x4 patches (49 tokens) + class token, 3 pre-norm encoder blocks."""

    def __init__(self, dim=64, depth=3, heads=4, mlp=128, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, 4, 4)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, 50, dim) * 0.02)
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


class RecurrentClassifier(nn.Module):
    """Reads a [N, 1, 28, 28] image as 28 time steps of 28 pixel rows; classifies from the last state."""

    def __init__(self, cell, hidden=128, classes=10):
        super().__init__()
        self.rnn = cell(28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x.reshape(-1, 28, 28))
        return self.fc(out[:, -1])


class UNetClassifier(nn.Module):
    """U-Net/FPN-style encoder-decoder: ConvTranspose and Resize (nearest) up-sampling, skip Concats;
    a classification head reads the full-resolution decoder output."""

    def __init__(self, classes=10):
        super().__init__()
        self.enc1 = nn.Sequential(conv_bn(1, 16, act=nn.ReLU), conv_bn(16, 16, act=nn.ReLU))
        self.enc2 = nn.Sequential(conv_bn(16, 32, act=nn.ReLU), conv_bn(32, 32, act=nn.ReLU))
        self.bottom = nn.Sequential(conv_bn(32, 64, act=nn.ReLU), conv_bn(64, 64, act=nn.ReLU))
        self.up2 = nn.ConvTranspose2d(64, 32, 2, 2)
        self.dec2 = conv_bn(64, 32, act=nn.ReLU)
        self.lateral1 = nn.Conv2d(32, 16, 1)
        self.dec1 = conv_bn(32, 32, act=nn.ReLU)
        self.head = nn.Linear(32 + 64, classes)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottom(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(self.lateral1(d2), scale_factor=2.0, mode="nearest"), e1], 1))
        pooled = torch.cat([F.adaptive_avg_pool2d(d1, 1), F.adaptive_max_pool2d(b, 1)], 1)
        return self.head(torch.flatten(pooled, 1))


class ResidualConvBlock(nn.Module):
    """The BSPC-GAP block of the results deck: three Convs and a MaxPool beside a pooled 1x1 shortcut, Add."""

    def __init__(self, cin, cout):
        super().__init__()
        self.convs = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
                                   nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())
        self.shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return F.max_pool2d(self.convs(x), 2) + self.shortcut(F.max_pool2d(x, 2))


class BspcGap(nn.Module):
    """The deck's BSPC-GAP shape: residual Conv blocks, then a self-attention tail written with batched
    MatMuls and Transposes (BATCH_MATMUL/TRANSPOSE in TFLite), a sigmoid gate (Mul), global average
    pooling, three dense layers and a multilabel Sigmoid output."""

    def __init__(self, labels=5):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.block1 = ResidualConvBlock(16, 32)
        self.block2 = ResidualConvBlock(32, 48)
        self.query = nn.Conv2d(48, 48, 1)
        self.gate = nn.Conv2d(48, 48, 1)
        self.fc = nn.Sequential(nn.Linear(48, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, labels))

    def forward(self, x):
        x = self.block2(self.block1(F.relu(self.stem(x))))       # [N, 48, 7, 7]
        tokens = x.flatten(2)                                     # [N, C, T]
        q = self.query(x).flatten(2)
        scores = torch.bmm(q.transpose(1, 2), tokens) * (1 / math.sqrt(48))  # [N, T, T]
        attended = torch.bmm(tokens, scores.softmax(-1).transpose(1, 2))  # [N, C, T]
        y = (attended + tokens).reshape(x.shape)
        y = y * torch.sigmoid(self.gate(y))
        return torch.sigmoid(self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)))


class SmallCnn(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(conv_bn(1, 32, act=nn.ReLU), nn.MaxPool2d(2), conv_bn(32, 64, act=nn.ReLU), nn.MaxPool2d(2),
                                      conv_bn(64, 64, act=nn.ReLU))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


class ByteOrUnitInput(nn.Module):
    """Accepts pixels in [0, 255] or [0, 1]: the network sits in both branches of an If, as exporters of
    scripted models (and TensorFlow's tf.cond) write data-dependent control flow."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        if bool(x.max() > 1.0):
            y = self.net(x / 255.0)
        else:
            y = self.net(x)
        return y


# ---------------------------------------------------------------- the zoo

# name: builder, loss, epochs, training samples, lr, opset, export notes, torch PTQ method
ZOO = {
    "mobilenetv2": dict(build=MobileNetV2, epochs=2, samples=20000, lr=3e-3, opset=13,
                        about="MobileNetV2-style: inverted residuals, depthwise 3x3, ReLU6 (Clip), linear bottlenecks; BN folded by the exporter"),
    "mobilenetv3": dict(build=MobileNetV3, epochs=2, samples=20000, lr=3e-3, opset=14,
                        about="MobileNetV3-Small-style: HardSwish and HardSigmoid ops (opset 14), squeeze-excitation, depthwise 3x3/5x5; BN folded by the exporter"),
    "resnet": dict(build=ResNet, epochs=2, samples=10000, lr=3e-3, opset=13,
                   about="ResNet-style: 3x3 Conv stem, three basic residual blocks (32, 64, 96 channels), GAP, Linear; BN folded by the exporter"),
    "vit": dict(build=ViT, epochs=3, samples=10000, lr=2e-3, opset=17,
                about="ViT encoder: 4x4 patch Conv, class token, 3 pre-norm blocks (4-head attention with MatMul/Softmax, GELU MLP), LayerNormalization at opset 17"),
    "lstm": dict(build=lambda: RecurrentClassifier(nn.LSTM), epochs=3, samples=10000, lr=3e-3, opset=13,
                 about="LSTM(28 -> 128) over the 28 pixel rows, last step -> Linear; ONNX LSTM op"),
    "gru": dict(build=lambda: RecurrentClassifier(nn.GRU), epochs=3, samples=20000, lr=3e-3, opset=13,
                about="GRU(28 -> 128) over the 28 pixel rows, last step -> Linear; ONNX GRU op"),
    "unet": dict(build=UNetClassifier, epochs=2, samples=10000, lr=3e-3, opset=13,
                 about="U-Net/FPN-style: encoder with MaxPool, decoder with ConvTranspose (2x2 stride 2) and Resize (nearest x2), skip Concats; classification head (GAP/GMP -> Linear)"),
    "bspc_gap": dict(build=BspcGap, epochs=2, samples=10000, lr=2e-3, opset=13, multilabel=True,
                     about="The results deck's BSPC-GAP shape: residual Conv blocks (3 Convs + MaxPool beside a 1x1 shortcut, Add), self-attention tail with batched MatMul and Transpose, Sigmoid gate (Mul), GAP, 3 dense layers, multilabel Sigmoid over 5 attributes"),
    "mobilenetv3_constants_opset11": dict(build=lambda: MobileNetV3(HardSwishDecomposed), epochs=2, samples=10000, lr=3e-3, opset=11,
                                          constants=True,
                                          about="MobileNetV3-style as Paddle2ONNX/tf2onnx write it: opset 11, every weight in a Constant node, BatchNormalization nodes not folded, HardSwish decomposed (Add, Clip, Mul, Div), HardSigmoid in squeeze-excitation"),
    "if_cnn": dict(build=SmallCnn, epochs=2, samples=10000, lr=3e-3, opset=13, wrap_if=True,
                   about="Small CNN (3 Conv+BN+ReLU, 2 MaxPool, GAP, Linear) inside both branches of an If (x.max() > 1: net(x / 255) else net(x)), exported from a scripted module; weights are outer-scope initializers"),
}


def seed_everything(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def train(model, spec, data, seed):
    multilabel = spec.get("multilabel", False)
    g = torch.Generator().manual_seed(seed)
    picked = torch.randperm(len(data.train_x), generator=g)[: 256 if SMOKE else spec["samples"]].numpy()
    x = Data.tensor(data.train_x[picked])
    y = torch.from_numpy(attributes(data.train_y[picked]).astype(np.float32) if multilabel else data.train_y[picked])
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    steps = spec["epochs"] * math.ceil(len(x) / 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec["lr"], total_steps=steps)
    model.train()
    for epoch in range(1 if SMOKE else spec["epochs"]):
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            out = model(x[idx])
            loss = F.binary_cross_entropy(out, y[idx]) if multilabel else F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"    epoch {epoch + 1}: loss {total / len(x):.4f}", flush=True)
    model.eval()


@torch.no_grad()
def accuracy(model, data, multilabel):
    x = Data.tensor(data.test_x)
    outs = torch.cat([model(x[i:i + 500]) for i in range(0, len(x), 500)])
    if multilabel:
        return float(((outs > 0.5).numpy() == attributes(data.test_y).astype(bool)).mean())
    return float((outs.argmax(1).numpy() == data.test_y).mean())


def torch_ptq(name, model, spec, data):
    """torch's own int8 PTQ of the trained model, calibrated on the same 300 images: FX graph mode static
    PTQ (oneDNN, torch's x86 engine here) for convolutional and attention models, dynamic quantization for recurrent ones."""
    import copy
    from torch.ao.quantization import QConfig, default_weight_observer, get_default_qconfig_mapping, quantize_dynamic
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    multilabel = spec.get("multilabel", False)
    calib = Data.tensor(data.calib_x)
    if name in ("lstm", "gru"):
        cell = nn.LSTM if name == "lstm" else nn.GRU
        q = quantize_dynamic(copy.deepcopy(model), {cell, nn.Linear}, dtype=torch.qint8)
        return dict(method=f"torch.ao.quantization.quantize_dynamic({{nn.{cell.__name__}, nn.Linear}}, qint8) (dynamic: int8 weights, "
                           "activations quantized per batch at run time; calibration data unused)",
                    accuracy=accuracy(q, data, multilabel))
    try:
        m = copy.deepcopy(model).eval()
        mapping = get_default_qconfig_mapping(QENGINE)
        # torch 1.13 has no per-channel weight observer for ConvTranspose: per-tensor weights there
        mapping.set_object_type(nn.ConvTranspose2d, QConfig(activation=mapping.global_qconfig.activation, weight=default_weight_observer))
        prepared = prepare_fx(m, mapping, (calib[:1],))
        with torch.no_grad():
            for i in range(0, len(calib), 32):
                prepared(calib[i:i + 32])
        q = convert_fx(prepared)
        return dict(method=f"torch.ao.quantization.quantize_fx prepare_fx/convert_fx, get_default_qconfig_mapping('{QENGINE}') "
                           "(static: per-channel symmetric int8 weights, uint8 activations, HistogramObserver, no reduce_range), "
                           f"calibrated on the {len(calib)} calibration images in batches of 32; ops without a quantized kernel stay float"
                           + ("; ConvTranspose2d with per-tensor weights (no per-channel observer for it in torch 1.13)"
                              if any(isinstance(x, nn.ConvTranspose2d) for x in model.modules()) else ""),
                    accuracy=accuracy(q, data, multilabel))
    except Exception as e:  # record why torch cannot, and fall back to what it can
        reason = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
        q = quantize_dynamic(copy.deepcopy(model), {nn.Linear}, dtype=torch.qint8)
        return dict(method="torch.ao.quantization.quantize_dynamic({nn.Linear}, qint8) (FX static PTQ failed: " + reason + ")",
                    accuracy=accuracy(q, data, multilabel))


def to_constants(path):
    """Moves every initializer into a Constant node placed first, as Paddle2ONNX and tf2onnx write weights."""
    m = onnx.load(path)
    g = m.graph
    consts = [helper.make_node("Constant", [], [t.name], name="Constant_" + t.name.replace(".", "_"), value=t) for t in g.initializer]
    names = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in names]
    nodes = consts + list(g.node)
    del g.initializer[:]
    del g.node[:]
    g.node.extend(nodes)
    del g.input[:]
    g.input.extend(inputs)
    onnx.save(m, path)


def export(name, model, spec, out):
    multilabel = spec.get("multilabel", False)
    output = "probabilities" if multilabel else "logits"
    dummy = torch.zeros(1, 1, 28, 28)
    kwargs = dict(opset_version=spec["opset"], input_names=["input"], output_names=[output],
                  dynamic_axes={"input": {0: "N"}, output: {0: "N"}})
    if spec.get("wrap_if"):
        scripted = torch.jit.script(ByteOrUnitInput(model))
        torch.onnx.export(scripted, (dummy,), out, do_constant_folding=True, **kwargs)
    elif spec.get("constants"):
        # PRESERVE (model in eval mode) keeps BatchNormalization nodes: the eval-mode peephole that folds them is skipped
        torch.onnx.export(model, (dummy,), out, do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE, **kwargs)
        to_constants(out)
    else:
        torch.onnx.export(model, (dummy,), out, do_constant_folding=True, **kwargs)
    m = onnx.load(out)
    m.producer_name, m.producer_version = "pytorch", torch.__version__  # keep as the exporter wrote it
    onnx.checker.check_model(m, full_check=True)
    return m


def ops(graph, counter=None):
    counter = Counter() if counter is None else counter
    for n in graph.node:
        counter[n.op_type] += 1
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops(a.g, counter)
    return counter


def build(name, spec, data):
    seed = 0
    seed_everything(seed)
    model = spec["build"]()
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params:,} parameters, {spec['epochs']} epochs on {spec['samples']} images", flush=True)
    start = time.time()
    train(model, spec, data, seed)
    seconds = time.time() - start
    multilabel = spec.get("multilabel", False)
    acc = accuracy(model, data, multilabel)
    print(f"    torch fp32 {'binary accuracy' if multilabel else 'top-1'} {acc:.4f} ({seconds:.0f} s)", flush=True)
    out = os.path.join(HERE, name + ".onnx")
    m = export(name, model, spec, out)
    seed_everything(seed)
    ptq = torch_ptq(name, model, spec, data)
    print(f"    torch PTQ {ptq['accuracy']:.4f}: {ptq['method'][:90]}", flush=True)
    counts = ops(m.graph)
    provenance = {
        "model": name + ".onnx",
        "architecture": spec["about"],
        "script": "tests/data/zoo/make_zoo.py",
        "command": f"/usr/bin/python3 tests/data/zoo/make_zoo.py {name}",
        "seed": seed,
        "threads": 1,
        "parameters": params,
        "training": {
            "data": f"Fashion-MNIST training set ({SOURCE}/train-images-idx3-ubyte.gz, sha256 "
                    f"{sha256(os.path.join(SOURCE, 'train-images-idx3-ubyte.gz'))}), less the 300 calibration images; "
                    f"{spec['samples']} images drawn with torch.Generator().manual_seed({seed})",
            "epochs": spec["epochs"], "batch": 128, "optimizer": "Adam", "schedule": f"OneCycleLR(max_lr={spec['lr']})",
            "loss": "binary cross-entropy over 5 attributes" if multilabel else "cross-entropy", "seconds": round(seconds, 1),
            "augmentation": "none",
        },
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "type": "float32", "preprocessing": "pixel / 255, NCHW, no mean/std"},
        "output": {"name": "probabilities" if multilabel else "logits", "shape": ["N", 5 if multilabel else 10],
                   "meaning": "per-attribute probability (Sigmoid in the graph), threshold 0.5" if multilabel else "class logits, argmax"},
        "task": "multilabel" if multilabel else "multiclass",
        "labels": "attributes.json" if multilabel else "labels.json",
        "evaluation": {
            "images": TEST_IN_REPO, "labels": "tests/data/zoo/data/t10k-attributes.npy" if multilabel else TEST_LABELS_IN_REPO,
            "samples": int(len(data.test_x)),
            "metric": "binary accuracy (mean over samples x attributes of (p > 0.5) == target)" if multilabel else "top-1 accuracy",
            "torch_fp32": round(acc, 4),
        },
        "calibration": {
            "images": "tests/data/zoo/data/calib300-images-idx3-ubyte.gz", "labels": "tests/data/zoo/data/calib300-labels-idx1-ubyte.gz",
            "samples": CALIBRATION, "from": "Fashion-MNIST training set, indices numpy.random.RandomState(0).permutation(60000)[:300] (sorted); never trained on",
        },
        "torch_ptq": {"method": ptq["method"], "accuracy": round(ptq["accuracy"], 4), "engine": QENGINE + " (fbgemm is not in Debian's torch 1.13)"},
        "export": {"torch": torch.__version__, "onnx": onnx.__version__, "opset": spec["opset"], "ir_version": m.ir_version,
                   "function": "torch.onnx.export" + (" of torch.jit.script(ByteOrUnitInput(net))" if spec.get("wrap_if") else ""),
                   "do_constant_folding": not spec.get("constants", False),
                   "weights_in_constant_nodes": bool(spec.get("constants", False))},
        "ops": dict(sorted(counts.items())),
        "sha256": sha256(out),
        "bytes": os.path.getsize(out),
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(provenance, f, indent=1)
        f.write("\n")


def main(names):
    if names == ["--data"]:  # the data files only
        Data().write()
        return
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; the zoo has {list(ZOO)}")
    data = Data()
    data.write()
    for name in names or list(ZOO):
        build(name, ZOO[name], data)


if __name__ == "__main__":
    main(sys.argv[1:])
