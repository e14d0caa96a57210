package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A structurally pruned model (make_unseen19.py "pruned": torch's ln_structured zeroed half the output channels of two Convs
 * and a Linear, exported as they are). An all-zero channel's per-channel scale is the formula's placeholder 1 (no range to
 * make one from; its codes are all 0 whatever the scale), and verify compared the trace's tensor range with the largest channel
 * scale, that 1: an honest run verified with 9 mismatches on pruned ("range: says [-0.2288, 0.2482], which gives s =
 * 0.001954676 ... the model holds s = 1.0 (largest channel scale)"). The largest scale is now that of a channel holding a
 * nonzero code. Built from the example's model: 8 of the second Conv's 32 output channels and 16 of the first Linear's 64
 * rows set to 0.
 */
class VerifyPrunedChannelsTest {

	@Test
	void allZeroWeightChannelsVerifyClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-pruned");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder();
		Map<String, Integer> zeroRows = Map.of("features.4.weight", 8, "classifier.1.weight", 16);
		for (int i = 0; i < g.getInitializerCount(); i++) {
			TensorProto t = g.getInitializer(i);
			Integer rows = zeroRows.get(t.getName());
			if (rows != null) {
				g.setInitializer(i, zeroRows(t, rows));
			}
		}
		Files.write(dir.resolve("model/pruned.onnx"), example.toBuilder().setGraph(g).build().toByteArray());
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "pruned.qr", Runs.exampleRecipe(dir, "pruned", "model/pruned.onnx", "drq, fiq_int8")), out).exitCode());

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("tensor=\"features.4.weight_bn_folded\""), "the pruned Conv's weights (BatchNorm folded in) are recorded");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** {@code t} (float, raw data) with its first {@code rows} rows along axis 0 set to 0. */
	private static TensorProto zeroRows(TensorProto t, int rows) {
		ByteBuffer b = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
		int perRow = b.capacity() / 4 / (int) t.getDims(0);
		for (int i = 0; i < rows * perRow; i++) {
			b.putFloat(i * 4, 0f);
		}
		return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(b.array())).build();
	}
}
