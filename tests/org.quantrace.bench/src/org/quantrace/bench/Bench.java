package org.quantrace.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationPlan;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/**
 * Prints the figures behind the project's speed and memory targets, measured side by side in one run:
 * calibration time vs bare float inference over the same samples, peak heap while calibrating 300 vs
 * 3,000 samples, int8 vs fp32 throughput at batch 64, and int8 vs fp32 top-1 on the 10k test set.
 * Not a test: run it with tests/org.quantrace.bench/bench.sh.
 */
public final class Bench {

	public static void main(String[] args) throws Exception {
		Path modelPath = Path.of(args.length > 0 ? args[0] : "../shared/reference-models/fashion_resnet_wide.onnx");
		OnnxModel model = OnnxModel.load(modelPath);
		System.out.printf(Locale.ROOT, "Model %s, ONNX Runtime %s, %d cores, Java %s%n%n", modelPath, InferenceSession.runtimeVersion(),
				Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

		FashionMnist.Samples test = FashionMnist.testSet();
		Path dir = Files.createTempDirectory("quantrace-bench");
		Path npy300 = dir.resolve("300.npy");
		Path npy1000 = dir.resolve("1000.npy");
		NpyArray.write(npy1000, NdArray.ofFloats(new long[] { 1000, 1, 28, 28 }, Arrays.copyOf(test.pixels(), 1000 * 784)));
		Path npy3000 = dir.resolve("3000.npy");
		NpyArray.write(npy300, NdArray.ofFloats(new long[] { 300, 1, 28, 28 }, Arrays.copyOf(test.pixels(), 300 * 784)));
		NpyArray.write(npy3000, NdArray.ofFloats(new long[] { 3000, 1, 28, 28 }, Arrays.copyOf(test.pixels(), 3000 * 784)));
		Dataset calibration = NpyDataset.open(npy300, null);

		List<String> tensors = QuantizationPlan.fullInteger(model, Schemes.preset("fiq_float32"),
				ShapeProbe.probe(model, "bench")).calibrationTensors();
		Dataset timing = NpyDataset.open(npy1000, null);
		System.out.printf(Locale.ROOT, "1. Calibration vs bare float inference, 1,000 samples, batch 32, %d tensors calibrated (median of 5)%n",
				tensors.size());
		for (Method method : Method.values()) {
			CalibrationSettings settings = CalibrationSettings.minMax().with(method).withBatchSize(32);
			calibrate(model, tensors, timing, settings); // warm-up
			bare(model, timing, 32);
			double calib = median(5, () -> calibrate(model, tensors, timing, settings));
			double bare = median(5, () -> bare(model, timing, 32));
			System.out.printf(Locale.ROOT, "   %-15s calibration %7.3f s   bare inference %7.3f s   ratio %.2f%n", method.literal(), calib, bare, calib / bare);
		}

		System.out.println();
		System.out.println("2. Heap while calibrating: largest live set seen after any garbage collection, and peak including garbage");
		for (Method method : List.of(Method.MINMAX, Method.ENTROPY)) {
			for (Path data : List.of(npy300, npy3000)) {
				Dataset d = NpyDataset.open(data, null);
				CalibrationSettings settings = CalibrationSettings.minMax().with(method).withBatchSize(32);
				long[] heap = heap(() -> calibrate(model, tensors, d, settings));
				System.out.printf(Locale.ROOT, "   %-8s %5d samples: live %6.1f MB, peak %6.1f MB, %d collections%n", method.literal(), d.size(),
						heap[0] / 1e6, heap[1] / 1e6, heap[2]);
			}
		}

		System.out.println();
		QuantizationResult int8 = Quantizer.quantize(model, "bench", Schemes.preset("fiq_float32"), calibration,
				Progress.NONE);
		System.out.println("3. Throughput at batch 64 (images/s, median of 5 rounds of 20 batches, sessions interleaved)");
		NdArray batch = NdArray.ofFloats(new long[] { 64, 1, 28, 28 }, Arrays.copyOf(test.pixels(), 64 * 784));
		try (InferenceSession fp32 = InferenceSession.open(model, SessionSettings.defaults(), "fp32");
				InferenceSession q = InferenceSession.open(int8.model(), SessionSettings.defaults(), "int8")) {
			for (int i = 0; i < 5; i++) {
				fp32.run(batch);
				q.run(batch);
			}
			double[] f = new double[5];
			double[] iq = new double[5];
			for (int round = 0; round < 5; round++) {
				f[round] = throughput(fp32, batch);
				iq[round] = throughput(q, batch);
			}
			Arrays.sort(f);
			Arrays.sort(iq);
			System.out.printf(Locale.ROOT, "   fp32 %8.0f   int8 (FIQ, U8S8 QDQ) %8.0f   speed-up %.2fx%n", f[2], iq[2], iq[2] / f[2]);
		}
		System.out.printf(Locale.ROOT, "   model size fp32 %,d bytes, int8 %,d bytes (%.3fx)%n", Files.size(modelPath), int8.model().toBytes().length,
				int8.model().toBytes().length / (double) Files.size(modelPath));

		System.out.println();
		System.out.println("4. Top-1 on the 10,000 Fashion-MNIST test images");
		double fp = ModelAccuracy.top1(model, test);
		double q = ModelAccuracy.top1(int8.model(), test);
		System.out.printf(Locale.ROOT, "   fp32 %.4f   int8 %.4f   difference %+.2f pt%n", fp, q, 100 * (q - fp));
	}

	private static void calibrate(OnnxModel model, List<String> tensors, Dataset data, CalibrationSettings settings) {
		Calibrator.calibrate(model, "bench", tensors, data, settings, Progress.NONE);
	}

	/** The float model over the same samples and batches, reading them the same way, nothing else. */
	private static void bare(OnnxModel model, Dataset data, int batchSize) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "bare")) {
			for (int from = 0; from < data.size(); from += batchSize) {
				Batch b = data.read(from, Math.min(data.size(), from + batchSize));
				s.run(b.inputs());
			}
		}
	}

	private static double throughput(InferenceSession s, NdArray batch) {
		long start = System.nanoTime();
		for (int i = 0; i < 20; i++) {
			s.run(batch);
		}
		return 20 * 64 / ((System.nanoTime() - start) / 1e9);
	}

	private static double median(int runs, Runnable work) {
		double[] t = new double[runs];
		for (int i = 0; i < runs; i++) {
			long start = System.nanoTime();
			work.run();
			t[i] = (System.nanoTime() - start) / 1e9;
		}
		Arrays.sort(t);
		return t[runs / 2];
	}

	/**
	 * {largest heap in use right after a collection (the live set), peak heap in use, collections}, with
	 * an explicit full collection at the end so that the live set is measured at least once.
	 */
	private static long[] heap(Runnable work) {
		System.gc();
		List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
		heap.forEach(MemoryPoolMXBean::resetPeakUsage);
		long before = heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
		long[] live = { 0 };
		long gcBefore = collections();
		List<javax.management.NotificationEmitter> emitters = ManagementFactory.getGarbageCollectorMXBeans().stream()
				.map(b -> (javax.management.NotificationEmitter) b).toList();
		javax.management.NotificationListener listener = (n, h) -> {
			long used = heap.stream().mapToLong(p -> p.getCollectionUsage() == null ? 0 : p.getCollectionUsage().getUsed()).sum();
			synchronized (live) {
				live[0] = Math.max(live[0], used);
			}
		};
		emitters.forEach(e -> e.addNotificationListener(listener, null, null));
		long peak;
		try {
			work.run();
			peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
		} finally {
			emitters.forEach(e -> {
				try {
					e.removeNotificationListener(listener);
				} catch (javax.management.ListenerNotFoundException ignored) {
					// already gone
				}
			});
		}
		return new long[] { Math.max(0, live[0] - before), peak - before, collections() - gcBefore };
	}

	private static long collections() {
		return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionCount())).sum();
	}

	static {
		TestData.root(); // fail early when not run from a checkout
	}
}
