package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.ReferenceSpan;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}'s second path to the MSE, PSNR and SSIM of an evaluation of outputs against the original's (or against
 * the targets the evaluation's dataset names, read again from their file by verify, whose SHA-256 verify checks): the model files
 * run in sessions of its own, each sample's squared errors summed here, and SSIM computed directly (each position's 11x11 window
 * weighted by the 2-D Gaussian exp(-(dy² + dx²) / 2σ²), normalized), not by the engine's separable filter nor its accumulator: an
 * error in either shows as a figure the two paths disagree on. The reference's span found here is held against the data range by
 * {@link ReferenceSpan}'s rule, unless the record states the range nominal.
 */
final class ReconstructionRecheck {

	/** Two computations of the same sums in another order: equal but for the last bits. */
	private static final double TOLERANCE = 1e-9;
	private static final double[][] WINDOW = window();

	private ReconstructionRecheck() {
	}

	static void check(List<Variant> variants, Dataset data, EvaluationOptions options, List<EvaluationRecord> records, String at, List<Mismatch> found) {
		double range = options.dataRange();
		int batch = options.batchSize();
		EvaluationOptions.Targets targets = options.targets();
		int base = -1;
		for (int i = 0; i < variants.size(); i++) {
			base = variants.get(i).name().equals("original") ? i : base;
		}
		if (base < 0) {
			found.add(new Mismatch(Outputs.TRACE, at + "(second path)", "an evaluation against the original", "no original among the records"));
			return;
		}
		int n = data.size();
		double[] squared = new double[variants.size()];
		double[] ssim = new double[variants.size()];
		long[] elements = new long[variants.size()];
		boolean image = true;
		double min = Double.POSITIVE_INFINITY;
		double max = Double.NEGATIVE_INFINITY;
		try (SecondPathSessions sessions = SecondPathSessions.open(variants, data)) {
			for (int from = 0; from < n; from += batch) {
				int to = Math.min(n, from + batch);
				Batch b = data.read(from, to);
				List<float[]> outs = new ArrayList<>();
				long[] shape = null;
				for (NdArray y : sessions.run(b)) {
					float[] f = y.toFloats();
					IoQuantization.Io io = IoQuantization.firstOutput(variants.get(outs.size()).model());
					if (io != null) {
						for (int k = 0; k < f.length; k++) {
							f[k] = io.dequantize((long) f[k]);
						}
					}
					outs.add(f);
					shape = y.shape();
				}
				int rows = to - from;
				int size = outs.get(base).length / rows;
				// [N, H, W, C] where the recipe declares layout NHWC and the last axis is the smallest, else [N, C, H, W] or [N, H, W]
				boolean hwc = options.nhwc() && shape.length == 4 && shape[3] < shape[1] && shape[3] < shape[2];
				int h = hwc ? (int) shape[1] : shape.length >= 3 ? (int) shape[shape.length - 2] : 0;
				int w = hwc ? (int) shape[2] : shape.length >= 3 ? (int) shape[shape.length - 1] : 0;
				int channels = hwc ? (int) shape[3] : shape.length == 4 ? (int) shape[1] : 1;
				image = (shape.length == 3 || shape.length == 4) && h >= 11 && w >= 11;
				float[] ref = targets == null ? outs.get(base)
						: java.util.Arrays.copyOfRange(targets.values(), from * size, to * size); // the engine refused other shapes or counts
				for (float v : ref) {
					if (Float.isFinite(v)) {
						min = Math.min(min, v);
						max = Math.max(max, v);
					}
				}
				for (int i = 0; i < variants.size(); i++) {
					float[] y = outs.get(i);
					for (int s = 0; s < rows; s++) {
						for (int k = 0; k < size; k++) {
							double d = (double) y[s * size + k] - ref[s * size + k];
							squared[i] += d * d;
						}
						elements[i] += size;
						if (image) {
							double sum = 0;
							for (int c = 0; c < channels; c++) {
								sum += hwc ? ssim(ref, y, s * size + c, channels, h, w, range) : ssim(ref, y, s * size + c * h * w, 1, h, w, range);
							}
							ssim[i] += sum / channels;
						}
					}
				}
			}
		}
		// the range rule (ReferenceSpan's) on the span found here, where R enters a figure (psnr, ssim; not mse alone); a record
		// stating the range nominal is not held to it
		boolean usesRange = options.psnr() || options.ssim() && image;
		String problem = !usesRange ? null : ReferenceSpan.problem(min, max, range, options.nominalRange(),
				"the reference (" + (targets != null ? "the targets " + targets.name() : "the original's outputs") + ")");
		if (problem != null) {
			found.add(new Mismatch(Outputs.TRACE, at + "data range of psnr and ssim (second path: the reference's span found here)",
					"range " + range + ", held against the reference", problem + ": the run's psnr figures are not over the data's range"));
		}
		for (int i = 0; i < variants.size(); i++) {
			String name = variants.get(i).name();
			EvaluationRecord r = records.stream().filter(x -> name.equals(x.getVariant())).findFirst().orElse(null);
			if (r == null) {
				continue;
			}
			double mse = squared[i] / elements[i];
			same(r, Metrics.MSE, mse, at + name, found);
			same(r, Metrics.psnr(range, options.nominalRange()), mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(range * range / mse), at + name, found);
			if (image) {
				same(r, Metrics.ssim(range, options.nominalRange()), ssim[i] / n, at + name, found);
			}
		}
	}

