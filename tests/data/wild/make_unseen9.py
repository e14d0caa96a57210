#!/usr/bin/python3
"""Architectures and export styles no earlier round tried (issue 13, models in the wild; branch unseen9, 2026-12-04 morning),
typical of embedded and safety deployments:
- dscnn: a keyword-spotting DS-CNN (ARM's "Hello Edge" shape): the 28x28 image read as a spectrogram (28 frames x 28
  bins), a first Conv with a rectangular 10x4 kernel, stride 2 and asymmetric padding, four depthwise-separable blocks
  (depthwise 3x3 + BN + ReLU, pointwise 1x1 + BN + ReLU), average pool, Linear; exported at opset 13 with
  do_constant_folding=False (the BatchNormalizations and the Flatten's shape arithmetic stay as written) and a static batch
- swin: Swin-style window attention: 2x2 patch embedding (14x14 tokens), window partition / reverse by reshape + permute,
  7x7 windows with a relative position bias (a table Gather'ed by a constant index), a second block with the cyclic shift
  torch.roll (Slice + Concat) and the shifted-window attention mask, patch merging (strided slices, Concat, LayerNorm,
  Linear) to 7x7, one more block, LayerNorm, mean over tokens; opset 17, dynamic batch
- poolformer: PoolFormer blocks: GroupNorm(1) (InstanceNormalization + Reshape + Mul + Add at opset 11), the token mixer
  AvgPool 3x3 stride 1 count_include_pad=False minus its input, an MLP of 1x1 Convs with GELU, layer-scale Muls; opset 11
  with keep_initializers_as_inputs=True (every weight also a graph input)
- res2net: Res2Net bottlenecks: 1x1 Conv, torch.split into 4 scales, each 3x3 Conv reading its split plus the previous
  scale's output (hierarchical residual), the last split passed through (AvgPool in the stride-2 block), Concat, 1x1, the
  block's residual; opset 13, dynamic batch, weights in external data (one file, every tensor)
- hrnet: HRNet-like multi-resolution fusion: three branches at 28x28, 14x14 and 7x7 kept in parallel, fused twice by
  1x1 Conv + nearest Resize up (scale 2 and 4) and strided 3x3 Convs down, many Adds + ReLU, the three heads pooled and
  concatenated; opset 11, dynamic batch, height and width
- aspp: DeepLab-style ASPP: a backbone to 7x7, four parallel branches (1x1, 3x3 dilated 1, 2, 3) plus an image-pooling branch
  (GAP, 1x1, bilinear upsample to the feature size read from Shape), Concat, 1x1 projection, a segmentation head (per-pixel
  class logits upsampled bilinear x4 with align_corners=True) whose class maps are averaged into logits; opset 16, dynamic batch
    /usr/bin/python3 tests/data/wild/make_unseen9.py [NAME...]  -> NAME.onnx (and NAME.pt) in $WILD_OUT (default /tmp/wild)"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from make_wild import data, train, OUT

STEPS9 = int(os.environ.get("UNSEEN9_STEPS", "300"))  # 500 in earlier rounds: these six train 0.3-3 s per step of 64 on one thread at the session's load (swin: 60, see README)

DYN = {"input": {0: "N"}, "logits": {0: "N"}}
DYN_HW = {"input": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N"}}

def export9(m, name, opset, dyn=DYN, external=False, **kw):
    p = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(m, (torch.zeros(1, 1, 28, 28),), p, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes=dyn, **kw)
    if external:  # torch 1.13 writes external data only past 2 GB: re-save every tensor into one file beside the model
        mp = onnx.load(p); data_file = name + ".onnx.data"
        if os.path.exists(os.path.join(OUT, data_file)): os.remove(os.path.join(OUT, data_file))
        onnx.save_model(mp, p, save_as_external_data=True, all_tensors_to_one_file=True, location=data_file, size_threshold=0)
    onnx.checker.check_model(p)
    print(f"  wrote {p} ({os.path.getsize(p)} bytes)", flush=True)
    return p

def cbr(cin, cout, k, s=1, p=0, g=1, d=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, dilation=d, groups=g, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

# --- dscnn --------------------------------------------------------------------------------------------------------
class DSCNN(nn.Module):
    def __init__(s, c=48):
        super().__init__()
        s.pad = nn.ZeroPad2d((1, 2, 4, 5))                      # ARM's KWS: 'same'-like asymmetric padding for 10x4 / 2
        s.stem = cbr(1, c, (10, 4), 2)                          # 28x28 -> 14x14
        s.ds = nn.Sequential(*[nn.Sequential(cbr(c, c, 3, 1, 1, g=c), cbr(c, c, 1)) for _ in range(4)])
        s.fc = nn.Linear(c, 10)
    def forward(s, x): return s.fc(torch.flatten(F.avg_pool2d(s.ds(s.stem(s.pad(x))), 14), 1))

# --- swin ---------------------------------------------------------------------------------------------------------
def rel_index(w):
    c = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing="ij")).flatten(1)
    r = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0) + (w - 1)
    return (r[..., 0] * (2 * w - 1) + r[..., 1]).flatten()

def shift_mask(hw, w, sh):
    img = torch.zeros(hw, hw); cnt = 0
    for a in (slice(0, -w), slice(-w, -sh), slice(-sh, None)):
        for b in (slice(0, -w), slice(-w, -sh), slice(-sh, None)):
            img[a, b] = cnt; cnt += 1
    win = img.reshape(hw // w, w, hw // w, w).permute(0, 2, 1, 3).reshape(-1, w * w)
    m = win[:, None, :] - win[:, :, None]
    return torch.where(m != 0, torch.tensor(-100.), torch.tensor(0.))   # [nW, w*w, w*w]

class WindowBlock(nn.Module):
    """Constant sizes (no x.shape unpacking) so that FX traces it too; the batch is the -1 of the reshapes."""
    def __init__(s, dim, hw, heads, w=7, shift=0):
        super().__init__(); s.dim, s.hw, s.h, s.w, s.shift = dim, hw, heads, w, shift
        s.nw = (hw // w) ** 2; s.scale = (dim // heads) ** -0.5
        s.n1 = nn.LayerNorm(dim); s.qkv = nn.Linear(dim, 3 * dim); s.proj = nn.Linear(dim, dim)
        s.n2 = nn.LayerNorm(dim); s.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        s.table = nn.Parameter(torch.randn((2 * w - 1) ** 2, heads) * 0.02)
        s.register_buffer("idx", rel_index(w), persistent=False)
        if shift: s.register_buffer("mask", shift_mask(hw, w, shift).unsqueeze(1).unsqueeze(0), persistent=False)  # [1, nW, 1, L, L]
    def forward(s, x):                                         # x [N, hw*hw, dim]
        hw, w, d, h, L = s.hw, s.w, s.dim, s.h, s.w * s.w
        y = s.n1(x).reshape(-1, hw, hw, d)
        if s.shift: y = torch.roll(y, (-s.shift, -s.shift), (1, 2))
        y = y.reshape(-1, hw // w, w, hw // w, w, d).permute(0, 1, 3, 2, 4, 5).reshape(-1, L, d)   # windows [N*nW, L, d]
        qkv = s.qkv(y).reshape(-1, L, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = (q * s.scale) @ k.transpose(-2, -1)                                                       # [N*nW, h, L, L]
        a = a + s.table[s.idx].reshape(L, L, h).permute(2, 0, 1).unsqueeze(0)
        if s.shift: a = (a.reshape(-1, s.nw, h, L, L) + s.mask).reshape(-1, h, L, L)
        y = (a.softmax(-1) @ v).transpose(1, 2).reshape(-1, L, d)
        y = s.proj(y).reshape(-1, hw // w, hw // w, w, w, d).permute(0, 1, 3, 2, 4, 5).reshape(-1, hw, hw, d)
        if s.shift: y = torch.roll(y, (s.shift, s.shift), (1, 2))
        x = x + y.reshape(-1, hw * hw, d)
        return x + s.mlp(s.n2(x))

class PatchMerge(nn.Module):
    def __init__(s, dim, hw):
        super().__init__(); s.dim, s.hw = dim, hw; s.norm = nn.LayerNorm(4 * dim); s.red = nn.Linear(4 * dim, 2 * dim, bias=False)
    def forward(s, x):
        x = x.reshape(-1, s.hw, s.hw, s.dim)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return s.red(s.norm(x.reshape(-1, (s.hw // 2) ** 2, 4 * s.dim)))

class Swin(nn.Module):
    def __init__(s, d=32):
        super().__init__()
        s.embed = nn.Conv2d(1, d, 2, 2); s.en = nn.LayerNorm(d)
        s.b1 = WindowBlock(d, 14, 2); s.b2 = WindowBlock(d, 14, 2, shift=3)
        s.merge = PatchMerge(d, 14); s.b3 = WindowBlock(2 * d, 7, 4)
        s.norm = nn.LayerNorm(2 * d); s.fc = nn.Linear(2 * d, 10)
    def forward(s, x):
        x = s.en(s.embed(x).flatten(2).transpose(1, 2))         # [N, 196, d]
        x = s.b3(s.merge(s.b2(s.b1(x))))
        return s.fc(s.norm(x).mean(1))

# --- poolformer ---------------------------------------------------------------------------------------------------
class PoolBlock(nn.Module):
    def __init__(s, c, ls=1e-2):
        super().__init__()
        s.n1 = nn.GroupNorm(1, c); s.pool = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        s.n2 = nn.GroupNorm(1, c); s.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.GELU(), nn.Conv2d(4 * c, c, 1))
        s.l1 = nn.Parameter(ls * torch.ones(c, 1, 1)); s.l2 = nn.Parameter(ls * torch.ones(c, 1, 1))
    def forward(s, x):
        y = s.n1(x); x = x + s.l1 * (s.pool(y) - y)
        return x + s.l2 * s.mlp(s.n2(x))

class PoolFormer(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Conv2d(1, 32, 3, 2, 1)                                        # 14x14
        s.s1 = nn.Sequential(PoolBlock(32), PoolBlock(32))
        s.down = nn.Conv2d(32, 64, 3, 2, 1)                                       # 7x7
        s.s2 = nn.Sequential(PoolBlock(64), PoolBlock(64))
        s.norm = nn.GroupNorm(1, 64); s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(s.norm(s.s2(s.down(s.s1(s.stem(x))))).mean([-2, -1]))

# --- res2net ------------------------------------------------------------------------------------------------------
class Bottle2neck(nn.Module):
    def __init__(s, cin, cout, stride=1, width=8, scale=4):
        super().__init__(); s.width, s.scale, s.stride = width, scale, stride
        s.c1 = cbr(cin, width * scale, 1)
        s.convs = nn.ModuleList([cbr(width, width, 3, stride, 1) for _ in range(scale - 1)])
        s.pool = nn.AvgPool2d(3, stride, 1) if stride > 1 else None
        s.c3 = nn.Sequential(nn.Conv2d(width * scale, cout, 1, bias=False), nn.BatchNorm2d(cout))
        s.short = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x):
        sp = torch.split(s.c1(x), s.width, 1)
        out = []; y = sp[0]
        for i in range(s.scale - 1):
            y = s.convs[i](sp[i] if i == 0 or s.stride > 1 else y + sp[i])
            out.append(y)
        out.append(sp[s.scale - 1] if s.pool is None else s.pool(sp[s.scale - 1]))
        r = x if s.short is None else s.short(x)
        return F.relu(s.c3(torch.cat(out, 1)) + r)

class Res2Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = cbr(1, 32, 3, 1, 1)
        s.b = nn.Sequential(Bottle2neck(32, 64, 2), Bottle2neck(64, 64), Bottle2neck(64, 128, 2, width=16), Bottle2neck(128, 128, width=16))
        s.fc = nn.Linear(128, 10)
    def forward(s, x): return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.b(s.stem(x)), 1), 1))

# --- hrnet --------------------------------------------------------------------------------------------------------
class Fuse(nn.Module):
    """Every branch i receives the sum of all branches j: j > i up by 1x1 Conv + BN + nearest Resize, j < i down by strided 3x3s."""
    def __init__(s, cs):
        super().__init__(); s.n = len(cs)
        s.body = nn.ModuleList([nn.Sequential(cbr(c, c, 3, 1, 1), cbr(c, c, 3, 1, 1)) for c in cs])
        s.f = nn.ModuleList()
        for i, ci in enumerate(cs):
            row = nn.ModuleList()
            for j, cj in enumerate(cs):
                if j > i: row.append(nn.Sequential(nn.Conv2d(cj, ci, 1, bias=False), nn.BatchNorm2d(ci), nn.Upsample(scale_factor=2 ** (j - i), mode="nearest")))
                elif j < i:
                    steps = [cbr(cj, cj, 3, 2, 1) for _ in range(i - j - 1)]
                    row.append(nn.Sequential(*steps, nn.Conv2d(cj, ci, 3, 2, 1, bias=False), nn.BatchNorm2d(ci)))
                else: row.append(nn.Identity())
            s.f.append(row)
    def forward(s, xs):
        xs = [b(x) for b, x in zip(s.body, xs)]
        out = []
        for i in range(s.n):
            y = xs[i]
            for j in range(s.n):
                if j != i: y = y + s.f[i][j](xs[j])
            out.append(F.relu(y))
        return out

class HRNet(nn.Module):
    def __init__(s, cs=(16, 32, 64)):
        super().__init__()
        s.stem = cbr(1, cs[0], 3, 1, 1)
        s.t1 = cbr(cs[0], cs[1], 3, 2, 1); s.t2 = nn.Sequential(cbr(cs[0], cs[0], 3, 2, 1), cbr(cs[0], cs[2], 3, 2, 1))
        s.fuse1 = Fuse(cs); s.fuse2 = Fuse(cs)
        s.fc = nn.Linear(sum(cs), 10)
    def forward(s, x):
        x = s.stem(x)
        xs = s.fuse2(s.fuse1([x, s.t1(x), s.t2(x)]))
        return s.fc(torch.cat([F.adaptive_avg_pool2d(y, 1).flatten(1) for y in xs], 1))

# --- aspp ---------------------------------------------------------------------------------------------------------
class ASPP(nn.Module):
    def __init__(s, cin, c, rates=(1, 2, 3)):
        super().__init__()
        s.b0 = cbr(cin, c, 1)
        s.br = nn.ModuleList([cbr(cin, c, 3, 1, r, d=r) for r in rates])
        s.img = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, c, 1, bias=False), nn.ReLU())
        s.proj = cbr(c * (len(rates) + 2), c, 1)
    def forward(s, x):
        p = F.interpolate(s.img(x), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return s.proj(torch.cat([s.b0(x)] + [b(x) for b in s.br] + [p], 1))

class DeepLab(nn.Module):
    def __init__(s):
        super().__init__()
        s.backbone = nn.Sequential(cbr(1, 32, 3, 2, 1), cbr(32, 32, 3, 1, 1), cbr(32, 64, 3, 2, 1), cbr(64, 64, 3, 1, 1))  # 7x7
        s.aspp = ASPP(64, 48); s.head = nn.Sequential(cbr(48, 48, 3, 1, 1), nn.Conv2d(48, 10, 1))
    def forward(s, x):
        seg = F.interpolate(s.head(s.aspp(s.backbone(x))), scale_factor=4, mode="bilinear", align_corners=True)  # [N, 10, 28, 28]
        return seg.mean([2, 3])

def make_dscnn(m): export9(m, "dscnn", 13, dyn={}, do_constant_folding=False)
def make_swin(m): export9(m, "swin", 17)
def make_poolformer(m): export9(m, "poolformer", 11, keep_initializers_as_inputs=True)
def make_res2net(m): export9(m, "res2net", 13, external=True)
def make_hrnet(m): export9(m, "hrnet", 11, dyn=DYN_HW)
def make_aspp(m): export9(m, "aspp", 16)

MODELS = {"dscnn": (DSCNN, make_dscnn), "swin": (Swin, make_swin), "poolformer": (PoolFormer, make_poolformer),
          "res2net": (Res2Net, make_res2net), "hrnet": (HRNet, make_hrnet), "aspp": (DeepLab, make_aspp)}

if __name__ == "__main__":
    torch.set_num_threads(1); d = data()
    for name in sys.argv[1:] or MODELS:
        torch.manual_seed(0); cls, make = MODELS[name]; m = cls()
        print(name, flush=True); train(m, d, steps=STEPS9); make(m)
        torch.save(m.state_dict(), os.path.join(OUT, name + ".pt"))  # for unseen9_ptq.py, which would otherwise train it again
