package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

import org.quantrace.model.CalibrationLimits;

/**
 * Histograms of the magnitudes of a tensor's positive and negative values over a shared range
 * [0, limit), for percentile and entropy calibration. The histograms have a fixed number of bins; when a
 * batch exceeds the limit, the limit doubles and neighbouring bins merge, so earlier counts are kept
 * exactly and memory stays constant however many samples are seen. They are kept {@link #OVERSAMPLING}
 * times finer than the requested resolution, so that after range doublings they can still be re-binned
 * onto [0, observed maximum] with the requested number of bins, as a single pass over all data would give.
 */
public final class HistogramCollector implements RangeCollector {

	/** How the range is read from the histograms. */
	public sealed interface Mode {
	}

	/** Clip the (100 - p)% most extreme values on each side, e.g. p = 99.99. */
	public record Percentile(double percentile) implements Mode {
		public Percentile {
			String bad = CalibrationLimits.percentileProblem(percentile);
			if (bad != null) {
				throw new IllegalArgumentException(bad);
			}
		}
	}

	/**
	 * Pick the magnitude threshold whose clipped-and-quantized distribution has the smallest KL divergence
	 * to the observed one (TensorRT's entropy calibration), with {@code levels} quantized bins (128 for 8 bits).
	 */
	public record Entropy(int levels) implements Mode {
	}

	/**
	 * Pick the range whose uniform quantization to {@code levels} codes (256 for 8 bits) has the smallest L2 error over the
	 * histogram of real values (torch's HistogramObserver, {@link L2Range}).
	 */
	public record L2(int levels) implements Mode {
	}

	/** Internal resolution relative to the requested number of bins. */
	static final int OVERSAMPLING = 8;

	/**
	 * The share of a tensor's non-zero values entropy's threshold may saturate at most; a threshold that would saturate more is
	 * raised to the smallest that saturates no more ({@link RaisedThreshold}). KL(P||Q) weighs each bin by its mass, and on images
	 * with a constant background the response to it piles into a few bins (spikes): the search resolves them and clips the tail,
	 * which holds the features. On the GroupNorm model of tests/data/wild/make_gn.py it clipped a depthwise Conv's output at
	 * 0.41 of 1.10, 3.6 % of its values, before a normalization that divides by their spread: 0.6667 against fp32's 0.7669;
	 * a limit of 0.01 % (the tail percentile=99.99 leaves) measured best of 0.01-2 % there (wild README, entropy28).
	 */
	public static final double MAX_SATURATED = 1e-4;

	/**
	 * An entropy threshold raised because the KL search's ({@code searched}) saturated {@code saturatedShare} of the tensor's
	 * non-zero calibration values, more than {@link #MAX_SATURATED}; {@code threshold} is the one taken.
	 */
	public record RaisedThreshold(double searched, double saturatedShare, double threshold) {
		/** What the trace and the logs say, e.g. "KL threshold 0.4135 saturated 3.56 % of the non-zero calibration values (more than 0.01 %); raised to 0.9769". */
		public String describe() {
			return String.format(java.util.Locale.ROOT, "KL threshold %.4g saturated %.3g %% of the non-zero calibration values (more than %.2f %%); raised to %.4g",
					searched, 100 * saturatedShare, 100 * MAX_SATURATED, threshold);
		}
	}

	private final Mode mode;
	private final int bins;
	/**
	 * Counts of magnitudes: positive values (and zero) in [0, fine), negative values in [fine, 2 fine); {@link #ZERO_LANES} slots
	 * more, where {@link #bin} counts zeros for a moment.
	 */
	private final long[] counts;
	private final int fine;
	private double limit;
	/** Values that are exactly 0 (ReLU's and Clip's floor): always representable, so entropy leaves them out of its divergence. */
	private long zeros;
	/** Set by {@link #entropyThreshold}: where {@link #MAX_SATURATED} raised the search's threshold. */
	private volatile RaisedThreshold raised;
	private final MinMaxCollector observed = new MinMaxCollector();
	/** Where values are copied out of their buffer, kept between batches (a collector is updated by one thread at a time). */
	private float[] chunk;
	/** The bin of each value of {@link #chunk}, kept as it is. */
	private int[] index;

