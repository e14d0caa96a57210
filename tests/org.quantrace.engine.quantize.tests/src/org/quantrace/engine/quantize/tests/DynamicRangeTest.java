package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizerWarning;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.Kernels;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Dynamic-range quantization's two forms on tiny graphs: dynamic integer kernels where ONNX Runtime's are
 * faster (large MatMul weights, LSTM) and int8 weights computed in float elsewhere (folded at load: ONNX
 * Runtime runs the float model's kernels); weights inside If bodies; and recurrent and 16-bit layers in
 * full-integer quantization, which ONNX Runtime runs in float.
 */
class DynamicRangeTest {

	static final QuantizationSpec DRQ = Schemes.preset("drq");

	/** Largest difference between the float and the quantized model on 8 samples from [-1, 1). */
	static double worst(TinyGraph t, OnnxModel model, OnnxModel quantized) {
		NdArray x = t.batch(t.data(8, -1, 1));
		float[] a = TinyGraph.run(model, x);
		float[] b = TinyGraph.run(quantized, x);
		double worst = 0;
		for (int i = 0; i < a.length; i++) {
			worst = Math.max(worst, Math.abs(a[i] - b[i]));
		}
		return worst;
	}

	@Test
	void largeMatMulWeightsGetTheDynamicKernel() {
		TinyGraph t = new TinyGraph(4, 256);
		OnnxModel model = t.model(t.node("MatMul", List.of("x", t.weight(1.0 / 256, 256, 256))));
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertTrue(TinyGraph.optimizedOps(r.model()).contains("com.microsoft.DynamicQuantizeMatMul"), TinyGraph.optimizedOps(r.model()).toString());
		assertTrue(r.layers().get(0).quantized(), r.layers().get(0).reason());
		assertTrue(worst(t, model, r.model()) < 0.02, "int8 weights and activations: " + worst(t, model, r.model()));
	}

	@Test
	void smallWeightsAreStoredAsInt8AndComputedInFloat() {
		TinyGraph t = new TinyGraph(16);
		OnnxModel model = t.model(t.node("Gemm", List.of("x", t.weight(1.0 / 16, 16, 8), t.weight(0.1, 8))));
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertFalse(r.layers().get(0).quantized());
		assertEquals(1, r.weightOnlyLayers().size());
		assertTrue(r.model().graph().initializers().stream().anyMatch(i -> i.dataType() == DataType.INT8 && i.elementCount() == 128), "int8 codes stored");
		assertEquals(TinyGraph.optimizedOps(model), TinyGraph.optimizedOps(r.model()), "folded at load: the float model's kernels");
		assertTrue(worst(t, model, r.model()) < 0.01);
		QuantizationResult dynamic = TinyGraph.quantize(model, DRQ.toBuilder().kernels(Kernels.DYNAMIC).build(), null);
		assertTrue(dynamic.layers().get(0).quantized() && dynamic.layers().get(0).reason().contains("slower than float"), dynamic.layers().get(0).reason());
		// slower than float; x is an [N, F] model input, but its uniform random weights say features of one unit (DrqRawFeaturesTest)
		assertEquals(1, dynamic.warnings().size(), dynamic.warnings().toString());
		assertTrue(dynamic.warnings().stream().anyMatch(w -> w.contains("slower than float")), dynamic.warnings().toString());
		assertEquals(QuantizerWarning.OTHER, dynamic.quantizerWarnings().get(0).code(), "made with its code where found (warn67)");
		assertEquals(dynamic.spec().name(), dynamic.quantizerWarnings().get(0).subject(), "about the scheme");
	}

	/**
	 * A convolution: ConvInteger ran at 0.07-0.24x the float Conv on the zoo's CNNs, so DRQ stores its weights
	 * as int8 and ONNX Runtime folds them back at load (the float model's kernels); ConvInteger only when asked.
	 */
	@Test
	void convWeightsAreStoredAsInt8UnlessDynamicKernelsAreAskedFor() {
		TinyGraph t = new TinyGraph(3, 8, 8);
		OnnxModel model = t.model(OpRulesTest.conv(t, "x", 3, 8));
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertTrue(r.model().graph().initializers().stream().anyMatch(i -> i.dataType() == DataType.INT8 && i.elementCount() == 8 * 3 * 9), "int8 codes stored");
		assertEquals(TinyGraph.optimizedOps(model), TinyGraph.optimizedOps(r.model()), "folded at load: the float model's kernels");
		assertEquals(1, r.weightOnlyLayers().size(), r.layers().toString());
		assertTrue(worst(t, model, r.model()) < 0.01, "int8 weights only: " + worst(t, model, r.model()));
		QuantizationResult dynamic = TinyGraph.quantize(model, DRQ.toBuilder().kernels(Kernels.DYNAMIC).build(), null);
		assertTrue(TinyGraph.optimizedOps(dynamic.model()).contains("ConvInteger"), TinyGraph.optimizedOps(dynamic.model()).toString());
		assertEquals(1, dynamic.warnings().size(), "the user is told that ConvInteger is slower: " + dynamic.warnings());
		assertTrue(worst(t, model, dynamic.model()) < 0.03, "int8 weights and activations: " + worst(t, model, dynamic.model()));
	}

	/** An LSTM [N, 5, 4] → hidden 8, as a model with its time axis first. */
	static OnnxModel lstm(TinyGraph t, String op) {
		String seq = t.node("Transpose", List.of("x"), TinyGraph.ints("perm", 1, 0, 2));
		int gates = op.equals("LSTM") ? 4 : 3;
		List<String> outs = t.nodeOutputs(op, List.of(seq, t.weight(0.5, 1, gates * 8, 4), t.weight(0.3, 1, gates * 8, 8), t.weight(0.1, 1, 2 * gates * 8)), 2,
				TinyGraph.attr("hidden_size", 8L));
		return t.model(outs.get(1));
	}

	@Test
	void lstmBecomesDynamicQuantizeLstm() {
		TinyGraph t = new TinyGraph(5, 4);
		OnnxModel model = lstm(t, "LSTM");
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertTrue(TinyGraph.optimizedOps(r.model()).contains("com.microsoft.DynamicQuantizeLSTM"), TinyGraph.optimizedOps(r.model()).toString());
		assertEquals(2, r.tensors().size(), "W and R");
		assertTrue(worst(t, model, r.model()) < 0.03, "hidden state within " + worst(t, model, r.model()));
	}

	@Test
	void gruWeightsAreStoredAsInt8() {
		TinyGraph t = new TinyGraph(5, 4);
		OnnxModel model = lstm(t, "GRU");
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertEquals(List.of(), r.model().graph().initializers().stream().filter(i -> i.dataType() == DataType.FLOAT && i.elementCount() >= 96).toList(),
				"no float weight left");
		assertEquals(TinyGraph.optimizedOps(model), TinyGraph.optimizedOps(r.model()));
		assertTrue(worst(t, model, r.model()) < 0.02);
		QuantizationResult fiq = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		assertTrue(fiq.model().graph().initializers().stream().anyMatch(i -> i.dataType() == DataType.INT8 && i.elementCount() == 96),
				"full-integer too stores the recurrent weights as int8: " + fiq.layers());
		assertTrue(fiq.layers().stream().filter(l -> l.opType().equals("GRU")).allMatch(l -> !l.quantized() && l.reason().contains("no QDQ form")));
	}

	/**
	 * A GRU whose initial state has the batch's size, as torch.onnx.export writes it for a dynamic batch (Shape → Gather →
	 * Concat → ConstantOfShape): the shape nodes read no values, and neither scheme may say they are dequantized (the
	 * logs listed "Shape has no rule ...: its input is dequantized once" for the zoo GRU).
	 */
	@Test
	void shapeNodesAreSaidToComputeOnShapesNotDequantized() {
		TinyGraph t = new TinyGraph(5, 4);
		String seq = t.node("Transpose", List.of("x"), TinyGraph.ints("perm", 1, 0, 2));
		String batch = t.node("Gather", List.of(t.node("Shape", List.of("x")), t.longs(0)));
		String dims = t.node("Concat", List.of(t.longs(1), batch, t.longs(8)), TinyGraph.attr("axis", 0L));
		String h0 = t.node("ConstantOfShape", List.of(dims), AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
				.setT(TensorProto.newBuilder().setDataType(1).addDims(1).addFloatData(0f)).build());
		List<String> outs = t.nodeOutputs("GRU", List.of(seq, t.weight(0.5, 1, 24, 4), t.weight(0.3, 1, 24, 8), t.weight(0.1, 1, 48), "", h0), 2,
				TinyGraph.attr("hidden_size", 8L));
		OnnxModel model = t.model(outs.get(1));
		for (QuantizationResult r : List.of(TinyGraph.quantize(model, DRQ, null), TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1)))) {
			for (String op : List.of("Shape", "ConstantOfShape")) {
				QuantizationResult.Layer l = r.layers().stream().filter(x -> x.opType().equals(op)).findFirst().orElseThrow();
				assertFalse(l.quantized() || l.reason().contains("dequantized") || l.reason().contains("no rule"), l.reason());
			}
		}
		QuantizationResult fiq = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		assertTrue(fiq.layers().stream().filter(l -> l.opType().equals("Shape")).allMatch(l -> l.reason().contains("shape, not on its values")), fiq.layers().toString());
		assertTrue(worst(t, model, fiq.model()) < 0.05, "hidden state within " + worst(t, model, fiq.model()));
	}

	/** x → If(max(x) > 10) then x·W1 else x·W2, the weights outer-scope initializers, as torch.jit.script exports a branch. */
	@Test
	void weightsInsideIfBranchesAreQuantized() {
		TinyGraph t = new TinyGraph(64);
		String w1 = t.weight(1.0 / 64, 64, 32);
		String w2 = t.weight(1.0 / 64, 64, 32);
		String cond = t.node("Greater", List.of(t.node("ReduceMax", List.of("x"), TinyGraph.attr("keepdims", 0L)), t.scalar(10f)));
		String y = t.node("If", List.of(cond), TinyGraph.graph("then_branch", branch("then", w1)), TinyGraph.graph("else_branch", branch("else", w2)));
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertEquals(2, r.tensors().size(), "both branches' weights: " + r.layers());
		assertTrue(r.model().graph().initializers().stream().noneMatch(i -> i.name().equals(w1) || i.name().equals(w2)), "float weights gone");
		QuantizationResult.Layer ifLayer = r.layers().stream().filter(l -> l.opType().equals("If")).findFirst().orElseThrow();
		assertTrue(ifLayer.reason().contains("int8 weights only"), ifLayer.reason());
		assertTrue(worst(t, model, r.model()) < 0.01);
		assertTrue(r.model().toBytes().length < 0.5 * model.toBytes().length, "int8 weights: " + r.model().toBytes().length + " of " + model.toBytes().length);
	}

	/**
	 * Both branches read one weight (if_cnn's shared initializers): it is stored once, for the then branch's MatMul, and the else
	 * branch's reads the same int8 codes dequantized at load. The If's record named only the then branch's layer.
	 */
	@Test
	void theIfNamesEveryBranchLayerReadingASharedInt8Weight() {
		TinyGraph t = new TinyGraph(64);
		String w = t.weight(1.0 / 64, 64, 32);
		String cond = t.node("Greater", List.of(t.node("ReduceMax", List.of("x"), TinyGraph.attr("keepdims", 0L)), t.scalar(10f)));
		String y = t.node("If", List.of(cond), TinyGraph.graph("then_branch", branch("then", w)), TinyGraph.graph("else_branch", branch("else", w)));
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, DRQ, null);
		assertEquals(1, r.tensors().size(), "one weight, stored once: " + r.tensors());
		QuantizationResult.Layer ifLayer = r.layers().stream().filter(l -> l.opType().equals("If")).findFirst().orElseThrow();
		assertTrue(ifLayer.reason().contains("MatMul 'then_matmul': int8 weights only"), ifLayer.reason());
		assertTrue(ifLayer.reason().contains("MatMul 'else_matmul': int8 weights only ('" + w + "', stored for 'then_matmul')"), ifLayer.reason());
		assertTrue(worst(t, model, r.model()) < 0.01);
	}

	/**
	 * fiq_int8 makes the model input int8 codes; branches that read it from the outer scope (as torch.jit.script
	 * exports them) must read its dequantized values: ONNX Runtime refused the zoo's If model when a branch's
	 * float op was handed the int8 input.
	 */
	@Test
	void anInt8InputReadInsideIfBranchesReachesThemDequantized() {
		TinyGraph t = new TinyGraph(64);
		String cond = t.node("Greater", List.of(t.node("ReduceMax", List.of("x"), TinyGraph.attr("keepdims", 0L)), t.scalar(10f)));
		String y = t.node("If", List.of(cond), TinyGraph.graph("then_branch", branch("then", t.weight(1.0 / 64, 64, 32))),
				TinyGraph.graph("else_branch", branch("else", t.weight(1.0 / 64, 64, 32))));
		QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		assertEquals(DataType.INT8.code(), r.model().toProto().getGraph().getInput(0).getType().getTensorType().getElemType(), "int8 input");
		GraphProto main = TinyGraph.optimized(r.model()).getGraph(); // ONNX Runtime loads it
		assertFalse(main.getNodeList().isEmpty());
		for (GraphProto body : r.model().toProto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("If"))
				.flatMap(n -> n.getAttributeList().stream().map(a -> a.getG())).toList()) {
			assertTrue(body.getNodeList().stream().noneMatch(n -> n.getInputList().contains("x")), "no branch node reads the int8 input: " + body);
		}
	}

	private static GraphProto branch(String name, String weight) {
		return GraphProto.newBuilder().setName(name)
				.addNode(NodeProto.newBuilder().setOpType("MatMul").setName(name + "_matmul").addInput("x").addInput(weight).addOutput(name + "_y"))
				.addOutput(ValueInfoProto.newBuilder().setName(name + "_y").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))))
				.build();
	}

	/**
	 * A16W8: int16 activations for one layer (opset 21). ONNX Runtime 1.29 fuses no 16-bit QDQ group: that layer
	 * and its neighbours reading int16 compute in float between DequantizeLinear and QuantizeLinear, so 16 bits
	 * are an accuracy option, not a speed one; the int8 layers keep their QLinearConv.
	 */
	@Test
	void int16ActivationsForOneLayerRunInFloatAndTheOthersStayInteger() {
		TinyGraph t = new TinyGraph(3, 8, 8);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 4)));
		String b = t.node("Relu", List.of(OpRulesTest.conv(t, a, 4, 4)));
		String c = OpRulesTest.conv(t, b, 4, 4);
		OnnxModel model = t.model(c);
		String second = model.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).skip(1).findFirst().orElseThrow().name();
		QuantizationSpec a16 = Schemes.preset("fiq_float32").toBuilder()
				.override(new QuantizationSpec.Override(second, null, new TensorSpec(QuantType.INT16, QuantizationSpec.Symmetry.SYMMETRIC, null), null)).build();
		QuantizationResult r = TinyGraph.quantize(model, a16, t.calibration(-1, 1));
		assertEquals(21, r.model().opset());
		assertTrue(r.model().graph().initializers().stream().anyMatch(i -> i.dataType() == DataType.INT16), "an int16 zero point");
		List<String> ops = TinyGraph.optimizedOps(r.model());
		assertEquals(List.of("QuantizeLinear", "QLinearConv", "DequantizeLinear", "DequantizeLinear", "DequantizeLinear", "Conv", "QuantizeLinear",
				"DequantizeLinear", "QuantizeLinear", "QLinearConv", "DequantizeLinear"), ops,
				"the int8 layers fuse; the int16 one computes in float (its symmetric range keeps its Relu, in float too)");
		assertTrue(r.layers().stream().filter(l -> l.node().equals(second)).allMatch(l -> l.reason().contains("for 8-bit activations only")), r.layers().toString());
		assertTrue(worst(t, model, r.model()) < 0.05, "within " + worst(t, model, r.model()));
		Tensor zero = r.model().graph().initializers().stream().filter(i -> i.dataType() == DataType.INT16).findFirst().orElseThrow();
		assertEquals(0, zero.toLongArray()[0], "symmetric int16");
	}

	/**
	 * A16W8 raises a GroupNormalization-18 model to opset 21, whose scale and bias are per channel: with the input's channels known
	 * (the shape probe), they become per-channel constants. Before, the rewrite computed them from the input's shape at run time,
	 * and the result listed its nine nodes (Shape, Div, Concat, Reshape, Expand, Reshape twice) as float layers of the user's model.
	 */
	@Test
	void a16w8ListsOnlyTheModelsLayersAfterTheGroupNormalizationUpgrade() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(18);
		String conv = OpRulesTest.conv(t, "x", 4, 4);
		String gn = t.node("GroupNormalization", List.of(conv, t.floats(new float[] { 1.5f, -1f }, 2), t.floats(new float[] { 0.1f, -0.3f }, 2)),
				TinyGraph.attr("num_groups", 2L), TinyGraph.attr("epsilon", 1e-5f));
		OnnxModel model = t.model(OpRulesTest.conv(t, t.node("Relu", List.of(gn)), 4, 4));
		QuantizationSpec a16w8 = Schemes.preset("fiq_float32").toBuilder()
				.activations(new TensorSpec(QuantType.INT16, QuantizationSpec.Symmetry.ASYMMETRIC, QuantizationSpec.Granularity.PER_TENSOR)).build();
		QuantizationResult r = TinyGraph.quantize(model, a16w8, t.calibration(-1, 1));
		assertEquals(21, r.model().opset());
		assertEquals(List.of("Conv", "GroupNormalization", "Relu", "Conv"), r.layers().stream().map(QuantizationResult.Layer::opType).toList(),
				"the model's layers, nothing the opset upgrade wrote: " + r.layers());
		assertTrue(worst(t, model, r.model()) < 0.05, "within " + worst(t, model, r.model()));
	}
}
