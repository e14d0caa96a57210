#!/usr/bin/python3
"""Models of several runtime inputs (issue 13, "models in the wild", branch multiin), trained here on Fashion-MNIST
(/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist) with Debian's torch, exported by torch.onnx at opset 17:

  bert2in    a BERT-style sequence classifier fed input_ids and attention_mask (both int64 [N, 49]), as Hugging Face exports
             them: each image is 49 tokens (4x4 patches, mean bucketed into ids 1..63, make_wild2.tokens); the black patches
             are padding: id 0 in input_ids and 0 in attention_mask, and the mask is what hides them (an additive -1e4 on the
             attention scores of masked keys, and a masked mean over the tokens), so that the classifier depends on it.
  twostream  a two-stream model fed an image (float [N, 1, 14, 14], the image average-pooled 2x2 and divided by 255) and a
             feature vector (float [N, 4]: the 28x28 image's mean, standard deviation, fraction of non-black pixels and
             centre-of-mass row, all /255 or /28): a small CNN and an MLP concatenated before the classifier.

Training: 2000 (bert2in) or 600 (twostream) steps of 64 training images, Adam 3e-3, seed 0, one thread. Data written next to the models, as .npz
archives whose arrays are named as the model's inputs (numpy.savez_compressed(f, input_ids=..., attention_mask=..., y=...)):
  <model>-calib.npz   the first 200 of the 300 calibration images of tests/data/zoo/data (calib300), labels y
  <model>-test.npz    test images 0..N-1 of t10k (bert2in 1000, twostream 500), labels y
  <model>-torch.npy   torch's own predicted classes on <model>-test.npz (int64 [N]): a client that shares no code with
                      Quantrace, for the tests to check Quantrace's fp32 accuracy against.
    /usr/bin/python3 tests/data/wild/make_multiin.py OUTDIR    (the committed copies: tests/data/multiin)
    /usr/bin/python3 tests/data/wild/make_multiin.py OUTDIR kv (kv.onnx, kv.npz and kv-32.npz only: an untrained one-layer KV-cache
        decoder, input_ids [N, 1] int64 and past_key/past_value float [N, 4, P, 8], outputs logits and the presents; seed 0;
        the repro of a fiq-int8 defect, tests/data/wild/README.md "multiin"; kv-32.npz, its first 32 samples, is committed with
        kv.onnx in tests/data/multiin for the tests)"""
import os, sys
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/multiin"
os.environ["WILD_OUT"] = OUT
from make_wild import read_idx, data  # noqa: E402  Fashion-MNIST IDX reader (reads $WILD_OUT at import)
from make_wild2 import tokens  # noqa: E402

torch.set_num_threads(1)
os.makedirs(OUT, exist_ok=True)
HERE = os.path.dirname(os.path.abspath(__file__))


class Bert2In(nn.Module):
    """Token and position embeddings, 2 encoder layers (4 heads, d 32), masked mean pooling, a linear classifier."""
    def __init__(s, vocab=64, d=32, heads=4, layers=2, t=49):
        super().__init__(); s.tok = nn.Embedding(vocab, d); s.pos = nn.Parameter(torch.randn(1, t, d) * 0.02); s.ln0 = nn.LayerNorm(d)
        s.heads = heads
        s.qkv = nn.ModuleList(nn.Linear(d, 3 * d) for _ in range(layers)); s.o = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        s.ln1 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers)); s.ln2 = nn.ModuleList(nn.LayerNorm(d) for _ in range(layers))
        s.ff1 = nn.ModuleList(nn.Linear(d, 2 * d) for _ in range(layers)); s.ff2 = nn.ModuleList(nn.Linear(2 * d, d) for _ in range(layers))
        s.fc = nn.Linear(d, 10)

    def forward(s, input_ids, attention_mask):
        n, t = input_ids.shape; d = s.pos.shape[2]; hd = d // s.heads
        m = attention_mask.to(torch.float32)
        bias = ((1.0 - m) * -10000.0).view(n, 1, 1, t)  # masked keys get no attention
        h = s.ln0(s.tok(input_ids) + s.pos)
        for i in range(len(s.qkv)):
            q, k, v = s.qkv[i](h).view(n, t, 3, s.heads, hd).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + bias, -1)
            h = s.ln1[i](h + s.o[i]((a @ v).transpose(1, 2).reshape(n, t, d)))
            h = s.ln2[i](h + s.ff2[i](F.gelu(s.ff1[i](h))))
        pooled = (h * m.unsqueeze(2)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return s.fc(pooled)


class TwoStream(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 8, 3, padding=1); s.c2 = nn.Conv2d(8, 16, 3, padding=1, stride=2); s.img = nn.Linear(16 * 7 * 7, 32)
        s.f1 = nn.Linear(4, 16); s.fc = nn.Linear(32 + 16, 10)

    def forward(s, image, feats):
        x = F.relu(s.c2(F.relu(s.c1(image))))
        a = F.relu(s.img(torch.flatten(x, 1)))
        b = F.relu(s.f1(feats))
        return s.fc(torch.cat([a, b], 1))


def bert_inputs(imgs):
    ids = tokens(imgs)
    return {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64)}


