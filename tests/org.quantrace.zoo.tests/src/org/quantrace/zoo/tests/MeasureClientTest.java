package org.quantrace.zoo.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.measure.IntegerMacs;
import org.quantrace.measure.Measure;
import org.quantrace.measure.Profile;
import org.quantrace.measure.Samples;
import org.quantrace.testing.TestModels;
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

	/**
	 * An Einsum carries MACs too (round 13's bilinear model had its 50,176 left out of the share): nchw,dhw->ncd over
	 * x [N, 3, 4, 5] and a constant [2, 4, 5] multiplies once per (n, c, d, h, w), 1·3·2·4·5 = 120 per sample, in
	 * float; the Conv before it 3·4·5·(1·1) = 60. An ellipsis is not guessed: it is listed as uncounted.
	 */
	@Test
	void countsAnEinsumsProductsAndListsWhatItCannotCount(@TempDir Path dir) throws Exception {
		IntegerMacs macs = Measure.integerMacs(einsumModel(dir.resolve("einsum.onnx"), "nchw,dhw->ncd"), new long[] { 1, 4, 5 }, null);
		assertEquals(List.of(), macs.uncounted());
		assertEquals(120L, macs.byOp().get("Einsum"), macs.byOp().toString());
		assertEquals(180L, macs.floatMacs());
		IntegerMacs ellipsis = Measure.integerMacs(einsumModel(dir.resolve("ellipsis.onnx"), "n...,d...->nd..."), new long[] { 1, 4, 5 }, null);
		assertEquals(List.of("Einsum e"), ellipsis.uncounted());
	}

	/** x [1, 1, 4, 5] → Conv 1 → 3 (1x1) → Einsum(equation) with a constant [2, 4, 5] (or [2, 3, 4, 5] for n...,d...->nd...). */
	private static Path einsumModel(Path file, String equation) {
		boolean ellipsis = equation.contains("...");
		java.util.Random random = new java.util.Random(7);
		NodeProto einsum = TestModels.node("Einsum", "e", List.of("h", "k"), "y").toBuilder().addAttribute(AttributeProto.newBuilder()
				.setName("equation").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(equation))).build();
		return TestModels.write(file, TestModels.graph(List.of(TestModels.node("Conv", "c", List.of("x", "w"), "h"), einsum),
				List.of(TestModels.uniform("w", random, -1, 1, 3, 1, 1, 1),
						ellipsis ? TestModels.uniform("k", random, -1, 1, 2, 3, 4, 5) : TestModels.uniform("k", random, -1, 1, 2, 4, 5)),
				TestModels.tensor("x", 1, 1, 4, 5), ellipsis ? TestModels.tensor("y", 1, 2, 3, 4, 5) : TestModels.tensor("y", 1, 3, 2)));
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
	 * Which branch runs: if_cnn computes net(x / 255) when the batch's largest value exceeds 1, else net(x). The
	 * test images scaled into [0, 1] take the else branch in every batch; the same images as bytes (0-255) the
	 * then branch, except a batch whose largest pixel is at most 1 (none: every image has bright pixels). Each
	 * branch carries the same network, so one branch's MACs are half the graph's.
	 */
	@Test
	void measuresWhichIfBranchEachBatchTakes() throws Exception {
		Path model = Zoo.model("if_cnn").onnx();
		Samples scaled = Samples.read(Zoo.testImages(), Zoo.model("if_cnn").evaluationLabels()).first(200);
		float[] bytes = scaled.x().clone();
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = Math.round(bytes[i] * 255);
		}
		Samples asBytes = new Samples(bytes, scaled.shape(), scaled.classes(), scaled.targets(), scaled.labels());
		IntegerMacs macs = Measure.integerMacs(model, new long[] { 1, 28, 28 }, null);
		assertEquals(1, macs.branches().size(), macs.branches().toString());
		IntegerMacs.Branches b = macs.branches().get(0);
		assertEquals(b.thenFloat(), b.elseFloat());
		assertEquals(macs.floatMacs(), b.thenFloat() + b.elseFloat());
		assertEquals(Map.of(b.key(), 0.0), macs.withBranchesTaken(model, scaled, 64).thenTaken());
		assertEquals(Map.of(b.key(), 1.0), macs.withBranchesTaken(model, asBytes, 64).thenTaken());
		// a float model executes no integer MAC whichever branch runs
		assertEquals(0.0, macs.withBranchesTaken(model, asBytes, 64).executedShare());
	}

	/**
	 * The executed share weights each branch by how often it ran: an If whose else branch holds 300 integer MACs and
	 * whose then branch 100 float ones, taken a quarter of the time, executes 0.75 · 300 integer against 0.25 · 100
	 * float MACs besides the 50 float MACs outside the If.
	 */
	@Test
	void weightsEachBranchByHowOftenItRan() {
		IntegerMacs.Branches b = new IntegerMacs.Branches("if", "cond", 0, 100, 300, 0);
		IntegerMacs macs = new IntegerMacs(300, 150, Map.of(), Map.of(), List.of(), "probe run", List.of(b), Map.of("if", 0.25));
		assertEquals(300 / 450.0, macs.share(), 1e-12);
		assertEquals(225 / (225 + 25 + 50.0), macs.executedShare(), 1e-12);
		IntegerMacs unmeasured = new IntegerMacs(300, 150, Map.of(), Map.of(), List.of(), "probe run", List.of(b), Map.of());
		assertEquals(unmeasured.share(), unmeasured.executedShare(), 1e-12);
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

	/**
	 * A grouped Conv with several input channels per group (shufflev1's 4-group 1x1 Convs, tests/data/wild) is no depthwise
	 * Conv: its label says its groups (before: "QLinearConv depthwise 1x1 16 ch" for a 24 → 16 Conv in 4 groups).
	 */
	@Test
	void labelsAGroupedConvApartFromADepthwiseOne() {
		Map<String, TensorProto> inits = Map.of("w", weight("w", 16, 6, 1, 1), "d", weight("d", 16, 1, 3, 3));
		assertEquals("QLinearConv 1x1 24→16, 4 groups", Profile.label("QLinearConv", conv(4, "w"), inits));
		assertEquals("QLinearConv depthwise 3x3 16 ch", Profile.label("QLinearConv", conv(16, "d"), inits));
		assertEquals("QLinearConv 1x1 6→16", Profile.label("QLinearConv", conv(1, "w"), inits));
	}

	private static NodeProto conv(long group, String weight) {
		return NodeProto.newBuilder().setOpType("QLinearConv").addAllInput(List.of("x", "xs", "xz", weight))
				.addAttribute(AttributeProto.newBuilder().setName("group").setI(group)
						.setType(AttributeProto.AttributeType.INT))
				.build();
	}

	private static TensorProto weight(String name, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name);
		for (long d : dims) {
			t.addDims(d);
		}
		return t.build();
	}

	/**
	 * A classifier as skl2onnx writes it lists its int64 label before its scores: the client reads the first output of
	 * real numbers (it took the first output and refused the label as an integer output no QuantizeLinear writes).
	 */
	@Test
	void readsTheScoresOfAModelWhoseLabelComesFirst(@TempDir Path dir) throws Exception {
		Zoo.Model resnet = Zoo.model("resnet");
		ai.onnx.proto.OnnxMl.ModelProto model = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(resnet.onnx()));
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
		ai.onnx.proto.OnnxMl.ValueInfoProto scores = g.getOutput(0);
		NodeProto argMax = TestModels.node("ArgMax", "label_of_scores", List.of(scores.getName()), "label").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		ai.onnx.proto.OnnxMl.ValueInfoProto label = ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("label")
				.setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder().setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
						.setElemType(TensorProto.DataType.INT64_VALUE)))
				.build();
		g.addNode(argMax).clearOutput().addOutput(label).addOutput(scores);
		Path labelFirst = TestModels.write(dir.resolve("label_first.onnx"), model.toBuilder().setGraph(g).build());
		Samples data = Samples.read(Zoo.calibrationImages(), Zoo.calibrationLabels());
		double expected = Measure.accuracy(resnet.onnx(), data);
		assertTrue(expected > 0.5, "resnet's accuracy on the calibration images: " + expected);
		assertEquals(expected, Measure.accuracy(labelFirst, data));
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
