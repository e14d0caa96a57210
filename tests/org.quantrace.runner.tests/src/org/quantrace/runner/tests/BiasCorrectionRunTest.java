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

/**
 * A recipe scheme with {@code bias-correction} (issue 13, shift's steady per-channel error): the example CNN quantized fiq_int8
 * with and without it. The corrected scheme's int32 biases differ from the plain one's, the trace records each bias's
 * per-channel correction, the log says in plain words that the biases were corrected and from which calibration samples, and
 * verify re-derives the codes from the float bias less the recorded correction: an honest run has no mismatch, a forged
 * correction or a changed bias code is one.
 */
class BiasCorrectionRunTest {

	private static final Pattern FIRST_CORRECTION = Pattern.compile("<biasCorrection>([^<]*)</biasCorrection>");

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
