#!/usr/bin/python3
"""Round 31 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen31,
2026-12-07 night):
- botnet: a **Bottleneck Transformer** (BoTNet, Srinivas et al. 2021; lucidrains' bottleneck-transformer-pytorch modules):
  a Conv stem to 7x7 x 64, then a BoT block: 1x1 reduce, BatchNorm, ReLU, **multi-head self-attention over the 49 positions
  with 2-D relative position logits** (q . rel_w and q . rel_h over [2L-1] offsets turned into absolute positions by the
  **rel_to_abs trick: a zero column Concat, flatten, a zero tail Concat (zeros of the traced batch: ConstantOfShape of a
  Shape), Reshape [., L+1, 2L-1], Slice**), BatchNorm, ReLU, 1x1 expand, BatchNorm, residual, ReLU; mean, Linear; opset 13
- clipzs: a **CLIP-style zero-shot classifier** (Radford et al. 2021; OpenAI's model.py modules): an image tower (Conv stem,
  **AttentionPool2d**: the mean token concatenated in front, a positional embedding, **F.multi_head_attention_forward with
  the mean token as the only query**, output projection) and a text tower over the ten class prompts ("a photo of a
  {class}" as constant token ids: token and position embeddings, one causal transformer block, ln_final, the EOT token's
  feature by **x[arange, ids.argmax(-1)]**, text projection); logits = **exp(logit_scale) * normalize(image) .
  normalize(text)^T**, trained with CLIP's image-to-text cross-entropy; exported with torch's defaults (the text tower on
  constants is folded into the exported graph's initializers, as a zero-shot export is); opset 14
- nam: a **Neural Additive Model** (Agarwal et al. 2021) on the 49 features of a 4x4-pooled image: per feature an **ExU
  layer** (relu_n(exp(w) * (x - b)), n = 1: Clip(0, 1)) of 32 units and a per-feature MLP 32 -> 16 -> 10 written as
  **batched einsums over the feature axis** ('bfi,fio->bfo' with [49, 32, 16] and [49, 16, 10] weights), the 49 feature
  contributions **summed** (ReduceSum) plus a bias; opset 13
- dyrelu: a CNN with **Dynamic ReLU-B** (Chen et al. 2020): per sample and channel the coefficients of two linear pieces
  come from a hyper branch (global average pool, FC, ReLU, FC, 2 sigmoid - 1), y = **max(a1 x + b1, a2 x + b2)** with
  a1 = 1 + 0.5 r1, b1 = 0.5 r2, a2 = 0.5 r3, b2 = 0.5 r4: a Max of two products of activations by per-sample [N, C, 1, 1]
  coefficients; opset 13
- p4cnn: a **p4 group-equivariant CNN** (Cohen & Welling 2016, GrouPy's P4ConvZ2/P4ConvP4): each filter **rotated by
  quarter turns (transpose and flip: torch.rot90 does not export) four times** and (p4 -> p4) its rotation axis **rolled** (torch.roll), stacked into one Conv weight in
  forward (folded by the exporter into initializers), **BatchNorm3d over the [N, C, 4, H, W] view** (a Reshape to 5-D
  between the Conv and its BatchNorm), ReLU, MaxPool, and **group pooling: a max over the 4 rotations (ReduceMax of the
  5-D view)**; mean, Linear; opset 13
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen31.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json
    (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN31_STEPS (default 300)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn, torch.nn.functional as F
from make_unseen13 import cbr
from make_unseen27 import train_and_export
from make_wild import OUT  # unseen31_ptq.py reads the models from here

STEPS31 = int(os.environ.get("UNSEEN31_STEPS", "300"))

# --- botnet ----------------------------------------------------------------------------------------------------------
def rel_to_abs(x):
    """[b, h, l, 2l-1] relative logits -> [b, h, l, l] absolute (the BoTNet authors' trick, lucidrains' code)."""
    b, h, l, _ = x.shape
    x = torch.cat((x, torch.zeros((b, h, l, 1), dtype=x.dtype)), dim=3)
    flat = torch.cat((x.reshape(b, h, l * 2 * l), torch.zeros((b, h, l - 1), dtype=x.dtype)), dim=2)
    return flat.reshape(b, h, l + 1, 2 * l - 1)[:, :, :l, (l - 1):]

def relative_logits_1d(q, rel_k):
    b, heads, h, w, _ = q.shape
    logits = torch.einsum("bhxyd,rd->bhxyr", q, rel_k).reshape(b, heads * h, w, 2 * w - 1)
    logits = rel_to_abs(logits).reshape(b, heads, h, w, w)
    return logits.unsqueeze(3).expand(b, heads, h, h, w, w)

class RelPosEmb(nn.Module):
    def __init__(s, size, dh):
        super().__init__(); s.size = size
        s.rel_h = nn.Parameter(torch.randn(2 * size - 1, dh) * dh ** -0.5)
        s.rel_w = nn.Parameter(torch.randn(2 * size - 1, dh) * dh ** -0.5)
    def forward(s, q):
        b, heads, _, d = q.shape; n = s.size
        q = q.reshape(b, heads, n, n, d)
        lw = relative_logits_1d(q, s.rel_w).permute(0, 1, 2, 4, 3, 5).reshape(b, heads, n * n, n * n)
        lh = relative_logits_1d(q.transpose(2, 3), s.rel_h).permute(0, 1, 4, 2, 5, 3).reshape(b, heads, n * n, n * n)
        return lw + lh

class MHSA(nn.Module):
    def __init__(s, c, size, heads=4, dh=16):
        super().__init__(); s.heads, s.dh = heads, dh
        s.qkv = nn.Conv2d(c, 3 * heads * dh, 1, bias=False); s.pos = RelPosEmb(size, dh)
    def forward(s, x):
        b, _, hh, ww = x.shape
        q, k, v = s.qkv(x).reshape(b, 3, s.heads, s.dh, hh * ww).permute(1, 0, 2, 4, 3).unbind(0)   # [b, h, n, d]
        q = q * s.dh ** -0.5
        att = torch.softmax(q @ k.transpose(-1, -2) + s.pos(q), -1)
        return (att @ v).permute(0, 1, 3, 2).reshape(b, s.heads * s.dh, hh, ww)

class BoTBlock(nn.Module):
    def __init__(s, c=64, mid=64, size=7):
        super().__init__()
        s.body = nn.Sequential(nn.Conv2d(c, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(), MHSA(mid, size),
                               nn.BatchNorm2d(mid), nn.ReLU(), nn.Conv2d(mid, c, 1, bias=False), nn.BatchNorm2d(c))
    def forward(s, x): return F.relu(x + s.body(x))

class BoTNet(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Sequential(cbr(1, 32, st=2), cbr(32, 64, st=2)); s.bot = BoTBlock()
        s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(s.bot(s.stem(x)).mean((2, 3)))

# --- clipzs ----------------------------------------------------------------------------------------------------------
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]

def prompts(length=10):
    """Word-level token ids of "a photo of a {class}", SOT 1 ... EOT 2 (the largest id, as CLIP's EOT is), zeros after."""
    words = sorted({w for c in CLASSES for w in c.replace("-", " - ").split()} | {"a", "photo", "of"})
    vocab = {w: i + 3 for i, w in enumerate(words)}; eot = len(vocab) + 3
    ids = torch.zeros(len(CLASSES), length, dtype=torch.long)
    for i, c in enumerate(CLASSES):
        t = [1] + [vocab[w] for w in ("a photo of a " + c.replace("-", " - ")).split()] + [eot]
        ids[i, :len(t)] = torch.tensor(t)
    return ids, eot + 1

class AttentionPool2d(nn.Module):
    """OpenAI CLIP's AttentionPool2d (model.py), as written there."""
    def __init__(s, spacial_dim, embed_dim, num_heads, output_dim):
        super().__init__()
        s.positional_embedding = nn.Parameter(torch.randn(spacial_dim ** 2 + 1, embed_dim) / embed_dim ** 0.5)
        s.k_proj, s.q_proj, s.v_proj = nn.Linear(embed_dim, embed_dim), nn.Linear(embed_dim, embed_dim), nn.Linear(embed_dim, embed_dim)
        s.c_proj = nn.Linear(embed_dim, output_dim); s.num_heads = num_heads
    def forward(s, x):
        x = x.flatten(start_dim=2).permute(2, 0, 1)                              # NCHW -> (HW)NC
        x = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0)                 # (HW+1)NC
        x = x + s.positional_embedding[:, None, :].to(x.dtype)
        x, _ = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=s.num_heads,
            q_proj_weight=s.q_proj.weight, k_proj_weight=s.k_proj.weight, v_proj_weight=s.v_proj.weight, in_proj_weight=None,
            in_proj_bias=torch.cat([s.q_proj.bias, s.k_proj.bias, s.v_proj.bias]), bias_k=None, bias_v=None,
            add_zero_attn=False, dropout_p=0, out_proj_weight=s.c_proj.weight, out_proj_bias=s.c_proj.bias,
            use_separate_proj_weight=True, training=s.training, need_weights=False)
        return x.squeeze(0)

