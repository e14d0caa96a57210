#!/usr/bin/python3
"""stem_fold.py FLOAT.onnx OUTDIR: the narrow stem alone (its first Conv, 1 -> C, 3x3, stride 2, pads 1) of FLOAT.onnx as three
models reading the Fashion-MNIST input [N, 1, 28, 28] (speed26, measurement only):
- stem_fp32.onnx: the float Conv;
- stem_int8.onnx: as Quantrace writes it (QDQ: input codes uint8 at 1/255, per-channel int8 weights, int32 bias, uint8 output
  at the range of a calibration-free guess, the output dequantized), which ONNX Runtime runs as one QLinearConv per image;
- stem_batch.onnx: the same Conv on the whole batch as ONE image: each image padded to 30x30 (the Conv's padding), the batch
  stacked along the height [1, 1, N*30, 30], the Conv without padding, then the codes cut back per image (output rows
  15n .. 15n+13 of image n; a stride-2 3x3 window never crosses two images' rows) by Pad, Reshape, Slice and Transpose on
  the uint8 codes. Exact: every output is the same sum of the same products.
Run with tests/data/wild/speed25/cpu.sh (CpuTime) --batch 64."""
import sys, os, numpy as np, onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

src, out = sys.argv[1], sys.argv[2]
m = onnx.load(src)
conv = next(n for n in m.graph.node if n.op_type == "Conv")
init = {i.name: nh.to_array(i) for i in m.graph.initializer}
w = init[conv.input[1]].astype(np.float32); b = init[conv.input[2]].astype(np.float32)
C = w.shape[0]
sx = np.float32(1 / 255)
sw = (np.abs(w).reshape(C, -1).max(1) / 127).astype(np.float32)
wq = np.clip(np.round(w / sw[:, None, None, None]), -127, 127).astype(np.int8)
bq = np.round(b / (sx * sw)).astype(np.int32)
sy = np.float32(8 / 255)  # a fixed output range [-4, 4]: speed only
zy = np.uint8(128)

def inits(g):
    g += [nh.from_array(np.array(sx, np.float32), "sx"), nh.from_array(np.array(0, np.uint8), "zx"),
          nh.from_array(wq, "wq"), nh.from_array(sw, "sw"), nh.from_array(np.zeros(C, np.int8), "zw"),
          nh.from_array(bq, "bq"), nh.from_array((sx * sw).astype(np.float32), "sb"), nh.from_array(np.zeros(C, np.int32), "zb"),
          nh.from_array(np.array(sy, np.float32), "sy"), nh.from_array(np.array(zy, np.uint8), "zy")]
    return g

def qdq_conv(x, pads):
    return [h.make_node("QuantizeLinear", [x, "sx", "zx"], ["xq"]), h.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
            h.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], axis=0), h.make_node("DequantizeLinear", ["bq", "sb", "zb"], ["bd"], axis=0),
            h.make_node("Conv", ["xd", "wd", "bd"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=pads, name="stem"),
            h.make_node("QuantizeLinear", ["y", "sy", "zy"], ["yq"])]

def save(name, nodes, extra, out_name, shape):
    inp = h.make_tensor_value_info("input", T.FLOAT, ["N", 1, 28, 28])
    o = h.make_tensor_value_info(out_name, T.FLOAT, shape)
    g = h.make_graph(nodes, name, [inp], [o], inits(list(extra)))
    mm = h.make_model(g, opset_imports=[h.make_opsetid("", 13)]); mm.ir_version = 8
    onnx.checker.check_model(mm); onnx.save(mm, os.path.join(out, name + ".onnx"))

os.makedirs(out, exist_ok=True)
save("stem_fp32", [h.make_node("Conv", ["input", "w", "b"], ["out"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
     [nh.from_array(w, "w"), nh.from_array(b, "b")], "out", ["N", C, 14, 14])
save("stem_int8", qdq_conv("input", [1, 1, 1, 1]) + [h.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["out"])], [], "out", ["N", C, 14, 14])
batch = [h.make_node("Pad", ["input", "pad_in"], ["padded"]), h.make_node("Reshape", ["padded", "stacked_shape"], ["stacked"])]
batch += qdq_conv("stacked", [0, 0, 0, 0])
batch += [h.make_node("Pad", ["yq", "pad_out", "zy"], ["yq_full"]),                 # [1, C, N*15, 14]
          h.make_node("Reshape", ["yq_full", "split_shape"], ["yq_split"]),          # [C, N, 15, 14]
          h.make_node("Slice", ["yq_split", "s0", "s1", "s2"], ["yq_cut"]),          # [C, N, 14, 14]
          h.make_node("Transpose", ["yq_cut"], ["yq_nchw"], perm=[1, 0, 2, 3]),
          h.make_node("DequantizeLinear", ["yq_nchw", "sy", "zy"], ["out"])]
extra = [nh.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pad_in"), nh.from_array(np.array([1, 1, -1, 30], np.int64), "stacked_shape"),
         nh.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 0], np.int64), "pad_out"), nh.from_array(np.array([C, -1, 15, 14], np.int64), "split_shape"),
         nh.from_array(np.array([0], np.int64), "s0"), nh.from_array(np.array([14], np.int64), "s1"), nh.from_array(np.array([2], np.int64), "s2")]
save("stem_batch", batch, extra, "out", ["N", C, 14, 14])
# stem_s2d.onnx: the input padded to 30x30 and its codes SpaceToDepth(2) [N, 4, 15, 15], then a 2x2 Conv 4 -> C whose weights
# are the 3x3 taps (W'[o, 2·bh + bw, u, v] = W[o, 0, 2u + bh, 2v + bw], 0 where 2u + bh or 2v + bw is 3): 16 products per
# output instead of 9, the same sums (exact)
w4 = np.zeros((C, 4, 2, 2), np.int8)
for bh in range(2):
    for bw in range(2):
        for u in range(2):
            for v in range(2):
                if 2 * u + bh < 3 and 2 * v + bw < 3:
                    w4[:, 2 * bh + bw, u, v] = wq[:, 0, 2 * u + bh, 2 * v + bw]
s2d = [h.make_node("Pad", ["input", "pad_in"], ["padded"]), h.make_node("QuantizeLinear", ["padded", "sx", "zx"], ["pq"]),
       h.make_node("SpaceToDepth", ["pq"], ["xq4"], blocksize=2), h.make_node("DequantizeLinear", ["xq4", "sx", "zx"], ["xd"]),
       h.make_node("DequantizeLinear", ["w4", "sw", "zw"], ["wd"], axis=0), h.make_node("DequantizeLinear", ["bq", "sb", "zb"], ["bd"], axis=0),
       h.make_node("Conv", ["xd", "wd", "bd"], ["y"], kernel_shape=[2, 2], name="stem"), h.make_node("QuantizeLinear", ["y", "sy", "zy"], ["yq"]),
       h.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["out"])]
save("stem_s2d", s2d, [nh.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pad_in"), nh.from_array(w4, "w4")], "out", ["N", C, 14, 14])
print("written", out)
