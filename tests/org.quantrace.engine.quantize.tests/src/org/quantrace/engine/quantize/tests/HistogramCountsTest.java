package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.QuantizationPlan;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.Zoo;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * {@link HistogramCollector}'s counts, as its chunked, vectorized binning (copy out of the buffer, extremes, bin indices, counts,
 * zeros in a slot of their own, bins merged when the limit doubles) leaves them, against the straightforward histogram of the same
 * values, a guard for work on that loop's speed: every value binned once at the final limit, bin = min((int) (|v| ·
 * fine / limit), fine − 1), in the negative half when v &lt; 0, exact zeros counted apart. On real activations (zoo models on
 * Fashion-MNIST, the tensors fiq_int8 calibrates, which after ReLU and HardSwish hold runs of zeros), fed in several runs so that
 * the limit doubles on the way; compared count by count.
 */
class HistogramCountsTest {

	private static final int BINS = 2048;
	private static final int FINE = 8 * BINS;

	@ParameterizedTest
	@ValueSource(strings = { "unet", "mobilenetv3" })
	void countsAreThoseOfBinningEachValueOnce(String name) {
		OnnxModel model = OnnxModel.load(Zoo.model(name).onnx());
		Map<String, TensorInfo> shapes = Calibrator.shapes(model, name);
		Set<String> inputs = new HashSet<>();
		model.graph().inputs().forEach(v -> inputs.add(v.getName()));
		List<String> tensors = QuantizationPlan.fullInteger(model, Schemes.preset("fiq_int8"), shapes).calibrationTensors().stream()
				.filter(t -> !inputs.contains(t)).toList();
		OnnxModel exposed = model.copy();
		Set<String> outputs = new HashSet<>();
		exposed.graph().outputs().forEach(v -> outputs.add(v.getName()));
		tensors.stream().filter(outputs::add).forEach(t -> exposed.graph().outputs().add(ValueInfoProto.newBuilder().setName(t).build()));
		Dataset data = Datasets.open(Zoo.calibrationImages(), Zoo.calibrationLabels()).limit(48);
		ModelInputs modelInputs = ModelInputs.of(model, name, data);
		Map<String, HistogramCollector> collectors = new LinkedHashMap<>();
		Map<String, List<float[]>> seen = new LinkedHashMap<>();
		tensors.forEach(t -> collectors.put(t, new HistogramCollector(BINS, new HistogramCollector.Entropy(128))));
		try (InferenceSession session = InferenceSession.open(exposed, SessionSettings.defaults(), name)) {
			// a first run of 2 images, then runs of 23: the later runs widen most tensors' range, so their bins merge
			for (int[] run : new int[][] { { 0, 2 }, { 2, 25 }, { 25, 48 } }) {
				session.run(modelInputs.feed(data.read(run[0], run[1])), Set.copyOf(tensors), (t, shape, values) -> {
					float[] copy = new float[values.remaining()];
					values.duplicate().get(copy);
					seen.computeIfAbsent(t, k -> new ArrayList<>()).add(copy);
					collectors.get(t).update(values);
				});
			}
		}
		int merged = 0;
		long zeros = 0;
		for (String t : tensors) {
			HistogramCollector c = collectors.get(t);
			long[] expected = straightforward(seen.get(t), c.limit());
			assertArrayEquals(expected, c.counts(), name + " " + t);
			zeros += expected[2 * FINE];
			merged += c.limit() > firstLimit(seen.get(t).get(0)) ? 1 : 0;
		}
		assertTrue(tensors.size() > 10, "a real model's tensors: " + tensors.size());
		assertTrue(merged > 0, "some tensor's range doubled after the first run");
		assertTrue(zeros > 1000, "the activations hold exact zeros: " + zeros);
	}

	private static double firstLimit(float[] v) {
		double top = 0;
		for (float x : v) {
			top = Math.max(top, Math.abs((double) x));
		}
		return top * (1 + 1e-6);
	}

	/** Each value binned once, at the final limit; the last slot the number of exact zeros (±0). */
	private static long[] straightforward(List<float[]> runs, double limit) {
		long[] counts = new long[2 * FINE + 1];
		double scale = FINE / limit;
		for (float[] run : runs) {
			for (float x : run) {
				counts[Math.min((int) (Math.abs(x) * scale), FINE - 1) + (x < 0 ? FINE : 0)]++;
				if (x == 0) {
					counts[2 * FINE]++;
				}
			}
		}
		return counts;
	}
}