	/** {@code bins} within {@link CalibrationLimits#histogramBinsProblem}'s limits, which the recipe validator reports too. */
	public HistogramCollector(int bins, Mode mode) {
		String bad = CalibrationLimits.histogramBinsProblem(bins, mode instanceof Entropy e ? e.levels() : 0);
		if (bad != null) {
			throw new IllegalArgumentException(bad);
		}
		this.mode = mode;
		this.bins = bins;
		this.fine = bins * OVERSAMPLING;
		this.counts = new long[2 * fine + ZERO_LANES];
	}

	/**
	 * Bins a batch in one pass over memory: each chunk is copied out of the buffer, its extremes widen the
	 * range (merging bins) if needed, then its values are binned while still in cache. Merging bins later
	 * gives exactly the counts that binning at the coarser resolution would have, so the order does not
	 * matter. Only the first batch is read twice, so that its whole range sets the starting resolution
	 * ({@link #firstUpdate}).
	 */
	@Override
	public void update(FloatBuffer values) {
		if (!values.hasRemaining()) {
			return;
		}
		if (chunk == null) {
			chunk = new float[MinMaxCollector.CHUNK];
			index = new int[MinMaxCollector.CHUNK];
		}
		if (limit == 0) {
			firstUpdate(values);
			return;
		}
		for (int at = values.position(), end = values.limit(); at < end; at += chunk.length) {
			int n = Math.min(chunk.length, end - at);
			values.get(at, chunk, 0, n);
			float[] mm = MinMaxCollector.minMax(chunk, n);
			observed.updateExtremes(mm[0], mm[1]);
			double need = Math.max(Math.abs((double) mm[0]), Math.abs((double) mm[1]));
			while (need >= limit) {
				halveResolution(0);
				halveResolution(fine);
				limit *= 2;
			}
			bin(chunk, n, fine / limit);
		}
	}

	/**
	 * The first batch: its extremes, read in a first pass, set the limit and are the observed range (the same Math.min/max
	 * of the same chunk extremes, in the same order, as chunk by chunk); no chunk reaches the limit, so the second pass only
	 * bins, and it runs from the last chunk to the first: the chunks the first pass read last are still in cache (a tensor of
	 * up to about 2 MB entirely) instead of being read from memory again. Counts are sums, so their order does not matter.
	 */
	private void firstUpdate(FloatBuffer values) {
		float[] mm = MinMaxCollector.minMax(values);
		observed.updateExtremes(mm[0], mm[1]);
		double need = Math.max(Math.abs((double) mm[0]), Math.abs((double) mm[1]));
		limit = need > 0 ? need * (1 + 1e-6) : Double.MIN_NORMAL;
		int start = values.position();
		int chunks = (values.limit() - start + chunk.length - 1) / chunk.length;
		for (int c = chunks - 1; c >= 0; c--) {
			int at = start + c * chunk.length;
			int n = Math.min(chunk.length, values.limit() - at);
			values.get(at, chunk, 0, n);
			bin(chunk, n, fine / limit);
		}
	}

	/**
	 * Exact zeros are counted in this many slots, a value's slot chosen by its position in the chunk ({@link #LANE}): after a ReLU
	 * half the values or more are zeros, and incrementing one counter for all of them makes each increment wait for the one before
	 * (the count loop took 0.92 ns a value at half zeros and 1.72 at 90 %, 0.36 without zeros; with the zeros spread over 16 slots
	 * 0.40-0.44 at every share, calib37's loops on a 16 K chunk, Java 25).
	 */
	static final int ZERO_LANES = 16;

	/** {@code i % ZERO_LANES} for every index of a chunk, read from an array: computed from the loop index, it kept the index pass scalar. */
	private static final int[] LANE = new int[MinMaxCollector.CHUNK];

