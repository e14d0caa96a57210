package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;
import static org.quantrace.engine.convert.tests.WildConversionTest.uniform;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;

/**
 * make_unseen32's ortcnn: a CNN saved by an ONNX Runtime session at level EXTENDED holds com.microsoft FusedConv (Conv, the Add
 * of its fourth input Z, an activation) and FusedGemm (Gemm, activation). The quantizer has no rule for them: 1 of ortcnn's 9
 * layers was quantized. The conversion writes them as the standard ops they compute, the same function.
 */
class RuntimeFusionsTest {

	private static final Random RND = new Random(7);

	private static AttributeProto text(String name, String value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
	}

	private static AttributeProto floats(String name, float... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
		for (float f : v) {
			a.addFloats(f);
		}
		return a.build();
	}

	/** The Tiny graph's FusedConv and FusedGemm nodes put in ONNX Runtime's domain, as its saved model holds them. */
	private static OnnxModel inRuntimeDomain(OnnxModel m) {
		ModelProto.Builder b = m.toProto().toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1));
		b.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getOpType().startsWith("Fused")).forEach(n -> n.setDomain("com.microsoft"));
		return OnnxModel.of(b.build());
	}

	@Test
	void fusedConvGemmAndMatMulAreWrittenAsTheStandardOpsTheyCompute() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(2, 6, 6);
		String a = t.node("FusedConv", List.of("x", t.floats(new long[] { 4, 2, 3, 3 }, uniform(RND, 72)), t.floats(new long[] { 4 }, uniform(RND, 4))),
				intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1), text("activation", "Relu"));
		String a2 = t.node("FusedConv", List.of(a, t.floats(new long[] { 4, 4, 3, 3 }, uniform(RND, 144)), t.floats(new long[] { 4 }, uniform(RND, 4))),
				intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1), text("activation", "Relu"));
		// the residual block's second Conv: its Add of the block's input (Z) and the LeakyRelu after the sum in the one node
		String b = t.node("FusedConv", List.of(a2, t.floats(new long[] { 4, 4, 3, 3 }, uniform(RND, 144)), t.floats(new long[] { 4 }, uniform(RND, 4)), a),
				intsAttr("kernel_shape", 3, 3), intsAttr("pads", 1, 1, 1, 1), text("activation", "LeakyRelu"), floats("activation_params", 0.1f));
		String c = t.node("FusedConv", List.of(b, t.floats(new long[] { 4, 4, 1, 1 }, uniform(RND, 16))), intsAttr("kernel_shape", 1, 1),
				text("activation", "Clip"), floats("activation_params", 0f, 0.5f));
		String flat = t.node("Flatten", t.node("GlobalAveragePool", c));
		String g = t.node("FusedGemm", List.of(flat, t.floats(new long[] { 3, 4 }, uniform(RND, 12)), t.floats(new long[] { 3 }, uniform(RND, 3))),
				intAttr("transB", 1), text("activation", "Relu"));
		// MatMulTransposeFusion's head: alpha · g · Wᵀ
		String y = t.node("FusedMatMul", List.of(g, t.floats(new long[] { 2, 3 }, uniform(RND, 6))), intAttr("transB", 1),
				AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT).setF(0.5f).build());
		OnnxModel model = inRuntimeDomain(t.model(y));
		FreezeResult r = Freezer.freeze(model, "ortcnn", FreezeOptions.defaults(), null);
		List<Node> nodes = r.model().graph().nodes();
		assertEquals(List.of("Conv", "Relu", "Conv", "Relu", "Conv", "Add", "LeakyRelu", "Conv", "Clip", "GlobalAveragePool", "Flatten", "Gemm", "Relu",
				"MatMul", "Mul"), nodes.stream().map(Node::opType).toList()); // the constant B stored transposed: no Transpose node to fold
		assertTrue(nodes.stream().allMatch(Node::isStandard), nodes.toString());
		assertEquals(0.1f, nodes.get(6).floatAttribute("alpha", 0), 0f);
		assertEquals(List.of(1L, 1L, 1L, 1L), nodes.get(4).intsAttribute("pads"));
		assertEquals(1, nodes.get(11).intAttribute("transB", 0));
		String residual = model.graph().nodes().get(2).name();
		assertEquals(residual, nodes.get(4).name(), "the layer keeps the fused node's name");
		assertArrayEquals(run(model, random(3, 2, 6, 6)), run(r.model(), random(3, 2, 6, 6)), 1e-5f);
		// every node the conversion lists as removed was a node of the original (verify's Appendix A check): none here
		assertTrue(r.removalReasons().isEmpty(), r.removalReasons().toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("fusion") && w.description().startsWith("6 of ONNX Runtime's fused ops"
				+ " (com.microsoft FusedConv, FusedGemm, FusedMatMul, as a session's saved optimized model holds them) written as the standard ops they compute")
				&& w.description().contains("'" + residual + "' (FusedConv -> Conv + Add + LeakyRelu)")
				&& w.description().contains("(FusedMatMul -> MatMul + Mul)")), r.rewrites().toString());
	}
}
