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

	public static String perLabelAccuracy(String label) {
		return "accuracy " + label;
	}

	/** Losses, latency and size improve downwards. */
	public static boolean lowerIsBetter(String metric) {
		return metric.equals(HAMMING_LOSS) || metric.equals(LATENCY) || metric.equals(MODEL_SIZE);
	}

	/** The report name of a recipe metric for the task at hand. */
	public static String name(Metric m, Averaging averaging, boolean multilabel, int topK) {
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
		};
	}
}
