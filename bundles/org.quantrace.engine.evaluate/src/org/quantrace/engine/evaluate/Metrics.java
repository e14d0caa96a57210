package org.quantrace.engine.evaluate;

import java.util.List;

import org.quantrace.model.recipe.Averaging;
import org.quantrace.model.recipe.Metric;

/** Metric names as reports show them, which are better when lower, and the recipe's metric enum mapped to them. */
public final class Metrics {

	public static final String ACCURACY = "accuracy";
	public static final String PRECISION_MACRO = "precision (macro)";
	public static final String RECALL_MACRO = "recall (macro)";
	public static final String F1_MACRO = "f1 (macro)";
	public static final String PRECISION_WEIGHTED = "precision (weighted)";
	public static final String RECALL_WEIGHTED = "recall (weighted)";
	public static final String F1_WEIGHTED = "f1 (weighted)";
	public static final String PRECISION_MICRO = "precision (micro)";
	public static final String RECALL_MICRO = "recall (micro)";
	public static final String F1_MICRO = "f1 (micro)";
	public static final String BALANCED_ACCURACY = "balanced accuracy";
	public static final String COHEN_KAPPA = "cohen kappa";
	public static final String BINARY_ACCURACY = "binary accuracy";
	public static final String HAMMING_LOSS = "hamming loss";
	public static final String JACCARD_SAMPLES = "jaccard (samples)";
	public static final String SUBSET_ACCURACY = "subset accuracy";
	public static final String LATENCY = "latency (ms/sample)";
	public static final String MODEL_SIZE = "model size (bytes)";
	/**
	 * Outputs that are no class scores, against a reference ({@link ReconstructionMetrics}); PSNR's and SSIM's names state the
	 * data range ({@link #psnr}, {@link #ssim}). {@link #SSIM} is the word a user asks for it with, and its name in folders written
	 * before its range was named.
	 */
	public static final String MSE = "mse";
	public static final String SSIM = "ssim";

	/** The deck's table columns. */
	public static final List<String> DECK_MULTICLASS = List.of(ACCURACY, PRECISION_MACRO, RECALL_MACRO, F1_MACRO, BALANCED_ACCURACY, COHEN_KAPPA);
	public static final List<String> DECK_MULTILABEL = List.of(BINARY_ACCURACY, PRECISION_MICRO, RECALL_MICRO, F1_MICRO, HAMMING_LOSS,
			JACCARD_SAMPLES);

	/** Every metric a single-label evaluation computes, but the top-k accuracy (its k depends on the model's classes). */
	public static final List<String> MULTICLASS = List.of(ACCURACY, PRECISION_MACRO, RECALL_MACRO, F1_MACRO, PRECISION_WEIGHTED, RECALL_WEIGHTED,
			F1_WEIGHTED, PRECISION_MICRO, BALANCED_ACCURACY, COHEN_KAPPA);
	/** Every metric a multilabel evaluation computes, but each label's accuracy (named by the data's labels). */
	public static final List<String> MULTILABEL = List.of(BINARY_ACCURACY, PRECISION_MICRO, RECALL_MICRO, F1_MICRO, PRECISION_MACRO, RECALL_MACRO,
			F1_MACRO, HAMMING_LOSS, JACCARD_SAMPLES, SUBSET_ACCURACY);

	private Metrics() {
	}

	/** PSNR's report name, with the data range it is computed for: "psnr (dB, range 1)". */
	public static String psnr(double range) {
		return psnr(range, false);
	}

	/**
	 * PSNR's report name, with the data range it is computed for and, where the user stated it as the data's nominal range (its
	 * span not held against the reference's, {@link ReferenceSpan}), that word: "psnr (dB, range 1, nominal)". The name is what
	 * every record, table and log prints next to the figure, so each says how R was chosen.
	 */
	public static String psnr(double range, boolean nominal) {
		return "psnr (dB, range " + rangeText(range) + (nominal ? ", nominal" : "") + ")";
	}

	public static boolean isPsnr(String name) {
		return name.startsWith("psnr (dB, range ");
	}

	/**
	 * SSIM's report name, with the data range R its constants are computed from (C1 = (0.01 R)², C2 = (0.03 R)²,
	 * {@link ReconstructionMetrics}) and, where stated so, the word nominal: "ssim (range 1)". Like psnr's, the name every record,
	 * table and log prints next to the figure, so each says which R it was computed with (a range ten times too wide makes the
	 * constants 100 times too large and lifts ssim towards 1).
	 */
	public static String ssim(double range, boolean nominal) {
		return "ssim (range " + rangeText(range) + (nominal ? ", nominal" : "") + ")";
	}

	/** Whether {@code name} is SSIM's, with its range, or as folders before the range was named hold it ({@link #SSIM}). */
	public static boolean isSsim(String name) {
		return name.equals(SSIM) || name.startsWith("ssim (range ");
	}

