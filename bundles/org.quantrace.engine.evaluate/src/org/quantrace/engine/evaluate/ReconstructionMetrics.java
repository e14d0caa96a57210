package org.quantrace.engine.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of outputs that are no class scores (an image, a map, a signal) against reference tensors of the same shape: the
 * targets (e.g. the clean images a denoiser should give), or another model's outputs (the fp32 model's: fidelity).
 * <ul>
 * <li>MSE: the mean over the samples of each sample's mean squared error (the samples have one size: the mean over all
 * elements);</li>
 * <li>PSNR = 10 log10(R² / MSE) dB of that MSE, R the data range stated (1 for images in [0, 1], 255 for 8-bit ones); +∞
 * when the outputs equal the reference;</li>
 * <li>SSIM (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from error visibility to structural
 * similarity"), with the paper's defaults: an 11x11 Gaussian window of σ = 1.5 (normalized), K1 = 0.01, K2 = 0.03, C1 =
 * (K1 R)², C2 = (K2 R)², population (co)variances, the SSIM map over the positions where the window lies inside the image
 * (MATLAB's {@code filter2 'valid'}, which scikit-image's {@code structural_similarity(gaussian_weights=True,
 * use_sample_covariance=False)} reproduces by cropping); each sample's SSIM the mean of its channels' maps, the metric the
 * mean over the samples. For outputs [N, C, H, W] (or [N, H, W]) of at least 11x11 pixels, and [N, H, W, C] where the layout
 * is declared NHWC ({@link #imageLayout}).</li>
 * </ul>
 * Sums are kept in double, sample after sample in data order.
 */
public final class ReconstructionMetrics {

	public static final int WINDOW = 11;
	public static final double SIGMA = 1.5;
	public static final double K1 = 0.01;
	public static final double K2 = 0.03;

	private static final double[] GAUSS = gaussian();

	private ReconstructionMetrics() {
	}

	/** Whether SSIM applies to samples of this shape (batch axis left out): [C, H, W] or [H, W], both sides at least the window. */
	public static boolean imageShape(long[] perSample) {
		return imageShape(perSample, ImageLayout.CHANNELS_FIRST);
	}

	/** Whether SSIM applies to samples of this shape read in {@code layout}: its two sides at least the window. */
	public static boolean imageShape(long[] perSample, ImageLayout layout) {
		int r = perSample.length;
		if (layout == ImageLayout.CHANNELS_LAST) {
			return r == 3 && perSample[0] >= WINDOW && perSample[1] >= WINDOW;
		}
		return (r == 2 || r == 3) && perSample[r - 1] >= WINDOW && perSample[r - 2] >= WINDOW;
	}

	/** How one sample of an image output lies in memory: [C, H, W] (or [H, W]), or [H, W, C]. */
	public enum ImageLayout {
		CHANNELS_FIRST, CHANNELS_LAST
	}

	/**
	 * The layout SSIM reads a sample of this shape (batch axis left out) in, {@code nhwc} whether the layout is declared NHWC (a
	 * recipe's {@code layout NHWC}, {@code quantrace evaluate --layout NHWC} or its --preprocess layout): the one rule for the
	 * run's data checks, the evaluator and {@code quantrace evaluate}. Declared NHWC, a [H, W, C] sample whose last axis is
	 * below the other two is channels last, one whose first axis is below the other two channels first (a model that
	 * transposes), else (a cube) the layout cannot be told. Not declared, a shape {@link #channelsLast} by its look ([H, W, C],
	 * C of 1 to 4) cannot be told either: null, and SSIM is refused there rather than computed over the wrong axes.
	 */
	public static ImageLayout imageLayout(long[] perSample, boolean nhwc) {
		if (perSample.length != 3) {
			return ImageLayout.CHANNELS_FIRST;
		}
		if (!nhwc) {
			return channelsLast(perSample) ? null : ImageLayout.CHANNELS_FIRST;
		}
		long a = perSample[0], b = perSample[1], c = perSample[2];
		return c < a && c < b ? ImageLayout.CHANNELS_LAST : a < b && a < c ? ImageLayout.CHANNELS_FIRST : null;
	}

	/**
	 * Whether samples of this shape (batch axis left out) are images channels last, [H, W, C] with C of 1 to 4 under sides of
	 * more than 4 (a model of NHWC layout): SSIM reads [C, H, W], so over such an output it would run over the wrong axes
	 * (H as channels, W as rows, C as columns) or, for C < 11, not at all, without a word. Refused where SSIM is asked.
	 */
	public static boolean channelsLast(long[] perSample) {
		int r = perSample.length;
		return r == 3 && perSample[2] >= 1 && perSample[2] <= 4 && perSample[0] > 4 && perSample[1] > 4;
	}

	/** Why SSIM is refused on a channels-last output, naming it ({@code what}); what to do is the caller's (its options' words). */
	public static String channelsLastProblem(String what, long[] perSample) {
		return what + " is " + java.util.Arrays.toString(perSample) + " per sample, an image channels last ([H, W, C], NHWC): ssim reads images"
				+ " channels first ([C, H, W]) and would be computed over the wrong axes";
	}

	/** The running sums of one model's outputs against the reference. */
	public static final class Accumulator {
		private final long[] perSample;
		private final double range;
		private final boolean ssim;
		private final boolean psnr;
		private final boolean nominal;
		private final ImageLayout layout;
		private double squared;
		private long elements;
		private double ssimSum;
		private int samples;

		/** @param perSample the shape of one sample's output, batch axis left out */
		public Accumulator(long[] perSample, double range, boolean ssim) {
			this(perSample, range, ssim, ImageLayout.CHANNELS_FIRST);
		}

		/** @param layout how a sample lies in memory (SSIM's axes); a channels-last shape read channels first is refused */
		public Accumulator(long[] perSample, double range, boolean ssim, ImageLayout layout) {
			this(perSample, range, ssim, layout, true, false);
		}

		/**
		 * @param psnr whether PSNR is reported (asked for); MSE always is
		 * @param nominal whether the range is stated as the data's nominal one, which PSNR's name then says
		 */
		public Accumulator(long[] perSample, double range, boolean ssim, ImageLayout layout, boolean psnr, boolean nominal) {
			if (!(range > 0) || Double.isInfinite(range)) {
				throw new IllegalArgumentException("the data range must be a positive number, not " + range);
			}
			if (ssim && layout == ImageLayout.CHANNELS_FIRST && channelsLast(perSample)) {
				throw new IllegalArgumentException(channelsLastProblem("the output", perSample));
			}
			if (ssim && !imageShape(perSample, layout)) {
				throw new IllegalArgumentException("SSIM needs images [C, H, W], [H, W] or (NHWC) [H, W, C] of at least " + WINDOW + "x" + WINDOW);
			}
			this.perSample = perSample.clone();
			this.range = range;
			this.ssim = ssim;
			this.psnr = psnr;
			this.nominal = nominal;
			this.layout = layout;
		}

		/** Adds {@code rows} samples of {@code size} values each, row-major. */
		public void add(float[] out, float[] reference, int rows) {
			int size = out.length / Math.max(1, rows);
			for (int i = 0; i < rows; i++) {
				int o = i * size;
				double s = 0;
				for (int k = 0; k < size; k++) {
					double d = (double) out[o + k] - reference[o + k];
					s += d * d;
				}
				squared += s;
				elements += size;
				if (ssim) {
					ssimSum += ssim(out, reference, o, perSample, range, layout);
				}
				samples++;
			}
		}

		public double mse() {
			return squared / elements;
		}

		/** Whether a figure of these sums depends on the data range: PSNR or SSIM is computed. */
		public boolean usesRange() {
			return psnr || ssim;
		}

		/** The metrics by their report names: mse, psnr and ssim (each with the range) when computed. */
		public Map<String, Double> metrics() {
			Map<String, Double> m = new LinkedHashMap<>();
			double mse = mse();
			m.put(Metrics.MSE, mse);
			if (psnr) {
				m.put(Metrics.psnr(range, nominal), psnr(mse, range));
			}
			if (ssim) {
				m.put(Metrics.ssim(range, nominal), ssimSum / samples);
			}
			return m;
		}
	}

	/** 10 log10(R² / mse) dB; +∞ for an mse of 0. */
	public static double psnr(double mse, double range) {
		return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(range * range / mse);
	}

	/** The SSIM of one sample [C, H, W] or [H, W] (mean over its channels), at {@code offset} in both arrays. */
	public static double ssim(float[] x, float[] y, int offset, long[] perSample, double range) {
		return ssim(x, y, offset, perSample, range, ImageLayout.CHANNELS_FIRST);
	}

	/** The SSIM of one sample in {@code layout} (mean over its channels), at {@code offset} in both arrays. */
	public static double ssim(float[] x, float[] y, int offset, long[] perSample, double range, ImageLayout layout) {
		int r = perSample.length;
		boolean last = layout == ImageLayout.CHANNELS_LAST;
		int h = (int) perSample[last ? 0 : r - 2];
		int w = (int) perSample[last ? 1 : r - 1];
		int channels = r == 3 ? (int) perSample[last ? 2 : 0] : 1;
		double sum = 0;
		for (int c = 0; c < channels; c++) {
			// pixel (i, j) of channel c: [C, H, W] at c h w + i w + j, [H, W, C] at (i w + j) C + c
			sum += last ? ssimChannel(x, y, offset + c, channels, h, w, range) : ssimChannel(x, y, offset + c * h * w, 1, h, w, range);
		}
		return sum / channels;
	}

	/** The mean SSIM map of one channel whose pixel (i, j) is at {@code o + (i w + j) stride}. */
	private static double ssimChannel(float[] x, float[] y, int o, int stride, int h, int w, double range) {
		double c1 = K1 * range * K1 * range;
		double c2 = K2 * range * K2 * range;
		int oh = h - WINDOW + 1;
		int ow = w - WINDOW + 1;
		// the five Gaussian-weighted sums, separably: rows first (h x ow), then columns (oh x ow)
		double[][] rows = new double[5][h * ow];
		for (int i = 0; i < h; i++) {
			for (int j = 0; j < ow; j++) {
				double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
				for (int k = 0; k < WINDOW; k++) {
					double g = GAUSS[k];
					double a = x[o + (i * w + j + k) * stride];
					double b = y[o + (i * w + j + k) * stride];
					mx += g * a;
					my += g * b;
					xx += g * a * a;
					yy += g * b * b;
					xy += g * a * b;
				}
				rows[0][i * ow + j] = mx;
				rows[1][i * ow + j] = my;
				rows[2][i * ow + j] = xx;
				rows[3][i * ow + j] = yy;
				rows[4][i * ow + j] = xy;
			}
		}
		double total = 0;
		for (int i = 0; i < oh; i++) {
			for (int j = 0; j < ow; j++) {
				double[] s = new double[5];
				for (int k = 0; k < WINDOW; k++) {
					double g = GAUSS[k];
					for (int f = 0; f < 5; f++) {
						s[f] += g * rows[f][(i + k) * ow + j];
					}
				}
				double mx = s[0], my = s[1];
				double vx = s[2] - mx * mx;
				double vy = s[3] - my * my;
				double cov = s[4] - mx * my;
				total += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
			}
		}
		return total / (oh * ow);
	}

	/** The normalized 1-D Gaussian of {@link #WINDOW} taps and σ {@link #SIGMA}; the 2-D window is its outer product. */
	private static double[] gaussian() {
		double[] g = new double[WINDOW];
		double sum = 0;
		for (int k = 0; k < WINDOW; k++) {
			double d = k - WINDOW / 2;
			g[k] = Math.exp(-d * d / (2 * SIGMA * SIGMA));
			sum += g[k];
		}
		for (int k = 0; k < WINDOW; k++) {
			g[k] /= sum;
		}
		return g;
	}
}
