package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A per-tensor scale and shift of the model input before the one-channel stem (make_unseen35.py caffe6's x · 2 − 0.5): the example's
 * model with a Mul and an Add between its input and its stem. Under fiq_int8 both compute in float for the stem, their records naming
 * the int8 model input and the stem (1 → 16, 3x3), which verify derives from the quantized model: a record naming another stem is
 * a mismatch.
 */
class VerifyScaledStemInputTest {

	private static final String STEM = "/features/features.0/Conv";

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-scaled-stem");
			ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
			Files.write(dir.resolve("model/scaled.onnx"), withScaleAndShift(example).toByteArray());
			out = dir.resolve("out");
			assertEquals(0, Runs.run(Runs.fiqInt8Recipe(dir, "scaled.qr", "scaled", "model/scaled.onnx"), out).exitCode());
		}
		return out;
	}

	private static LayerQuantizationRecord layer(TraceModel t, String node) {
		return t.getOptimizations().stream().filter(o -> "fiq_int8".equals(o.getScheme())).findFirst().orElseThrow().getQuantization().getLayers().stream()
				.filter(l -> l.getNode().equals(node)).findFirst().orElseThrow();
	}

	@Test
	void theHonestRunVerifiesClean() throws IOException {
		TraceModel t = QuantraceModel.loadTrace(out().resolve("trace.xmi"));
		for (String node : List.of("scale", "shift")) {
			LayerQuantizationRecord l = layer(t, node);
			assertFalse(l.isQuantized(), l.getReason());
			assertTrue(l.getReason().contains("model input 'input' and the one-channel stem '" + STEM + "' (1 → 16, 3x3)"), l.getReason());
		}
		assertFalse(layer(t, STEM).isQuantized(), layer(t, STEM).getReason());
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The shift's record forged to name the second Conv as the stem it is kept float for: the model's chain is derived again. */
	@Test
	void anotherStemInTheRecordIsFound() throws IOException {
		List<Problem> problems = Tampering.traceForged(out(), "other-stem", t -> {
			LayerQuantizationRecord l = layer(t, "shift");
			l.setReason(l.getReason().replace("stem '" + STEM + "' (1 → 16, 3x3)", "stem '/features/features.4/Conv' (1 → 16, 3x3)"));
		});
		Tampering.foundInTrace(problems, "layer shift (Add) model input and one-channel stem it scales or shifts for (as its reason names them)",
				"input input; stem /features/features.4/Conv (1 → 16, 3x3)", "input input; stem " + STEM + " (1 → 16, 3x3)");
	}

	/** The example's model with input · 2 − 0.5 before its stem. */
	private static ModelProto withScaleAndShift(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		b.addNode(NodeProto.newBuilder().setOpType("Mul").setName("scale").addInput("input").addInput("two").addOutput("scaled"));
		b.addNode(NodeProto.newBuilder().setOpType("Add").setName("shift").addInput("scaled").addInput("minus_half").addOutput("shifted"));
		for (NodeProto n : m.getGraph().getNodeList()) {
			b.addNode(n.getName().equals(STEM) ? n.toBuilder().setInput(0, "shifted").build() : n);
		}
		b.addInitializer(TensorProto.newBuilder().setName("two").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(2f));
		b.addInitializer(TensorProto.newBuilder().setName("minus_half").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(-0.5f));
		return m.toBuilder().setGraph(b).build();
	}
}
