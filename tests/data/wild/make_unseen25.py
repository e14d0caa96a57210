#!/usr/bin/python3
"""Round 25 of architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen25,
2026-12-06 morning):
- llama: a **LLaMA-style decoder** over the 28 image rows as tokens: **RMSNorm** written as Hugging Face writes it
  (x.pow(2).mean(-1), + eps, rsqrt, x *, weight *), rotary position embedding, **grouped-query attention** (4 query heads,
  2 key/value heads repeated by Expand + Reshape as HF's repeat_kv), a **causal mask added as torch.finfo(float32).min
  above the diagonal** (HF's additive mask, a constant of -3.4e38 in the graph), **SwiGLU** feed-forward (SiLU(x W1) * x W3,
  then W2), no biases anywhere; the class read at the last token after a final RMSNorm; opset 17 (torch 1.13's newest:
  opset 18's ReduceMean with axes as an input is out of its reach)
- detr: a **DETR-style decoder** (Carion et al. 2020): a CNN to a 7x7 map of 64 channels as 49 memory tokens plus a fixed
  2-D sine positional encoding, **8 learned object queries** (nn.Embedding weights) decoded by two post-norm decoder layers
  written as DETR does with **nn.MultiheadAttention** (self-attention q = k = tgt + query_pos, **cross-attention** onto
  memory + pos), a ReLU feed-forward; class logits per query, averaged over the queries; opset 14
- convnext2: **ConvNeXt V2** (Woo et al. 2023): depthwise 7x7 Conv, channels-last LayerNorm, 4x Linear, GELU, **GRN
  (global response normalization: torch.norm over H, W as ReduceL2, divided by its mean over the channels + eps,
  gamma * (x * N) + beta + x)**, Linear; LayerNorm + stride-2 Conv downsampling; opset 17 (LayerNormalization, Erf)
- siren: a **Fourier-feature MLP with sine activations** (Tancik et al. 2020, SIREN, Sitzmann et al. 2020): the 784 pixels
  projected by a fixed Gaussian matrix B (a buffer, sigma 0.05), **[sin(2 pi x B), cos(2 pi x B)]**, two SIREN layers
  **sin(30 (W x + b))** with SIREN's initialization (Gemm, Mul by 30, Sin), a Linear head; opset 13 (Sin, Cos)
- stft: a **short-time Fourier transform front end** for a 1-D signal (a keyword-spotting net's shape): the image read
  row after row as a 784-sample signal, **ONNX STFT** (opset 17; frame 64, hop 32, a Hann window as an input, onesided:
  [N, 23, 33, 2]), written by a symbolic since torch 1.13 has none for torch.stft; magnitude sqrt(re^2 + im^2 + eps),
  log1p, then Conv1d over the 23 frames with the 33 bins as channels, BatchNorm, ReLU, a global average pool, Linear
  (siren_small, only when named: the same at 16 features and 32 hidden units, tests/data/models/siren_small.onnx)
    /usr/bin/python3 tests/data/wild/make_unseen25.py [NAME...]  -> NAME.onnx, NAME.pt and NAME.json (provenance) in $WILD_OUT
Provenance (NAME.json): seed 0 (torch.manual_seed before the model is built and in training), UNSEEN25_STEPS (default 200)
steps of 64 Fashion-MNIST training images (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), Adam 3e-3,
the torch model's accuracy on the first 2,000 and all 10,000 test images."""
import os, sys, json, time, math
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, OUT, SRC, test_accuracy
from make_unseen13 import export13, train13
from make_unseen14 import accuracy2000

STEPS25 = int(os.environ.get("UNSEEN25_STEPS", "200"))

# --- llama -----------------------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    """Hugging Face's LlamaRMSNorm: no mean subtracted, no bias."""
    def __init__(s, d, eps=1e-6):
        super().__init__(); s.weight, s.eps = nn.Parameter(torch.ones(d)), eps
    def forward(s, x):
        return s.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + s.eps))

