package org.quantrace.zoo.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.Npz;
import org.quantrace.testing.TestData;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * A model of several inputs (tests/data/multiin/bert2in: input_ids and attention_mask, int64 [N, 49], trained here by
 * make_multiin.py) through the command line as a user runs it: convert on its .npz, then drq and fiq-int8 of the converted model,
 * calibrated on the .npz; each result run here by ONNX Runtime itself, apart from Quantrace's evaluator (top-1 of the logits: an
 * integer output's codes keep their order under a positive scale). The ids and the mask stay int64, fed as stored.
 */
class MultiInputZooTest {

	private static final Path DIR = TestData.data("multiin");
	private static final int TOKENS = 49;

	@Test
	void bertOfIdsAndMaskConvertsAndQuantizesAsOnnxRuntimeRunsIt() throws Exception {
		Path dir = TestData.tempDir("zoo-bert2in");
		String calib = DIR.resolve("bert2in-calib.npz").toString();
		Path converted = dir.resolve("converted.onnx");
		ZooModelsTest.Cli convert = ZooModelsTest.Cli.run("convert", DIR.resolve("bert2in.onnx").toString(), "--data", calib, "-o", converted.toString());
		assertEquals(0, convert.exit(), convert.err());

		Path test = DIR.resolve("bert2in-test.npz");
		long[] ids = Npz.longs(test, "input_ids");
		long[] mask = Npz.longs(test, "attention_mask");
		long[] labels = Npz.longs(test, "y");
		double fp32 = accuracy(DIR.resolve("bert2in.onnx"), ids, mask, labels);
		assertTrue(fp32 > 0.75, "bert2in learnt the task (torch: 0.771): " + fp32);
		assertEquals(fp32, accuracy(converted, ids, mask, labels), 1.0 / labels.length + 1e-9, "convert");
		for (String scheme : List.of("drq", "fiq-int8")) {
			Path q = dir.resolve(scheme + ".onnx");
			ZooModelsTest.Cli quantize = ZooModelsTest.Cli.run("quantize", converted.toString(), "--scheme", scheme, "--data", calib, "-o", q.toString());
			assertEquals(0, quantize.exit(), scheme + ": " + quantize.err());
			double accuracy = accuracy(q, ids, mask, labels);
			assertTrue(accuracy >= fp32 - 0.005, scheme + ": " + accuracy + " against fp32 " + fp32);
		}
	}

	/** Top-1 accuracy of {@code model} fed the ids and the mask as stored, 100 samples a run. */
	private static double accuracy(Path model, long[] ids, long[] mask, long[] labels) throws OrtException {
		OrtEnvironment env = OrtEnvironment.getEnvironment();
		int hits = 0;
		try (OrtSession.SessionOptions options = new OrtSession.SessionOptions(); OrtSession session = env.createSession(model.toString(), options)) {
			for (int from = 0; from < labels.length; from += 100) {
				int n = Math.min(100, labels.length - from);
				long[] shape = { n, TOKENS };
				try (OnnxTensor i = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(Arrays.copyOfRange(ids, from * TOKENS, (from + n) * TOKENS)), shape);
						OnnxTensor m = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(Arrays.copyOfRange(mask, from * TOKENS, (from + n) * TOKENS)), shape);
						OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m))) {
					Object logits = r.get(0).getValue();
					for (int k = 0; k < n; k++) {
						hits += argmax(logits, k) == labels[from + k] ? 1 : 0;
					}
				}
			}
		}
		return hits / (double) labels.length;
	}

	private static int argmax(Object logits, int row) {
		double[] v = logits instanceof float[][] f ? toDoubles(f[row]) : toDoubles(((byte[][]) logits)[row]);
		int best = 0;
		for (int c = 1; c < v.length; c++) {
			best = v[c] > v[best] ? c : best;
		}
		return best;
	}

	private static double[] toDoubles(float[] f) {
		double[] d = new double[f.length];
		for (int i = 0; i < f.length; i++) {
			d[i] = f[i];
		}
		return d;
	}

	private static double[] toDoubles(byte[] b) {
		double[] d = new double[b.length];
		for (int i = 0; i < b.length; i++) {
			d[i] = b[i];
		}
		return d;
	}
}
