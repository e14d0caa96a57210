package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Rewrite;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * make_unseen32's ortvit: ONNX Runtime's transformers optimizer writes a ViT's attention as com.microsoft.Attention (the fused
 * [H, 3H] QKV weight) or MultiHeadAttention, which the quantizer has no rule for: the projection, the largest weight, stayed
 * float. The conversion writes both as the standard ops they compute; each graph here is checked against ONNX Runtime's own
 * kernel of the contrib op on the same inputs.
 */
class AttentionAsStandardTest {

	/** Hidden size 256: the rewrite is made from 192 ({@code AttentionAsStandard.MIN_HIDDEN}). */
	private static final long B = 3, S = 5, H = 256;

	@Test
	void attentionBecomesTheProjectionMatMulAndTheHeadsComputingWhatOnnxRuntimesKernelComputes() {
		Tiny t = new Tiny(14);
		String y = t.node("Attention", List.of("x", t.random(H, 3 * H), t.random(3 * H)), ms(), i("num_heads", 2));
		OnnxModel model = t.model(t.node("MatMul", List.of(y, t.random(H, 4))));
		FreezeResult r = converted(model, "Attention_0", 1);
		List<String> ops = r.model().graph().nodes().stream().map(Node::opType).toList();
		assertEquals(List.of("MatMul", "Add", "Split", "Reshape", "Transpose", "Reshape", "Transpose", "Reshape", "Transpose", "MatMul", "Mul", "Softmax",
				"MatMul", "Transpose", "Reshape", "MatMul"), ops);
		Node projection = r.model().graph().nodes().get(0);
		assertEquals(model.graph().nodes().get(0).name(), projection.name(), "the projection keeps the contrib node's name");
		assertTrue(r.model().graph().initializer(projection.input(1)) != null, "the [H, 3H] weights are the projection's constant");
	}

