package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.testing.Npz;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The quantizer's warnings reach a recipe run's evidence (issue 13, masks33's leftover): tests/data/multiin/bert2in computes
 * its attention mask from the attention_mask input, taken as 0/1; calibration samples whose attention_mask holds a 2 add
 * +10000 to those scores, which the Softmax on codes saturates. {@code quantize} printed the warning; a recipe run on the same
 * model and data said nothing in its output, trace, results.json, report or logs, and verify passed. Now the run records it on
 * the model's declaration, and verify derives it again from the calibration data: a folder whose every document leaves it out
 * is a mismatch.
 */
class QuantizerWarningRunTest {

	private static final int TOKENS = 49;
	private static final String CODE = "quantize-mask-positive";
	private static final String RECIPE = """
			recipe bert {
				model m "bert2in.onnx"
				dataset calib "two.npz" role calibration format npz
				dataset eval "bert2in-test.npz" role evaluation format npz samples 300
				schemes fiq_int8
				evaluate on eval metrics accuracy
			}
			""";

	private static Path dir;
	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		dir = TestData.tempDir("quantizer-warning-run");
		Path data = TestData.data("multiin");
		Files.copy(data.resolve("bert2in.onnx"), dir.resolve("bert2in.onnx"));
		Files.copy(data.resolve("bert2in-test.npz"), dir.resolve("bert2in-test.npz"));
		Path calib = data.resolve("bert2in-calib.npz");
		long[] ids = Npz.longs(calib, "input_ids");
		long[] mask = Npz.longs(calib, "attention_mask");
		for (int i = 0; i < 5; i++) { // five samples' fourth token: a 2 where an attention mask holds 0 or 1 (BertMaskTest)
			mask[i * TOKENS + 3] = 2;
		}
		long[] shape = { ids.length / TOKENS, TOKENS };
		Npz.write(dir.resolve("two.npz"), Map.of("input_ids", NdArray.ofLongs(shape, ids), "attention_mask", NdArray.ofLongs(shape, mask), "y",
				NdArray.ofLongs(new long[] { shape[0] }, Npz.longs(calib, "y"))));
		out = dir.resolve("out");
		var run = Runs.run(Runs.recipe(dir, "bert.qr", RECIPE), out);
		assertEquals(0, run.exitCode(), run.diagnostics().toString());
	}

	@Test
	void theMaskWarningIsInResultsJsonTheLogsAndTheReport() throws IOException {
		JsonNode warnings = TestData.json(out.resolve("results.json")).get("warnings");
		List<JsonNode> mask = new ArrayList<>();
		warnings.forEach(w -> {
			if (CODE.equals(w.get("code").asText())) {
				mask.add(w);
			}
		});
		assertEquals(2, mask.size(), "one per masked Softmax: " + warnings);
		for (JsonNode w : mask) {
			assertEquals("m", w.get("model").asText());
			assertEquals("bert.qr", w.get("file").asText());
			assertEquals(2, w.get("line").asInt(), "on the model's declaration");
			assertTrue(w.get("message").asText().startsWith("scheme fiq_int8: the attention mask the ")
					&& w.get("message").asText().contains("computed from the model input 'attention_mask'")
					&& w.get("message").asText().contains("added positive values on the calibration samples"), w.toString());
		}
		for (String format : List.of("md", "html")) {
			String log = Files.readString(out.resolve("logs/PhIMT0003-m." + format));
			assertTrue(log.contains("bert.qr:2:") && log.contains("[" + CODE + "] scheme fiq_int8: the attention mask"), log);
		}
		assertTrue(Files.readString(out.resolve("report.html")).contains("[" + CODE + "]"), "the report lists it with the run's warnings");
		assertTrue(Verification.verify(out).passed(), Verification.verify(out).problems().toString());
	}

	/** Every document made again from a trace without the warning: verify derives it again from the calibration data. */
	@Test
	void verifyNamesTheWarningForgedAway() throws IOException {
		Path forged = Runs.copy(out, dir.resolve("out-forged"));
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		assertTrue(trace.getWarnings().removeIf(w -> CODE.equals(w.getCode())), "the premise: the trace records it");
		Tampering.remadeFromTrace(forged, trace);
		String problems = Verification.verify(forged).problems().toString();
		assertTrue(problems.contains("warning [" + CODE + "] of model m, scheme fiq_int8: recorded for inputs [], re-derived from the calibration data:"
				+ " inputs taken as 0/1 that hold a value above 1 {attention_mask=2}"), problems);
	}

	/** The calibration data put back to 0/1 masks (bert2in-calib.npz): the recorded warning is not borne out any more. */
	@Test
	void verifyNamesAWarningTheDataNoLongerBearsOut() throws IOException {
		Path other = TestData.tempDir("quantizer-warning-other");
		for (String f : List.of("bert2in.onnx", "bert2in-test.npz", "bert.qr")) {
			Files.copy(dir.resolve(f), other.resolve(f));
		}
		Files.copy(TestData.data("multiin/bert2in-calib.npz"), other.resolve("two.npz"));
		String problems = Verification.verify(Runs.copy(out, other.resolve("out"))).problems().toString();
		assertTrue(problems.contains("warning [" + CODE + "] of model m, scheme fiq_int8: recorded for inputs [attention_mask], re-derived from the"
				+ " calibration data: inputs taken as 0/1 that hold a value above 1 {}"), problems);
	}
}
