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

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.report.CalibrationRow;
import org.quantrace.report.DebugCharts;
import org.quantrace.report.LogValues;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.FarValueData;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A recipe run whose calibration data hold one far value ({@link FarValueData}: make_unseen15's ssm in small, whose scan's
 * output got [-579, 2154] for values of RMS 13.4). Min-max gives the model input [0, 400] for values of RMS about 1.5, one
 * step of its scale: by default (fiq_int8) the run reads it again by
 * percentile 99.99, logs it, records it as a parameter of the calibration record with the range read again, and the file holds
 * that range; a scheme saying {@code calibrate minmax unclipped} keeps [0, 400] and warns. verify re-derives both runs' figures,
 * and the debug step's saturated counts and clipped flags (debug.csv against the trace's LayerDebugRecord).
 */
class WideRangeRunTest {

	/** The run's folder, output, recipe and console log. */
	private record Run(Path dir, Path out, Path recipe, String log) {
	}

	private static Run run;

	/** The recipe run once for the tests that read it. */
	private static synchronized Run run() throws IOException {
		if (run != null) {
			return run;
		}
		Path dir = Runs.exampleCopy("wide-range-run");
		FarValueData.write(dir);
		String recipe = """
				quantize kept extends fiq_int8 "min-max ranges as measured" {
					calibrate minmax unclipped
				}

				recipe wide "One far value in the calibration data" {
					responsible "tests"
					conversion-id CONV-WIDE-1
					optimization-id OPT-WIDE-1
					model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
					dataset calib "calib.npy" role calibration format npy labels "labels.npy"
					convert {
						eliminate dropout, batch-normalization
					}
					schemes fiq_int8, kept
					evaluate on calib metrics accuracy
					debug fiq_int8 on calib samples 64 threshold rmse/scale > 0.5
				}
				""";
		Path out = dir.resolve("out");
		StringWriter log = new StringWriter();
		RunOptions options = new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log));
		Path recipePath = Runs.recipe(dir, "wide.qr", recipe);
		assertEquals(0, RecipeRunner.run(recipePath, options).exitCode(), log.toString());
		run = new Run(dir, out, recipePath, log.toString());
		return run;
	}

	/**
	 * The runner's debug step says what `quantrace debug` says under its table (engine.evaluate.DebugFindings): the ranges
	 * clipped on purpose, with their saturated counts, and they are no candidates to leave in float (wide3's open item: the
	 * step logged only "debugging").
	 */
	@Test
	void theDebugStepNamesTheRangesClippedOnPurpose() throws IOException {
		String text = run().log();
		assertTrue(text.contains("cnn: fiq_int8: Ranges clipped at calibration on purpose") && text.contains("'input' (layer in input: 1 of "),
				"the debug step names the ranges clipped on purpose: " + text);
		// the layers debug.csv says are flagged and clipped on purpose (the CNN's first two Convs)
		List<String> csv = Files.readAllLines(run().out().resolve("debug/cnn/fiq_int8/debug.csv"));
		List<String> header = List.of(csv.get(0).split(","));
		List<String> clipped = csv.stream().skip(1).map(l -> l.split(",", -1)).filter(c -> c[header.indexOf("flagged")].equals("true")
				&& c[header.indexOf("clipped_at_calibration")].equals("true") && !c[header.indexOf("node")].isEmpty()).map(c -> c[header.indexOf("node")]).distinct().toList();
		assertTrue(!clipped.isEmpty(), "layers flagged and clipped: " + csv);
		assertTrue(text.lines().filter(l -> l.startsWith("cnn: fiq_int8: Candidates to leave in float")).noneMatch(l -> clipped.stream().anyMatch(l::contains)), text);

		// report.html and the chart's note, drawn from the trace's record (its clippedAtCalibration), say the same: no candidate
		String report = Files.readString(run().out().resolve("report.html"));
		Matcher said = Pattern.compile("flagged on its own \\(a candidate to leave in float\\): ([^;]*); ([^;]*);").matcher(report);
		assertTrue(said.find(), "the report's debugger paragraph");
		assertTrue(clipped.stream().noneMatch(said.group(1)::contains) && said.group(2).startsWith(DebugCharts.CLIPPED) && said.group(2).contains("input"),
				clipped + " are no candidates: " + said.group());
		// the note is wrapped over several <text> elements: their words joined
		String chart = Files.readString(run().out().resolve("debug/cnn/fiq_int8/debug_rmse_over_scale.svg")).replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ");
		assertTrue(chart.contains(DebugCharts.CLIPPED.strip()), "the chart's note names the clipped ranges apart: " + chart);
	}

	@Test
	void aWideRangeIsReadAgainLoggedAndRecordedUnlessTheSchemeKeepsIt() throws IOException {
		Path dir = run().dir();
		Path out = run().out();
		Path recipePath = run().recipe();
		String input = "input";
		String text = run().log();
		assertTrue(text.contains("cnn: fiq_int8: range far wider than its values: '" + input + "' [0.000, 400.0] holds values of RMS")
				&& text.contains("read again by percentile 99.99"), text);
		assertTrue(text.contains("cnn: kept: warning: range far wider than its values: '" + input + "' [0.000, 400.0]"), "unclipped warns: " + text);
		assertTrue(!text.contains("cnn: fiq_int8: warning: range far wider"), "nothing left to warn about under fiq_int8: " + text);

		// the file holds the range read again: [0, about 1] (the images' own; the histogram's 2,048 bins over [0, 400] are 0.2
		// wide), 400 / 255 under kept
		float clipped = inputScale(out.resolve("models/cnn/fiq_int8.onnx"));
		float kept = inputScale(out.resolve("models/cnn/kept.onnx"));
		assertEquals(400f / 255, kept, 1e-4f, "kept: min-max's [0, 400]");
		assertTrue(clipped > 0.9f / 255 && clipped < 1.5f / 255, "fiq_int8: the images' own range, scale " + clipped);

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("range far wider than its values, clipped") && trace.contains("the range read again is the tensor's record's"),
				"the calibration record's parameter");
		assertTrue(trace.contains("unclipped"), "the kept scheme's record says unclipped");
		String phimt = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(phimt.contains("read again by percentile 99.99"), "PhIMT0003's calibration row");

		// the row's method line says how many tensors min-max did not set: the ones the quantized model names in its metadata
		long marked = OnnxModel.load(out.resolve("models/cnn/fiq_int8.onnx")).metadata().keySet().stream().filter(k -> k.startsWith(WideRange.METADATA)).count();
		assertTrue(marked >= 1, "the model names its clipped ranges");
		assertTrue(OnnxModel.load(out.resolve("models/cnn/kept.onnx")).metadata().keySet().stream().noneMatch(k -> k.startsWith(WideRange.METADATA)));
		assertTrue(phimt.contains("min-max: the range is the minimum and maximum value seen during calibration, except for " + LogValues.count(marked, "tensor")
				+ CalibrationRow.CLIPPED_TAIL), phimt);
		assertEquals(1, phimt.split("except for ", -1).length - 1, "kept's row states min-max for every tensor");

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(recipePath, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), "--deep: " + deep.size() + " mismatches: " + deep);

		// the debugger's saturated count and clipped flag are the trace's too (debug.csv's last two columns), so verify holds them
		String csv = Files.readString(out.resolve("debug/cnn/fiq_int8/debug.csv"));
		String inputRow = csv.lines().filter(l -> l.startsWith("-1,input,") && l.contains(",isolated,")).findFirst().orElseThrow(() -> new AssertionError(csv));
		assertTrue(inputRow.endsWith(",1,true"), "the one far pixel saturates, the range clipped on purpose: " + inputRow);
		assertTrue(trace.contains("clippedAtCalibration=\"true\"") && trace.contains("saturated=\"1\""), "the trace records the flag and the count");
		String forgedRow = inputRow.substring(0, inputRow.length() - ",1,true".length()) + ",0,false";
		Path forged = Tampering.edited(out, dir.resolve("forged-debug"), "debug/cnn/fiq_int8/debug.csv", inputRow, forgedRow);
		List<Problem> caught = Verification.verify(forged).problems();
		assertTrue(caught.stream().anyMatch(p -> p.file().endsWith("debug.csv") && p.what().contains("isolated) saturated"))
				&& caught.stream().anyMatch(p -> p.file().endsWith("debug.csv") && p.what().contains("isolated) clipped_at_calibration")),
				"a forged saturated count and clipped flag: " + caught);

		// forged: the model no longer names its clipped ranges (every hash put right): the row's count and lines are not the model's
		Path unmarked = dir.resolve("unmarked");
		Runs.copy(out, unmarked);
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(unmarked.resolve("models/cnn/fiq_int8.onnx")));
		Tampering.replaceModel(unmarked, "models/cnn/fiq_int8.onnx", m.toBuilder().clearMetadataProps().build().toByteArray());
		List<Problem> found = Verification.verify(unmarked).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("tensors read again by percentile")), found.toString());

		// forged: the model's entry says another first range than the row's line: the mismatch quotes the row's line as PhIMT0003
		// prints it (it said "another text", which an assessor cannot hold against the document)
		Path edited = dir.resolve("edited-entry");
		Runs.copy(out, edited);
		ModelProto e = ModelProto.parseFrom(Files.readAllBytes(edited.resolve("models/cnn/fiq_int8.onnx")));
		ModelProto.Builder b = e.toBuilder();
		for (int i = 0; i < b.getMetadataPropsCount(); i++) {
			if (b.getMetadataProps(i).getKey().startsWith(WideRange.METADATA)) {
				b.setMetadataProps(i, b.getMetadataProps(i).toBuilder().setValue(b.getMetadataProps(i).getValue().replace("[0.000, 400.0]", "[0.000, 500.0]")));
			}
		}
		Tampering.replaceModel(edited, "models/cnn/fiq_int8.onnx", b.build().toByteArray());
		List<Problem> quoted = Verification.verify(edited).problems();
		assertTrue(quoted.stream().anyMatch(p -> p.what().contains("says " + CalibrationRow.CLIPPED + ": '" + input + "' [0.000, 400.0] holds values of RMS")
				&& p.what().contains("[0.000, 500.0]")), quoted.toString());
	}

	/** The scale of the DequantizeLinear that reads the model input (int8 I/O: the input's codes). */
	private static float inputScale(Path model) {
		OnnxModel m = OnnxModel.load(model);
		String in = m.graph().inputs().get(0).getName();
		String scale = m.graph().nodes().stream().filter(n -> n.opType().equals("DequantizeLinear") && n.input(0).equals(in)).findFirst()
				.orElseThrow(() -> new AssertionError("no DequantizeLinear reads " + in)).input(1);
		return m.graph().initializer(scale).toFloatArray()[0];
	}
}
