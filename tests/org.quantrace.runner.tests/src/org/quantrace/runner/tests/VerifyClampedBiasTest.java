package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A bias beyond int32 at s_input · s_weight (int16 weights with int16 activations) is clamped by the writer, so the layer adds
 * a smaller bias than the float model's: round 23's shift lost 15 pt so, and a recipe run neither printed nor recorded it
 * (accuracy26). Now the layer's record says it, run prints it, PhIMT0003 states it as a deviation under its table, and verify
 * derives it again from the two model files: a record that leaves it out (every document made again from that trace) is a
 * mismatch, and so is one that claims a clamp the files do not hold.
 */
class VerifyClampedBiasTest {

	private static final String CONV = "/features/features.0/Conv";

	/** The example's model with its first BatchNorm's shift ±100 in channels 0 and 1: the folded Conv's bias needs codes near ±1e11 at W16A16. */
	private static void shiftedModel(Path dir) throws IOException {
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = m.getGraph().toBuilder();
		for (int i = 0; i < g.getInitializerCount(); i++) {
			if (g.getInitializer(i).getName().equals("features.1.bias")) {
				TensorProto t = g.getInitializer(i);
				float[] v = Tampering.floats(t);
				v[0] += 100;
				v[1] -= 100;
				java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
				b.asFloatBuffer().put(v);
				g.setInitializer(i, t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(b.array())).build());
			}
		}
		Files.write(dir.resolve("model/shifted.onnx"), m.toBuilder().setGraph(g).build().toByteArray());
	}

	private static Path dir;
	private static Path out;
	private static String printed;

	@BeforeAll
	static void run() throws IOException {
		dir = Runs.exampleCopy("verify-clamped-bias");
		shiftedModel(dir);
		Path recipe = Runs.recipe(dir, "w16a16.qr", """
				recipe w16a16 {
					model cnn "model/shifted.onnx" id SHIFTED version 1
					dataset calib "data/calibration" role calibration labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 }
					convert { eliminate dropout, batch-normalization }
					quantize w16a16 extends fiq_float32 { weights int16 activations int16 }
					schemes w16a16
				}
				""");
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		RecipeRunner.Outcome o = RecipeRunner.run(recipe, new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		printed = log.toString();
	}

	@Test
	void aClampedBiasIsPrintedRecordedStatedAndDerivedAgain() throws IOException {
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		LayerQuantizationRecord conv = trace.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.findFirst().orElseThrow();
		Matcher stated = Pattern.compile("bias clamped to int32 in (\\d+) of 16 channels \\(first: channel 0\\)").matcher(conv.getReason());
		assertTrue(stated.find(), "the layer's record says its bias was clamped: " + conv.getReason());
		assertTrue(Integer.parseInt(stated.group(1)) >= 2, stated.group());
		assertTrue(printed.contains("cnn: w16a16: warning: layer " + CONV + ": " + stated.group()), "run prints it: " + printed);
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("Deviation of w16a16 from its float model: layer " + CONV + " (Conv): "
				+ stated.group()), "PhIMT0003 states it as a deviation");
		List<Problem> honest = Verification.verify(out).problems();
		assertEquals(List.of(), honest, "the honest run verifies clean");

		// the clamp left out of the record, every document made again from it: the logs then say the layer computes what it does not
		Path silent = Runs.copy(out, dir.resolve("silent"));
		TraceModel forged = org.quantrace.model.QuantraceModel.loadTrace(silent.resolve("trace.xmi"));
		forged.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.forEach(l -> l.setReason(l.getReason().replace("; " + stated.group(), "; ")));
		Tampering.remadeFromTrace(silent, forged);
		List<Problem> found = Verification.verify(silent).problems();
		Tampering.foundInTrace(found, "layer " + CONV, "int32 bias", "no bias clamped", stated.group());

		// a clamp claimed where the files hold none (the next Conv's bias fits)
		Path claimed = Runs.copy(out, dir.resolve("claimed"));
		TraceModel claiming = org.quantrace.model.QuantraceModel.loadTrace(claimed.resolve("trace.xmi"));
		claiming.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals("/features/features.4/Conv"))
				.forEach(l -> l.setReason((l.getReason() == null ? "" : l.getReason() + "; ") + "bias clamped to int32 in 1 of 32 channels (first: channel 5)"));
		Tampering.remadeFromTrace(claimed, claiming);
		Tampering.foundInTrace(Verification.verify(claimed).problems(), "/features/features.4/Conv", "int32 bias", "no bias clamped");
	}

	/**
	 * A layer ONNX Runtime computes in float (16-bit activations) is recorded with the weights' type the model holds: the
	 * trace's reason said "int8 weights" of the W16A16 Convs, whose codes are int16, and verify let it pass. A record edited
	 * back to int8 (every document made again) is found.
	 */
	@Test
	void theWeightsTypeALayersReasonStatesIsTheModels() throws IOException {
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		LayerQuantizationRecord conv = trace.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.findFirst().orElseThrow();
		assertTrue(conv.getReason().startsWith("quantized (int16 weights, QuantizeLinear/DequantizeLinear around it), computed in float: "), conv.getReason());

		Path int8 = Runs.copy(out, dir.resolve("said-int8"));
		TraceModel forged = org.quantrace.model.QuantraceModel.loadTrace(int8.resolve("trace.xmi"));
		forged.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.forEach(l -> l.setReason(l.getReason().replace("(int16 weights, ", "(int8 weights, ")));
		Tampering.remadeFromTrace(int8, forged);
		Tampering.foundInTrace(Verification.verify(int8).problems(), "layer " + CONV, "weights' type", "int8", "int16");
	}
}