def rotate_half(x):
    a, b = x.chunk(2, -1)
    return torch.cat((-b, a), -1)

class LlamaAttention(nn.Module):
    def __init__(s, d=64, heads=4, kv_heads=2, t=28):
        super().__init__(); s.h, s.kvh, s.hd = heads, kv_heads, d // heads
        s.q = nn.Linear(d, d, bias=False); s.k = nn.Linear(d, kv_heads * s.hd, bias=False)
        s.v = nn.Linear(d, kv_heads * s.hd, bias=False); s.o = nn.Linear(d, d, bias=False)
        f = 1.0 / (10000 ** (torch.arange(0, s.hd, 2).float() / s.hd)); a = torch.outer(torch.arange(t).float(), f)
        a = torch.cat((a, a), -1); s.register_buffer("cos", a.cos()); s.register_buffer("sin", a.sin())
        s.register_buffer("mask", torch.full((t, t), torch.finfo(torch.float32).min).triu(1))   # HF's additive causal mask
    def repeat_kv(s, x):
        n, _, t, hd = x.shape; r = s.h // s.kvh
        return x[:, :, None].expand(n, s.kvh, r, t, hd).reshape(n, s.h, t, hd)
    def forward(s, x):
        n, t, d = x.shape
        q = s.q(x).view(n, t, s.h, s.hd).transpose(1, 2)
        k = s.k(x).view(n, t, s.kvh, s.hd).transpose(1, 2); v = s.v(x).view(n, t, s.kvh, s.hd).transpose(1, 2)
        q, k = q * s.cos + rotate_half(q) * s.sin, k * s.cos + rotate_half(k) * s.sin
        k, v = s.repeat_kv(k), s.repeat_kv(v)
        a = (q @ k.transpose(2, 3) / math.sqrt(s.hd) + s.mask).softmax(-1)
        return s.o((a @ v).transpose(1, 2).reshape(n, t, d))

class LlamaBlock(nn.Module):
    def __init__(s, d=64, hidden=172):
        super().__init__(); s.n1, s.n2 = RMSNorm(d), RMSNorm(d); s.attn = LlamaAttention(d)
        s.w1, s.w3 = nn.Linear(d, hidden, bias=False), nn.Linear(d, hidden, bias=False); s.w2 = nn.Linear(hidden, d, bias=False)
    def forward(s, x):
        x = x + s.attn(s.n1(x)); h = s.n2(x)
        return x + s.w2(F.silu(s.w1(h)) * s.w3(h))

class Llama(nn.Module):
    def __init__(s, d=64):
        super().__init__(); s.embed = nn.Linear(28, d, bias=False)
        s.blocks = nn.Sequential(LlamaBlock(d), LlamaBlock(d)); s.norm = RMSNorm(d); s.head = nn.Linear(d, 10, bias=False)
    def forward(s, x):
        return s.head(s.norm(s.blocks(s.embed(x.squeeze(1))))[:, -1])

# --- detr ------------------------------------------------------------------------------------------------------------
def sine_pos2d(d=64, h=7, w=7):
    """DETR's PositionEmbeddingSine (normalized, temperature 10000): [h*w, d], half for y, half for x."""
    y, x = torch.meshgrid(torch.arange(1, h + 1).float() / h * 2 * math.pi, torch.arange(1, w + 1).float() / w * 2 * math.pi,
                          indexing="ij")
    t = 10000 ** (2 * (torch.arange(d // 2) // 2).float() / (d // 2))
    px, py = x[..., None] / t, y[..., None] / t
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), -1).flatten(2)
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), -1).flatten(2)
    return torch.cat((py, px), -1).reshape(h * w, d)