	static {
		for (int i = 0; i < LANE.length; i++) {
			LANE[i] = i % ZERO_LANES;
		}
	}

	/**
	 * Two passes over the chunk, which is in cache: the bin of every value, then the counts. The first pass is written so that the
	 * JIT compiler vectorizes it (measured: 0.3 instead of about 2 ns a value on the bench's detector, binning as a whole 1.6 instead of
	 * 3.1 ns): the sign comes from {@code Math.signum} as whole-number arithmetic (a comparison, {@code v < 0 ? fine : 0}, or the
	 * float's bits kept it scalar), and exact zeros, ±0, go to slots of their own after the two halves ({@link #ZERO_LANES}), which
	 * count them without a second reduction in the loop. The bins are those of {@code min((int) (|v| * scale), fine - 1)}, in the
	 * negative half for v < 0, as before; zeros are moved back into bin 0 of the positive half (where -0.0 went too: -0.0 < 0 is false).
	 */
	private void bin(float[] values, int n, double scale) {
		int[] bin = index;
		int[] lane = LANE;
		int last = fine - 1;
		int half = fine; // even (8 x bins): 1 & half = 0, -1 & half = half
		int zeroSlots = 2 * fine;
		for (int i = 0; i < n; i++) {
			float v = values[i];
			int sign = (int) Math.signum(v); // -1, 0 for ±0, 1
			bin[i] = Math.min((int) (Math.abs(v) * scale), last) + (sign & half) + ((sign & 1) ^ 1) * (zeroSlots + lane[i]);
		}
		long[] c = counts;
		for (int i = 0; i < n; i++) {
			c[bin[i]]++;
		}
		long zero = 0;
		for (int s = zeroSlots; s < zeroSlots + ZERO_LANES; s++) {
			zero += c[s];
			c[s] = 0;
		}
		c[0] += zero;
		zeros += zero;
	}

	private void halveResolution(int from) {
		int half = fine / 2;
		for (int i = 0; i < half; i++) {
			counts[from + i] = counts[from + 2 * i] + counts[from + 2 * i + 1];
		}
		java.util.Arrays.fill(counts, from + half, from + fine, 0);
	}

	@Override
	public boolean seen() {
		return observed.seen();
	}

	@Override
	public Range observed() {
		return observed.observed();
	}

	@Override
	public Range range() {
		Range seen = observed();
		if (limit == 0 || seen.absMax() == 0) {
			return seen.includingZero();
		}
		if (mode instanceof Percentile p) {
			long total = count(0) + count(fine);
			// values allowed beyond each bound; the epsilon keeps 0.1% of 20,000 at 20, not 19.999...
			double tail = Math.floor(total * (100 - p.percentile()) / 100 + 1e-6);
			double hi = Math.min(upperEdge(0, tail), Math.max(seen.max(), 0));
			double lo = -Math.min(upperEdge(fine, tail), Math.max(-seen.min(), 0));
			return new Range(lo, hi);
		}
		if (mode instanceof L2 l2) {
			return l2Range(l2.levels());
		}
		double threshold = Math.min(entropyThreshold(((Entropy) mode).levels()), seen.absMax());
		return new Range(Math.max(seen.min(), -threshold), Math.min(seen.max(), threshold)).includingZero();
	}

	/** Values in the half of {@link #counts} starting at {@code from}. */
	private long count(int from) {
		long n = 0;
		for (int b = from; b < from + fine; b++) {
			n += counts[b];
		}
		return n;
	}

	/** The smallest (fine) bin edge t such that at most {@code tail} values of the half starting at {@code from} lie above t. */
	private double upperEdge(int from, double tail) {
		double width = limit / fine;
		long above = 0;
		for (int b = fine - 1; b >= 0; b--) {
			above += counts[from + b];
			if (above > tail) {
				return (b + 1) * width;
			}
		}
		return 0;
	}

