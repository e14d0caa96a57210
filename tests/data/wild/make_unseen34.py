#!/usr/bin/python3
"""Round 34 of models in the wild (issue 13; branch unseen58, 2026-12-07): kinds no round held before (grep of every make_*.py and
README: no NonMaxSuppression, no INT4/UINT4 or FLOAT8 tensor, no Attention/RMSNormalization/RotaryEmbedding of opset 23):
- detnms: a one-stage detector's shape on Fashion-MNIST: a CNN's 7x7 map with a class head (10 x 7 x 7) and a box head (4 x 7 x 7,
  trained on each image's bounding box of pixels > 0.2), exported by torch.onnx at opset 17; image logits = ReduceMax over the cells
  (the first output, trained with cross-entropy); then the post-processing tail as detection exporters append it (ultralytics'
  and torchvision's NMS export shape), op for op: Sigmoid class scores [N, 10, 49], boxes [N, 49, 4] (cx, cy, w, h), **TopK** 20
  cells by their best score, **GatherElements** of their boxes and scores, **NonMaxSuppression** (center_point_box 1, 5 a class,
  IoU 0.5, score 0.3), **Gather**/GatherND of the kept boxes and scores: outputs logits, det_boxes [K, 4], det_scores [K],
  selected [K, 3] int64.
- int4qdq: the row-token MLP of make_unseen33's int4rows, weight-only int4 as **ONNX Runtime's MatMul4BitsQuantizer with
  quant_format QDQ** writes it (opset 21): each constant MatMul weight a **UINT4** [K, N] initializer (two codes a byte, low nibble
  first) with a UINT4 zero point and a float scale of [ceil(K / 32), N], read by **DequantizeLinear-21 axis 0 block_size 32**; the
  Gemm head float; ReduceMean with its axes as input (opset 18+).
- fp8qdq: a small CNN (Conv, ReLU, MaxPool x2, Gemm 1568 -> 10), **FP8 E4M3 per-tensor post-training quantized as NVIDIA
  ModelOpt's ONNX export** writes it (opset 19): each Conv/Gemm input through QuantizeLinear -> DequantizeLinear with a
  **FLOAT8E4M3FN** zero point (scale amax / 448 over the calibration images), each weight a FLOAT8E4M3FN initializer (amax / 448)
  read by DequantizeLinear; biases float.
- attn23: a pre-norm transformer over the 28 rows of an image (embed 28 -> 64, one block, 4 heads of 16) written at **opset 23**
  with the fused ops that opset defines (what torch's newest exporter and onnxscript's fusions write): **RMSNormalization-23**,
  **RotaryEmbedding-23** (3-D input, num_heads 4, position_ids [N, 28] expanded from the graph's batch), **Attention-23** (3-D Q/K/V,
  q_num_heads = kv_num_heads = 4), a SiLU MLP (Sigmoid, Mul), ReduceMean over the tokens (axes input), a Gemm head.
onnx 1.12 knows neither opset 19+ checks nor INT4/FLOAT8 types: the graphs are written by onnx.helper with the types' numbers
(UINT4 21, FLOAT8E4M3FN 17) and saved unchecked; ONNX Runtime 1.29 (Java) loads them.
    WILD_OUT=DIR /usr/bin/python3 tests/data/wild/make_unseen34.py [NAME...]  -> NAME.onnx, NAME.json (provenance), NAME.pt (torch)
Provenance: seed 0; 300 steps (UNSEEN34_STEPS) of 64 training images, Adam 3e-3 (make_wild.train's loop; detnms adds its box loss);
NAME.json: the accuracy on the first 2,000 test images of what the graph computes (the int4 weights dequantized, the FP8
fake-quantized forward), which `evaluate` of the graph must reproduce, and the float model's."""
import os, sys, json, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper, TensorProto
from make_wild import data, OUT, T, train, calib300
from make_unseen32 import Graph, IMG, LOGITS
from make_unseen33 import RowMlp

STEPS = int(os.environ.get("UNSEEN34_STEPS", "300"))
UINT4, FP8 = 21, 17          # TensorProto.UINT4, TensorProto.FLOAT8E4M3FN (onnx >= 1.16 / 1.14 name them)
W = lambda t: t.detach().numpy().astype(np.float32)

def raw_tensor(name, dtype, dims, data):
    """A TensorProto of a type onnx 1.12's make_tensor does not know (UINT4, FLOAT8E4M3FN), from its raw bytes."""
    t = TensorProto(); t.name, t.data_type, t.raw_data = name, dtype, data; t.dims.extend(dims); return t

