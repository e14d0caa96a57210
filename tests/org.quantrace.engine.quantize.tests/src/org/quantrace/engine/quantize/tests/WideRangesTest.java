package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;

/**
 * A calibrated range far wider than its tensor's values is found at quantize time (tests/data/wild make_unseen15.py ssm: min-max
 * gave a scan's output [-579, 2154] for values of RMS 13.4, 1.2 steps; fiq-int8 lost 5.25 pt and quantize said nothing): the
 * calibration measures each tensor's root mean square in the same pass as its extremes; min-max reads such a tensor again by
 * percentile 99.99 (engine.quantize's ClippedRanges), and warns only where it keeps the range ({@code unclipped}).
 */
class WideRangesTest {

	private static final int FEATURES = 64;
	private static final int SAMPLES = 1024;

	/** Gaussian values of RMS 1; with {@code outlier} != 0 one value of one sample is that far. */
	private static float[] gaussian(long seed, float outlier) {
		Random random = new Random(seed);
		float[] v = new float[SAMPLES * FEATURES];
		for (int i = 0; i < v.length; i++) {
			v[i] = (float) random.nextGaussian();
		}
		v[777 * FEATURES + 5] += outlier;
		return v;
	}

	/** y = x·I (identity weights: y holds the calibration values themselves, so its RMS is theirs) then a Sigmoid reading it. */
	private static TinyGraph graph(String[] y) {
		TinyGraph t = new TinyGraph(FEATURES);
		float[] w = new float[FEATURES * FEATURES];
		for (int i = 0; i < FEATURES; i++) {
			w[i * FEATURES + i] = 1;
		}
		y[0] = t.node("MatMul", List.of("x", t.floats(w, FEATURES, FEATURES)));
		y[1] = t.node("Sigmoid", List.of(y[0]));
		return t;
	}

	/** The MatMul's RMS, re-derived from the calibration values (y holds them): about 1.86, the far value adds 400² / 65,536 to 1. */
	private static double rms(float[] values) {
		double sum = 0;
		for (float v : values) {
			sum += (double) v * v;
		}
		return Math.sqrt(sum / values.length);
	}

	private static QuantizedTensor written(QuantizationResult r, String tensor) {
		return r.tensors().stream().filter(q -> q.tensor().equals(tensor)).findFirst().orElseThrow();
	}

	@Test
	void aRangeSetByOneFarValueIsNamedWithItsRmsAndWhatToDoWhenKeptUnclipped() {
		String[] y = new String[2];
		TinyGraph t = graph(y);
		OnnxModel model = t.model(y[1]);
		// a float model that already says a range was clipped (forged, or carried over): not this calibration's word
		model.putMetadata(WideRange.METADATA + y[0], "forged");
		float[] values = gaussian(3, 400);
		QuantizationSpec unclipped = Schemes.preset("fiq_int8").toBuilder().calibration(CalibrationSettings.minMax().withUnclipped(true)).build();
		QuantizationResult r = TinyGraph.quantize(model, unclipped, new ArrayDataset("outlier", values, new long[] { FEATURES }, null));

		assertEquals(rms(values), r.calibration().rms().get(y[0]), 1e-4 * rms(values), "the MatMul's RMS, re-derived from the calibration values");
		assertTrue(r.calibration().observed().get(y[0]).max() > 399, "min-max keeps the far value: " + r.calibration().observed().get(y[0]));
		assertEquals(Map.of(), r.calibration().clipped(), "unclipped: nothing read again");
		assertTrue(r.model().metadata().keySet().stream().noneMatch(k -> k.startsWith(WideRange.METADATA)), "nothing clipped, no entry: " + r.model().metadata());
		assertTrue(written(r, y[0]).range().max() > 399, "the range written is min-max's: " + written(r, y[0]).range());

		List<WideRange> wide = r.wideRanges();
		// the model input holds the same values; the Sigmoid's output ([0, 1], values of RMS about 0.55) spans many steps
		assertEquals(List.of("x", y[0]), wide.stream().map(WideRange::tensor).toList(), "the input and the MatMul's output");
		assertTrue(wide.get(1).steps() < 1.5, "about 1.2 steps of its scale (405 / 255, as ssm's /Mul_10): " + wide.get(1).describe());
		String warning = r.warnings().stream().filter(w -> w.contains("'" + y[0] + "'")).findFirst().orElse("none");
		assertTrue(warning.contains("range far wider than its values") && warning.contains("percentile=99.99") && warning.contains("leave float"), warning);
	}

