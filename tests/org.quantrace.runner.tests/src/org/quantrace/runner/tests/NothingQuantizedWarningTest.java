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

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A scheme that quantizes no layer says so (unseen32's skllr_nozipmap: 0 of 4 layers, and no warning): one run of the example
 * CNN with fiq_int8 and a fiq_float32 scheme excluding every op type it holds (under int8 I/O ONNX Runtime would fuse the
 * excluded Conv after the int8 input all the same, and it is written quantized). The warning is on the console, in the trace (code
 * quantize-nothing, on the model's line), results.json and both logs; verify derives it again from the quantization records it
 * holds against the model files, so a record forged to leave it out, or to keep it for a scheme that quantized layers, is named.
 */
class NothingQuantizedWarningTest {

	private static final String RECIPE = """
			recipe nothing33 {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 50
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 50
				preprocess { grayscale scale 1/255 }
				convert { eliminate dropout, batch-normalization }
				quantize all_float extends fiq_float32 { exclude op Conv exclude op Relu exclude op MaxPool exclude op Flatten exclude op Gemm }
				schemes fiq_int8, all_float
				evaluate on eval metrics accuracy
			}
			""";

	private static Path out;
	private static String console;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() {
		Path dir = Runs.exampleCopy("nothing-quantized");
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		outcome = RecipeRunner.run(Runs.recipe(dir, "nothing.qr", RECIPE), new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		console = log.toString();
		assertEquals(0, outcome.exitCode(), console + outcome.diagnostics());
	}

	private static final String SAID = "scheme all_float: quantized no layer: none of the model's ";

	@Test
	void theSchemeThatQuantizesNothingWarnsEverywhere() throws IOException {
		List<RunWarning> w = outcome.trace().getWarnings().stream().filter(x -> "quantize-nothing".equals(x.getCode())).toList();
		assertEquals(1, w.size(), outcome.trace().getWarnings().toString());
		assertTrue(w.get(0).getMessage().startsWith(SAID) && "cnn".equals(w.get(0).getModel()), w.get(0).getMessage());
		assertTrue(console.contains("all_float: warning: quantized no layer: none of the model's "), console);
		String json = Files.readString(out.resolve("results.json"));
		assertTrue(json.contains("\"code\" : \"quantize-nothing\"") && json.contains(SAID), json);
		for (String format : List.of("md", "html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains(SAID), format + ": " + text);
		}
	}

	@Test
	void theRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out).problems());
	}

	@Test
	void aWarningLeftOutIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "no-nothing-warning", t -> t.getWarnings().removeIf(x -> "quantize-nothing".equals(x.getCode())));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("warning [quantize-nothing] of model cnn, scheme all_float: recorded 0 time(s), re-derived"
				+ " from the quantization record (0 of ")), problems.toString());
	}

	@Test
	void aWarningForASchemeThatQuantizedLayersIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "nothing-moved", t -> t.getWarnings().stream().filter(x -> "quantize-nothing".equals(x.getCode()))
				.forEach(x -> x.setMessage(x.getMessage().replace("scheme all_float: ", "scheme fiq_int8: "))));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("warning [quantize-nothing] of model cnn, scheme fiq_int8: recorded 1 time(s)")
				&& p.what().endsWith(": never")), problems.toString());
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("scheme all_float: recorded 0 time(s)")), problems.toString());
	}

	/**
	 * Who excluded a layer: the reasons said "excluded by the recipe (op Conv)", the words `quantrace quantize --exclude` gave too,
	 * where no recipe exists; a recipe's exclusion now names its line (the quantize clause is line 8 of the recipe), in the trace
	 * and in the Model Optimization Log (logs63).
	 */
	@Test
	void anExclusionNamesTheRecipeLineThatMadeIt() throws IOException {
		var layers = outcome.trace().getOptimizations().stream().filter(o -> o.getQuantization() != null && "all_float".equals(o.getScheme()))
				.flatMap(o -> o.getQuantization().getLayers().stream()).toList();
		assertTrue(layers.stream().anyMatch(l -> "Gemm".equals(l.getOpType()) && String.valueOf(l.getReason()).startsWith("excluded by the recipe, line 8 (op Gemm)")),
				layers.stream().map(l -> l.getOpType() + ": " + l.getReason()).toList().toString());
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("excluded by the recipe, line 8 (op Gemm)"), "the log");
	}
}