class DetrDecoderLayer(nn.Module):
    """DETR's TransformerDecoderLayer.forward_post."""
    def __init__(s, d=64, heads=4, ff=128):
        super().__init__()
        s.sa = nn.MultiheadAttention(d, heads, batch_first=True); s.ca = nn.MultiheadAttention(d, heads, batch_first=True)
        s.ff = nn.Sequential(nn.Linear(d, ff), nn.ReLU(), nn.Linear(ff, d)); s.n1, s.n2, s.n3 = (nn.LayerNorm(d) for _ in range(3))
    def forward(s, tgt, mem, pos, qpos):
        q = tgt + qpos; tgt = s.n1(tgt + s.sa(q, q, tgt, need_weights=False)[0])
        tgt = s.n2(tgt + s.ca(tgt + qpos, mem + pos, mem, need_weights=False)[0])
        return s.n3(tgt + s.ff(tgt))

class Detr(nn.Module):
    def __init__(s, d=64, queries=8):
        super().__init__()
        s.backbone = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                                   nn.Conv2d(32, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        s.proj = nn.Conv2d(64, d, 1); s.register_buffer("pos", sine_pos2d(d)[None]); s.query = nn.Embedding(queries, d)
        s.layers = nn.ModuleList([DetrDecoderLayer(d), DetrDecoderLayer(d)]); s.cls = nn.Linear(d, 10)
    def forward(s, x):
        mem = s.proj(s.backbone(x)).flatten(2).transpose(1, 2)                                   # [N, 49, d]
        qpos = s.query.weight[None].expand(x.shape[0], -1, -1); tgt = torch.zeros_like(qpos)
        for layer in s.layers: tgt = layer(tgt, mem, s.pos, qpos)
        return s.cls(tgt).mean(1)

# --- convnext2 -------------------------------------------------------------------------------------------------------
class GRN(nn.Module):
    """ConvNeXt V2's global response normalization on channels-last [N, H, W, C]."""
    def __init__(s, c):
        super().__init__(); s.gamma, s.beta = nn.Parameter(torch.zeros(1, 1, 1, c)), nn.Parameter(torch.zeros(1, 1, 1, c))
    def forward(s, x):
        g = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
        return s.gamma * (x * (g / (g.mean(-1, keepdim=True) + 1e-6))) + s.beta + x

class ConvNeXt2Block(nn.Module):
    def __init__(s, c):
        super().__init__(); s.dw = nn.Conv2d(c, c, 7, 1, 3, groups=c); s.norm = nn.LayerNorm(c)
        s.pw1, s.pw2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, c); s.grn = GRN(4 * c)
    def forward(s, x):
        h = s.norm(s.dw(x).permute(0, 2, 3, 1))
        return x + s.pw2(s.grn(F.gelu(s.pw1(h)))).permute(0, 3, 1, 2)

class LayerNorm2d(nn.LayerNorm):
    def forward(s, x): return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

class ConvNeXt2(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(1, 32, 2, 2), LayerNorm2d(32)); s.s1 = ConvNeXt2Block(32)
        s.down = nn.Sequential(LayerNorm2d(32), nn.Conv2d(32, 64, 2, 2)); s.s2 = ConvNeXt2Block(64)
        s.norm = nn.LayerNorm(64); s.head = nn.Linear(64, 10)
    def forward(s, x):
        return s.head(s.norm(s.s2(s.down(s.s1(s.stem(x)))).mean((2, 3))))

# --- siren -----------------------------------------------------------------------------------------------------------
class SineLayer(nn.Module):
    """SIREN: sin(omega (W x + b)) with W uniform in +-sqrt(6 / in) / omega. The parameters are held times omega (V = omega W,
    W = V / omega folded at export) so that Adam 3e-3 trains them: on W itself the 200 steps stayed at chance (0.0955)."""
    def __init__(s, cin, cout, omega=30.0):
        super().__init__(); s.omega = omega; s.fc = nn.Linear(cin, cout)
        with torch.no_grad(): s.fc.weight.uniform_(-math.sqrt(6 / cin), math.sqrt(6 / cin))
    def forward(s, x): return torch.sin(s.omega * F.linear(x, s.fc.weight / s.omega, s.fc.bias / s.omega))