	/**
	 * TensorRT's entropy threshold ({@link EntropyThreshold}) over the magnitudes, re-binned onto [0, observed max], with two
	 * corrections for activations that ReLU, Clip or HardSwish floor at 0 (TensorRT's own PyTorch toolkit makes both):
	 * <ul>
	 * <li>exact zeros are left out of the histogram: they are representable whatever the threshold, and after a ReLU they are
	 * half the values or more, so that bin 0 dominated P and every wider candidate paid for merging it with its neighbours;
	 * the search then clipped such tensors at its first candidate, 1/16 of their range (TensorRT's toolkit sets bin 0 to bin 1's
	 * count for the same reason);</li>
	 * <li>a tensor that is never negative is quantized by an asymmetric 8-bit scheme over [0, t] with 256 levels, not 128:
	 * {@code levels} is doubled for it (the toolkit's {@code unsigned} flag). Symmetric schemes then clip a little less
	 * than they could, never more.</li>
	 * </ul>
	 */
	private double entropyThreshold(int levels) {
		Range seen = observed();
		double top = seen.absMax(); // levels < bins: the constructor checked
		// re-bin the fine |x| histogram onto [0, observed max] with the requested bins (fine bin centres)
		long[] h = new long[bins];
		double fineWidth = limit / fine;
		for (int f = 0; f < fine; f++) {
			long c = counts[f] + counts[fine + f];
			if (c != 0) {
				h[Math.min((int) ((f + 0.5) * fineWidth / top * bins), bins - 1)] += c;
			}
		}
		h[0] -= zeros;
		int quantized = seen.min() >= 0 ? 2 * levels : levels;
		if (quantized >= bins) {
			return top;
		}
		int searched = EntropyThreshold.bestBinCount(h, quantized);
		int floor = EntropyThreshold.leastBinsSaturating(h, MAX_SATURATED);
		raised = floor > searched ? new RaisedThreshold(searched * (top / bins), EntropyThreshold.saturated(h, searched), floor * (top / bins)) : null;
		return Math.max(searched, floor) * (top / bins);
	}

	/**
	 * A copy of the counts: [0, fine) the magnitudes of values &ge; 0 (exact zeros included), [fine, 2 fine) those of negative
	 * values, each bin {@link #limit}/fine wide; then the number of exact zeros. What the ranges are read from, for checks.
	 */
	public long[] counts() {
		long[] copy = java.util.Arrays.copyOf(counts, 2 * fine + 1);
		copy[2 * fine] = zeros;
		return copy;
	}

	/** The upper end of the counts' magnitudes (0 before any value). */
	public double limit() {
		return limit;
	}

	/** The entropy threshold's raise by {@link #MAX_SATURATED}, or null: none, or not read yet ({@link #range}). */
	public RaisedThreshold raisedThreshold() {
		return raised;
	}

	/**
	 * torch's HistogramObserver's range ({@link L2Range}): the fine magnitude histograms re-binned, at their bins' centres, onto
	 * real values over [observed min, observed max] with the requested bins (torch's histogram spans the same extremes with
	 * 2048 bins), the search's bins turned back into values, widened to contain 0 as torch's affine qparams are.
	 */
	private Range l2Range(int levels) {
		Range seen = observed();
		double lo = seen.min();
		double span = seen.max() - lo;
		if (span == 0) {
			return seen.includingZero();
		}
		double[] h = new double[bins];
		double fineWidth = limit / fine;
		for (int f = 0; f < fine; f++) {
			double centre = (f + 0.5) * fineWidth;
			if (counts[f] != 0) {
				h[realBin(centre, lo, span)] += counts[f];
			}
			if (counts[fine + f] != 0) {
				h[realBin(-centre, lo, span)] += counts[fine + f];
			}
		}
		int[] kept = L2Range.search(h, levels);
		double width = span / bins;
		return new Range(Math.max(seen.min(), lo + width * kept[0]), Math.min(seen.max(), lo + width * (kept[1] + 1))).includingZero();
	}

	private int realBin(double value, double lo, double span) {
		return Math.max(0, Math.min(bins - 1, (int) ((value - lo) / span * bins)));
	}
}