def acc2000(m, d, f=None):
    with torch.no_grad():
        o = torch.cat([(f or m)(T(d[2][i:i + 500])) for i in range(0, 2000, 500)])
    return float((o.argmax(1).numpy() == d[3][:2000]).mean())

def save(name, mp, opset, ir):
    del mp.opset_import[:]; mp.opset_import.extend([helper.make_opsetid("", opset)]); mp.ir_version = ir
    p = os.path.join(OUT, name + ".onnx"); onnx.save(mp, p); return p

def export(m, name, outs):
    p = os.path.join(OUT, name + "_fp32.onnx")
    torch.onnx.export(m, T(data()[2][:2]), p, input_names=["input"], output_names=outs,
                      dynamic_axes={"input": {0: "N"}, **{o: {0: "N"} for o in outs}}, opset_version=17)
    return onnx.load(p)

def reduce_axes_as_inputs(g):
    """Opset 18 moved ReduceMean's/ReduceMax's axes from an attribute to an input."""
    for n in g.node:
        if n.op_type.startswith("Reduce"):
            axes = [a for a in n.attribute if a.name == "axes"]
            if axes:
                name = n.name.replace("/", "_") + "_axes"
                g.initializer.append(numpy_helper.from_array(np.array(axes[0].ints, np.int64), name))
                n.attribute.remove(axes[0]); n.input.append(name)

# --- detnms ---------------------------------------------------------------------------------------------------------
class DetNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1, s.c2, s.c3 = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1)
        s.cls, s.box = nn.Conv2d(32, 10, 1), nn.Conv2d(32, 4, 1)
    def maps(s, x):
        h = F.max_pool2d(F.relu(s.c1(x)), 2); h = F.max_pool2d(F.relu(s.c2(h)), 2); h = F.relu(s.c3(h))
        return s.cls(h), torch.sigmoid(s.box(h)) * 28
    def forward(s, x): return s.maps(x)[0].amax((2, 3))

class DetExport(nn.Module):
    def __init__(s, net): super().__init__(); s.net = net
    def forward(s, x):
        c, b = s.net.maps(x); return c.amax((2, 3)), c, b

