package org.quantrace.engine.evaluate;

import java.util.List;
import java.util.Map;

/**
 * Metrics of model variants on one dataset, and how each compares with the baseline variant: the delta
 * and the deck's marker, ↑ better, ↓ worse, ~ within the tolerance. Of outputs measured against a reference, the data range R
 * that PSNR and SSIM were computed with (NaN where neither was: mse alone) and whether it was stated as the data's nominal range.
 */
public record EvaluationReport(String dataset, int samples, boolean multilabel, List<String> labelNames, List<VariantResult> variants,
		String baseline, double tolerancePoints, String reference, double dataRange, boolean nominalRange) {

	/** A classification's report: no reference tensors. */
	public EvaluationReport(String dataset, int samples, boolean multilabel, List<String> labelNames, List<VariantResult> variants, String baseline,
			double tolerancePoints) {
		this(dataset, samples, multilabel, labelNames, variants, baseline, tolerancePoints, null, Double.NaN, false);
	}

	/** Whether the outputs were measured against reference tensors (MSE, PSNR, SSIM), which {@link #reference()} names. */
	public boolean reconstruction() {
		return reference != null;
	}

	/** One variant: metrics by name (in report order), confusion matrix (single-label), latency and size. */
	public record VariantResult(String name, Map<String, Double> metrics, long[][] confusion, double latencyMs, long sizeBytes, String input,
			String output) {
	}

	/** The change of one metric against the baseline. */
	public record Comparison(double baseline, double delta, Marker marker) {
	}

	public enum Marker {
		BASELINE(""), BETTER("↑"), WORSE("↓"), SAME("~");

		private final String symbol;

		Marker(String symbol) {
			this.symbol = symbol;
		}

		public String symbol() {
			return symbol;
		}
	}

	public VariantResult variant(String name) {
		return variants.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException("no variant " + name));
	}

	/** How {@code variant}'s {@code metric} compares with the baseline's (BASELINE for the baseline itself). */
	public Comparison compare(String variant, String metric) {
		VariantResult base = variant(baseline);
		double b = base.metrics().get(metric);
		double v = variant(variant).metrics().get(metric);
		if (variant.equals(baseline)) {
			return new Comparison(b, 0, Marker.BASELINE);
		}
		return new Comparison(b, v == b ? 0 : v - b, marker(metric, v, b, tolerancePoints)); // two infinite PSNRs differ by 0, not NaN
	}

	/**
	 * The deck's marker of a variant's {@code value} against the baseline's: one rule for the run and for verify, which holds a
	 * recorded marker against the tolerance the recipe declares (a "~" where the value is worse by more than it is a forgery).
	 */
	public static Marker marker(String metric, double value, double baseline, double tolerancePoints) {
		if (value == baseline) { // also two infinite PSNRs (outputs equal to the reference), whose difference is no number
			return Marker.SAME;
		}
		double delta = value - baseline;
		// latency, size, MSE and PSNR (no fractions) within the tolerance in percent of the baseline's value; none of an infinite one
		boolean relative = metric.equals(Metrics.LATENCY) || metric.equals(Metrics.MODEL_SIZE) || metric.equals(Metrics.MSE) || Metrics.isPsnr(metric);
		double tolerance = Double.isInfinite(baseline) ? 0 : relative ? Math.abs(baseline) * tolerancePoints / 100 : tolerancePoints / 100;
		if (Math.abs(delta) <= tolerance + 1e-12) {
			return Marker.SAME;
		}
		boolean better = Metrics.lowerIsBetter(metric) ? delta < 0 : delta > 0;
		return better ? Marker.BETTER : Marker.WORSE;
	}
}
