package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A recipe scheme with {@code bias-correction} (issue 13, shift's steady per-channel error): the example CNN quantized fiq_int8
 * with and without it. The corrected scheme's int32 biases differ from the plain one's, the trace records each bias's
 * per-channel correction, the log says in plain words that the biases were corrected and from which calibration samples, and
 * verify re-derives the codes from the float bias less the recorded correction: an honest run has no mismatch, a forged
 * correction or a changed bias code is one.
 */
class BiasCorrectionRunTest {

	private static final Pattern FIRST_CORRECTION = Pattern.compile("<biasCorrection>([^<]*)</biasCorrection>");
	/** A tensor record holding a bias correction (one per corrected layer). */
	private static final Pattern CORRECTED_RECORD = Pattern.compile("<tensors\\b(?:(?!</tensors>).)*?<biasCorrection>", Pattern.DOTALL);

	@Test
	void correctedBiasesAreRecordedAndVerifiedAndAForgeryIsFound() throws IOException {
		Path out = Runs.exampleRunWithScheme("bias-correction", "corrected.qr", "quantize corrected_int8 extends fiq_int8 \"int32 biases corrected\" {\n\tbias-correction\n}",
				"fiq_int8, corrected_int8", "fiq_int8");
		Path dir = out.getParent();

		String conv = "/features/features.0/Conv";
		long[] plain = biasCodes(OnnxModel.load(out.resolve("models/cnn/fiq_int8.onnx")).graph(), conv);
		long[] corrected = biasCodes(OnnxModel.load(out.resolve("models/cnn/corrected_int8.onnx")).graph(), conv);
		assertFalse(java.util.Arrays.equals(plain, corrected), "the corrected scheme's bias codes differ from the plain one's");

		String trace = Files.readString(out.resolve("trace.xmi"));
		Matcher m = FIRST_CORRECTION.matcher(trace);
		assertTrue(m.find(), "the trace records the corrections");
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("bias-correction: yes: the int32 biases of"), "the log's additional configuration says it in words");
		assertTrue(log.contains("calibration samples of"), "and from which data");
		assertTrue(Files.readString(out.resolve("report.html")).contains("corrected_int8: bias correction: yes: the int32 biases of"), "and the report");

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		resultsSayIt(out, trace);

		// a correction that is not the one the codes were made with
		Path forged = Tampering.forgedTrace(out, dir.resolve("forged-correction"), FIRST_CORRECTION.pattern(), "<biasCorrection>0.5</biasCorrection>");
		List<Problem> found = Verification.verify(forged).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("codes") && p.what().contains("(bias)")), found.toString());

		// a bias code changed in the model, the trace left as the run wrote it
		Path recoded = Runs.copy(out, dir.resolve("forged-code"));
		Path model = recoded.resolve("models/cnn/corrected_int8.onnx");
		OnnxModel q = OnnxModel.load(model);
		String codes = biasCodesName(q.graph(), conv);
		long[] changed = q.graph().initializer(codes).toLongArray();
		int[] ints = new int[changed.length];
		for (int i = 0; i < ints.length; i++) {
			ints[i] = (int) changed[i] + (i == 0 ? 500 : 0);
		}
		q.graph().putInitializer(Tensor.ofInts(codes, q.graph().initializer(codes).dims(), ints));
		Files.write(model, q.toBytes());
		Tampering.rehashAll(recoded);
		List<Problem> recodedFound = Verification.verify(recoded).problems();
		assertTrue(recodedFound.stream().anyMatch(p -> p.what().contains("codes") && p.what().contains("(bias)")), recodedFound.toString());
	}

	/**
	 * results.json says of the corrected variant (and of it only) that its biases were corrected, how many and the largest
	 * correction, as the trace records them; verify finds an entry with a layer count forged, or one removed.
	 */
	private static void resultsSayIt(Path out, String trace) throws IOException {
		JsonNode variants = new ObjectMapper().readTree(out.resolve("results.json").toFile()).at("/models/0/variants");
		JsonNode plain = null;
		JsonNode corrected = null;
		for (JsonNode v : variants) {
			plain = v.path("variant").asText().equals("fiq_int8") ? v : plain;
			corrected = v.path("variant").asText().equals("corrected_int8") ? v : corrected;
		}
		assertTrue(plain.path("biasCorrection").isMissingNode(), "the plain scheme's variant says nothing of bias correction: " + plain);
		JsonNode said = corrected.path("biasCorrection");
		assertTrue(said.path("applied").asBoolean(false), "the corrected variant says it: " + corrected);
		Matcher records = CORRECTED_RECORD.matcher(trace);
		int layers = 0;
		while (records.find()) {
			layers++;
		}
		assertTrue(layers > 0);
		assertEquals(layers, said.path("layersCorrected").asInt(), "one per bias record holding a correction");
		double largest = 0;
		for (Matcher m = FIRST_CORRECTION.matcher(trace); m.find();) {
			largest = Math.max(largest, Math.abs(Double.parseDouble(m.group(1))));
		}
		assertEquals(largest, said.path("largestAbsoluteCorrection").asDouble(), 0.0);
		assertTrue(said.path("largestIn").asText().startsWith("/"), said.toString());

		Path dir = out.getParent();
		Path fewer = Tampering.edited(out, dir.resolve("forged-results-count"), "results.json", "\"layersCorrected\" : " + layers,
				"\"layersCorrected\" : " + (layers - 1));
		List<Problem> found = Verification.verify(fewer).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("biasCorrection/layersCorrected")), found.toString());

		Path hidden = Runs.copy(out, dir.resolve("forged-results-hidden"));
		String results = Files.readString(hidden.resolve("results.json"));
		String without = results.replaceFirst("\"biasCorrection\" : \\{[^}]*\\},\\s*", "");
		assertFalse(without.equals(results));
		Files.writeString(hidden.resolve("results.json"), without);
		Tampering.rehashAll(hidden);
		List<Problem> hiddenFound = Verification.verify(hidden).problems();
		assertTrue(hiddenFound.stream().anyMatch(p -> p.what().contains("corrected_int8/biasCorrection")), hiddenFound.toString());
	}

	private static long[] biasCodes(Graph g, String layer) {
		return g.initializer(biasCodesName(g, layer)).toLongArray();
	}

	/** The int32 codes initializer {@code layer}'s bias DequantizeLinear reads. */
	private static String biasCodesName(Graph g, String layer) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(layer)).findFirst().orElseThrow(() -> new AssertionError(layer + " is not in the model"));
		Node dq = g.producer(n.inputs().get(2)).orElseThrow();
		return dq.input(0);
	}
}
