package org.quantrace.zoo.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.measure.IntegerMacs;
import org.quantrace.measure.Measure;
import org.quantrace.measure.Profile;
import org.quantrace.measure.Samples;
import org.quantrace.testing.Zoo;

/** The independent client's MAC count against counts worked out by hand from the architectures (make_zoo.py). */
class MeasureClientTest {

	/**
	 * ResNet, per sample: stem 28·28·32·(1·9) = 225,792; block 1: two 28·28·32·(32·9) = 14,450,688; block 2:
	 * 14·14·64·(32·9) + 14·14·64·(64·9) + shortcut 14·14·64·32 = 11,239,424; block 3: 7·7·96·(64·9) +
	 * 7·7·96·(96·9) + 7·7·96·64 = 7,074,816; Linear 96·10 = 960. Total 32,991,680, all float.
	 */
	@Test
	void countsEveryMultiplyAccumulateOfTheResNet() throws Exception {
		Zoo.Model resnet = Zoo.model("resnet");
		IntegerMacs macs = Measure.integerMacs(resnet.onnx(), new long[] { 1, 28, 28 }, null);
		assertEquals(32_991_680L, macs.floatMacs(), macs.byOp().toString());
		assertEquals(0, macs.integerMacs());
		assertEquals("probe run", macs.probe());
	}

	/** LSTM: 28 steps x 4 gates x 128 x (28 inputs + 128 recurrent) = 2,236,416, and the Linear 128·10. */
	@Test
	void countsTheRecurrentSteps() throws Exception {
		IntegerMacs macs = Measure.integerMacs(Zoo.model("lstm").onnx(), new long[] { 1, 28, 28 }, null);
		assertEquals(2_236_416L, macs.byOp().get("LSTM"));
		assertEquals(2_237_696L, macs.floatMacs());
	}

	/** The network inside both If branches is counted twice (each branch probed as a model of its own), nothing left uncounted. */
	@Test
	void countsBothBranchesOfAnIf() throws Exception {
		IntegerMacs macs = Measure.integerMacs(Zoo.model("if_cnn").onnx(), new long[] { 1, 28, 28 }, null);
		assertEquals(List.of(), macs.uncounted());
		// one branch: 28·28·32·9 + 14·14·64·(32·9) + 7·7·64·(64·9) + 64·10
		assertEquals(2 * (225_792L + 3_612_672L + 1_806_336L + 640L), macs.floatMacs(), macs.byOp().toString());
	}

	/**
	 * The profile of the float MobileNetV3 (one thread, 4 runs of a batch of 8): ONNX Runtime's NCHWc Convs, labelled
	 * from the optimized graph as make_zoo.py built them (the first Conv 1 → 16 3x3, the 16-channel depthwise 3x3), every
	 * run counted, the optimized graph kept.
	 */
	@Test
	void profilesPerOpTypeWithConvsLabelledFromTheOptimizedGraph() throws Exception {
		Samples data = Samples.read(Zoo.testImages(), Zoo.model("mobilenetv3").evaluationLabels()).first(8);
		Path out = org.quantrace.testing.TestData.tempDir("profile");
		List<Profile.Result> r = Profile.profile(List.of(Zoo.model("mobilenetv3").onnx()), data, out, 8, 4, 2, 1);
		Map<String, double[]> byLabel = r.get(0).byLabel();
		assertEquals(4, r.get(0).runs());
		assertEquals(1, (int) byLabel.get("Conv 3x3 1→16")[1], byLabel.keySet().toString());
		assertEquals(1, (int) byLabel.get("Conv depthwise 3x3 16 ch")[1], byLabel.keySet().toString());
		assertEquals(5, (int) byLabel.get("GlobalAveragePool")[1], byLabel.keySet().toString());
		assertTrue(r.get(0).kernelSum() > 0 && r.get(0).medianRunUs() > 0 && r.get(0).cpuUs() > 0, "kernel, run and CPU times measured");
		assertTrue(java.nio.file.Files.exists(out.resolve("mobilenetv3.optimized.onnx")));
	}

	@Test
	void readsIdxAndNpyLabels() {
		Samples classes = Samples.read(Zoo.calibrationImages(), Zoo.calibrationLabels());
		assertEquals(300, classes.count());
		assertEquals(784, classes.sampleSize());
		Samples attributes = Samples.read(Zoo.calibrationImages(), Zoo.dir().resolve("data/calib300-attributes.npy"));
		assertTrue(attributes.multilabel());
		assertEquals(5, attributes.labels());
		for (int i = 0; i < 300; i++) { // footwear (attribute 1) is classes 5, 7 and 9
			int c = classes.classes()[i];
			assertEquals(c == 5 || c == 7 || c == 9 ? 1 : 0, attributes.targets()[i * 5 + 1]);
		}
	}
}
