package org.quantrace.measure;

import java.util.Arrays;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;

/**
 * Throughput of two models measured side by side: both sessions exist before the first timed run, each
 * gets the same batch (created once) again and again, and the models take turns in blocks of about
 * {@code blockSeconds / 2}, A B B A within every round, so that load from other processes and any drift
 * fall on both alike. Two untimed runs start every block (the other session's threads may still spin).
 *
 * @param baseline   images/s of the first model, median over the rounds
 * @param candidate  images/s of the second model, median over the rounds
 * @param speedUp    median over the rounds of candidate/baseline within the round
 */
public record Throughput(int batch, int rounds, double baseline, double candidate, double speedUp) {

	static Throughput measure(LoadedModel first, LoadedModel second, Samples data, int batch, int rounds, double blockSeconds)
			throws OrtException {
		if (data.count() < batch) {
			throw new IllegalArgumentException("need " + batch + " samples for a batch of " + batch + ", have " + data.count());
		}
		try (OnnxTensor a = first.tensor(data.x(), 0, batch, data.shape()); OnnxTensor b = second.tensor(data.x(), 0, batch, data.shape())) {
			int na = iterations(first, a, blockSeconds / 2);
			int nb = iterations(second, b, blockSeconds / 2);
			double[] ta = new double[rounds];
			double[] tb = new double[rounds];
			double[] ratio = new double[rounds];
			for (int r = 0; r < rounds; r++) {
				double a1 = block(first, a, na);
				double b1 = block(second, b, nb);
				double b2 = block(second, b, nb);
				double a2 = block(first, a, na);
				ta[r] = batch * 2 * na / (na / a1 + na / a2); // runs over the time of both blocks
				tb[r] = batch * 2 * nb / (nb / b1 + nb / b2);
				ratio[r] = tb[r] / ta[r];
			}
			return new Throughput(batch, rounds, median(ta), median(tb), median(ratio));
		}
	}

	/** How many runs fill a block: from a warm-up of at least 3 runs and 0.1 s. */
	private static int iterations(LoadedModel m, OnnxTensor x, double blockSeconds) throws OrtException {
		for (int i = 0; i < 3; i++) {
			m.runOnly(x);
		}
		int n = 0;
		long start = System.nanoTime();
		while (n < 3 || System.nanoTime() - start < 100_000_000L) {
			m.runOnly(x);
			n++;
		}
		double perRun = (System.nanoTime() - start) / 1e9 / n;
		return (int) Math.max(3, Math.min(100_000, Math.round(blockSeconds / perRun)));
	}

	/** Runs per second over one block. */
	private static double block(LoadedModel m, OnnxTensor x, int n) throws OrtException {
		m.runOnly(x);
		m.runOnly(x);
		long start = System.nanoTime();
		for (int i = 0; i < n; i++) {
			m.runOnly(x);
		}
		return n / ((System.nanoTime() - start) / 1e9);
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}
}