def bbox(x):
    """Each image's box of pixels > 0.2 as (cx, cy, w, h) in pixels."""
    m = x[:, 0] > 0.2; out = torch.zeros(len(x), 4)
    for i in range(len(x)):
        ys, xs = torch.nonzero(m[i], as_tuple=True)
        if len(ys): out[i] = torch.tensor([(xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2, xs.max() - xs.min() + 1, ys.max() - ys.min() + 1])
    return out

def detnms():
    d = data(); torch.manual_seed(0); m = DetNet(); t0 = time.time()
    opt = torch.optim.Adam(m.parameters(), lr=3e-3); g = torch.Generator().manual_seed(0); m.train()
    for s in range(STEPS):
        idx = torch.randint(0, len(d[0]), (64,), generator=g).numpy(); x = T(d[0][idx])
        c, b = m.maps(x)
        loss = F.cross_entropy(c.amax((2, 3)), torch.from_numpy(d[1][idx])) + 0.01 * F.l1_loss(b.mean((2, 3)), bbox(x))
        opt.zero_grad(); loss.backward(); opt.step()
    m.eval(); acc = acc2000(m, d); torch.save(m.state_dict(), os.path.join(OUT, "detnms.pt"))
    mp = export(DetExport(m), "detnms", ["logits", "cls_map", "box_map"]); gr = mp.graph
    outs = {o.name: o for o in gr.output}
    gr.output.remove(outs["cls_map"]); gr.output.remove(outs["box_map"])
    t = Graph()
    def c(name, a): gr.initializer.append(numpy_helper.from_array(np.array(a), name)); return name
    t.node("Shape", ["input"], "in_shape", "post/Shape"); t.node("Gather", ["in_shape", c("post/zero", np.array(0, np.int64))], "n", "post/GatherBatch", axis=0)
    t.node("Unsqueeze", ["n", c("post/axes0", [0])], "n1", "post/Unsqueeze")
    t.node("Concat", ["n1", c("post/c10_49", [10, 49])], "shape_s", "post/ConcatS", axis=0)
    t.node("Concat", ["n1", c("post/c4_49", [4, 49])], "shape_b", "post/ConcatB", axis=0)
    t.node("Reshape", ["cls_map", "shape_s"], "cls_flat", "post/ReshapeCls"); t.node("Sigmoid", ["cls_flat"], "scores", "post/Sigmoid")
    t.node("Reshape", ["box_map", "shape_b"], "box_flat", "post/ReshapeBox"); t.node("Transpose", ["box_flat"], "boxes", "post/Transpose", perm=[0, 2, 1])
    t.node("ReduceMax", ["scores"], "best", "post/ReduceMax", axes=[1], keepdims=0)
    t.node("TopK", ["best", c("post/k", [20])], ["top_scores", "top_idx"], "post/TopK", axis=1)
    t.node("Unsqueeze", ["top_idx", c("post/axes2", [2])], "idx_b", "post/UnsqueezeB")
    t.node("Concat", ["n1", c("post/c20_4", [20, 4])], "shape_ib", "post/ConcatIB", axis=0)
    t.node("Expand", ["idx_b", "shape_ib"], "idx_b4", "post/ExpandB"); t.node("GatherElements", ["boxes", "idx_b4"], "cand_boxes", "post/GatherBoxes", axis=1)
    t.node("Unsqueeze", ["top_idx", c("post/axes1b", [1])], "idx_s", "post/UnsqueezeS")
    t.node("Concat", ["n1", c("post/c10_20", [10, 20])], "shape_is", "post/ConcatIS", axis=0)
    t.node("Expand", ["idx_s", "shape_is"], "idx_s10", "post/ExpandS"); t.node("GatherElements", ["scores", "idx_s10"], "cand_scores", "post/GatherScores", axis=2)
    t.node("NonMaxSuppression", ["cand_boxes", "cand_scores", c("post/max_out", [5]), c("post/iou", np.array([0.5], np.float32)),
                                 c("post/score_thr", np.array([0.3], np.float32))], "selected", "post/NonMaxSuppression", center_point_box=1)
    t.node("Gather", ["selected", c("post/cols_bb", [0, 2])], "sel_bb", "post/GatherCols", axis=1)
    t.node("GatherND", ["cand_boxes", "sel_bb"], "det_boxes", "post/GatherNDBoxes")
    t.node("GatherND", ["cand_scores", "selected"], "det_scores", "post/GatherNDScores")
    gr.node.extend(t.nodes)
    gr.output.extend([helper.make_tensor_value_info("det_boxes", TensorProto.FLOAT, ["K", 4]),
                      helper.make_tensor_value_info("det_scores", TensorProto.FLOAT, ["K"]),
                      helper.make_tensor_value_info("selected", TensorProto.INT64, ["K", 3])])
    p = save("detnms", mp, 17, 8); onnx.checker.check_model(onnx.load(p))
    return p, {"accuracy_test2000": acc, "accuracy_test2000_fp32": acc, "train_seconds": round(time.time() - t0, 1),
               "tool": "torch.onnx 1.13 (opset 17) + an NMS tail written op for op"}

# --- int4qdq --------------------------------------------------------------------------------------------------------
def pack4(codes):
    f = codes.reshape(-1).astype(np.uint8)
    if len(f) % 2: f = np.append(f, 0)
    return (f[0::2] | (f[1::2] << 4)).astype(np.uint8).tobytes()

def u4(w, block=32):
    """Asymmetric blockwise uint4 of a [K, N] weight along K as MatMul4BitsQuantizer computes it (scale (max - min) / 15 over a
    block with 0 in range, zero point round(-min / scale)); returns codes [K, N], scales and zero points [ceil(K / 32), N], dequantized."""
    k, n = w.shape; blocks = (k + block - 1) // block
    scale = np.zeros((blocks, n), np.float32); zp = np.zeros((blocks, n), np.uint8); codes = np.zeros((k, n), np.uint8)
    for b in range(blocks):
        wb = w[b * block:(b + 1) * block]
        lo, hi = np.minimum(wb.min(0), 0), np.maximum(wb.max(0), 0)
        s = ((hi - lo) / 15).astype(np.float32); s[s == 0] = 1
        z = np.clip(np.round(-lo / s), 0, 15).astype(np.uint8)
        codes[b * block:(b + 1) * block] = np.clip(np.round(wb / s) + z, 0, 15)
        scale[b], zp[b] = s, z
    rows = np.arange(k) // block
    deq = ((codes.astype(np.float32) - zp[rows].astype(np.float32)) * scale[rows]).astype(np.float32)
    return codes, scale, zp, deq

def int4qdq():
    d = data(); torch.manual_seed(0); m = RowMlp(); t0 = time.time()
    train(m, d, STEPS); acc = acc2000(m, d); torch.save(m.state_dict(), os.path.join(OUT, "int4qdq.pt"))
    mp = export(m, "int4qdq", ["logits"]); g = mp.graph; inits = {i.name: i for i in g.initializer}
    nodes, deqs = [], {}
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            b = node.input[1]; w = numpy_helper.to_array(inits[b]); codes, scale, zp, deq = u4(w)
            q = raw_tensor(b + "_DQ_Q4", UINT4, list(codes.shape), pack4(codes))
            z = raw_tensor(b + "_DQ_zp", UINT4, list(zp.shape), pack4(zp))
            g.initializer.extend([q, z, numpy_helper.from_array(scale, b + "_DQ_scales")]); g.initializer.remove(inits[b])
            nodes.append(helper.make_node("DequantizeLinear", [b + "_DQ_Q4", b + "_DQ_scales", b + "_DQ_zp"], [b + "_DQ"],
                                          name=node.name + "_DQ_Q4", axis=0, block_size=32))
            node.input[1] = b + "_DQ"; deqs[b] = deq
        nodes.append(node)
    del g.node[:]; g.node.extend(nodes); reduce_axes_as_inputs(g)
    p = save("int4qdq", mp, 21, 10)
    with torch.no_grad():
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        for b, deq in deqs.items(): sd["fc1.weight" if deq.shape[0] == 28 else "fc2.weight"] = torch.from_numpy(np.ascontiguousarray(deq.T))
        q = RowMlp(); q.load_state_dict(sd); q.eval()
    return p, {"accuracy_test2000": acc2000(q, d), "accuracy_test2000_fp32": acc, "train_seconds": round(time.time() - t0, 1),
               "tool": "onnxruntime MatMul4BitsQuantizer, quant_format QDQ (1.20 form): UINT4 block 32 asymmetric, opset 21"}

# --- fp8qdq ---------------------------------------------------------------------------------------------------------
def e4m3_table():
    v = np.zeros(128, np.float64)
    for code in range(127):                      # 0x7F is NaN; no inf; 448 = 0x7E the largest
        e, mnt = code >> 3, code & 7
        v[code] = mnt / 8 * 2.0 ** -6 if e == 0 else (1 + mnt / 8) * 2.0 ** (e - 7)
    return v[:127]

E4M3 = e4m3_table()

def to_e4m3(x):
    """float32 -> FLOAT8E4M3FN codes, round to nearest even, saturated to +-448 (QuantizeLinear's saturate=1)."""
    a = np.minimum(np.abs(x).astype(np.float64), 448.0).reshape(-1)
    i = np.clip(np.searchsorted(E4M3, a), 1, 126); lo, hi = E4M3[i - 1], E4M3[i]
    pick = np.where((a - lo < hi - a) | ((a - lo == hi - a) & ((i - 1) % 2 == 0)), i - 1, i)
    pick = np.where(a <= 0, 0, pick)
    return (pick | np.where(np.signbit(x.reshape(-1)) & (pick > 0), 0x80, 0)).astype(np.uint8).reshape(x.shape)

def from_e4m3(c):
    v = E4M3[np.minimum(c & 0x7F, 126)]; return np.where(c & 0x80, -v, v).astype(np.float32)

def fq(x, s):
    """QuantizeLinear -> DequantizeLinear of FLOAT8E4M3FN, zero point 0, in torch."""
    a = x.detach().numpy(); return torch.from_numpy(from_e4m3(to_e4m3(a / s)) * np.float32(s))

class SmallCnn(nn.Module):
    def __init__(s):
        super().__init__(); s.c1, s.c2, s.fc = nn.Conv2d(1, 16, 3, padding=1), nn.Conv2d(16, 32, 3, padding=1), nn.Linear(1568, 10)
    def forward(s, x, q=None):
        q = q or (lambda name, t: t)
        h = F.max_pool2d(F.relu(s.c1(q("c1", x))), 2); h = F.max_pool2d(F.relu(s.c2(q("c2", h))), 2)
        return s.fc(q("fc", h.flatten(1)))

def fp8qdq():
    d = data(); torch.manual_seed(0); m = SmallCnn(); t0 = time.time()
    train(m, d, STEPS); acc = acc2000(m, d); torch.save(m.state_dict(), os.path.join(OUT, "fp8qdq.pt"))
    amax = {}
    def rec(name, t): amax[name] = max(amax.get(name, 0.0), float(t.abs().max())); return t
    with torch.no_grad(): m(calib300(), rec)
    act = {k: np.float32(v / 448) for k, v in amax.items()}
    wsc = {k: np.float32(float(getattr(m, k).weight.abs().max()) / 448) for k in ("c1", "c2", "fc")}
    q = SmallCnn(); q.load_state_dict(m.state_dict()); q.eval()
    with torch.no_grad():
        for k in wsc: getattr(q, k).weight.copy_(fq(getattr(q, k).weight, wsc[k]))
    accq = acc2000(q, d, lambda x: q(x, lambda name, t: fq(t, act[name])))
    mp = export(m, "fp8qdq", ["logits"]); g = mp.graph; inits = {i.name: i for i in g.initializer}
    layer = {"Conv": iter(["c1", "c2"]), "Gemm": iter(["fc"])}
    nodes = []
    for node in g.node:
        if node.op_type in layer:
            k = next(layer[node.op_type]); x, w = node.input[0], node.input[1]
            g.initializer.extend([numpy_helper.from_array(np.array(act[k], np.float32), k + "_input_scale"),
                                  raw_tensor(k + "_zp", FP8, [], b"\x00"),
                                  numpy_helper.from_array(np.array(wsc[k], np.float32), k + "_weight_scale"),
                                  raw_tensor(w + "_fp8", FP8, list(inits[w].dims), to_e4m3(numpy_helper.to_array(inits[w]) / wsc[k]).tobytes())])
            g.initializer.remove(inits[w])
            nodes += [helper.make_node("QuantizeLinear", [x, k + "_input_scale", k + "_zp"], [k + "_input_q"], name=f"/{k}/input_quantizer/QuantizeLinear"),
                      helper.make_node("DequantizeLinear", [k + "_input_q", k + "_input_scale", k + "_zp"], [k + "_input_dq"], name=f"/{k}/input_quantizer/DequantizeLinear"),
                      helper.make_node("DequantizeLinear", [w + "_fp8", k + "_weight_scale", k + "_zp"], [w + "_dq"], name=f"/{k}/weight_quantizer/DequantizeLinear")]
            node.input[0], node.input[1] = k + "_input_dq", w + "_dq"
        nodes.append(node)
    del g.node[:]; g.node.extend(nodes)
    p = save("fp8qdq", mp, 19, 9)
    return p, {"accuracy_test2000": accq, "accuracy_test2000_fp32": acc, "train_seconds": round(time.time() - t0, 1),
               "input_amax": amax, "tool": "NVIDIA ModelOpt ONNX FP8 PTQ export form (per-tensor E4M3, opset 19), written op for op"}

# --- attn23 ---------------------------------------------------------------------------------------------------------
HEADS, HD, SEQ = 4, 16, 28

def rms(x, w, eps=1e-5): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

def rope_cache():
    inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD)); f = torch.arange(SEQ).float()[:, None] * inv[None]
    return torch.cos(f), torch.sin(f)                                         # [28, 8] each

