package org.quantrace.measure;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;

/**
 * CPU time per batch of several models, side by side, without ONNX Runtime's profiler: {@link Profile}'s CPU figure
 * includes the profiler's own work per node (an event written for every kernel), which weighs on a quantized model of
 * many small nodes more than on its fused float model (dae: a QDQ model of 20 nodes against 7). With one intra-op
 * thread the calling thread does all the work, so its CPU time is the model's, whatever other processes load the
 * machine; the models take turns in chunks (A B C, then C B A), every pass printed on its own line with the ratios of
 * each model to the first.
 *
 * <pre>
 * java -cp ... org.quantrace.measure.CpuTime IMAGES LABELS [--batch 64] [--runs 100] [--chunk 10] [--passes 3] BASELINE.onnx MODEL.onnx...
 * </pre>
 */
public final class CpuTime {

	private CpuTime() {
	}

	public static void main(String[] args) throws Exception {
		int batch = 64, runs = 100, chunk = 10, passes = 3;
		List<Path> models = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			switch (args[i]) {
			case "--batch" -> batch = Integer.parseInt(args[++i]);
			case "--runs" -> runs = Integer.parseInt(args[++i]);
			case "--chunk" -> chunk = Integer.parseInt(args[++i]);
			case "--passes" -> passes = Integer.parseInt(args[++i]);
			default -> models.add(Path.of(args[i]));
			}
		}
		if (models.size() < 2) {
			System.err.println("usage: CpuTime IMAGES LABELS [--batch N] [--runs N] [--chunk N] [--passes N] BASELINE.onnx MODEL.onnx...");
			System.exit(2);
		}
		Samples data = Samples.read(Path.of(args[0]), Path.of(args[1]));
		System.out.printf(Locale.ROOT, "ONNX Runtime %s, 1 intra-op thread, batch %d, %d runs per model and pass in alternating chunks of %d;"
				+ " CPU µs of the calling thread per batch, and / %s%n", LoadedModel.ENV.getVersion(), batch, runs, chunk, models.get(0).getFileName());
		List<LoadedModel> open = new ArrayList<>();
		List<OnnxTensor> inputs = new ArrayList<>();
		try {
			for (Path m : models) {
				LoadedModel lm = LoadedModel.open(m, 1);
				open.add(lm);
				inputs.add(lm.tensor(data.x(), 0, batch, data.shape()));
			}
			for (int p = 1; p <= passes; p++) {
				double[] us = pass(open, inputs, runs, chunk);
				StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "pass %d:", p));
				for (int i = 0; i < us.length; i++) {
					line.append(String.format(Locale.ROOT, "  %s %,.0f", models.get(i).getFileName(), us[i]));
					if (i > 0) {
						line.append(String.format(Locale.ROOT, " (%.2f)", us[i] / us[0]));
					}
				}
				System.out.println(line);
			}
		} finally {
			for (OnnxTensor t : inputs) {
				t.close();
			}
			for (LoadedModel m : open) {
				m.close();
			}
		}
	}

	/** CPU µs per run of each model over {@code runs} runs, after 3 untimed ones each. */
	static double[] pass(List<LoadedModel> open, List<OnnxTensor> inputs, int runs, int chunk) throws OrtException {
		for (int i = 0; i < open.size(); i++) {
			for (int r = 0; r < 3; r++) {
				open.get(i).runOnly(inputs.get(i));
			}
		}
		ThreadMXBean clock = ManagementFactory.getThreadMXBean();
		long[] cpu = new long[open.size()];
		for (int done = 0; done < runs; done += chunk) {
			for (int k = 0; k < open.size(); k++) {
				int i = (done / chunk) % 2 == 0 ? k : open.size() - 1 - k;
				long start = clock.getCurrentThreadCpuTime();
				for (int r = 0; r < Math.min(chunk, runs - done); r++) {
					open.get(i).runOnly(inputs.get(i));
				}
				cpu[i] += clock.getCurrentThreadCpuTime() - start;
			}
		}
		double[] us = new double[open.size()];
		for (int i = 0; i < us.length; i++) {
			us[i] = cpu[i] / 1e3 / runs;
		}
		return us;
	}
}
