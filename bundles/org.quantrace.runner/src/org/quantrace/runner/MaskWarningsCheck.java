package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceModel;

/**
 * verify's own derivation of the quantizer's mask warning ({@link QuantizerWarnings#MASK_POSITIVE}): a layer whose reason says
 * its mask is computed from an integer model input taken as 0/1 as 0 and a negative value adds a positive value wherever that
 * input holds more than 1 (a 2 in attention_mask adds +10000). So the warning is recorded for that input exactly when the
 * calibration samples the record names hold such a value there: read from the data by this check, not from what the
 * quantizer observed. A record that leaves it out (forged away, every document agreeing) or keeps one the data does not bear
 * out is a mismatch.
 */
final class MaskWarningsCheck {

	/** A layer reason's mask from a model input taken as 0/1, its masked value negative ("... as 0 and −10000.0"). */
	private static final Pattern TAKEN = Pattern.compile("from the model input '([^']+)' \\(\\w+, taken as 0/1[^)]*\\) as 0 and −");
	/** The input a recorded warning names ("computed from the model input 'attention_mask' (INT64, ..."). */
	private static final Pattern NAMED = Pattern.compile("computed from the model input '([^']+)'");
	private static final int CHUNK = 64;

	private MaskWarningsCheck() {
	}

	/** The mismatches of {@code trace}'s mask warnings against the calibration data of {@code inputs}, in words. */
	static List<String> check(TraceModel trace, RecipeInputs inputs) {
		List<String> problems = new ArrayList<>();
		RecipeContext ctx = inputs.context();
		for (OptimizationRecord o : trace.getOptimizations()) {
			QuantizationRecord q = o.getQuantization();
			String model = o.getOutput() == null ? null : org.quantrace.report.RunSummary.model(o.getOutput());
			ModelDeclaration m = ctx.models().stream().filter(d -> d.getName().equals(model)).findFirst().orElse(null);
			if (q == null || m == null) {
				continue;
			}
			String prefix = QuantizerWarnings.prefix(o.getScheme());
			TreeSet<String> recorded = new TreeSet<>();
			for (RunWarning w : trace.getWarnings()) {
				Matcher named = NAMED.matcher(w.getMessage() == null ? "" : w.getMessage());
				if (QuantizerWarnings.MASK_POSITIVE.equals(w.getCode()) && model.equals(w.getModel()) && w.getMessage().startsWith(prefix) && named.find()) {
					recorded.add(named.group(1));
				}
			}
			Map<String, Long> above = above(q, m, inputs);
			if (above == null) {
				continue; // no calibration data to read: nothing to derive from
			}
			if (!recorded.equals(above.keySet())) {
				problems.add("warning [" + QuantizerWarnings.MASK_POSITIVE + "] of model " + model + ", scheme " + o.getScheme() + ": recorded for inputs "
						+ recorded + ", re-derived from the calibration data: inputs taken as 0/1 that hold a value above 1 " + above
						+ " (input = largest value)");
			}
		}
		return problems;
	}

	/**
	 * The inputs {@code q}'s layers take as 0/1 that hold a value above 1 in the calibration samples it read, with the largest;
	 * null when it names no calibration data this verify can read.
	 */
	private static Map<String, Long> above(QuantizationRecord q, ModelDeclaration m, RecipeInputs inputs) {
		TreeSet<String> taken = new TreeSet<>();
		for (LayerQuantizationRecord l : q.getLayers()) {
			Matcher t = TAKEN.matcher(l.getReason() == null ? "" : l.getReason());
			while (t.find()) {
				taken.add(t.group(1));
			}
		}
		Map<String, Long> above = new TreeMap<>();
		if (taken.isEmpty()) {
			return above;
		}
		Dataset data = inputs.calibrationSamples(q, m);
		if (data == null) {
			return null;
		}
		for (int from = 0; from < data.size(); from += CHUNK) {
			Batch b = data.read(from, Math.min(data.size(), from + CHUNK));
			for (String input : taken) {
				NdArray a = b.named() == null ? b.inputs() : b.named().get(input); // a dataset of one array: the model's one input
				long max = a == null ? Long.MIN_VALUE : largest(a);
				if (max > 1) {
					above.merge(input, max, Math::max);
				}
			}
		}
		return above;
	}

	/** The largest value of integer array {@code a}. */
	private static long largest(NdArray a) {
		long max = Long.MIN_VALUE;
		switch (a.data()) {
		case long[] v -> {
			for (long x : v) {
				max = Math.max(max, x);
			}
		}
		case int[] v -> {
			for (int x : v) {
				max = Math.max(max, x);
			}
		}
		default -> {
			for (float x : a.toFloats()) {
				max = Math.max(max, (long) Math.floor(x));
			}
		}
		}
		return max;
	}
}
