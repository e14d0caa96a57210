package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.InputChunks;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.ActivationBudget;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;
import org.quantrace.testing.Zoo;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * How conversion's verification (which `quantize` runs as pre-processing on the calibration data) reads its samples and
 * what it computes. It used to read every batch of 8 into new arrays and copy each output three times into Java, garbage
 * that grew with the number of samples: `quantize --scheme fiq-int8` on a 320x320 detector peaked at 513 MB of heap on 64
 * images and 318 MB on 16 (docs/calibration-bench.md, 2026-12-02 22:33). Now it reads chunk after chunk into the arrays
 * the previous chunks of the same size were read into, and compares outputs where the sessions wrote them; the largest
 * difference it reports is the one computed here a second way, from whole output arrays of separate sessions.
 */
class VerificationChunksTest {

	private static final OnnxModel TRAINED = OnnxModel.load(TestData.example("model/fashion_cnn_trained.onnx"));
	private static final FashionMnist.Samples IMAGES = FashionMnist.folder(TestData.example("data/evaluation"),
			TestData.labelMap(TestData.example("data/labels.json")));
	/** Not a multiple of 8, so that the last chunk has another size. */
	private static final int SAMPLES = 44;

	@TempDir
	Path dir;

	@Test
	void samplesAreReadInChunksOfEightIntoReusedArrays() throws Exception {
		Recording data = new Recording(images(SAMPLES));

		FreezeResult r = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), data);

		assertEquals(List.of(), data.wholeBatches, "no batch read into new memory (Dataset.read)");
		List<String> expected = new ArrayList<>();
		for (int from = 0; from < SAMPLES; from += 8) {
			expected.add("[" + from + ", " + Math.min(SAMPLES, from + 8) + ")");
		}
		assertEquals(expected, data.chunks, "each sample once, in order, 8 at a time");
		assertEquals(2, data.offered.size(), "one array per chunk size (8 and the last 4), offered again and again: " + data.offered.values());
		data.offered.keySet().forEach(a -> assertNotNull(a));
		assertEquals(List.of(1, 5), data.offered.values().stream().sorted().toList(), "times each array was offered");
		assertEquals(SAMPLES, r.verificationSamples());
		assertEquals(independentMaxDifference(Freezer.inferenceView(TRAINED), r.model(), data.base), r.maxAbsDifference(), 0.0,
				"the same largest difference as whole output arrays give");
		assertTrue(r.maxAbsDifference() <= 1e-4, "folding BN changes the last bits, within float rounding: " + r.maxAbsDifference());
	}

	/** A model with an integer output (ArgMax over the logits) is compared as arrays, as before, and with the same result. */
	@Test
	void integerOutputsAreComparedToo() throws Exception {
		ModelProto.Builder m = TRAINED.toProto().toBuilder();
		m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("ArgMax").setName("argmax").addInput("logits").addOutput("class")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)))
				.addOutput(ValueInfoProto.newBuilder().setName("class"));
		OnnxModel withClass = OnnxModel.of(m.build());
		Dataset data = images(SAMPLES);

		FreezeResult r = Freezer.freeze(withClass, "fashion_cnn_trained with argmax", FreezeOptions.defaults(), data);

		assertEquals(independentMaxDifference(Freezer.inferenceView(withClass), r.model(), data), r.maxAbsDifference(), 0.0);
		assertTrue(r.maxAbsDifference() <= 1e-4, "the classes agree, the logits within float rounding: " + r.maxAbsDifference());
	}

	/**
	 * The output side, counted in bytes the test's thread allocates (deterministic, unlike time): a Conv + BatchNormalization
	 * whose output is 128 KB per sample, verified on 16 and then 64 samples (chunks of 8 both times). Copying each output
	 * into Java, as the verification did, allocated 6 x 6 MB more for the 48 more samples (3 copies, 2 sessions); compared
	 * in the sessions' pinned buffers, the 6 more chunks cost a few small objects each.
	 */
	@Test
	void moreSamplesAllocateNoMoreForTheirOutputs() throws Exception {
		OnnxModel model = convBatchNorm();
		Dataset d16 = noise(16);
		Dataset d64 = noise(64);
		Freezer.freeze(model, "conv_bn", FreezeOptions.defaults(), d16); // classes loaded, buffers of ONNX Runtime's Java API made once
		long a16 = allocated(() -> Freezer.freeze(model, "conv_bn", FreezeOptions.defaults(), d16));
		long a64 = allocated(() -> Freezer.freeze(model, "conv_bn", FreezeOptions.defaults(), d64));
		long outputs = 48L * CHANNELS * SIDE * SIDE * 4; // the 48 more samples' outputs, once
		assertTrue(a64 - a16 < outputs / 4, "64 samples allocated " + (a64 - a16) + " bytes more than 16; their outputs are " + outputs);
	}

	/**
	 * Samples whose activations are large are checked fewer at a time, as many as the engine's activation budget holds (the
	 * budget calibration runs its chunks by): eight images of ConvNeXt-T at 224x224 are about 1.1 GB of activations, and the
	 * check of 8 at a time made `quantize` peak at 2.2-2.7 GB. Here one sample is 83 MB of activations (a 1x1 Conv to 64
	 * channels and its Relu at 400x400, then a channel mean), so 3 fit in 256 MB; before, 8 ran at once whatever their size.
	 */
	@Test
	void samplesWithLargeActivationsAreCheckedInChunksWithinTheActivationBudget() {
		Recording data = new Recording(noise(10, WIDE_SIDE));

		FreezeResult r = Freezer.freeze(wideConv(), "wide_conv", FreezeOptions.defaults(), data);

		long perSample = (2L * WIDE_CHANNELS + 1) * WIDE_SIDE * WIDE_SIDE * 4;
		assertEquals(3, ActivationBudget.BYTES / perSample, "the budget holds 3 samples of this model");
		assertEquals(List.of("[0, 3)", "[3, 6)", "[6, 9)", "[9, 10)"), data.chunks, "each sample once, 3 at a time");
		assertEquals(List.of(), data.wholeBatches);
		assertEquals(10, r.verificationSamples());
		// the one rewrite is the mean over the channels as a 1x1 Conv of weights 1/64 (Patterns.channelMean): float rounding only
		assertTrue(r.maxAbsDifference() < 1e-5, "the same outputs but for rounding: " + r.maxAbsDifference());
	}

	private static final int WIDE_CHANNELS = 64;
	private static final int WIDE_SIDE = 400;

	/** x [N, 3, 400, 400] -> 1x1 Conv (64 channels) c -> Relu r -> ReduceMean over the channels y [N, 1, 400, 400]; a dynamic batch. */
	private static OnnxModel wideConv() {
		Random r = new Random(0);
		float[] w = new float[WIDE_CHANNELS * 3];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian();
		}
		ValueInfoProto.Builder x = TestModels.tensor("x", 1, 3, WIDE_SIDE, WIDE_SIDE).toBuilder();
		x.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clearDimValue().setDimParam("N");
		ValueInfoProto.Builder y = TestModels.tensor("y", 1, 1, WIDE_SIDE, WIDE_SIDE).toBuilder();
		y.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clearDimValue().setDimParam("N");
		NodeProto mean = TestModels.node("ReduceMean", "mean", List.of("r"), "y").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1)).build();
		return OnnxModel.of(TestModels.graph(List.of(TestModels.node("Conv", "conv", List.of("x", "w"), "c"), TestModels.node("Relu", "relu", List.of("c"), "r"), mean),
				List.of(TestModels.weight("w", bytes(w), WIDE_CHANNELS, 3, 1, 1)), x.build(), y.build()));
	}

	private static final int CHANNELS = 8;
	private static final int SIDE = 64;

	/** x [8, 3, 64, 64] -> 1x1 Conv (8 channels) -> BatchNormalization -> y [8, 8, 64, 64]; a fixed batch of 8, the verification's. */
	private static OnnxModel convBatchNorm() {
		Random r = new Random(0);
		float[] w = new float[CHANNELS * 3];
		float[] scale = new float[CHANNELS];
		float[] bias = new float[CHANNELS];
		float[] mean = new float[CHANNELS];
		float[] var = new float[CHANNELS];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian();
		}
		for (int c = 0; c < CHANNELS; c++) {
			scale[c] = 0.5f + r.nextFloat();
			bias[c] = (float) r.nextGaussian();
			mean[c] = (float) r.nextGaussian();
			var[c] = 0.5f + r.nextFloat();
		}
		return OnnxModel.of(TestModels.graph(
				List.of(TestModels.node("Conv", "conv", List.of("x", "w"), "c"),
						TestModels.node("BatchNormalization", "bn", List.of("c", "scale", "bias", "mean", "var"), "y")),
				List.of(TestModels.weight("w", bytes(w), CHANNELS, 3, 1, 1), TestModels.weight("scale", bytes(scale), CHANNELS),
						TestModels.weight("bias", bytes(bias), CHANNELS), TestModels.weight("mean", bytes(mean), CHANNELS),
						TestModels.weight("var", bytes(var), CHANNELS)),
				TestModels.tensor("x", 8, 3, SIDE, SIDE), TestModels.tensor("y", 8, CHANNELS, SIDE, SIDE)));
	}

	private static byte[] bytes(float[] values) {
		ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : values) {
			b.putFloat(v);
		}
		return b.array();
	}

	/** {@code n} seeded samples of [3, 64, 64] in memory. */
	private static Dataset noise(int n) {
		return noise(n, SIDE);
	}

	/** {@code n} seeded samples of [3, side, side] in memory. */
	private static Dataset noise(int n, int side) {
		Random r = new Random(n);
		float[] f = new float[n * 3 * side * side];
		for (int i = 0; i < f.length; i++) {
			f[i] = r.nextFloat();
		}
		return new ArrayDataset("noise" + n, f, new long[] { 3, side, side }, null);
	}

	/** Bytes this thread allocated while {@code run} ran (the JVM's per-thread counter, through the platform MBean server). */
	private static long allocated(Runnable run) throws Exception {
		MBeanServer server = ManagementFactory.getPlatformMBeanServer();
		ObjectName threading = new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME);
		Object[] id = { Thread.currentThread().threadId() };
		String[] signature = { "long" };
		long before = (Long) server.invoke(threading, "getThreadAllocatedBytes", id, signature);
		run.run();
		return (Long) server.invoke(threading, "getThreadAllocatedBytes", id, signature) - before;
	}

	/** The reader under the verification: arrays kept per chunk size, written by in-memory datasets too, with the values read() gives. */
	@Test
	void chunksOfAnArrayDatasetAreWrittenIntoTheArraysKept() {
		Dataset base = new ArrayDataset("images", Arrays.copyOf(IMAGES.pixels(), 20 * 784), new long[] { 1, 28, 28 }, null);
		Recording data = new Recording(base);
		InputChunks chunks = new InputChunks(data);
		for (int from = 0; from < 20; from += 8) {
			NdArray x = chunks.read(from, Math.min(20, from + 8));
			assertArrayEquals(base.read(from, Math.min(20, from + 8)).inputs().floats(), x.floats());
			assertArrayEquals(new long[] { Math.min(20, from + 8) - from, 1, 28, 28 }, x.shape());
		}
		NdArray again = chunks.read(0, 8);
		assertArrayEquals(base.read(0, 8).inputs().floats(), again.floats());
		assertEquals(List.of(1, 3), data.offered.values().stream().sorted().toList(), "an array for 8 samples (3 reads) and one for 4");
	}

	/** The readers `--data` opens for folders of images and IDX files write into the arrays kept too, with the values read() gives. */
	@Test
	void imageFoldersAndIdxFilesAreReadIntoTheArraysKept() {
		for (Path path : List.of(TestData.example("data/evaluation"), Zoo.calibrationImages())) {
			Dataset base = Datasets.open(path, null).limit(20);
			Recording data = new Recording(base);
			InputChunks chunks = new InputChunks(data);
			for (int from = 0; from < 20; from += 8) {
				int to = Math.min(20, from + 8);
				NdArray x = chunks.read(from, to);
				assertArrayEquals(base.read(from, to).inputs().floats(), x.floats(), path.toString());
				assertArrayEquals(base.read(from, to).inputs().shape(), x.shape());
			}
			assertFalse(data.offered.containsKey(null), path + ": an array offered for every read (the reader wrote into each)");
			assertEquals(List.of(1, 2), data.offered.values().stream().sorted().toList(), path + ": an array for 8 samples (2 reads) and one for 4");
		}
	}

	/** Samples that are not float are read into new memory, as the dataset returns them, and no array is offered again. */
	@Test
	void aDatasetThatDoesNotWriteIntoTheArrayIsNotOfferedOneAgain() throws Exception {
		byte[] pixels = new byte[12 * 784];
		for (int i = 0; i < pixels.length; i++) {
			pixels[i] = (byte) Math.round(IMAGES.pixels()[i] * 255);
		}
		Path file = dir.resolve("uint8.npy");
		NpyArray.write(file, NdArray.ofBytes(DataType.UINT8, new long[] { 12, 1, 28, 28 }, pixels));
		Recording data = new Recording(NpyDataset.open(file, null));
		InputChunks chunks = new InputChunks(data);
		for (int from = 0; from < 12; from += 4) {
			NdArray x = chunks.read(from, from + 4);
			assertEquals(DataType.UINT8, x.type());
			assertArrayEquals(Arrays.copyOfRange(pixels, from * 784, (from + 4) * 784), x.bytes());
		}
		assertEquals(List.of("[0, 4)", "[4, 8)", "[8, 12)"), data.chunks);
		assertEquals(2, data.offered.size(), "one array, then none: " + data.offered);
		assertEquals(2, data.offered.get(null), "no array offered after the first was declined");
	}

	/** The first {@code n} evaluation images as an .npy dataset, the reader `quantize --data x.npy` uses. */
	private Dataset images(int n) throws Exception {
		Path file = dir.resolve("images" + n + ".npy");
		NpyArray.write(file, NdArray.ofFloats(new long[] { n, 1, 28, 28 }, Arrays.copyOf(IMAGES.pixels(), n * 784)));
		return NpyDataset.open(file, null);
	}

	/** max |original - converted| over every output element, from whole output arrays, 8 samples a run. */
	private static double independentMaxDifference(OnnxModel original, OnnxModel converted, Dataset data) {
		double max = 0;
		int n = Math.min(64, data.size());
		try (InferenceSession a = InferenceSession.open(original, SessionSettings.defaults(), "original");
				InferenceSession b = InferenceSession.open(converted, SessionSettings.defaults(), "converted")) {
			for (int from = 0; from < n; from += 8) {
				NdArray x = data.read(from, Math.min(n, from + 8)).inputs();
				Map<String, NdArray> ra = a.run(Map.of("input", x));
				Map<String, NdArray> rb = b.run(Map.of("input", x));
				assertEquals(ra.keySet(), rb.keySet());
				for (String o : ra.keySet()) {
					float[] p = ra.get(o).toFloats();
					float[] q = rb.get(o).toFloats();
					assertEquals(p.length, q.length);
					for (int i = 0; i < p.length; i++) {
						max = Math.max(max, Math.abs(p[i] - q[i]));
					}
				}
			}
		}
		return max;
	}

	/** Records how a dataset is read: whole batches, and the chunks read into offered arrays (by array, how often). */
	private static final class Recording implements Dataset {

		final Dataset base;
		final List<String> wholeBatches = new ArrayList<>();
		final List<String> chunks = new ArrayList<>();
		final Map<float[], Integer> offered = new IdentityHashMap<>();

		Recording(Dataset base) {
			this.base = base;
		}

		@Override
		public String name() {
			return base.name();
		}

		@Override
		public int size() {
			return base.size();
		}

		@Override
		public long[] sampleShape() {
			return base.sampleShape();
		}

		@Override
		public Batch read(int from, int to) {
			wholeBatches.add("[" + from + ", " + to + ")");
			return base.read(from, to);
		}

		@Override
		public NdArray readInputs(int from, int to, float[] reuse) {
			chunks.add("[" + from + ", " + to + ")");
			offered.merge(reuse, 1, Integer::sum);
			NdArray x = base.readInputs(from, to, reuse);
			if (reuse != null && x.type() == DataType.FLOAT) {
				assertTrue(reuse == x.data(), base.name() + ": the reader writes into the array it is offered, samples [" + from + ", " + to + ")");
			}
			return x;
		}
	}
}
