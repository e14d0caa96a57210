package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * ONNX Runtime 1.29's CPU Attention kernel (com.microsoft) crashed the JVM (SIGSEGV, exit 134) when the node has no bias input:
 * `quantrace convert` of such a model died in its shape probe (attn41). Refused when the session opens, as invalid input with what
 * to change; with a bias of zeros the same node runs.
 */
class AttentionWithoutBiasTest {

	private static final int HIDDEN = 8;

	/** x [1, 4, 8] -> com.microsoft Attention (2 heads) with the given inputs -> y [1, 4, 8]. */
	private static OnnxModel attention(List<String> inputs, boolean bias) {
		float[] w = new float[HIDDEN * 3 * HIDDEN];
		for (int i = 0; i < w.length; i++) {
			w[i] = (i % 7 - 3) * 0.05f;
		}
		List<TensorProto> weights = new ArrayList<>(List.of(TestModels.floats("w", new long[] { HIDDEN, 3 * HIDDEN }, w)));
		if (bias) {
			weights.add(TestModels.floats("b", new long[] { 3 * HIDDEN }, new float[3 * HIDDEN]));
		}
		NodeProto node = NodeProto.newBuilder().setOpType("Attention").setDomain("com.microsoft").setName("att").addAllInput(inputs).addOutput("y")
				.addAttribute(AttributeProto.newBuilder().setName("num_heads").setType(AttributeProto.AttributeType.INT).setI(2)).build();
		ModelProto m = TestModels.graph(List.of(node), weights, TestModels.tensor("x", 1, 4, HIDDEN), TestModels.tensor("y", 1, 4, HIDDEN));
		return OnnxModel.of(m.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).build());
	}

	@Test
	void anAttentionWithoutItsBiasIsRefusedBeforeOnnxRuntimeRunsIt() {
		for (List<String> inputs : List.of(List.of("x", "w"), List.of("x", "w", ""))) {
			InvalidInputException e = assertThrows(InvalidInputException.class,
					() -> InferenceSession.open(attention(inputs, false), SessionSettings.defaults().withThreads(1), "att.onnx").close(), inputs.toString());
			assertTrue(e.getMessage().startsWith("att.onnx: node 'att' (com.microsoft Attention) has no bias input"), e.getMessage());
			assertTrue(e.hint().contains("a bias of zeros as its third input"), e.hint());
		}
	}

	@Test
	void withABiasOfZerosTheSameAttentionRuns() {
		try (InferenceSession s = InferenceSession.open(attention(List.of("x", "w", "b"), true), SessionSettings.defaults().withThreads(1), "att.onnx")) {
			float[] x = new float[4 * HIDDEN];
			for (int i = 0; i < x.length; i++) {
				x[i] = i * 0.1f;
			}
			NdArray y = s.run(NdArray.ofFloats(new long[] { 1, 4, HIDDEN }, x));
			assertArrayEquals(new long[] { 1, 4, HIDDEN }, y.shape());
		}
	}
}
