package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * Statements of the logs verify held only as part of the documents made again from trace.xmi (issue 13, evidence18): a forger
 * who edits the trace and makes every document again from it met no second path. Each forgery here passed main's verify
 * (c557daad); each is now re-derived from the model files: the "weights by axis" line, the Appendix note on an output
 * quantized twice, the layer a BatchNormalization was folded into (PhIMT0002 Appendix A), the pruning record's compressed size.
 * The example CNN converted, channel-pruned 30 % and quantized drq (a Gemm's weight per channel on axis 1, the Convs' on axis 0)
 * and fiq_int8 (the int8 output written as uint8 codes and requantized).
 */
class VerifyRederivedStatementsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe rederived {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
				}
				prune {
					pattern channel
					sparsity 30 %
				}
				schemes drq, fiq_int8
			}
			""";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			out = Runs.exampleOut("verify-rederived-statements", "rederived.qr", RECIPE);
		}
		return out;
	}

	@Test
	void theHonestRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out()).problems());
	}

	/**
	 * A per-channel weight's record renamed to a tensor the pruned model does not hold (the original's name, without the pruner's
	 * suffixes): its layer's quantization still matched it, and the codes' check, which reads the float tensor by that name, skipped it.
	 */
	@Test
	void aWeightByAxisNamedForATensorTheModelDoesNotHoldIsFound() {
		List<Problem> problems = forged("axis-tensor", t -> tensor(t, "drq", TensorRole.WEIGHT, "classifier.1.weight_pruned_pruned").setTensor("classifier.1.weight"));
		found(problems, "PhIMT0003-cnn.pdf", "weights by axis, classifier.1.weight", "no tensor classifier.1.weight in the model it was quantized from");
	}

	/** The note on logits names another layer as its writer (the activation row's node: its quantization is found by tensor). */
	@Test
	void aRequantizedOutputsNoteNamingAnotherWriterIsFound() {
		List<Problem> problems = forged("note-writer", t -> tensor(t, "fiq_int8", TensorRole.ACTIVATION, "logits").setNode("/classifier/classifier.1/Gemm"));
		found(problems, "PhIMT0003-cnn.docx", "the note on logits", "/classifier/classifier.1/Gemmwritesuint8", "/classifier/classifier.4/Gemm writes uint8");
	}

	/** The activation row's scale one double step off (the same float in the file): the note said "a second rounding". */
	@Test
	void aRequantizedOutputsNoteSayingASecondRoundingIsFound() {
		List<Problem> problems = forged("note-scale", t -> {
			List<Double> scales = tensor(t, "fiq_int8", TensorRole.ACTIVATION, "logits").getScales();
			scales.set(0, Math.nextUp(scales.get(0)));
		});
		found(problems, "PhIMT0003-cnn.md", "the note on logits", "atanotherscale:asecondrounding", "so no value changes (exact)");
	}

	/**
	 * The zoo's BSPC-GAP, whose int8 input is read as uint8 codes: its input row's scale one double step up, the note on
	 * "input" then says "a second rounding" (the same check as the output's, on the model's input).
	 */
	@Test
	void aRequantizedInputsNoteSayingASecondRoundingIsFound() throws IOException {
		Path bspc = ZooRuns.run("verify-rederived-bspc", "recipe zoo_bspc {\nresponsible \"tests\"\nmodel bspc \"bspc_gap.onnx\" id BSPC version 1\n" + ZooRuns.CALIBRATION
				+ "schemes fiq_int8\n}\n", "bspc_gap.onnx").resolve("out");
		assertEquals(List.of(), Verification.verify(bspc).problems());
		List<Problem> problems = Tampering.traceForged(bspc, "input-note-scale", t -> {
			List<Double> scales = tensor(t, "fiq_int8", TensorRole.INPUT, "input").getScales();
			scales.set(0, Math.nextUp(scales.get(0)));
		});
		found(problems, "PhIMT0003-bspc.pdf", "the note on input", "atanotherscale:asecondrounding", "so no value changes (exact)");
	}

	/** The first BatchNormalization said folded into the second Conv, which is three nodes after it. */
	@Test
	void aBatchNormalizationFoldedIntoAnotherLayerIsFound() {
		List<Problem> problems = forged("bn-layer", t -> {
			ConversionRecord c = t.getConversions().get(0);
			int bn = c.getRemovedNodes().indexOf("/features/features.1/BatchNormalization");
			assertEquals("batch-normalization-folded: /features/features.0/Conv", c.getRemovedNodeReasons().get(bn));
			c.getRemovedNodeReasons().set(bn, "batch-normalization-folded: /features/features.4/Conv");
		});
		found(problems, "PhIMT0002-cnn.html", "why /features/features.1/BatchNormalization", "the nodes next to it in the verified model: /features/features.0/Conv");
	}

	/** The compressed size after pruning made smaller: the row was not read. */
	@Test
	void aForgedCompressedSizeIsFound() {
		found(smaller("compressed size (deflate)"), "PhIMT0003-cnn.md", "compressed size (deflate): says ");
	}

	/** The model size after pruning made smaller: held against the files before (main's check), kept so. */
	@Test
	void aForgedModelSizeIsFound() {
		found(smaller("model size"), "PhIMT0003-cnn.md", "model size: says ");
	}

	/** verify's findings when the pruning record's "KEY: B → A bytes" says 5,000 bytes less after. */
	private static List<Problem> smaller(String key) {
		return forged(key.replaceAll("[^a-z]", ""), t -> {
			Parameter size = pruning(t).getAdditionalConfiguration().stream().filter(p -> p.getKey().equals(key)).findFirst().orElseThrow();
			String[] bytes = size.getValue().replace(" bytes", "").split(" → ");
			size.setValue(bytes[0] + " → " + String.format(java.util.Locale.ROOT, "%,d", Long.parseLong(bytes[1].replace(",", "")) - 5000) + " bytes");
		});
	}

	private static PruningRecord pruning(TraceModel t) {
		return t.getOptimizations().stream().filter(o -> o.getPruning() != null).findFirst().orElseThrow().getPruning();
	}

	private static TensorQuantizationRecord tensor(TraceModel t, String scheme, TensorRole role, String name) {
		return t.getOptimizations().stream().filter(o -> scheme.equals(o.getScheme()) && o.getQuantization() != null)
				.flatMap(o -> o.getQuantization().getTensors().stream()).filter(x -> x.getRole() == role && x.getTensor().equals(name)).findFirst().orElseThrow();
	}

	private static List<Problem> forged(String name, Consumer<TraceModel> edit) {
		return Tampering.traceForged(out(), name, edit);
	}

	/** A finding in {@code file} (a log, by the end of its path) whose words hold every one of {@code what}. */
	private static void found(List<Problem> problems, String file, String... what) {
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith(file) && Arrays.stream(what).allMatch(p.what()::contains)),
				String.join(" ... ", what) + " not found in " + file + ": " + problems);
	}
}
