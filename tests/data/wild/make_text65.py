#!/usr/bin/python3
"""Text-like encoders with a token axis of unknown length (issue 13, transformers; branch text65): the models a text
classifier exporter writes, batch and sequence both dynamic, trained here on real data.

Data: Fashion-MNIST (/usr/share/datasets/fashion-mnist, the IDX files). Each image is 49 tokens, one per 4x4 patch, the
patch's 16 pixels vector-quantized by sklearn's MiniBatchKMeans (256 centroids fit on 200,000 training patches, seed 0) into
ids 2..257; id 1 is a CLS token put in front (50 tokens), id 0 is padding. Calibration: the last 300 training images;
test: the 10,000 test images.
Models (d 64, 4 heads, feed-forward 128, 2 layers, a learned positional embedding of 64 positions sliced to the sequence
length, CLS pooling, a Linear classifier; one epoch of Adam 1e-3, batch 128, over the first TEXT65_SAMPLES (default 9,600)
training images, seed 0, 2 threads: a loaded shared machine):
  text65_tel   nn.TransformerEncoderLayer (post-norm, ReLU, batch_first), opset 14
  text65_bert  a hand-written BERT block (q/k/v/o Linears, heads split by view(N, T, h, d/h), scores * 1/sqrt(d/h),
               post-LayerNorm, GELU), opset 17
  text65_mask  text65_bert with an attention_mask input (1 token, 0 padding; additive -10000 on the scores), opset 17;
               trained with random right padding (the last 0-20 tokens padded)
All exported with dynamic_axes {0: batch, 1: seq} on input_ids (and attention_mask), int64.
Writes to $WILD_OUT (default /tmp/text65-wild): <model>.onnx, text65-calib.npy / text65-test.npy (int64 [N, 50]),
labels-calib.npy / labels-test.npy (int64), text65m-calib.npz / text65m-test.npz (input_ids and attention_mask, the test
set's last 0-20 tokens padded, seed 1), and torch's own dynamic quantization's accuracy on the first 2,000 test samples
(quantize_dynamic of the Linears, qint8, fbgemm) in text65-torch.json.
    /usr/bin/python3 tests/data/wild/make_text65.py [name...]"""
import gzip, json, math, os, sys
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.cluster import MiniBatchKMeans

OUT = os.environ.get("WILD_OUT", "/tmp/text65-wild"); os.makedirs(OUT, exist_ok=True)
SRC = "/usr/share/datasets/fashion-mnist"
torch.manual_seed(0); torch.set_num_threads(2)

def idx(name, images):
    with gzip.open(os.path.join(SRC, name)) as f:
        b = f.read()
    return np.frombuffer(b, np.uint8, offset=16).reshape(-1, 28, 28) if images else np.frombuffer(b, np.uint8, offset=8).astype(np.int64)

def patches(img):  # [N, 28, 28] -> [N, 49, 16]
    return img.reshape(-1, 7, 4, 7, 4).transpose(0, 1, 3, 2, 4).reshape(-1, 49, 16).astype(np.float32) / 255

def tokenize(img, km):
    p = patches(img); ids = km.predict(p.reshape(-1, 16)).reshape(-1, 49) + 2
    return np.concatenate([np.ones((len(ids), 1), np.int64), ids.astype(np.int64)], 1)

class Bert(nn.Module):  # one post-norm BERT block
    def __init__(s, d, h, ff):
        super().__init__(); s.h = h; s.q, s.k, s.v, s.o = (nn.Linear(d, d) for _ in range(4))
        s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d); s.f1, s.f2 = nn.Linear(d, ff), nn.Linear(ff, d)
    def forward(s, x, bias=None):
        n, t, d = x.shape; dh = d // s.h
        q, k, v = (l(x).view(n, t, s.h, dh).transpose(1, 2) for l in (s.q, s.k, s.v))
        a = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        if bias is not None:
            a = a + bias
        y = torch.matmul(a.softmax(-1), v).transpose(1, 2).reshape(n, t, d)
        x = s.ln1(x + s.o(y))
        return s.ln2(x + s.f2(F.gelu(s.f1(x))))

class Encoder(nn.Module):
    def __init__(s, kind, vocab=258, d=64, h=4, ff=128, layers=2):
        super().__init__(); s.kind = kind; s.tok = nn.Embedding(vocab, d); s.pos = nn.Parameter(torch.randn(1, 64, d) * 0.02)
        if kind == "tel":
            s.blocks = nn.ModuleList(nn.TransformerEncoderLayer(d, h, ff, dropout=0.0, batch_first=True) for _ in range(layers))
        else:
            s.blocks = nn.ModuleList(Bert(d, h, ff) for _ in range(layers))
        s.fc = nn.Linear(d, 10)
    def forward(s, ids, mask=None):
        x = s.tok(ids) + s.pos[:, :ids.shape[1]]
        bias = None if mask is None else ((1.0 - mask.to(torch.float32)) * -10000.0)[:, None, None, :]
        for b in s.blocks:
            x = b(x) if s.kind == "tel" else b(x, bias)
        return s.fc(x[:, 0])

