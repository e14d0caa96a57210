package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A model exported with a static batch (here 3) fed any number of samples: the session runs it in pieces of its batch,
 * pads the last piece with zeros and joins the outputs without the padding's rows, so evaluation, conversion checks and the
 * debugger need not know. Before the session did it, 7 samples made ONNX Runtime refuse the input ("inference failed").
 */
class FixedBatchTest {

	private static final float[] W = { 1, -2, 0.5f, 3 }; // [2, 2]
	private static final float[] B = { 0.25f, -1 };

	/** x [3, 2] -> MatMul W [2, 2] -> Add b [2] -> y [3, 2]: each row of y depends on its own row of x only. */
	private static OnnxModel rowwise() {
		ModelProto m = TestModels.graph(List.of(TestModels.node("MatMul", "mm", List.of("x", "W"), "xw"), TestModels.node("Add", "add", List.of("xw", "b"), "y")),
				List.of(TestModels.weight("W", bytes(W), 2, 2), TestModels.weight("b", bytes(B), 2)), TestModels.tensor("x", 3, 2), TestModels.tensor("y", 3, 2));
		return OnnxModel.of(m);
	}

	/** y = x W + b, by hand. */
	private static float[] expected(float[] x) {
		int n = x.length / 2;
		float[] y = new float[n * 2];
		for (int r = 0; r < n; r++) {
			for (int c = 0; c < 2; c++) {
				y[r * 2 + c] = x[r * 2] * W[c] + x[r * 2 + 1] * W[2 + c] + B[c];
			}
		}
		return y;
	}

	private static float[] samples(int n) {
		float[] x = new float[n * 2];
		for (int i = 0; i < x.length; i++) {
			x[i] = (i % 5) - 1.5f + i * 0.125f;
		}
		return x;
	}

	@Test
	void aBatchThatIsNotAMultipleOfTheFixedOneIsSplitAndJoined() {
		try (InferenceSession s = InferenceSession.open(rowwise(), SessionSettings.defaults().withThreads(1), "fixed3")) {
			assertEquals(3, s.fixedBatch());
			for (int n : new int[] { 7, 1, 3, 6 }) { // a remainder of 1, less than one batch, exactly one, two whole batches
				float[] x = samples(n);
				NdArray y = s.run(Map.of("x", NdArray.ofFloats(new long[] { n, 2 }, x))).get("y");
				assertArrayEquals(new long[] { n, 2 }, y.shape(), n + " samples give " + n + " rows, the padding's dropped");
				assertArrayEquals(expected(x), y.floats(), 1e-5f, n + " samples");
			}
		}
	}

	/** The visitor run (conversion checks scan float outputs with it) hands each output over once, joined. */
	@Test
	void theVisitorRunSplitsAndJoinsToo() {
		try (InferenceSession s = InferenceSession.open(rowwise(), SessionSettings.defaults().withThreads(1), "fixed3")) {
			float[] x = samples(7);
			List<String> seen = new java.util.ArrayList<>();
			s.run(Map.of("x", NdArray.ofFloats(new long[] { 7, 2 }, x)), java.util.Set.of("y"), (name, shape, values) -> {
				seen.add(name + java.util.Arrays.toString(shape));
				float[] y = new float[values.remaining()];
				values.get(y);
				assertArrayEquals(expected(x), y, 1e-5f);
			});
			assertEquals(List.of("y[7, 2]"), seen);
		}
	}

	@Test
	void aDynamicBatchIsFedWhole() {
		ModelProto m = TestModels.graph(List.of(TestModels.node("Relu", "relu", List.of("x"), "y")), List.of(), dynamic("x"), dynamic("y"));
		try (InferenceSession s = InferenceSession.open(OnnxModel.of(m), SessionSettings.defaults().withThreads(1), "dynamic")) {
			assertEquals(0, s.fixedBatch());
			NdArray y = s.run(Map.of("x", NdArray.ofFloats(new long[] { 7, 2 }, samples(7)))).get("y");
			assertArrayEquals(new long[] { 7, 2 }, y.shape());
		}
	}

	/** An output that is not one row per sample (a sum over the batch) cannot be joined when padding would enter it: said, not mixed in. */
	@Test
	void anOutputThatIsNotPerSampleIsRefusedWhenPaddingWouldEnterIt() {
		NodeProto sum = NodeProto.newBuilder().setOpType("ReduceSum").setName("sum").addInput("x").addOutput("s")
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0))
				.build();
		ModelProto m = TestModels.graph(List.of(sum), List.of(), TestModels.tensor("x", 3, 2), TestModels.tensor("s"));
		try (InferenceSession s = InferenceSession.open(OnnxModel.of(m), SessionSettings.defaults().withThreads(1), "sum3")) {
			QuantraceException e = assertThrows(QuantraceException.class, () -> s.run(Map.of("x", NdArray.ofFloats(new long[] { 7, 2 }, samples(7)))));
			assertTrue(e.getMessage().contains("output 's'") && e.getMessage().contains("fixed batch 3"), e.getMessage());
		}
	}

	private static ai.onnx.proto.OnnxMl.ValueInfoProto dynamic(String name) {
		ai.onnx.proto.OnnxMl.ValueInfoProto v = TestModels.tensor(name, 1, 2);
		ai.onnx.proto.OnnxMl.ValueInfoProto.Builder b = v.toBuilder();
		b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0, ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		return b.build();
	}

	private static byte[] bytes(float[] values) {
		ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : values) {
			b.putFloat(v);
		}
		return b.array();
	}
}
