package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Labels;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Calibration of a model whose activations are too large to run a whole batch at once within the calibrator's memory
 * budget (a 2048-channel Conv on 28x28 images: 6.4 MB per tensor and sample, as a 320x320 detector's early layers): the
 * batch of 32 runs in chunks (seen in the progress it reports), and the ranges are those of the whole batches, computed
 * here a second way, from every value of every tensor, sample by sample.
 */
class CalibrationMemoryTest {

	private static final int SAMPLES = 40;
	private static final int CHANNELS = 2048;
	private static final List<String> TENSORS = List.of("x", "c", "m", "a", "y");

	/** x [N, 1, 28, 28] -> Conv (2048 channels, seeded weights) c -> Mul 0.5 m -> Add -0.1 a -> Relu y. */
	private static OnnxModel model(List<String> outputs) {
		Random r = new Random(0);
		float[] w = new float[CHANNELS * 9];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian() * 0.5f;
		}
		GraphProto.Builder g = GraphProto.newBuilder().setName("wide").addInitializer(floats("w", w, CHANNELS, 1, 3, 3))
				.addInitializer(floats("half", new float[] { 0.5f })).addInitializer(floats("shift", new float[] { -0.1f }))
				.addNode(NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("x").addInput("w").addOutput("c")
						.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L))))
				.addNode(NodeProto.newBuilder().setOpType("Mul").setName("mul").addInput("c").addInput("half").addOutput("m"))
				.addNode(NodeProto.newBuilder().setOpType("Add").setName("add").addInput("m").addInput("shift").addOutput("a"))
				.addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("a").addOutput("y"))
				.addInput(ValueInfoProto.newBuilder().setName("x").setType(type(28)));
		outputs.forEach(o -> g.addOutput(ValueInfoProto.newBuilder().setName(o)));
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());
	}

	private static TypeProto type(int side) {
		TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1)).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(side))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(side));
		return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)).build();
	}

	private static TensorProto floats(String name, float[] values, long... dims) {
		java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		for (float v : values) {
			b.putFloat(v);
		}
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
		for (long d : dims) {
			t.addDims(d);
		}
		return t.build();
	}

	private static final float[] PIXELS = pixels();

	private static float[] pixels() {
		Random r = new Random(1);
		float[] p = new float[SAMPLES * 784];
		for (int i = 0; i < p.length; i++) {
			p[i] = r.nextFloat();
		}
		return p;
	}

	private static final Dataset DATA = new ArrayDataset("random images", PIXELS, new long[] { 1, 28, 28 }, Labels.singleLabel(new int[SAMPLES]));

	/**
	 * Per batch of {@code batch} samples, each tensor's [min, max], from every value of every tensor, the model run one
	 * sample at a time (a batch of 40 would need 1 GB of outputs at once).
	 */
	private static List<Map<String, float[]>> batchExtremes(int batch) {
		List<Map<String, float[]>> batches = new ArrayList<>();
		try (InferenceSession s = InferenceSession.open(model(List.of("c", "m", "a", "y")), SessionSettings.defaults(), "wide (reference)")) {
			for (int from = 0; from < SAMPLES; from += batch) {
				Map<String, float[]> extremes = new LinkedHashMap<>();
				for (int i = from; i < Math.min(SAMPLES, from + batch); i++) {
					NdArray x = NdArray.ofFloats(new long[] { 1, 1, 28, 28 }, java.util.Arrays.copyOfRange(PIXELS, i * 784, (i + 1) * 784));
					widen(extremes, "x", x.floats());
					s.run(Map.of("x", x)).forEach((name, values) -> widen(extremes, name, values.floats()));
				}
				batches.add(extremes);
			}
		}
		return batches;
	}

	private static void widen(Map<String, float[]> extremes, String tensor, float[] values) {
		float[] e = extremes(values);
		extremes.merge(tensor, e, (a, b) -> new float[] { Math.min(a[0], b[0]), Math.max(a[1], b[1]) });
	}

	private static float[] extremes(float[] values) {
		float lo = Float.POSITIVE_INFINITY;
		float hi = Float.NEGATIVE_INFINITY;
		for (float v : values) {
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		return new float[] { lo, hi };
	}

	/** Counts the progress steps: one per run of a chunk. */
	private static final class Steps implements Progress {
		final List<Long> advances = new ArrayList<>();

		@Override
		public Task start(String label, long total, String unit) {
			return new Task() {
				@Override
				public void advance(long amount) {
					advances.add(amount);
				}

				@Override
				public void close() {
				}
			};
		}
	}

	private static CalibrationResult calibrate(CalibrationSettings settings, Steps steps) {
		return Calibrator.calibrate(model(List.of("y")), "wide", TENSORS, DATA, settings, steps);
	}

	@Test
	void minMaxOfChunkedBatchesIsThatOfTheWholeData() {
		Steps steps = new Steps();
		CalibrationResult r = calibrate(CalibrationSettings.minMax().withBatchSize(32), steps);

		assertTrue(steps.advances.size() > 2, "the batches of 32 ran in chunks: " + steps.advances);
		assertEquals(SAMPLES, steps.advances.stream().mapToLong(Long::longValue).sum());
		List<Map<String, float[]>> batches = batchExtremes(SAMPLES);
		for (String t : TENSORS) {
			float[] e = batches.get(0).get(t);
			assertEquals(e[0], r.ranges().get(t).min(), 1e-6, t);
			assertEquals(e[1], r.ranges().get(t).max(), 1e-6, t);
		}
		assertTrue(r.ranges().get("c").min() < -1 && r.ranges().get("c").max() > 1, "a signed activation: " + r.ranges().get("c"));
	}

	/** Moving averages update once per batch of 32 (not per chunk): m = b1 + c (b2 - b1) over the two batches. */
	@Test
	void movingAverageStillUpdatesOncePerBatch() {
		CalibrationSettings settings = CalibrationSettings.minMax().with(Method.MOVING_AVERAGE).withBatchSize(32);
		Steps steps = new Steps();
		CalibrationResult r = calibrate(settings, steps);

		assertTrue(steps.advances.size() > 2, "chunks: " + steps.advances);
		List<Map<String, float[]>> batches = batchExtremes(32);
		assertEquals(2, batches.size());
		double c = settings.averagingConstant();
		for (String t : TENSORS) {
			double lo = batches.get(0).get(t)[0] + c * (batches.get(1).get(t)[0] - batches.get(0).get(t)[0]);
			double hi = batches.get(0).get(t)[1] + c * (batches.get(1).get(t)[1] - batches.get(0).get(t)[1]);
			assertEquals(lo, r.ranges().get(t).min(), 1e-5, t);
			assertEquals(hi, r.ranges().get(t).max(), 1e-5, t);
		}
	}

	/** Histograms see every value once however the tensors are split into chunks and groups of runs. */
	@Test
	void histogramMethodsSeeEveryValueOnce() {
		List<Map<String, float[]>> whole = batchExtremes(SAMPLES);
		for (Method m : List.of(Method.PERCENTILE, Method.ENTROPY, Method.L2)) {
			Steps steps = new Steps();
			CalibrationResult r = calibrate(CalibrationSettings.minMax().with(m).withBatchSize(32), steps);
			assertTrue(steps.advances.size() > 2, m + " chunks: " + steps.advances);
			assertEquals(SAMPLES, steps.advances.stream().mapToLong(Long::longValue).sum());
			for (String t : TENSORS) {
				float[] e = whole.get(0).get(t);
				assertEquals(e[0], r.observed().get(t).min(), 1e-6, m + " " + t + " observed");
				assertEquals(e[1], r.observed().get(t).max(), 1e-6, m + " " + t + " observed");
				Range range = r.ranges().get(t);
				assertTrue(range.min() >= Math.min(e[0], 0) - 1e-6 && range.max() <= Math.max(e[1], 0) + 1e-6, m + " " + t + " " + range);
				assertTrue(range.max() > 0, m + " " + t + " " + range);
			}
		}
	}
}
