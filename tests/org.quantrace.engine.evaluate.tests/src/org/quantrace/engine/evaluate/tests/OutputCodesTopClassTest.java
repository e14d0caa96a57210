package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.DebugCsv;
import org.quantrace.engine.evaluate.DebugFindings;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Round 20's centernet (tests/data/wild/README.md): its class scores are a Sigmoid whose int8 output (scale 1/255, as fiq_int8's
 * I/O) puts every score above ~0.996 on one code, so fp32's own outputs written as those codes tie and change the top class,
 * whatever precision the model has inside; debug advised int16 activations or per-channel weights. Built from the test CNN: its
 * logits + 4 through a Sigmoid, a [batch, 10] output.
 */
class OutputCodesTopClassTest {

	private static final OnnxModel CNN = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));

	@Test
	void saturatedClassScoresWrittenAsCodesAreFoundAndAFloatOutputSchemeNamed() {
		OnnxModel scores = sigmoidScores(CNN);
		OnnxModel q = Models.quantize(scores, "fiq_int8");
		DebugReport r = QuantizationDebugger.debug(scores, "scores", q, "fiq_int8", Models.CALIBRATION, 64, DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);

		String[] row = row(DebugCsv.of(r), "scores", "isolated");
		List<String> header = header(DebugCsv.of(r));
		float scale = Float.parseFloat(row[header.indexOf("scale")]);
		long zero = Long.parseLong(row[header.indexOf("zero_point")]);
		int[] derived = topChanged(scores, Models.CALIBRATION.limit(64), scale, zero);
		assertTrue(derived[0] >= 3, "the test model's fp32 scores lose the top class as codes: " + derived[0] + " of 64");
		assertEquals(Integer.toString(derived[0]), row[header.indexOf("top_changed")], "debug.csv's top_changed, re-derived from fp32's outputs");
		assertEquals(Integer.toString(derived[1]), row[header.indexOf("top_tied")], "debug.csv's top_tied, re-derived from fp32's outputs");
		assertTrue(DebugFindings.of(r).stream().anyMatch(l -> l.startsWith("The output 'scores' written as its codes") && l.contains("another class first in "
				+ derived[0] + " of 64 samples") && l.contains("--scheme fiq-float32")), DebugFindings.of(r).toString());
	}

	@Test
	void logitsWithRoomBetweenTheirCodesAreNoFinding() {
		OnnxModel q = Models.quantize(CNN, "fiq_int8");
		DebugReport r = QuantizationDebugger.debug(CNN, "cnn", q, "fiq_int8", Models.CALIBRATION, 64, DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);

		String[] row = row(DebugCsv.of(r), "logits", "isolated");
		assertEquals("0", row[header(DebugCsv.of(r)).indexOf("top_changed")], "fp32's logits as codes keep the top class");
		assertTrue(DebugFindings.of(r).stream().noneMatch(l -> l.contains("loses fp32's top class")), DebugFindings.of(r).toString());
	}

	/** The CNN with its logits + 4 through a Sigmoid as the output "scores". */
	private static OnnxModel sigmoidScores(OnnxModel cnn) {
		ModelProto m = cnn.toProto();
		GraphProto.Builder g = m.getGraph().toBuilder();
		g.addInitializer(TensorProto.newBuilder().setName("four").setDataType(1).addFloatData(4f));
		g.addNode(NodeProto.newBuilder().setOpType("Add").setName("shift").addInput("logits").addInput("four").addOutput("shifted"));
		g.addNode(NodeProto.newBuilder().setOpType("Sigmoid").setName("sigmoid").addInput("shifted").addOutput("scores"));
		g.setOutput(0, g.getOutput(0).toBuilder().setName("scores"));
		return OnnxModel.of(m.toBuilder().setGraph(g).build());
	}

	/** In how many samples fp32's outputs written as codes (round, clamp to int8) put another class first, and share the best code. */
	private static int[] topChanged(OnnxModel model, Dataset data, float scale, long zero) {
		String input = model.graph().runtimeInputs().get(0).getName();
		float[] out;
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "fp32")) {
			out = s.run(java.util.Map.of(input, data.read(0, data.size()).inputs())).get("scores").toFloats();
		}
		int changed = 0;
		int tied = 0;
		for (int row = 0; row < out.length; row += 10) {
			long[] codes = new long[10];
			int best = row;
			for (int i = 0; i < 10; i++) {
				codes[i] = Math.max(-128, Math.min(127, Math.round(out[row + i] / (double) scale) + zero));
				best = out[row + i] > out[best] ? row + i : best;
			}
			long max = java.util.Arrays.stream(codes).max().orElseThrow();
			int first = 0;
			while (codes[first] != max) {
				first++;
			}
			changed += first != best - row ? 1 : 0;
			tied += java.util.Arrays.stream(codes).filter(c -> c == max).count() > 1 ? 1 : 0;
		}
		return new int[] { changed, tied };
	}

	private static List<String> header(String csv) {
		return List.of(csv.lines().findFirst().orElseThrow().split(",", -1));
	}

	private static String[] row(String csv, String tensor, String mode) {
		return csv.lines().map(l -> l.split(",", -1)).filter(c -> c.length > 8 && c[3].equals(tensor) && c[7].equals(mode)).findFirst().orElseThrow();
	}
}