def padded(ids, gen):  # the last 0-20 tokens of each row padded: ids 0, mask 0
    keep = ids.shape[1] - torch.randint(0, 21, (ids.shape[0],), generator=gen)
    m = (torch.arange(ids.shape[1])[None, :] < keep[:, None]).long()
    return ids * m, m

def train(m, x, y, masked):
    opt = torch.optim.Adam(m.parameters(), 1e-3); gen = torch.Generator().manual_seed(0); m.train()
    for epoch in range(int(os.environ.get("TEXT65_EPOCHS", "1"))):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 128):
            b = perm[i:i + 128]; ids = x[b]
            out = m(*padded(ids, gen)) if masked else m(ids)
            loss = F.cross_entropy(out, y[b]); opt.zero_grad(); loss.backward(); opt.step()
            if i % 6400 == 0:
                print(f"    step {i // 128}: loss {loss.item():.3f}", flush=True)
        print(f"  epoch {epoch}: loss {loss.item():.3f}", flush=True)
    m.eval(); return m

def accuracy(m, x, y, mask=None):
    with torch.no_grad():
        out = torch.cat([m(x[i:i + 500]) if mask is None else m(x[i:i + 500], mask[i:i + 500]) for i in range(0, len(x), 500)])
    return float((out.argmax(1) == y).float().mean())

def export(m, name, opset, masked, sample):
    p = os.path.join(OUT, name + ".onnx")
    names = ["input_ids", "attention_mask"] if masked else ["input_ids"]
    args = (sample, torch.ones_like(sample)) if masked else (sample,)
    torch.onnx.export(m, args, p, opset_version=opset, input_names=names, output_names=["logits"],
                      dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(p)); print("  wrote", p, os.path.getsize(p), "bytes", flush=True)

def main(which):
    img, lab = idx("train-images-idx3-ubyte.gz", True), idx("train-labels-idx1-ubyte.gz", False)
    timg, tlab = idx("t10k-images-idx3-ubyte.gz", True), idx("t10k-labels-idx1-ubyte.gz", False)
    km = MiniBatchKMeans(256, random_state=0, batch_size=4096, n_init=3).fit(patches(img[:4082]).reshape(-1, 16)[:200000])
    x, tx = torch.from_numpy(tokenize(img, km)), torch.from_numpy(tokenize(timg, km))
    y, ty = torch.from_numpy(lab), torch.from_numpy(tlab)
    np.save(os.path.join(OUT, "text65-calib.npy"), x[-300:].numpy()); np.save(os.path.join(OUT, "labels-calib.npy"), lab[-300:])
    np.save(os.path.join(OUT, "text65-test.npy"), tx.numpy()); np.save(os.path.join(OUT, "labels-test.npy"), tlab)
    gen = torch.Generator().manual_seed(1)
    cids, cmask = padded(x[-300:], gen); tids, tmask = padded(tx, gen)
    np.savez(os.path.join(OUT, "text65m-calib.npz"), input_ids=cids.numpy(), attention_mask=cmask.numpy())
    np.savez(os.path.join(OUT, "text65m-test.npz"), input_ids=tids.numpy(), attention_mask=tmask.numpy())
    figures = {}
    for name, kind, opset, masked in (("text65_tel", "tel", 14, False), ("text65_bert", "bert", 17, False), ("text65_mask", "bert", 17, True)):
        if which and name not in which:
            continue
        print(name, flush=True); torch.manual_seed(0)
        n = int(os.environ.get("TEXT65_SAMPLES", "9600"))
        m = train(Encoder(kind), x[:n], y[:n], masked)
        args = (tids, tmask) if masked else (tx,)
        q = torch.quantization.quantize_dynamic(m, {nn.Linear}, dtype=torch.qint8)
        q.train()  # dropout 0: the same function; eval mode's fast-path check of TransformerEncoderLayer fails on quantized Linears
        args, ey = tuple(a[:2000] for a in args), ty[:2000]  # the first 2,000 test samples, as try2.sh evaluates
        figures[name] = {"fp32": accuracy(m, *args[:1], ey, *args[1:]), "torch_dynamic_int8": accuracy(q, *args[:1], ey, *args[1:])}
        print(" ", figures[name], flush=True)
        export(m, name, opset, masked, tx[:2])
    with open(os.path.join(OUT, "text65-torch.json"), "w") as f:
        json.dump(figures, f, indent=1)

if __name__ == "__main__":
    main(sys.argv[1:])