	/**
	 * The name under which {@code r} holds the figure now named {@code metric}: the same, but in a record written before the name
	 * said all it says now: a psnr of a range stated nominal, named "psnr (dB, range 1)" between custody2 (which recorded the
	 * word, nominalRange) and evidence (which added ", nominal" to the name); an ssim, named "ssim" before evidence2 named its
	 * range. Those names are true and say less: verify compares the figure under them and says so in a note rather than call the
	 * figure missing. (A record holds the range only in the names: an older ssim is re-derived with the recipe's range.)
	 */
	static String nameInRecord(EvaluationRecord r, String metric) {
		if (r.getMetrics().stream().anyMatch(v -> v.getName().equals(metric))) {
			return metric;
		}
		String older = Metrics.isSsim(metric) ? Metrics.SSIM : r.isNominalRange() && Metrics.isPsnr(metric) ? metric.replace(", nominal)", ")") : metric;
		return r.getMetrics().stream().anyMatch(v -> v.getName().equals(older)) ? older : metric;
	}

	private static void same(EvaluationRecord r, String metric, double derived, String at, List<Mismatch> found) {
		String recorded = nameInRecord(r, metric);
		MetricValue v = r.getMetrics().stream().filter(m -> m.getName().equals(recorded)).findFirst().orElse(null);
		if (v == null) {
			return; // not computed in the run (ssim not asked for); the re-run of the evaluator holds the names against the record
		}
		double a = v.getValue();
		boolean ok = a == derived || Math.abs(a - derived) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(derived)) + 1e-15;
		if (!ok) {
			found.add(new Mismatch(Outputs.TRACE, at + " " + metric + " (second path: the outputs compared here)", String.valueOf(a), String.valueOf(derived)));
		}
	}

	/**
	 * The mean SSIM of one channel (x the reference) over the positions where the whole window fits; its pixel (i, j) at
	 * {@code o + (i w + j) stride} (stride 1 channels first, C channels last).
	 */
	private static double ssim(float[] x, float[] y, int o, int stride, int h, int w, double range) {
		double c1 = Math.pow(0.01 * range, 2);
		double c2 = Math.pow(0.03 * range, 2);
		double total = 0;
		int count = 0;
		for (int i = 0; i + 11 <= h; i++) {
			for (int j = 0; j + 11 <= w; j++) {
				double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
				for (int a = 0; a < 11; a++) {
					for (int b = 0; b < 11; b++) {
						double g = WINDOW[a][b];
						double p = x[o + ((i + a) * w + j + b) * stride];
						double q = y[o + ((i + a) * w + j + b) * stride];
						mx += g * p;
						my += g * q;
						xx += g * p * p;
						yy += g * q * q;
						xy += g * p * q;
					}
				}
				total += (2 * mx * my + c1) * (2 * (xy - mx * my) + c2) / ((mx * mx + my * my + c1) * (xx - mx * mx + yy - my * my + c2));
				count++;
			}
		}
		return total / count;
	}

	private static double[][] window() {
		double[][] g = new double[11][11];
		double sum = 0;
		for (int a = 0; a < 11; a++) {
			for (int b = 0; b < 11; b++) {
				g[a][b] = Math.exp(-((a - 5) * (a - 5) + (b - 5) * (b - 5)) / (2 * 1.5 * 1.5));
				sum += g[a][b];
			}
		}
		for (double[] row : g) {
			for (int b = 0; b < 11; b++) {
				row[b] /= sum;
			}
		}
		return g;
	}
}
