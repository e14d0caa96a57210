package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.inspect.InspectionText;
import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A quantized model's parameters are its float model's weights and biases (as integer codes), its scales and zero points
 * counted apart: the assessor's pass found results.json, the trace, the report and inspect giving the example's fiq_int8
 * 106,241 "parameters" against the converted model's 105,866. The figures below are the onnx Python package's
 * (initializers by the slot that reads them, 2026-12-04): converted 100,992 + 4,752 weights + 74 + 48 biases; drq one
 * float scale per output channel of its 4 weights (16 + 32 + 64 + 10 = 122, no zero point stored); fiq_int8 244 weight
 * scales and zero points, 123 bias scales and the input's zero point, 8 activation scales and zero points (375).
 */
class ParameterCountTest {

	private static Path example;
	private static Path out;

	@BeforeAll
	static void run() {
		example = Runs.exampleCopy("parameter-count");
		Path recipe = Runs.recipe(example, "params.qr", Runs.exampleRecipe(example, "cnn", "model/fashion_cnn_trained.onnx", "drq, fiq_int8"));
		out = example.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	@Test
	void aQuantizedModelHasTheFloatModelsParametersAndItsScalesAndZeroPointsApart() throws java.io.IOException {
		Map<String, JsonNode> variants = new HashMap<>();
		TestData.json(out.resolve("results.json")).at("/models/0/variants").forEach(v -> variants.put(v.get("variant").asText(), v));
		Map<String, long[]> expected = Map.of("converted", new long[] { 105_866, 0 }, "drq", new long[] { 105_866, 122 }, "fiq_int8",
				new long[] { 105_866, 375 });
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		expected.forEach((variant, counts) -> {
			JsonNode v = variants.get(variant);
			assertEquals(counts[0], v.get("parameters").asLong(), variant + " in results.json: " + v);
			assertEquals(counts[1], v.get("quantizationParameters").asLong(), variant + " in results.json: " + v);
			ModelArtifact a = trace.getArtifacts().stream().filter(x -> x.getId().equals("cnn/" + variant)).findFirst().orElseThrow();
			assertEquals(counts[0], a.getParameterCount(), variant + " in the trace");
			assertEquals(counts[1], a.getQuantizationParameterCount(), variant + " in the trace");
		});
		String inspected = InspectionText.render(ModelInspector.inspect(out.resolve("models/cnn/fiq_int8.onnx"), false));
		assertTrue(inspected.contains("parameters   105,866 ("), inspected);
		assertTrue(inspected.contains("quantization parameters 375 ("), inspected);
		assertFalse(InspectionText.render(ModelInspector.inspect(out.resolve("models/cnn/converted.onnx"), false)).contains("quantization parameters"));
		Verification.Result r = Verification.verify(out);
		assertTrue(r.passed(), r.problems().toString());
	}

	/**
	 * An output folder written before the counts were apart (no quantizationParameterCount in its trace, no quantizationParameters
	 * in results.json, the sum in every parameters figure) still passes verify: its figures were honest by the count of their day.
	 */
	@Test
	void anOutputFolderFromBeforeStillPasses() throws java.io.IOException {
		Path copy = Runs.copy(example, TestData.tempDir("parameter-count-old").resolve("fashion-mnist")).resolve("out");
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("parameterCount=\"(\\d+)\"(\\s+)quantizationParameterCount=\"(\\d+)\"")
				.matcher(Tampering.read(copy.resolve("trace.xmi")));
		StringBuilder trace = new StringBuilder();
		while (m.find()) {
			m.appendReplacement(trace, "parameterCount=\"" + (Long.parseLong(m.group(1)) + Long.parseLong(m.group(3))) + "\"");
		}
		m.appendTail(trace);
		// written by the Quantrace of its day, which worded results.json and the report otherwise: verify re-renders no document of it.
		// That version is named wherever a run names its version: every record of the trace, and the logs in each format (a
		// version edited in the trace alone is a mismatch, VerifyTest.anEditedVersionDoesNotTurnAnEditIntoANote)
		String wrote = org.quantrace.engine.Versions.quantrace();
		String old = trace.toString().replace(wrote, "0.1.0.v20261204-0300");
		assertTrue(old.contains("<tools name=\"Quantrace\" version=\"0.1.0.v20261204-0300\"/>"), "the environment's version");
		Tampering.write(copy.resolve("trace.xmi"), old);
		Tampering.replaceInLogs(copy, wrote, "0.1.0.v20261204-0300");
		String results = Tampering.read(copy.resolve("results.json"));
		String report = Tampering.read(copy.resolve("report.html"));
		for (JsonNode v : TestData.json(copy.resolve("results.json")).at("/models/0/variants")) {
			long p = v.get("parameters").asLong();
			long q = v.get("quantizationParameters").asLong();
			results = results.replace("\"parameters\" : " + p + ",\n      \"quantizationParameters\" : " + q + ",", "\"parameters\" : " + (p + q) + ",")
					.replace("\"parameters\" : " + p + ",\n      \"quantizationParameters\" : " + q + "\n", "\"parameters\" : " + (p + q) + "\n");
			String size = String.format(java.util.Locale.ROOT, "<td class=\"num\">%,d</td>", v.get("sizeBytes").asLong());
			report = report.replace(size + String.format(java.util.Locale.ROOT, "<td class=\"num\">%,d</td>", p),
					size + String.format(java.util.Locale.ROOT, "<td class=\"num\">%,d</td>", p + q));
		}
		assertFalse(results.contains("quantizationParameters") || trace.toString().contains("quantizationParameterCount"), results);
		assertTrue(results.contains("\"parameters\" : 106241,") && report.contains("<td class=\"num\">106,241</td>"), "fiq_int8 as main counted it");
		Tampering.write(copy.resolve("results.json"), results);
		Tampering.write(copy.resolve("report.html"), report);
		Tampering.resum(copy);
		Verification.Result r = Verification.verify(copy);
		assertTrue(r.passed(), r.problems().toString());
		assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("written by Quantrace 0.1.0.v20261204-0300, checked by ") && n.contains("results.json")), r.notes().toString());
		// no mismatch, but not verified: the version is a word of the files, and this folder is exactly what a forger who edits it
		// everywhere (the trace, each log format) writes; its documents' words were not checked. The fingerprint kept from the
		// run binds them (here the folder's own, as its run would have printed it).
		assertFalse(r.verified(), "documents checked by their figures only: " + r.unchecked());
		assertTrue(r.unchecked().contains("results.json"), r.unchecked().toString());
		Verification.Result bound = Verification.verify(copy, new Verification.Options(null, org.quantrace.runner.Outputs.fingerprint(copy), false, false,
				org.quantrace.engine.Progress.NONE));
		assertTrue(bound.verified(), bound.problems() + " " + bound.notes());
	}

	/** verify counts both again from the model files by code of its own: the old count, or no quantization parameters, is a mismatch. */
	@Test
	void verifyDerivesBothCountsFromTheModelFile() {
		Path copy = Runs.copy(example, TestData.tempDir("parameter-count-edited").resolve("fashion-mnist")).resolve("out");
		Tampering.replace(copy.resolve("results.json"), "\"parameters\" : 105866,\n      \"quantizationParameters\" : 375",
				"\"parameters\" : 106241,\n      \"quantizationParameters\" : 0");
		Tampering.replace(copy.resolve("trace.xmi"), "quantizationParameterCount=\"375\"", "quantizationParameterCount=\"0\"");
		Tampering.resum(copy);
		Verification.Result r = Verification.verify(copy);
		String problems = r.problems().toString();
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("results.json") && p.what().contains("/fiq_int8/parameters: says 106241, re-derived 105866")),
				problems);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("results.json") && p.what().contains("/fiq_int8/quantizationParameters: says 0, re-derived 375")),
				problems);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("quantizationParameterCount: says 0, re-derived 375")),
				problems);
	}
}
