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
 * A bias beyond int32 at s_input · s_weight (int16 weights with int16 activations): the writer clamped it (evidence12: recorded,
 * printed, stated and derived again), and now widens the weight scale of those channels so that the bias fits, as ONNX Runtime's
 * quantizer does (evidence13). The layer's record states each widened channel and its ratio, run prints it, PhIMT0003 states it
 * under its table, and verify derives it again from the two model files (the float weights' range, the float bias, the input
 * scale the model holds and int32's range): a record that leaves it out or claims one the files do not hold is a mismatch, and
 * so is a widened scale that is not the rule's. The widened scale is not the one the weight's range gives, so the range check
 * reads the formula's in its place.
 */
class VerifyInt32BiasTest {

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
	void aWidenedWeightScaleIsPrintedRecordedStatedAndDerivedAgain() throws IOException {
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		LayerQuantizationRecord conv = trace.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.findFirst().orElseThrow();
		Matcher stated = Pattern.compile("weight scale widened for the int32 bias in (\\d+) of 16 channels \\(channel 0 ×[0-9.e+]+, channel 1 ×[^)]*\\)")
				.matcher(conv.getReason());
		assertTrue(stated.find(), "the layer's record says its weight scale was widened in channels 0 and 1: " + conv.getReason());
		assertTrue(!conv.getReason().contains("clamped"), "the bias fits now: " + conv.getReason());
		assertTrue(printed.contains("cnn: w16a16: layer " + CONV + ": " + stated.group()), "run prints it: " + printed);
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("Deviation of w16a16 from the scale formula: layer " + CONV + " (Conv): "
				+ stated.group()), "PhIMT0003 states it");
		List<Problem> honest = Verification.verify(out).problems();
		assertEquals(List.of(), honest, "the honest run verifies clean");

		// the widening left out of the record, every document made again from it: the logs then say the weights are the range's
		Path silent = Runs.copy(out, dir.resolve("silent"));
		TraceModel forged = org.quantrace.model.QuantraceModel.loadTrace(silent.resolve("trace.xmi"));
		forged.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals(CONV))
				.forEach(l -> l.setReason(l.getReason().replace("; " + stated.group(), "; ")));
		Tampering.remadeFromTrace(silent, forged);
		Tampering.foundInTrace(Verification.verify(silent).problems(), "layer " + CONV, "weight scale for the int32 bias", "no weight scale widened",
				stated.group());

		// a widening claimed where the files hold none (the next Conv's bias fits), and a clamp
		Tampering.foundInTrace(claimedOfTheNextConv("claimed", "weight scale widened for the int32 bias in 1 of 32 channels (channel 5 ×3.00)"),
				"/features/features.4/Conv", "weight scale for the int32 bias", "no weight scale widened");
		Tampering.foundInTrace(claimedOfTheNextConv("clamp", "bias clamped to int32 in 1 of 32 channels (first: channel 5)"), "/features/features.4/Conv",
				"int32 bias", "no bias clamped");

		// channel 0's widened scale doubled in the model (its codes and the trace left): neither the range's nor the rule's
		Path coarser = Runs.copy(out, dir.resolve("coarser"));
		String model = "models/cnn/w16a16.onnx";
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(coarser.resolve(model)));
		String convInput = m.getGraph().getNodeList().stream().filter(n -> n.getName().equals(CONV)).findFirst().orElseThrow().getInput(1);
		String scale = m.getGraph().getNodeList().stream().filter(n -> n.getOutputList().contains(convInput)).findFirst().orElseThrow().getInput(1);
		GraphProto.Builder g = m.getGraph().toBuilder();
		int at = g.getInitializerList().stream().map(TensorProto::getName).toList().indexOf(scale);
		g.setInitializer(at, Tampering.times(g.getInitializer(at), 0, 2));
		Files.write(coarser.resolve(model), m.toBuilder().setGraph(g).build().toByteArray()); // its hashes left: verify reads on
		Tampering.foundInTrace(Verification.verify(coarser).problems(), "layer " + CONV + " channel 0 weight scale", "widened for its int32 bias");
	}

	/** verify's findings on a copy of the run whose record of the second Conv also states {@code claim}, every document made again. */
	private static List<Problem> claimedOfTheNextConv(String name, String claim) throws IOException {
		Path claimed = Runs.copy(out, dir.resolve(name));
		TraceModel claiming = org.quantrace.model.QuantraceModel.loadTrace(claimed.resolve("trace.xmi"));
		claiming.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getNode().equals("/features/features.4/Conv"))
				.forEach(l -> l.setReason((l.getReason() == null ? "" : l.getReason() + "; ") + claim));
		Tampering.remadeFromTrace(claimed, claiming);
		return Verification.verify(claimed).problems();
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
