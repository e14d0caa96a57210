package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bins an entropy or L2 calibration counted a tensor's values in, as engine.calibrate's HistogramCollector documents them
 * (entropy67): magnitudes in {@code bins} × 8 fine bins over [0, limit), the limit set by the first update's largest magnitude
 * (times 1 + 1e-6) and doubled while a later value reaches it, so the last limit is that magnitude times a power of 2 above the
 * tensor's largest; the fine bins then re-binned by their centres onto {@code bins} bins over [0, largest magnitude] (entropy) or
 * over [min, max] of the values (L2, the negative magnitudes at minus their centres). A value near a coarse bin's edge lands where
 * its fine bin's centre does, so a histogram counted straight onto the coarse bins differs from the run's by up to an eighth of a
 * bin at each edge, which moved the KL optimum by hundreds of bins on a heavy-tailed tensor (15 % of the divergence).
 * <p>
 * The first update is the calibration's first chunk: the first c samples of its first batch, c the batch (the recorded size) or
 * fewer where its activations outgrow the engine's memory budget or the model's fixed batch. verify does not reproduce that budget:
 * {@link #candidates} gives the limit of every c from the batch down (the first samples' running largest magnitude, usually a few
 * distinct values), and the check passes on one of them. What verify takes from the run is the layout only; the counts, the search
 * and the divergence are its own.
 */
record RunLayout(int bins, double top, double min, double max, double limit) {

	/** The fine bins per coarse bin (engine.calibrate.HistogramCollector's OVERSAMPLING). */
	static final int OVERSAMPLING = 8;

	/**
	 * The layouts the run may have counted a tensor in: one per distinct limit the running largest magnitude of the first calibration
	 * batch's samples ({@code firstMaxima}, per sample, in order) gives, from the whole batch's down to the first sample's.
	 */
	static List<RunLayout> candidates(int bins, double min, double max, double[] firstMaxima) {
		double top = Math.max(Math.abs(min), Math.abs(max));
		List<Double> limits = new ArrayList<>();
		for (int c = firstMaxima.length; c >= 1; c--) {
			double m = 0;
			for (int s = 0; s < c; s++) {
				m = Math.max(m, firstMaxima[s]);
			}
			double limit = m > 0 ? m * (1 + 1e-6) : Double.MIN_NORMAL;
			while (top >= limit) {
				limit *= 2;
			}
			if (!limits.contains(limit)) {
				limits.add(limit);
			}
		}
		return limits.stream().map(l -> new RunLayout(bins, top, min, max, l)).toList();
	}

	private int fine() {
		return bins * OVERSAMPLING;
	}

	/** The fine bin of a value's magnitude: as many whole fine widths as it holds, the last bin taking the rest. */
	private int fineBin(float v) {
		return Math.min((int) (Math.abs(v) * (fine() / limit)), fine() - 1);
	}

	/** The coarse bin over [0, top] of the fine bin's centre. */
	int magnitudeBin(float v) {
		int f = fineBin(v);
		return Math.min((int) ((f + 0.5) * (limit / fine()) / top * bins), bins - 1);
	}

	/** The coarse bin over [min, max] of the fine bin's centre, negative for a negative value. */
	int valueBin(float v) {
		double centre = (fineBin(v) + 0.5) * (limit / fine());
		double span = max - min;
		return Math.max(0, Math.min(bins - 1, (int) (((v < 0 ? -centre : centre) - min) / span * bins)));
	}

	String described() {
		return String.format(Locale.ROOT, "%d x %d fine bins over [0, %s)", bins, OVERSAMPLING, (float) limit);
	}
}