class TextBlock(nn.Module):
    def __init__(s, d, heads):
        super().__init__(); s.ln_1, s.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d); s.attn = nn.MultiheadAttention(d, heads)
        s.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    def forward(s, x, mask):
        h = s.ln_1(x); x = x + s.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + s.mlp(s.ln_2(x))

class CLIPZS(nn.Module):
    def __init__(s, d=32, width=64):
        super().__init__()
        s.visual = nn.Sequential(cbr(1, 32, st=2), cbr(32, width, st=2)); s.attnpool = AttentionPool2d(7, width, 4, d)
        ids, vocab = prompts(); s.register_buffer("text", ids); L = ids.shape[1]
        s.token_embedding = nn.Embedding(vocab, d); s.positional_embedding = nn.Parameter(0.01 * torch.randn(L, d))
        s.block = TextBlock(d, 4); s.ln_final = nn.LayerNorm(d); s.text_projection = nn.Parameter(torch.randn(d, d) * d ** -0.5)
        s.register_buffer("mask", torch.full((L, L), float("-inf")).triu_(1))
        s.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
    def encode_text(s):
        x = (s.token_embedding(s.text) + s.positional_embedding).permute(1, 0, 2)   # LND
        x = s.ln_final(s.block(x, s.mask).permute(1, 0, 2))
        return x[torch.arange(x.shape[0]), s.text.argmax(dim=-1)] @ s.text_projection
    def forward(s, x):
        img = s.attnpool(s.visual(x)); txt = s.encode_text()
        img, txt = img / img.norm(dim=1, keepdim=True), txt / txt.norm(dim=1, keepdim=True)
        return s.logit_scale.exp() * img @ txt.t()

