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

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.report.CalibrationRow;
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
 * that range; a scheme saying {@code calibrate minmax unclipped} keeps [0, 400] and warns. verify re-derives both runs' figures.
 */
class WideRangeRunTest {

	@Test
	void aWideRangeIsReadAgainLoggedAndRecordedUnlessTheSchemeKeepsIt() throws IOException {
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
				}
				""";
		Path out = dir.resolve("out");
		StringWriter log = new StringWriter();
		RunOptions options = new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log));
		assertEquals(0, RecipeRunner.run(Runs.recipe(dir, "wide.qr", recipe), options).exitCode(), log.toString());

		String input = "input";
		String text = log.toString();
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