	/**
	 * By default min-max reads the two wide ranges again by percentile 99.99 (a second pass over just those tensors): the far
	 * value is clipped, the values span many steps of the new scale, nothing is left to warn about, and the result says per
	 * tensor what min-max measured and which method set the range.
	 */
	@Test
	void aRangeSetByOneFarValueIsReadAgainByPercentile() {
		String[] y = new String[2];
		TinyGraph t = graph(y);
		float[] values = gaussian(3, 400);
		QuantizationResult r = TinyGraph.quantize(t.model(y[1]), Schemes.preset("fiq_int8"), new ArrayDataset("outlier", values, new long[] { FEATURES }, null));

		assertEquals(List.of("x", y[0]), List.copyOf(r.calibration().clipped().keySet()), "the input and the MatMul's output");
		assertEquals(Map.of("x", Method.PERCENTILE, y[0], Method.PERCENTILE), r.calibration().methods());
		WideRange was = r.calibration().clipped().get(y[0]);
		assertTrue(was.range().max() > 399 && was.steps() < 1.5, "what min-max measured: " + was.describe());
		assertEquals(rms(values), was.rms(), 1e-4 * rms(values));
		// 6 of 65,536 values lie beyond 99.99 %: Gaussian values of RMS 1 reach about 4 there, the far value is gone
		Range clipped = written(r, y[0]).range();
		assertTrue(clipped.max() > 3 && clipped.max() < 6 && clipped.min() < -3 && clipped.min() > -6, "the range written: " + clipped);
		assertEquals(clipped, r.calibration().ranges().get(y[0]));
		// each clip is a note with its code and tensor, in the words a run's log prints (warn67)
		org.quantrace.engine.calibrate.CalibrationNote note = r.calibration().notes().get(1);
		assertEquals(List.of(org.quantrace.engine.calibrate.CalibrationNote.RANGE_CLIPPED, org.quantrace.engine.calibrate.CalibrationNote.RANGE_CLIPPED),
				r.calibration().notes().stream().map(n -> n.code()).toList());
		assertEquals(y[0], note.subject());
		assertEquals("range far wider than its values: " + was.clipped(clipped), note.message());
		assertTrue(rms(values) / written(r, y[0]).params().scale() > 3 * WideRange.STEPS, "the values span many steps of the new scale");
		assertEquals(List.of(), r.wideRanges());
		assertTrue(r.warnings().stream().noneMatch(w -> w.contains("far wider")), r.warnings().toString());
		assertTrue(was.clipped(clipped).contains("read again by percentile 99.99"), was.clipped(clipped));
		// the quantized model says so itself, for tools that see only the files (the debugger, verify)
		assertEquals(was.clipped(clipped), r.model().metadata().get(WideRange.METADATA + y[0]));
		assertEquals(List.of(WideRange.METADATA + "x", WideRange.METADATA + y[0]),
				r.model().metadata().keySet().stream().filter(k -> k.startsWith(WideRange.METADATA)).toList());
	}

	@Test
	void theSameValuesWithoutTheFarOneAreNotNamed() {
		String[] y = new String[2];
		TinyGraph t = graph(y);
		QuantizationResult r = TinyGraph.quantize(t.model(y[1]), Schemes.preset("fiq_int8"),
				new ArrayDataset("gaussian", gaussian(3, 0), new long[] { FEATURES }, null));
		double steps = r.calibration().rms().get(y[0]) / r.tensors().stream().filter(q -> q.tensor().equals(y[0])).findFirst().orElseThrow().params().scale();
		assertTrue(steps > 3 * WideRange.STEPS, "Gaussian values span about " + steps + " steps of their min-max scale");
		assertEquals(List.of(), r.wideRanges());
		assertTrue(r.warnings().stream().noneMatch(w -> w.contains("far wider")), r.warnings().toString());
		assertEquals(Map.of(), r.calibration().clipped(), "no second pass");
		assertEquals(Map.of(), r.calibration().methods());
	}

	/**
	 * make_unseen25's detr: its first decoder layer's self-attention reads the zeros DETR starts its queries from, and min-max
	 * gave that tensor [0, 0] at scale 1: quantize read it "again by percentile 99.99, [0.000, 0.000]" and then warned "range far
	 * wider than its values: ... [0.000, 0.000] holds values of RMS 0.000, 0.00 steps ...; calibrate with percentile=99.99 or
	 * entropy": no range is wider than zeros, which every scale holds exactly (0 is a code).
	 */
	@Test
	void zerosOnlyAreNoWideRange() {
		String[] y = new String[2];
		TinyGraph t = graph(y);
		QuantizationResult r = TinyGraph.quantize(t.model(y[1]), Schemes.preset("fiq_int8"),
				new ArrayDataset("zeros", new float[SAMPLES * FEATURES], new long[] { FEATURES }, null));

		assertEquals(0.0, r.calibration().rms().get(y[0]), "the MatMul's values are all 0");
		assertEquals(Map.of(), r.calibration().clipped(), "nothing to read again");
		assertEquals(List.of(), r.wideRanges());
		assertTrue(r.warnings().stream().noneMatch(w -> w.contains("far wider")), r.warnings().toString());
	}
}