	private static String rangeText(double range) {
		return range == Math.rint(range) && Math.abs(range) < 1e15 ? Long.toString((long) range) : Double.toString(range);
	}

	/** Whether a metric of this name measures outputs against a reference (MSE, PSNR, SSIM) rather than classes. */
	public static boolean reconstruction(String name) {
		return name.equals(MSE) || isSsim(name) || isPsnr(name);
	}

	/** Whether a recipe metric measures outputs against a reference (MSE, PSNR, SSIM). */
	public static boolean reconstruction(Metric m) {
		return m == Metric.MSE || m == Metric.PSNR || m == Metric.SSIM;
	}

	/**
	 * The table columns of an evaluation that computed {@code names}: the deck's for classification (multilabel when it has a
	 * Hamming loss, top-k after accuracy when computed), MSE, PSNR and SSIM for outputs that are no class scores; only those
	 * computed. One place for the report, the logs and the command line.
	 */
	public static List<String> deckColumns(java.util.Collection<String> names) {
		List<String> columns = new java.util.ArrayList<>();
		if (names.contains(MSE)) {
			names.stream().filter(Metrics::reconstruction).forEach(columns::add);
			return columns;
		}
		columns.addAll(names.contains(HAMMING_LOSS) ? DECK_MULTILABEL : DECK_MULTICLASS);
		names.stream().filter(n -> n.startsWith("top-")).findFirst().ifPresent(n -> columns.add(1, n));
		columns.retainAll(names);
		return columns;
	}

	/**
	 * A metric's value as tables print it: {@code decimals} decimals, but an MSE in scientific notation ({@code decimals}
	 * significant decimals: 9.611e-03, where 0.010 would hide a quantized model's 1.6e-05 from the fp32 model) and an infinite
	 * PSNR (outputs equal to the reference) as "inf".
	 */
	public static String text(String metric, double value, int decimals) {
		if (Double.isInfinite(value)) {
			return value > 0 ? "inf" : "-inf";
		}
		return String.format(java.util.Locale.ROOT, "%." + decimals + (metric.equals(MSE) ? "e" : "f"), value);
	}

	/**
	 * Whether an evaluation of this kind can have a table column {@code name} (lower case), known before it runs: so a
	 * command refuses a metric of the other kind before a pass over all the data, not after it.
	 */
	public static boolean reportable(String name, boolean multilabel) {
		return multilabel ? MULTILABEL.contains(name) || name.startsWith(perLabelAccuracy(""))
				: MULTICLASS.contains(name) || name.matches("top-[0-9]+ accuracy");
	}

	public static String topK(int k) {
		return "top-" + k + " accuracy";
	}

	/**
	 * Why top-k accuracy with {@code k} says nothing of a model of {@code classes} classes, or null when it does: with k not below
	 * them every model's is 1 by definition. One rule for {@code evaluate --top-k} and a recipe's top-k (hostile11, hostile12).
	 */
	public static String trivialTopK(int k, long classes) {
		return classes <= 1 || k < classes ? null
				: "its " + topK((int) Math.min(k, classes)) + " is 1 for every model by definition";
	}

	public static String perLabelAccuracy(String label) {
		return "accuracy " + label;
	}

	/** Losses, latency and size improve downwards. */
	public static boolean lowerIsBetter(String metric) {
		return metric.equals(HAMMING_LOSS) || metric.equals(LATENCY) || metric.equals(MODEL_SIZE) || metric.equals(MSE);
	}

	/** The report name of a recipe metric for the task at hand. */
	public static String name(Metric m, Averaging averaging, boolean multilabel, int topK) {
		return name(m, averaging, multilabel, topK, 1, false);
	}

	/** The report name of a recipe metric for the task at hand, PSNR's with the data range of the outputs (stated nominal or not). */
	public static String name(Metric m, Averaging averaging, boolean multilabel, int topK, double dataRange, boolean nominal) {
		String avg = averaging.getLiteral();
		return switch (m) {
		case ACCURACY -> multilabel ? BINARY_ACCURACY : ACCURACY;
		case TOPK_ACCURACY -> topK(topK);
		case PRECISION -> "precision (" + avg + ")";
		case RECALL -> "recall (" + avg + ")";
		case F1 -> "f1 (" + avg + ")";
		case BALANCED_ACCURACY -> BALANCED_ACCURACY;
		case COHEN_KAPPA -> COHEN_KAPPA;
		case BINARY_ACCURACY -> BINARY_ACCURACY;
		case HAMMING_LOSS -> HAMMING_LOSS;
		case JACCARD -> JACCARD_SAMPLES;
		case SUBSET_ACCURACY -> SUBSET_ACCURACY;
		case MODEL_SIZE -> MODEL_SIZE;
		case LATENCY -> LATENCY;
		case MSE -> MSE;
		case PSNR -> psnr(dataRange, nominal);
		case SSIM -> ssim(dataRange, nominal);
		};
	}
}
