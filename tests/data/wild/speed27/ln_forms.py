#!/usr/bin/python3
"""ln_forms.py IN.onnx OUTDIR: hand forms of every float LayerNormalization (last axis) of a quantized model, to time
ONNX Runtime's kernels (speed27; measurement only):
- ln3d.onnx: the LayerNormalization on the input reshaped to 3-D [N, -1, C] (and back)
- skipself.onnx: com.microsoft.SkipLayerNormalization(x3, x3, scale, bias, epsilon x 4) on that 3-D view: LN(x + x) with
  4 epsilon is LN(x) exactly (doubling is exact in float), and ONNX Runtime's SkipLayerNormalization kernel is its fast one
- simplified.onnx: x - ReduceMean(x), then SimplifiedLayerNormalization (ONNX Runtime's RMS norm; not standard ONNX)"""
import sys, os, onnx, numpy as np
from onnx import helper, numpy_helper, TensorProto

def forms(src, out):
    for form in ("ln3d", "skipself", "simplified"):
        m = onnx.load(src); g = m.graph; nodes = []
        for n in g.node:
            if n.op_type != "LayerNormalization":
                nodes.append(n); continue
            x, y = n.input[0], n.output[0]; p = n.name
            eps = next((a.f for a in n.attribute if a.name == "epsilon"), 1e-5)
            c = numpy_helper.to_array(next(t for t in g.initializer if t.name == n.input[1])).shape[-1]
            shp = p + "_3d_shape"; g.initializer.append(numpy_helper.from_array(np.array([0, -1, c], np.int64), shp))
            nodes.append(helper.make_node("Shape", [x], [p + "_shape"], name=p + "_shape"))
            if form == "simplified":
                g.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), p + "_axes"))
                nodes.append(helper.make_node("ReduceMean", [x, p + "_axes"], [p + "_mean"], keepdims=1, name=p + "_mean"))
                nodes.append(helper.make_node("Sub", [x, p + "_mean"], [p + "_c"], name=p + "_sub"))
                nodes.append(helper.make_node("SimplifiedLayerNormalization", [p + "_c", n.input[1]], [p + "_s"], axis=-1, epsilon=eps, name=p))
                nodes.append(helper.make_node("Add", [p + "_s", n.input[2]], [y], name=p + "_bias"))
                continue
            nodes.append(helper.make_node("Reshape", [x, shp], [p + "_x3"], name=p + "_to3d"))
            if form == "ln3d":
                nodes.append(helper.make_node("LayerNormalization", [p + "_x3"] + list(n.input[1:]), [p + "_y3"], axis=-1, epsilon=eps, name=p))
            else:
                nodes.append(helper.make_node("SkipLayerNormalization", [p + "_x3", p + "_x3"] + list(n.input[1:]), [p + "_y3"],
                                              domain="com.microsoft", epsilon=4 * eps, name=p))
            nodes.append(helper.make_node("Reshape", [p + "_y3", p + "_shape"], [y], name=p + "_back"))
        del g.node[:]; g.node.extend(nodes)
        if not any(o.domain == "com.microsoft" for o in m.opset_import):
            m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
        onnx.save(m, os.path.join(out, form + ".onnx"))

if __name__ == "__main__":
    os.makedirs(sys.argv[2], exist_ok=True); forms(sys.argv[1], sys.argv[2])
