package org.quantrace.measure;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import ai.onnxruntime.OrtException;

/**
 * A measuring client for quantized ONNX models that shares no code with the tool that made them: ONNX
 * Runtime's Java API for loading and running, the ONNX protobuf classes for reading graphs, its own
 * readers for the data. For a float model and its quantized twin it tells whether ONNX Runtime loads
 * both, their accuracy, their throughput side by side at batch 1 and 64 (two intra-op threads, or {@code --threads}), and
 * the share of MACs ONNX Runtime runs in integer kernels.
 *
 * <pre>
 * java -cp ... org.quantrace.measure.Measure FP32.onnx QUANTIZED.onnx IMAGES LABELS [--rounds N] [--block SECONDS] [--threads N]
 * </pre>
 *
 * {@code --threads} sets the timed sessions' intra-op threads (default {@link #THREADS}, the bench's): a quantized model can
 * gain at one thread what it loses at two, where ONNX Runtime's float kernels scale better than its integer ones (the zoo
 * MobileNetV3, tests/data/wild/README.md, mnv67).
 */
public final class Measure {

	/** Intra-op threads of the timed sessions. */
	public static final int THREADS = 2;

	private Measure() {
	}

	/** Why ONNX Runtime cannot load the model (first line of its message), or empty when it loads. */
	public static Optional<String> loadError(Path model) {
		try (LoadedModel m = LoadedModel.open(model, 1)) {
			return Optional.empty();
		} catch (OrtException | RuntimeException e) {
			return Optional.of(String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName()));
		}
	}

	/** Top-1 (class labels) or binary accuracy (multilabel targets) over all samples, in batches of 500. */
	public static double accuracy(Path model, Samples data) throws OrtException {
		try (LoadedModel m = LoadedModel.open(model, THREADS)) {
			return Accuracy.of(m, data, 500);
		}
	}

	/** Integer share of the MACs after ONNX Runtime's graph optimization; keeps the optimized model when {@code keep} is set. */
	public static IntegerMacs integerMacs(Path model, long[] sampleShape, Path keep) throws OrtException {
		return IntegerMacs.of(model, sampleShape, keep);
	}

	/** Throughput of {@code candidate} against {@code baseline}, interleaved, medians over {@code rounds}. */
	public static Throughput throughput(Path baseline, Path candidate, Samples data, int batch, int rounds, double blockSeconds)
			throws OrtException {
		return throughput(baseline, candidate, data, batch, rounds, blockSeconds, THREADS);
	}

	/** {@link #throughput(Path, Path, Samples, int, int, double)} with {@code threads} intra-op threads per session. */
	public static Throughput throughput(Path baseline, Path candidate, Samples data, int batch, int rounds, double blockSeconds, int threads)
			throws OrtException {
		try (LoadedModel a = LoadedModel.open(baseline, threads); LoadedModel b = LoadedModel.open(candidate, threads)) {
			return Throughput.measure(a, b, data, batch, rounds, blockSeconds);
		}
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 4) {
			System.err.println("usage: Measure FP32.onnx QUANTIZED.onnx IMAGES LABELS [--rounds N] [--block SECONDS] [--threads N]");
			System.exit(2);
		}
		int rounds = 7;
		double block = 0.25;
		int threads = THREADS;
		for (int i = 4; i + 1 < args.length; i += 2) {
			switch (args[i]) {
			case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
			case "--block" -> block = Double.parseDouble(args[i + 1]);
			case "--threads" -> threads = Integer.parseInt(args[i + 1]);
			default -> throw new IllegalArgumentException("unknown option " + args[i]);
			}
		}
		Path fp32 = Path.of(args[0]);
		Path q = Path.of(args[1]);
		Samples data = Samples.read(Path.of(args[2]), Path.of(args[3]));
		System.out.printf(Locale.ROOT, "ONNX Runtime %s, %d intra-op threads, %d samples%n", LoadedModel.ENV.getVersion(), threads, data.count());
		for (Path p : new Path[] { fp32, q }) {
			Optional<String> error = loadError(p);
			if (error.isPresent()) {
				System.out.printf("%s: ONNX Runtime cannot load it: %s%n", p, error.get());
				System.exit(1);
			}
			IntegerMacs macs = integerMacs(p, data.shape(), null);
			System.out.printf(Locale.ROOT, "%s: accuracy %.4f, integer MACs %.1f %% of %,d per sample (%s)%n", p, accuracy(p, data), 100 * macs.share(),
					macs.integerMacs() + macs.floatMacs(), macs.probe());
		}
		for (int batch : new int[] { 1, 64 }) {
			Throughput t = throughput(fp32, q, data, batch, rounds, block, threads);
			System.out.printf(Locale.ROOT, "batch %2d: fp32 %,.0f/s, quantized %,.0f/s, speed-up %.2fx (median of %d interleaved rounds)%n", batch,
					t.baseline(), t.candidate(), t.speedUp(), rounds);
		}
	}
}