class Siren(nn.Module):
    def __init__(s, features=64, hidden=128):
        super().__init__(); s.register_buffer("B", 0.05 * torch.randn(784, features))
        s.l1, s.l2 = SineLayer(2 * features, hidden), SineLayer(hidden, hidden); s.head = nn.Linear(hidden, 10)
    def forward(s, x):
        v = 2 * math.pi * x.flatten(1) @ s.B
        return s.head(s.l2(s.l1(torch.cat((torch.sin(v), torch.cos(v)), -1))))

# --- stft ------------------------------------------------------------------------------------------------------------
class OnnxSTFT(torch.autograd.Function):
    """torch.stft (center False, onesided) as ONNX STFT [N, frames, bins, 2]; export only (training takes torch.stft)."""
    @staticmethod
    def forward(ctx, x, window, hop):
        return torch.view_as_real(torch.stft(x, window.numel(), hop, window=window, center=False, onesided=True,
                                             return_complex=True)).transpose(1, 2)
    @staticmethod
    def symbolic(g, x, window, hop):
        c = lambda v: g.op("Constant", value_t=torch.tensor(v, dtype=torch.int64))
        return g.op("STFT", g.op("Unsqueeze", x, c([2])), c(hop), window, onesided_i=1)     # [N, L, 1] real signal

class StftNet(nn.Module):
    def __init__(s, frame=64, hop=32):
        super().__init__(); s.hop = hop; s.register_buffer("window", torch.hann_window(frame))
        bins = frame // 2 + 1
        s.net = nn.Sequential(nn.Conv1d(bins, 64, 3, 1, 1, bias=False), nn.BatchNorm1d(64), nn.ReLU(),
                              nn.Conv1d(64, 64, 3, 2, 1, bias=False), nn.BatchNorm1d(64), nn.ReLU())
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        sig = x.flatten(1)                                                                     # [N, 784]: rows after rows
        if torch.onnx.is_in_onnx_export(): z = OnnxSTFT.apply(sig, s.window, s.hop)
        else: z = OnnxSTFT.forward(None, sig, s.window, s.hop)                               # autograd through torch.stft
        mag = torch.log1p(torch.sqrt(z.pow(2).sum(-1) + 1e-6))                               # [N, frames, bins]
        return s.fc(s.net(mag.transpose(1, 2)).mean(-1))

MODELS = {"llama": (Llama, 17), "detr": (Detr, 14), "convnext2": (ConvNeXt2, 17), "siren": (Siren, 13), "stft": (StftNet, 17),
          # not run by default: siren at 16 features and 32 hidden units, small enough for tests/data/models (PrunerTest)
          "siren_small": (lambda: Siren(16, 32), 13)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data(); acc = test_accuracy(d)
    for name in sys.argv[1:] or [n for n in MODELS if n != "siren_small"]:
        torch.manual_seed(0); cls, opset = MODELS[name]; m = cls(); t0 = time.time()
        print(name, flush=True)
        train13(m, d, STEPS25)
        a2, a = accuracy2000(m, d), acc(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))
        p = export13(m, name, opset)
        print("  ops:", sorted({n.op_type for n in onnx.load(p).graph.node}), flush=True)
        prov = {"model": name, "script": "tests/data/wild/make_unseen25.py", "seed": 0, "steps": STEPS25, "batch": 64,
                "optimizer": "Adam lr 3e-3", "opset": opset, "data": SRC + " (train-images/labels-idx, Debian dataset-fashion-mnist)",
                "torch": torch.__version__, "onnx": onnx.__version__, "torch_accuracy_test2000": a2,
                "torch_accuracy_test10000": a, "train_seconds": round(time.time() - t0, 1)}
        json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
        print(f"  {name}: torch accuracy 2000 {a2:.4f}, 10000 {a:.4f} ({prov['train_seconds']} s)", flush=True)
