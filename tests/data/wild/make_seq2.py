# Small graphs (onnx.helper, opset 17: onnx 1.12's maximum) for branch seq2: a SequenceMap, an Optional through an If, a Loop over tensors.
# Run: WILD_OUT=/tmp/seq2 /usr/bin/python3 tests/data/wild/make_seq2.py (untrained weights: the evidence, not the accuracy, is what they test)
import os, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
out = os.environ.get("WILD_OUT", "/tmp/seq2"); rng = np.random.default_rng(7)
def init(name, *shape): return nh.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)
def stem(nodes, inits):  # x [N,1,28,28] -> Conv 4x3x3 stride 2 -> Relu -> r [N,4,13,13]
    inits += [init("cw", 4, 1, 3, 3), init("cb", 4)]
    nodes += [h.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv", strides=[2, 2]), h.make_node("Relu", ["c"], ["r"], name="relu")]
def head(nodes, inits, src, width):  # src [N,width] -> Gemm -> y [N,10]
    inits += [init("gw", 10, width), init("gb", 10)]
    nodes.append(h.make_node("Gemm", [src, "gw", "gb"], ["y"], name="fc", transB=1))
X = h.make_tensor_value_info("x", T.FLOAT, ["N", 1, 28, 28]); Y = h.make_tensor_value_info("y", T.FLOAT, ["N", 10])
def save(name, nodes, inits):
    m = h.make_model(h.make_graph(nodes, name, [X], [Y], inits), opset_imports=[h.make_opsetid("", 17)], producer_name="seq2")
    onnx.checker.check_model(m, full_check=True); onnx.save(m, f"{out}/{name}.onnx"); print("wrote", name)

# seqmap: SplitToSequence of the 4 channels, SequenceMap (body: Sigmoid * the piece), ConcatFromSequence, Flatten, Gemm
n, i = [], []; stem(n, i)
fl = h.make_tensor_sequence_value_info
body = h.make_graph([h.make_node("Sigmoid", ["p"], ["sg"], name="sig"), h.make_node("Mul", ["p", "sg"], ["q"], name="swish")], "mapbody",
                    [h.make_tensor_value_info("p", T.FLOAT, ["N", 1, 13, 13])], [h.make_tensor_value_info("q", T.FLOAT, ["N", 1, 13, 13])])
n += [h.make_node("SplitToSequence", ["r"], ["s"], name="split", axis=1),
      h.make_node("SequenceMap", ["s"], ["s2"], name="map", body=body),
      h.make_node("ConcatFromSequence", ["s2"], ["j"], name="join", axis=1),
      h.make_node("Flatten", ["j"], ["f"], name="flat")]
head(n, i, "f", 4 * 13 * 13); save("seqmap", n, i)

# optional: o = Optional(r); If(OptionalHasElement(o)) then Optional(Relu(OptionalGetElement(o)) * 2) else empty Optional; OptionalGetElement
n, i = [], []; stem(n, i)
ft = h.make_tensor_type_proto(T.FLOAT, ["N", 4, 13, 13]); ot = h.make_optional_type_proto(ft)
i.append(nh.from_array(np.array(2, np.float32), "two"))
then = h.make_graph([h.make_node("OptionalGetElement", ["o"], ["g"], name="get_in"), h.make_node("Mul", ["g", "two"], ["m"], name="twice"),
                     h.make_node("Optional", ["m"], ["om"], name="wrap")], "then", [], [h.make_value_info("om", ot)])
els = h.make_graph([h.make_node("Optional", [], ["oe"], name="none", type=ft)], "else", [], [h.make_value_info("oe", ot)])
n += [h.make_node("Optional", ["r"], ["o"], name="opt"), h.make_node("OptionalHasElement", ["o"], ["has"], name="has"),
      h.make_node("If", ["has"], ["oi"], name="branch", then_branch=then, else_branch=els),
      h.make_node("OptionalGetElement", ["oi"], ["g2"], name="get_out"), h.make_node("Flatten", ["g2"], ["f"], name="flat")]
head(n, i, "f", 4 * 13 * 13); save("optional", n, i)

# tloop: Flatten -> Gemm to 16 -> Loop 3 times: h = Relu(MatMul(h, W) + b), scan output h -> ReduceMean over iterations -> Gemm
n, i = [], []; stem(n, i)
i += [init("pw", 16, 4 * 13 * 13), init("pb", 16), init("lw", 16, 16), init("lb", 16),
      nh.from_array(np.array(3, np.int64), "trips"), nh.from_array(np.array(True), "go")]
lb = h.make_graph([h.make_node("MatMul", ["hin", "lw"], ["mm"], name="lmm"), h.make_node("Add", ["mm", "lb"], ["ad"], name="ladd"),
                   h.make_node("Relu", ["ad"], ["hout"], name="lrelu"), h.make_node("Identity", ["cin"], ["cout"], name="lcond"),
                   h.make_node("Identity", ["hout"], ["scan"], name="lscan")], "loopbody",
                  [h.make_tensor_value_info("it", T.INT64, []), h.make_tensor_value_info("cin", T.BOOL, []),
                   h.make_tensor_value_info("hin", T.FLOAT, ["N", 16])],
                  [h.make_tensor_value_info("cout", T.BOOL, []), h.make_tensor_value_info("hout", T.FLOAT, ["N", 16]),
                   h.make_tensor_value_info("scan", T.FLOAT, ["N", 16])])
n += [h.make_node("Flatten", ["r"], ["f"], name="flat"), h.make_node("Gemm", ["f", "pw", "pb"], ["h0"], name="proj", transB=1),
      h.make_node("Loop", ["trips", "go", "h0"], ["hl", "hs"], name="loop", body=lb),
      h.make_node("ReduceMean", ["hs"], ["hm"], name="mean", axes=[0], keepdims=0),
      h.make_node("Add", ["hl", "hm"], ["hz"], name="sum")]
head(n, i, "hz", 16); save("tloop", n, i)
