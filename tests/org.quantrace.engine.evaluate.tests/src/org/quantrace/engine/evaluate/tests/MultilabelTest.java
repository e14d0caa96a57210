package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.EvaluationTable;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestData;

/**
 * The multilabel attribute model on the 10,000 test images, as .npy inputs with .npy [N, 5] labels derived
 * from the classes, for float and for int8/uint8 outputs read at the dtype midpoint.
 */
class MultilabelTest {

	/** upper_body, footwear, long_sleeves, worn_on_legs, accessory per Fashion-MNIST class. */
	private static final int[][] ATTRIBUTES = { { 1, 0, 0, 0, 0 }, { 0, 0, 0, 1, 0 }, { 1, 0, 1, 0, 0 }, { 0, 0, 0, 1, 0 }, { 1, 0, 1, 0, 0 },
			{ 0, 1, 0, 0, 0 }, { 1, 0, 1, 0, 0 }, { 0, 1, 0, 0, 0 }, { 0, 0, 0, 0, 1 }, { 0, 1, 0, 0, 0 } };

	@Test
	void multilabelMetricsForFloatAndIntegerOutputs() throws IOException {
		FashionMnist.Samples test = FashionMnist.testSet();
		Path dir = TestData.tempDir("multilabel");
		byte[] flags = new byte[test.count() * 5];
		for (int i = 0; i < test.count(); i++) {
			for (int j = 0; j < 5; j++) {
				flags[i * 5 + j] = (byte) ATTRIBUTES[test.labels()[i]][j];
			}
		}
		NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { test.count(), 1, 28, 28 }, test.pixels()));
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofBytes(DataType.UINT8, new long[] { test.count(), 5 }, flags));
		Dataset data = NpyDataset.open(dir.resolve("x.npy"), dir.resolve("y.npy"));

		OnnxModel model = OnnxModel.load(TestData.data("models/fashion_attributes_multilabel.onnx"));
		OnnxModel int8 = Models.quantize(model, "fiq_int8");
		OnnxModel uint8 = Models.quantize(model, "fiq_uint8");
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("float", model), Variant.of("fiq_int8", int8), Variant.of("fiq_uint8", uint8)), data,
				EvaluationOptions.defaults(), Progress.NONE);
		System.out.println(EvaluationTable.render(r));
		assertTrue(r.multilabel());
		var f = r.variant("float").metrics();
		// the reference figures (torch fp32, threshold 0.5) of shared/reference-models
		assertEquals(0.9825, f.get(Metrics.BINARY_ACCURACY), 5e-4);
		assertEquals(0.0175, f.get(Metrics.HAMMING_LOSS), 5e-4);
		assertEquals(0.9661, f.get(Metrics.F1_MICRO), 5e-4);
		assertEquals(0.9669, f.get(Metrics.F1_MACRO), 5e-4);
		assertEquals(0.9610, f.get(Metrics.JACCARD_SAMPLES), 5e-4);
		assertEquals(0.9443, f.get(Metrics.SUBSET_ACCURACY), 5e-4);
		assertEquals(0.9995, f.get(Metrics.perLabelAccuracy("label 1")), 5e-4, "footwear");
		for (String v : List.of("fiq_int8", "fiq_uint8")) {
			assertEquals(EvaluationReport.Marker.SAME, r.compare(v, Metrics.BINARY_ACCURACY).marker(), v);
			assertEquals(EvaluationReport.Marker.SAME, r.compare(v, Metrics.JACCARD_SAMPLES).marker(), v);
		}
		assertEquals("INT8", r.variant("fiq_int8").output());
		assertEquals("UINT8", r.variant("fiq_uint8").output());
		EvaluationReport dequantized = Evaluator.evaluate(List.of(Variant.of("float", model), Variant.of("fiq_uint8", uint8)), data,
				EvaluationOptions.defaults().withIntegerOutputs(EvaluationOptions.IntegerOutputs.DEQUANTIZED), Progress.NONE);
		assertEquals(r.variant("fiq_uint8").metrics().get(Metrics.BINARY_ACCURACY),
				dequantized.variant("fiq_uint8").metrics().get(Metrics.BINARY_ACCURACY), 1e-3, "midpoint 128 of uint8 [0,1] outputs is ~0.5");
	}
}