def rope(x, cos, sin):
    """RotaryEmbedding-23, interleaved 0, on [N, S, heads * HD]: per head the halves (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin)."""
    n = x.shape[0]; h = x.reshape(n, SEQ, HEADS, HD); x1, x2 = h[..., :HD // 2], h[..., HD // 2:]
    c, s = cos[None, :, None], sin[None, :, None]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], -1).reshape(n, SEQ, HEADS * HD)

class Attn23(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Linear(28, 64); s.n1, s.n2, s.nf = (nn.Parameter(torch.ones(64)) for _ in range(3))
        s.q, s.k, s.v, s.o = (nn.Linear(64, 64) for _ in range(4)); s.fc1, s.fc2 = nn.Linear(64, 128), nn.Linear(128, 64)
        s.head = nn.Linear(64, 10); cos, sin = rope_cache(); s.register_buffer("cos", cos); s.register_buffer("sin", sin)
    def forward(s, x):
        n = x.shape[0]; h = s.emb(x.reshape(n, SEQ, 28)); a = rms(h, s.n1)
        q, k, v = rope(s.q(a), s.cos, s.sin), rope(s.k(a), s.cos, s.sin), s.v(a)
        sp = lambda t: t.reshape(n, SEQ, HEADS, HD).transpose(1, 2)
        att = torch.softmax(sp(q) @ sp(k).transpose(2, 3) / HD ** 0.5, -1) @ sp(v)
        h = h + s.o(att.transpose(1, 2).reshape(n, SEQ, 64)); f = s.fc1(rms(h, s.n2))
        h = h + s.fc2(f * torch.sigmoid(f))
        return s.head(rms(h, s.nf).mean(1))

def attn23():
    d = data(); torch.manual_seed(0); m = Attn23(); t0 = time.time()
    train(m, d, STEPS); acc = acc2000(m, d); torch.save(m.state_dict(), os.path.join(OUT, "attn23.pt"))
    g = Graph()
    def lin(x, l, name):
        y = g.node("MatMul", [x, g.init(name + ".weight_T", W(l.weight).T)], name + "_mm", f"/{name}/MatMul")
        return g.node("Add", [y, g.init(name + ".bias", W(l.bias))], name + "_out", f"/{name}/Add")
    def norm(x, w, name): return g.node("RMSNormalization", [x, g.init(name + ".scale", W(w))], name + "_out", f"/{name}/RMSNormalization", axis=-1, epsilon=1e-5)
    g.node("Shape", ["input"], "shape", "/Shape", start=0, end=1)
    t = g.node("Reshape", ["input", g.init("tokens_shape", np.array([-1, SEQ, 28], np.int64))], "tokens", "/Reshape")
    g.node("Concat", ["shape", g.init("seq", np.array([SEQ], np.int64))], "pos_shape", "/ConcatPos", axis=0)
    pos = g.node("Expand", [g.init("positions", np.arange(SEQ, dtype=np.int64)[None]), "pos_shape"], "position_ids", "/ExpandPos")
    cos, sin = g.init("cos_cache", W(m.cos)), g.init("sin_cache", W(m.sin))
    h = lin(t, m.emb, "emb"); a = norm(h, m.n1, "n1")
    q = g.node("RotaryEmbedding", [lin(a, m.q, "q"), cos, sin, pos], "q_rot", "/q/RotaryEmbedding", num_heads=HEADS)
    k = g.node("RotaryEmbedding", [lin(a, m.k, "k"), cos, sin, pos], "k_rot", "/k/RotaryEmbedding", num_heads=HEADS)
    att = g.node("Attention", [q, k, lin(a, m.v, "v")], "attn", "/attn/Attention", q_num_heads=HEADS, kv_num_heads=HEADS)
    h = g.node("Add", [h, lin(att, m.o, "o")], "res1", "/res1/Add")
    f = lin(norm(h, m.n2, "n2"), m.fc1, "fc1")
    f = g.node("Mul", [f, g.node("Sigmoid", [f], "fc1_sig", "/act/Sigmoid")], "fc1_silu", "/act/Mul")
    h = g.node("Add", [h, lin(f, m.fc2, "fc2")], "res2", "/res2/Add")
    pooled = g.node("ReduceMean", [norm(h, m.nf, "nf"), g.init("axes_tokens", np.array([1], np.int64))], "pooled", "/ReduceMean", keepdims=0)
    g.node("Gemm", [pooled, g.init("head.weight", W(m.head.weight)), g.init("head.bias", W(m.head.bias))], "logits", "/head/Gemm", transB=1)
    mp = helper.make_model(helper.make_graph(g.nodes, "attn23", [IMG], [LOGITS], g.inits), producer_name="pytorch", producer_version="2.9.0")
    p = save("attn23", mp, 23, 11)
    return p, {"accuracy_test2000": acc, "accuracy_test2000_fp32": acc, "train_seconds": round(time.time() - t0, 1),
               "tool": "opset 23 fused ops (RMSNormalization, RotaryEmbedding, Attention) written op for op from the torch model's weights"}

MODELS = {"detnms": detnms, "int4qdq": int4qdq, "fp8qdq": fp8qdq, "attn23": attn23}

def build(name):
    p, prov = MODELS[name]()
    prov.update({"model": name, "script": "tests/data/wild/make_unseen34.py", "seed": 0, "steps": STEPS, "batch": 64,
                 "optimizer": "Adam lr 3e-3", "torch": torch.__version__, "onnx": onnx.__version__,
                 "data": "/usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)"})
    json.dump(prov, open(os.path.join(OUT, name + ".json"), "w"), indent=1)
    print(f"{name}: accuracy 2000 {prov['accuracy_test2000']:.4f} (float {prov['accuracy_test2000_fp32']:.4f}), wrote {p} "
          f"({os.path.getsize(p)} bytes), ops {sorted({n.op_type for n in onnx.load(p).graph.node})}", flush=True)

if __name__ == "__main__":
    torch.set_num_threads(1)
    for n in sys.argv[1:] or MODELS: build(n)