def stream_inputs(imgs):
    x = imgs.astype(np.float32)
    image = x.reshape(-1, 1, 14, 2, 14, 2).mean((3, 5)) / 255
    rows = np.arange(28, dtype=np.float32).reshape(1, 28, 1)
    mass = x.sum((1, 2))
    com = np.where(mass > 0, (x * rows).sum((1, 2)) / np.maximum(mass, 1), 0) / 28
    feats = np.stack([x.mean((1, 2)) / 255, x.std((1, 2)) / 255, (x > 0).mean((1, 2)), com], 1).astype(np.float32)
    return {"image": image.astype(np.float32), "feats": feats}


def train(model, make, x, y, steps):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3); model.train()
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (64,), generator=g).numpy()
        feed = {k: torch.from_numpy(v) for k, v in make(x[idx]).items()}
        loss = F.cross_entropy(model(**feed), torch.from_numpy(y[idx]))
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()


def build(name, model, make, tests, steps):
    x, y, tx, ty = data()
    train(model, make, x, y, steps)
    calib = read_idx(os.path.join(HERE, "..", "zoo", "data", "calib300-images-idx3-ubyte.gz"))[:200]
    calib_y = read_idx(os.path.join(HERE, "..", "zoo", "data", "calib300-labels-idx1-ubyte.gz"))[:200].astype(np.int64)
    feed = make(calib)
    np.savez_compressed(os.path.join(OUT, name + "-calib.npz"), **feed, y=calib_y)
    feed = make(tx[:tests])
    np.savez_compressed(os.path.join(OUT, name + "-test.npz"), **feed, y=ty[:tests])
    with torch.no_grad():
        pred = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).argmax(1).numpy().astype(np.int64)
    np.save(os.path.join(OUT, name + "-torch.npy"), pred)
    names = list(feed)
    p = os.path.join(OUT, name + ".onnx")
    dummy = tuple(torch.from_numpy(v[:2]) for v in feed.values())
    torch.onnx.export(model, dummy, p, opset_version=17, input_names=names, output_names=["logits"],
                      dynamic_axes={n: {0: "N"} for n in [*names, "logits"]})
    onnx.checker.check_model(onnx.load(p))
    print(f"{name}: torch accuracy on {tests} test images {float((pred == ty[:tests]).mean()):.4f}; wrote {p} ({os.path.getsize(p)} bytes)")


class KvDecoder(nn.Module):
    def __init__(s, v=64, d=32, h=4):
        super().__init__(); s.e = nn.Embedding(v, d); s.q = nn.Linear(d, d); s.k = nn.Linear(d, d); s.v = nn.Linear(d, d); s.o = nn.Linear(d, v); s.h = h

    def forward(s, input_ids, past_key, past_value):
        n = input_ids.shape[0]; d = 32; hd = d // s.h
        x = s.e(input_ids)
        q, k, v = (f(x).view(n, 1, s.h, hd).transpose(1, 2) for f in (s.q, s.k, s.v))
        keys = torch.cat([past_key, k], 2); values = torch.cat([past_value, v], 2)
        a = torch.softmax(q @ keys.transpose(-1, -2) / hd ** 0.5, -1) @ values
        return s.o(a.transpose(1, 2).reshape(n, d)), keys, values


def kv():
    torch.manual_seed(0); m = KvDecoder().eval(); r = np.random.RandomState(0)
    ids = r.randint(1, 64, (200, 1)).astype(np.int64)
    pk, pv = r.randn(200, 4, 7, 8).astype(np.float32), r.randn(200, 4, 7, 8).astype(np.float32)
    feed = [torch.from_numpy(a) for a in (ids, pk, pv)]
    with torch.no_grad():
        y = m(*feed)[0].argmax(1).numpy()
    np.savez(os.path.join(OUT, "kv.npz"), input_ids=ids, past_key=pk, past_value=pv, y=y)
    # the first 32 samples, small enough for the tests (tests/data/multiin: kv.onnx and kv-32.npz)
    np.savez(os.path.join(OUT, "kv-32.npz"), input_ids=ids[:32], past_key=pk[:32], past_value=pv[:32], y=y[:32])
    torch.onnx.export(m, tuple(f[:2] for f in feed), os.path.join(OUT, "kv.onnx"), opset_version=17,
                      input_names=["input_ids", "past_key", "past_value"], output_names=["logits", "present_key", "present_value"],
                      dynamic_axes={"input_ids": {0: "N"}, "past_key": {0: "N", 2: "P"}, "past_value": {0: "N", 2: "P"}, "logits": {0: "N"},
                                    "present_key": {0: "N", 2: "P1"}, "present_value": {0: "N", 2: "P1"}})
    print("wrote", os.path.join(OUT, "kv.onnx"))


if __name__ == "__main__" and sys.argv[2:] == ["kv"]:
    kv()
elif __name__ == "__main__":
    build("bert2in", Bert2In(), bert_inputs, 1000, 2000)
    build("twostream", TwoStream(), stream_inputs, 500, 600)