	@Test
	void attentionWithARawMaskOwnQkvSizesAndScaleComputesWhatOnnxRuntimesKernelComputes() {
		Tiny t = new Tiny(17);
		t.maskInput();
		// Q and K of 256, V of 128 (qkv_hidden_sizes), 2 heads, a scale of its own, a [B, S] mask of 0/1 (and a 2: above 0 attends)
		String y = t.node("Attention", List.of("x", t.random(H, 640), t.random(640), "mask"), ms(), i("num_heads", 2), ints("qkv_hidden_sizes", 256, 256, 128),
				f("scale", 0.3f), f("mask_filter_value", -5000f));
		FreezeResult r = converted(t.model(y), "Attention_0", 1);
		assertTrue(r.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("Where")), "the mask: " + r.model().graph().nodes());
	}

	/**
	 * A mask the model holds as a constant: the mask's Greater, Where and Reshape read only constants and constant folding takes
	 * them; they were no nodes of the original, so the conversion lists no node removed (verify's Appendix A check).
	 */
	@Test
	void aConstantMaskFoldsAndNothingIsListedRemoved() {
		Tiny t = new Tiny(17, "3");
		TensorProto.Builder mask = TensorProto.newBuilder().setName("mask").setDataType(TensorProto.DataType.INT32_VALUE).addDims(B).addDims(S);
		for (int v : new int[] { 1, 1, 1, 0, 0, 1, 0, 1, 2, 1, 1, 1, 1, 1, 1 }) {
			mask.addInt32Data(v);
		}
		t.g.addInitializer(mask);
		FreezeResult r = converted(t.model(t.node("Attention", List.of("x", t.random(H, 3 * H), t.random(3 * H), "mask"), ms(), i("num_heads", 2))), "Attention_0", 1);
		assertTrue(r.model().graph().nodes().stream().noneMatch(n -> n.opType().equals("Where")), "folded: " + r.model().graph().nodes());
	}

	@Test
	void attentionBelowOpset13WritesTheSplitSizesAsAnAttribute() {
		Tiny t = new Tiny(12);
		// with its bias: ONNX Runtime 1.29's CPU kernel crashes the process on an Attention without one (SIGSEGV in the shape probe)
		converted(t.model(t.node("Attention", List.of("x", t.random(H, 3 * H), t.random(3 * H)), ms(), i("num_heads", 4))), "Attention_0", 1);
	}

	@Test
	void multiHeadAttentionWithItsBiasAndAKeyPaddingMaskComputesWhatOnnxRuntimesKernelComputes() {
		Tiny t = new Tiny(17);
		t.maskInput();
		String q = t.node("MatMul", List.of("x", t.random(H, H)));
		String k = t.node("MatMul", List.of("x", t.random(H, H)));
		String v = t.node("MatMul", List.of("x", t.random(H, H)));
		String y = t.node("MultiHeadAttention", List.of(q, k, v, t.random(3 * H), "mask"), ms(), i("num_heads", 2));
		OnnxModel model = t.model(y);
		FreezeResult r = converted(model, "MultiHeadAttention_0", 1);
		assertTrue(r.model().graph().nodes().stream().anyMatch(n -> n.name().equals(model.graph().nodes().get(3).name()) && n.opType().equals("MatMul")),
				"Q·Kᵀ keeps the contrib node's name");
	}

	@Test
	void unidirectionalPastAndAttentionBiasAreLeftWithTheirReason() {
		Tiny t = new Tiny(17);
		String a = t.node("Attention", List.of("x", t.random(H, 3 * H), t.random(3 * H)), ms(), i("num_heads", 2), i("unidirectional", 1));
		String b = t.node("Attention", List.of(a, t.random(H, 3 * H), t.random(3 * H), "", "", t.random(1, 2, S, S)), ms(), i("num_heads", 2));
		OnnxModel model = t.model(b);
		FreezeResult r = Freezer.freeze(model, "causal", FreezeOptions.defaults(), null);
		assertEquals(2, r.model().graph().nodes().stream().filter(n -> n.opType().equals("Attention")).count(), "left as they are");
		Rewrite w = r.rewrites().stream().filter(x -> !x.made() && x.description().contains("attention ops left")).findFirst()
				.orElseThrow(() -> new AssertionError(r.rewrites()));
		List<Node> nodes = model.graph().nodes();
		assertTrue(w.description().contains("'" + nodes.get(0).name() + "' (Attention: unidirectional (causal) attention not written back)")
				&& w.description().contains("'" + nodes.get(1).name() + "' (Attention: attention_bias (input 6, a relative position bias) not written back)"),
				w.toString());
		assertArrayEquals(t.run(model), t.run(r.model()), 0f);
	}

	/**
	 * ortvit's size (hidden 64): ONNX Runtime's fused Attention runs the block faster than the integer projection saves (its
	 * fiq-int8 took 1.06-1.25x the original's CPU time written back, 0.85-0.91x left), so it is left, and the line says why.
	 */
	@Test
	void aSmallAttentionIsLeftForOnnxRuntimesKernel() {
		Tiny t = new Tiny(14, "N", 64);
		OnnxModel model = t.model(t.node("Attention", List.of("x", t.random(64, 192), t.random(192)), ms(), i("num_heads", 4)));
		FreezeResult r = Freezer.freeze(model, "ortvit", FreezeOptions.defaults(), null);
		assertEquals(List.of("Attention"), r.model().graph().nodes().stream().map(Node::opType).toList());
		assertTrue(r.rewrites().stream().anyMatch(w -> !w.made() && w.description().contains("'" + model.graph().nodes().get(0).name()
				+ "' (Attention: hidden size 64, below 192: ONNX Runtime's fused kernel runs a block this small faster than an integer projection saves")),
				r.rewrites().toString());
	}

	/** The reason of the rewrite: through fiq_int8 the projection is an integer product, and no Attention is left for ONNX Runtime. */
	@Test
	void throughFiqInt8TheProjectionIsAnIntegerLayer() {
		Tiny t = new Tiny(17);
		String y = t.node("Attention", List.of("x", t.random(H, 3 * H), t.random(3 * H)), ms(), i("num_heads", 2));
		OnnxModel model = t.model(t.node("MatMul", List.of(y, t.random(H, 4))));
		FreezeResult r = Freezer.freeze(model, "ortvit", FreezeOptions.defaults(), null);
		QuantizationResult q = Quantizer.quantize(r.model(), "ortvit", Schemes.preset("fiq_int8"), t.calibration(), Progress.NONE);
		String attention = model.graph().nodes().get(0).name();
		QuantizationResult.Layer projection = q.layers().stream().filter(l -> l.node().equals(attention)).findFirst()
				.orElseThrow(() -> new AssertionError(q.layers()));
		assertEquals("MatMul", projection.opType());
		assertTrue(projection.quantized(), projection.toString());
		List<String> kernels = MatrixProductsTest.optimizedOps(q.model());
		assertFalse(kernels.contains("com.microsoft.Attention"), kernels.toString());
		assertTrue(kernels.stream().filter(k -> k.equals("QLinearMatMul") || k.equals("com.microsoft.QGemm") || k.equals("com.microsoft.MatMulIntegerToFloat")).count() >= 3,
				"the projection, Q·Kᵀ and ·V on integers: " + kernels);
	}

	// ------------------------------------------------------------------

	/** Converts {@code model}, checks it holds only standard ops, lists nothing removed and computes what ONNX Runtime's contrib kernel does. */
	private static FreezeResult converted(OnnxModel model, String what, int rewritten) {
		FreezeResult r = Freezer.freeze(model, "ortvit", FreezeOptions.defaults(), null);
		assertTrue(r.model().graph().nodes().stream().allMatch(Node::isStandard), r.model().graph().nodes().toString());
		assertTrue(r.removalReasons().isEmpty(), "no node of the original removed: " + r.removalReasons());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals(Rewrite.FUSION) && w.description().startsWith(rewritten + " of ONNX Runtime's attention ops")),
				r.rewrites().toString());
		float[] expected = Tiny.run(model, inputs(model)), actual = Tiny.run(r.model(), inputs(model));
		float scale = 0;
		for (float e : expected) {
			scale = Math.max(scale, Math.abs(e));
		}
		assertArrayEquals(expected, actual, 1e-5f * Math.max(1, scale), what);
		return r;
	}

	private static Map<String, NdArray> inputs(OnnxModel model) {
		Map<String, NdArray> in = new HashMap<>();
		Random rnd = new Random(5);
		float[] x = new float[(int) (B * S * H)];
		for (int i = 0; i < x.length; i++) {
			x[i] = rnd.nextFloat() * 2 - 1;
		}
		in.put("x", NdArray.ofFloats(new long[] { B, S, H }, x));
		if (model.graph().inputs().stream().anyMatch(v -> v.getName().equals("mask"))) {
			// each sample masks other positions; the last attends everywhere, one value 2 (above 0 attends as 1 does)
			in.put("mask", NdArray.ofInts(new long[] { B, S }, new int[] { 1, 1, 1, 0, 0, 1, 0, 1, 2, 1, 1, 1, 1, 1, 1 }));
		}
		return in;
	}

	private static AttributeProto ms() {
		return null; // marks the node as com.microsoft's in Tiny.node
	}

	private static AttributeProto i(String name, long v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
	}

	private static AttributeProto f(String name, float v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
	}

	private static AttributeProto ints(String name, long... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long x : v) {
			a.addInts(x);
		}
		return a.build();
	}

	/** A graph of input x [N, S, H] (and a mask [N, S] int32 where asked), ONNX opset {@code opset} and com.microsoft 1. */
	private static final class Tiny {
		final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
		private final Random random = new Random(11);
		private final int opset;
		private int names;

		Tiny(int opset) {
			this(opset, "N");
		}

		/** With the batch {@code batch}, a symbol or a number. */
		Tiny(int opset, String batch) {
			this(opset, batch, H);
		}

		/** With the batch {@code batch} and the hidden size {@code hidden}. */
		Tiny(int opset, String batch, long hidden) {
			this.opset = opset;
			g.addInput(input("x", TensorProto.DataType.FLOAT_VALUE, batch, S, hidden));
		}

		void maskInput() {
			g.addInput(input("mask", TensorProto.DataType.INT32_VALUE, "N", S));
		}

		private static ValueInfoProto input(String name, int type, String batch, long... dims) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(batch.chars().allMatch(Character::isDigit)
					? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(batch)) : TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
			for (long d : dims) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape)))
					.build();
		}

		/** A node; a null first attribute puts it in com.microsoft's domain. */
		String node(String op, List<String> inputs, AttributeProto... attributes) {
			String name = op.toLowerCase() + names++;
			NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name + "_out");
			for (AttributeProto a : attributes) {
				if (a == null) {
					n.setDomain("com.microsoft");
				} else {
					n.addAttribute(a);
				}
			}
			g.addNode(n);
			return name + "_out";
		}

		String random(long... dims) {
			String name = "w" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
			long n = 1;
			for (long d : dims) {
				t.addDims(d);
				n *= d;
			}
			for (long i = 0; i < n; i++) {
				t.addFloatData((float) (random.nextDouble() * 2 - 1));
			}
			g.addInitializer(t);
			return name;
		}

		OnnxModel model(String output) {
			GraphProto.Builder b = g.clone().addOutput(ValueInfoProto.newBuilder().setName(output)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("onnxruntime.transformers")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
					.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).setGraph(b).build());
		}

		/** 64 samples of x uniform in [-1, 1). */
		ArrayDataset calibration() {
			float[] v = new float[(int) (64 * S * H)];
			for (int i = 0; i < v.length; i++) {
				v[i] = (float) (random.nextDouble() * 2 - 1);
			}
			return new ArrayDataset("random", v, new long[] { S, H }, null);
		}

		float[] run(OnnxModel m) {
			return run(m, inputs(m));
		}

		static float[] run(OnnxModel m, Map<String, NdArray> in) {
			try (InferenceSession s = InferenceSession.open(m, SessionSettings.defaults().withThreads(1), "tiny")) {
				return s.run(in).values().iterator().next().floats();
			}
		}
	}
}