# --- nam -------------------------------------------------------------------------------------------------------------
class NAM(nn.Module):
    def __init__(s, f=49, units=32, hidden=16, classes=10):
        super().__init__()
        s.w = nn.Parameter(torch.empty(f, units).normal_(4.0, 0.5)); s.b = nn.Parameter(torch.rand(f, units))   # ExU init
        s.w1 = nn.Parameter(torch.randn(f, units, hidden) * units ** -0.5); s.b1 = nn.Parameter(torch.zeros(f, hidden))
        s.w2 = nn.Parameter(torch.randn(f, hidden, classes) * hidden ** -0.5); s.bias = nn.Parameter(torch.zeros(classes))
    def forward(s, x):
        x = F.avg_pool2d(x, 4).flatten(1)                                      # [N, 49] features
        h = torch.clamp(torch.exp(s.w) * (x.unsqueeze(-1) - s.b), 0, 1)        # ExU with ReLU-1, [N, 49, 32]
        h = F.relu(torch.einsum("bfi,fio->bfo", h, s.w1) + s.b1)              # per-feature MLPs
        return torch.einsum("bfi,fio->bfo", h, s.w2).sum(1) + s.bias          # the features' contributions added

# --- dyrelu ----------------------------------------------------------------------------------------------------------
class DyReLUB(nn.Module):
    """Dynamic ReLU-B (channel-wise coefficients, k = 2 pieces), the paper's lambdas (1, 0.5) and init (1, 0, 0, 0)."""
    def __init__(s, c, r=4):
        super().__init__(); s.c = c
        s.fc = nn.Sequential(nn.Linear(c, c // r), nn.ReLU(), nn.Linear(c // r, 4 * c))
    def forward(s, x):
        t = 2 * torch.sigmoid(s.fc(x.mean((2, 3)))) - 1                      # [N, 4C] in (-1, 1)
        r = t.reshape(-1, 4, s.c, 1, 1)
        a1, b1, a2, b2 = 1 + 0.5 * r[:, 0], 0.5 * r[:, 1], 0.5 * r[:, 2], 0.5 * r[:, 3]
        return torch.max(x * a1 + b1, x * a2 + b2)

class DyReLUNet(nn.Module):
    def __init__(s):
        super().__init__()
        def cb(i, o, st): return nn.Sequential(nn.Conv2d(i, o, 3, st, 1, bias=False), nn.BatchNorm2d(o), DyReLUB(o))
        s.f = nn.Sequential(cb(1, 16, 1), cb(16, 32, 2), cb(32, 64, 2), cb(64, 64, 1)); s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(s.f(x).mean((2, 3)))

# --- p4cnn -----------------------------------------------------------------------------------------------------------
def rot90(w, r, dims):
    """torch.rot90 (which torch 1.13 cannot export) as r quarter turns of transpose-and-flip, GrouPy's index arithmetic."""
    for _ in range(r): w = w.transpose(*dims).flip(dims[0])
    return w

class P4ConvZ2(nn.Module):
    """Lifting convolution: the filter in 4 rotations, output [N, C * 4, H, W] (channel-major, rotation-minor)."""
    def __init__(s, cin, cout, k=3):
        super().__init__(); s.w = nn.Parameter(torch.randn(cout, cin, k, k) * (2 / (cin * k * k)) ** 0.5)
        s.cout, s.k = cout, k
    def forward(s, x):
        w = torch.stack([rot90(s.w, r, (2, 3)) for r in range(4)], 1)  # [cout, 4, cin, k, k]
        return F.conv2d(x, w.reshape(s.cout * 4, -1, s.k, s.k), padding=s.k // 2)

class P4ConvP4(nn.Module):
    """p4 -> p4: output rotation r reads the filter rotated by r with its input-rotation axis rolled by r."""
    def __init__(s, cin, cout, k=3):
        super().__init__(); s.w = nn.Parameter(torch.randn(cout, cin, 4, k, k) * (2 / (cin * 4 * k * k)) ** 0.5)
        s.cin, s.cout, s.k = cin, cout, k
    def forward(s, x):
        w = torch.stack([torch.roll(rot90(s.w, r, (3, 4)), r, 2) for r in range(4)], 1)   # [cout, 4, cin, 4, k, k]
        return F.conv2d(x, w.reshape(s.cout * 4, s.cin * 4, s.k, s.k), padding=s.k // 2)

class P4BNReLU(nn.Module):
    """GrouPy's usage: BatchNorm3d over the [N, C, 4, H, W] view, one statistic per channel over its 4 rotations."""
    def __init__(s, c):
        super().__init__(); s.bn = nn.BatchNorm3d(c); s.c = c
    def forward(s, x):
        n, _, h, w = x.shape
        return F.relu(s.bn(x.reshape(n, s.c, 4, h, w)).reshape(n, s.c * 4, h, w))

class P4CNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1, s.n1 = P4ConvZ2(1, 8), P4BNReLU(8)
        s.l2, s.n2 = P4ConvP4(8, 12), P4BNReLU(12)
        s.l3, s.n3 = P4ConvP4(12, 16), P4BNReLU(16)
        s.fc = nn.Linear(16, 10)
    def forward(s, x):
        x = F.max_pool2d(s.n1(s.l1(x)), 2)
        x = F.max_pool2d(s.n2(s.l2(x)), 2)
        x = s.n3(s.l3(x))
        n, _, h, w = x.shape
        x = x.reshape(n, 16, 4, h, w).amax(2)                                  # group pooling: invariant to rotation
        return s.fc(x.mean((2, 3)))

MODELS = {"botnet": (BoTNet, 13, {}), "clipzs": (CLIPZS, 14, {}), "nam": (NAM, 13, {}), "dyrelu": (DyReLUNet, 13, {}),
          "p4cnn": (P4CNN, 13, {})}

if __name__ == "__main__":
    train_and_export(MODELS, STEPS31, "tests/data/wild/make_unseen31.py", sys.argv[1:])
