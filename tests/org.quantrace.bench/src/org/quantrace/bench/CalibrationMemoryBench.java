package org.quantrace.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.QuantizationPlan;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestData;

/**
 * Calibration memory on the case: a DB-style text detector of 4.7 MB (tests/org.quantrace.bench/make_detector.py)
 * calibrated on 4, 16 and 64 images of 320x320, each configuration in a fresh JVM so that its peaks are its own.
 * Prints, side by side, peak resident memory (and how much of it is anonymous, i.e. not the memory-mapped calibration
 * file), peak Java heap in use, peak direct buffers, time, and the ratios 64/4 and 64/16 of each: the targets are memory flat in
 * the number of samples and at most 1 GB for 320x320 inputs. Also calibration time against the faster of bare float
 * inference in batches of 32 and of 4 over the same images (target at most 1.3x). {@code -Dbench.childOptions="-Xmx512m"}
 * passes JVM options to the measured JVMs, {@code -Dbench.configurations=quantize-fiq-int8,calibrate-minmax} measures only
 * those. Run it with {@code bench.sh memory}; not a test.
 */
public final class CalibrationMemoryBench {

	static final int[] SAMPLE_COUNTS = { 4, 16, 64 };
	static final int BATCH = 32;

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("--one")) {
			one(args[1], Path.of(args[2]), Path.of(args[3]));
			return;
		}
		Path dir = TestData.root().resolve("quantrace-out/bench/detector");
		Path model = dir.resolve("detector.onnx");
		Path images = dir.resolve("images64.npy");
		if (!Files.exists(model) || !Files.exists(images)) {
			make(model, images);
		}
		Map<Integer, Path> data = new LinkedHashMap<>();
		NdArray all = NpyArray.open(images).read();
		for (int n : SAMPLE_COUNTS) {
			Path p = dir.resolve("images" + n + ".npy");
			if (!Files.exists(p)) {
				long per = all.elementCount() / all.shape()[0];
				float[] f = java.util.Arrays.copyOf(all.floats(), Math.toIntExact(n * per));
				NpyArray.write(p, NdArray.ofFloats(new long[] { n, 3, 320, 320 }, f));
			}
			data.put(n, p);
		}
		System.out.printf(Locale.ROOT, "Detector %s (%,d bytes), ONNX Runtime %s, %d cores, Java %s, calibration batch %d%n%n", model, Files.size(model),
				InferenceSession.runtimeVersion(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), BATCH);
		System.out.printf(Locale.ROOT, "%-28s %7s %10s %10s %10s %10s %9s %9s%n", "what", "images", "peak RSS", "anon", "heap", "direct", "time", "cpu");
		List<String> ratios = new ArrayList<>();
		List<String> configurations = List.of("bare-inference", "bare-inference-batch4", "calibrate-minmax", "calibrate-entropy", "calibrate-percentile",
				"calibrate-l2", "quantize-fiq-int8");
		String only = System.getProperty("bench.configurations", "").trim(); // e.g. quantize-fiq-int8,calibrate-minmax: only these
		if (!only.isEmpty()) {
			List<String> chosen = List.of(only.split(","));
			configurations = configurations.stream().filter(chosen::contains).toList();
		}
		for (String what : configurations) {
			Map<Integer, double[]> byCount = new LinkedHashMap<>();
			for (int n : SAMPLE_COUNTS) {
				double[] r = child(what, model, data.get(n));
				byCount.put(n, r);
				System.out.printf(Locale.ROOT, "%-28s %7d %7.0f MB %7.0f MB %7.0f MB %7.0f MB %7.2f s %7.2f s%n", what, n, r[0], r[1], r[2], r[3], r[4], r[5]);
			}
			double[] b = byCount.get(SAMPLE_COUNTS[SAMPLE_COUNTS.length - 1]);
			for (int i = 0; i < SAMPLE_COUNTS.length - 1; i++) {
				double[] a = byCount.get(SAMPLE_COUNTS[i]);
				ratios.add(String.format(Locale.ROOT, "%-28s peak RSS x%.2f, anon x%.2f, heap x%.2f (%d vs %d images; time x%.2f)", what, b[0] / a[0],
						b[1] / a[1], b[2] / a[2], SAMPLE_COUNTS[SAMPLE_COUNTS.length - 1], SAMPLE_COUNTS[i], b[4] / a[4]));
			}
			if (what.startsWith("bare-inference")) {
				// the faster of the two batch sizes: calibration is compared with the best bare float inference, not a slow one
				byCount.forEach((n, r) -> bare.merge(n, r[4], Math::min));
				byCount.forEach((n, r) -> bareCpu.merge(n, r[5], Math::min));
			} else if (what.startsWith("calibrate-") && bare.size() == SAMPLE_COUNTS.length) {
				for (int n : SAMPLE_COUNTS) {
					ratios.add(String.format(Locale.ROOT, "%-28s calibration / fastest bare inference on %d images: %.2fx (target <= 1.3x); CPU time %.2fx",
							what, n, byCount.get(n)[4] / bare.get(n), byCount.get(n)[5] / bareCpu.get(n)));
				}
			}
		}
		System.out.println();
		ratios.forEach(System.out::println);
	}

	/** Seconds of the fastest bare float inference, by number of images. */
	private static final Map<Integer, Double> bare = new LinkedHashMap<>();
	/**
	 * Seconds of CPU time of the least costly bare float inference, by number of images: on a machine shared with other builds
	 * wall time varies 2x from run to run, the CPU time a configuration uses much less (ONNX Runtime's threads spin while
	 * waiting for work in bare inference, not in histogram calibration, so this ratio flatters histogram calibration a little).
	 */
	private static final Map<Integer, Double> bareCpu = new LinkedHashMap<>();

	/** Runs one configuration in a fresh JVM (same class path, the launcher's options) and reads its figures. */
	private static double[] child(String what, Path model, Path data) throws IOException, InterruptedException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		// -Xss: with the class path spelled out (not a wildcard) the child's main thread overflowed its 1 MB stack in ONNX Runtime's native code (SIGSEGV)
		List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-Dquantrace.root=" + TestData.root()));
		String childOptions = System.getProperty("bench.childOptions", "").trim(); // e.g. -Xmx512m, to tell heap growth from a leak
		if (!childOptions.isEmpty()) {
			cmd.addAll(List.of(childOptions.split("\\s+")));
		}
		if (Runtime.version().feature() >= 23) {
			cmd.add("--sun-misc-unsafe-memory-access=allow");
		}
		cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CalibrationMemoryBench.class.getName(), "--one", what, model.toString(),
				data.toString()));
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
			throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
		}
		String line = out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(() -> new IllegalStateException(out));
		String[] f = line.substring(7).trim().split(" ");
		double[] r = new double[f.length];
		for (int i = 0; i < f.length; i++) {
			r[i] = Double.parseDouble(f[i]);
		}
		return r;
	}

	/** In the child: one configuration, its peaks sampled every 2 ms while it runs. */
	private static void one(String what, Path modelPath, Path dataPath) throws Exception {
		OnnxModel model = OnnxModel.load(modelPath);
		Dataset data = NpyDataset.open(dataPath, null);
		Sampler sampler = new Sampler();
		sampler.start();
		long start = System.nanoTime();
		long cpuStart = cpuNanos();
		switch (what) {
		case "bare-inference", "bare-inference-batch4" -> {
			int batch = what.equals("bare-inference") ? BATCH : 4;
			try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "bare")) {
				for (int from = 0; from < data.size(); from += batch) {
					s.run(data.read(from, Math.min(data.size(), from + batch)).inputs());
				}
			}
		}
		case "calibrate-minmax", "calibrate-entropy", "calibrate-percentile", "calibrate-l2" -> {
			Method m = Method.valueOf(what.substring("calibrate-".length()).toUpperCase(Locale.ROOT));
			Map<String, TensorInfo> shapes = Calibrator.shapes(model, "detector");
			List<String> tensors = QuantizationPlan.fullInteger(model, Schemes.preset("fiq_int8"), shapes).calibrationTensors();
			start = System.nanoTime(); // the time of calibration itself, as bare inference's (the quantizer probes shapes once for everything)
			cpuStart = cpuNanos();
			Calibrator.calibrate(model, "detector", tensors, data, CalibrationSettings.minMax().with(m).withBatchSize(BATCH), shapes, Progress.NONE);
		}
		case "quantize-fiq-int8" -> { // what `quantrace quantize --scheme fiq-int8` does: pre-processing, then quantization
			Preprocessing.Outcome pre = Preprocessing.of(model, "detector", data, true);
			QuantizationSpec spec = Schemes.preset("fiq_int8").toBuilder().calibration(CalibrationSettings.minMax().withBatchSize(BATCH)).build();
			Quantizer.quantize(pre.model(model), "detector", spec, data, Progress.NONE);
		}
		default -> throw new IllegalArgumentException(what);
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		double cpu = (cpuNanos() - cpuStart) / 1e9;
		sampler.finish();
		System.out.printf(Locale.ROOT, "RESULT %.1f %.1f %.1f %.1f %.3f %.3f%n", sampler.hwm / 1024.0, sampler.anon / 1024.0, sampler.heap / 1e6,
				sampler.direct / 1e6, seconds, cpu);
	}

	/** CPU time of the whole process (every thread, ONNX Runtime's included): utime + stime of /proc/self/stat, in ticks of 10 ms. */
	private static long cpuNanos() {
		try {
			String stat = Files.readString(Path.of("/proc/self/stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
			return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	/** Peaks of resident memory (/proc/self/status: VmHWM, RssAnon), Java heap in use and direct buffers. */
	private static final class Sampler extends Thread {
		long hwm;
		long anon;
		long heap;
		long direct;
		private volatile boolean running = true;
		private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(x -> x.getType() == MemoryType.HEAP)
				.toList();
		private final BufferPoolMXBean directPool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
				.filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();

		Sampler() {
			setDaemon(true);
			heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
		}

		@Override
		public void run() {
			while (running) {
				sample();
				try {
					Thread.sleep(2);
				} catch (InterruptedException e) {
					return;
				}
			}
		}

		void finish() throws InterruptedException {
			running = false;
			join();
			sample();
			heap = heapPools.stream().mapToLong(x -> x.getPeakUsage().getUsed()).sum();
		}

		private void sample() {
			try {
				for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
					if (l.startsWith("VmHWM:")) {
						hwm = Math.max(hwm, kb(l));
					} else if (l.startsWith("RssAnon:")) {
						anon = Math.max(anon, kb(l));
					}
				}
			} catch (IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
			direct = Math.max(direct, directPool.getMemoryUsed());
		}

		private static long kb(String line) {
			return Long.parseLong(line.replaceAll("[^0-9]", ""));
		}
	}

	/** Writes the detector and 64 seeded random images with the torch script (Debian's python3-torch). */
	private static void make(Path model, Path images) throws IOException, InterruptedException {
		Files.createDirectories(model.getParent());
		Path script = TestData.root().resolve("tests/org.quantrace.bench/make_detector.py");
		Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), model.toString(), images.toString(), "64").redirectErrorStream(true)
				.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (p.waitFor() != 0) {
			throw new IllegalStateException("making the detector needs /usr/bin/python3 with torch (Debian python3-torch):\n" + out);
		}
	}
}
