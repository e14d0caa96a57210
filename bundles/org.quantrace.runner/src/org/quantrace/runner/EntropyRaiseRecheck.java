package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: each entropy threshold the run says it raised ("KL threshold T saturated P % of the non-zero calibration
 * values (more than 0.01 %); raised to R"), counted again from the calibration data in a session of verify's own
 * ({@link InnerTensors}) on the float model the calibration read: P against the share of the tensor's non-zero values beyond
 * T, and R as the least threshold that saturates at most 0.01 % of them. The calibration counted values in a histogram of
 * {@code bins} bins over [0, max |x|], so a value within a bin of a threshold may fall on either side of it: each count is
 * taken at the threshold one bin (and the printed figure's last digit) further out and further in, and the statement must lie
 * between. T itself is the outcome of the KL search over that histogram, which CalibratedRangeRecheck makes again (EntropyThresholds).
 */
final class EntropyRaiseRecheck {

	private static final String DOCUMENT = Outputs.TRACE;
	/** The trace's calibration parameter of a raise (runner.QuantizationRecords writes it). */
	static final String PARAMETER = "entropy threshold raised";
	/** The rule the README and the statement give: a threshold saturates at most 0.01 % of the tensor's non-zero values. */
	static final double LIMIT = 1e-4;
	private static final Pattern RAISE = Pattern.compile(
			"'(.*)': KL threshold (\\S+) saturated (\\S+) % of the non-zero calibration values \\(more than (\\S+) %\\); raised to ([^\\s(]+).*", Pattern.DOTALL);

	/** One raise as the trace states it. */
	private record Raise(String tensor, double kl, double percent, double limitPercent, double raised) {
	}

	/**
	 * The thresholds a raise is counted at, a histogram bin of {@code bin} (and half the printed figure's last digit) around
	 * each statement: T further out and further in, R above, and one bin below the next lower bin edge.
	 */
	private record Edges(double klOut, double klIn, double raisedAbove, double raisedBelow) {
		static Edges of(Raise r, double bin) {
			return new Edges(r.kl() + margin(r.kl(), bin), r.kl() - margin(r.kl(), bin), r.raised() + margin(r.raised(), bin),
					r.raised() - bin - margin(r.raised(), bin));
		}

		double[] all() {
			return new double[] { klOut, klIn, raisedAbove, raisedBelow };
		}
	}

	/** A tensor's non-zero values counted: their number, the largest magnitude, and how many lie beyond each of its {@link Edges}. */
	private static final class Counts {
		long nonZero;
		double top;
		Edges edges;
		double[] thresholds = new double[0];
		long[] beyond = new long[4]; // in the order of Edges.all
	}

	private EntropyRaiseRecheck() {
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<ModelArtifact, Path> files, List<String> notes) {
		List<Mismatch> found = new ArrayList<>();
		for (OptimizationRecord o : trace.getOptimizations()) {
			List<Parameter> said = o.getQuantization() == null || o.getQuantization().getCalibration() == null ? List.of()
					: o.getQuantization().getCalibration().getParameters().stream().filter(p -> PARAMETER.equals(p.getKey())).toList();
			if (said.isEmpty()) {
				continue;
			}
			String at = "optimization " + o.getId() + " entropy threshold raised (re-counted)";
			recipe.recheck(at, "counted again", found, ctx -> check(ctx, o, said, files, at, found, notes));
		}
		return found;
	}

	private static void check(RecipeContext ctx, OptimizationRecord o, List<Parameter> said, Function<ModelArtifact, Path> files, String at, List<Mismatch> found,
			List<String> notes) {
		int bins = bins(o);
		Path floatFile = files.apply(o.getInput());
		if (bins <= 0 || floatFile == null) {
			found.add(new Mismatch(DOCUMENT, at, "the histogram's bins and the float model", bins <= 0 ? "no histogram bins recorded" : "no float model file"));
			return;
		}
		CalibrationSamples calibration = CalibrationSamples.of(ctx, o, DOCUMENT, at, found);
		if (calibration == null) {
			return;
		}
		OnnxModel floats = OnnxModel.load(floatFile);
		Map<String, Raise> raises = new LinkedHashMap<>();
		int elsewhere = 0;
		for (Parameter p : said) {
			Raise r = parse(p.getValue());
			if (r == null) {
				found.add(new Mismatch(DOCUMENT, at, "a raise as the run words it", "'" + p.getValue() + "'"));
			} else if (!inMainGraph(floats.graph(), r.tensor())) {
				elsewhere++;
			} else {
				raises.put(r.tensor(), r);
			}
		}
		Map<String, Counts> counts = count(floats, raises, bins, calibration);
		for (Raise r : raises.values()) {
			compare(r, counts.get(r.tensor()), bins, at + " tensor '" + r.tensor() + "'", found);
		}
		notes.add(String.format(Locale.ROOT, "%s: %d raised threshold%s counted again on %s in verify's own session (the share each KL threshold"
				+ " saturates, and the raised threshold as the least saturating at most %.2f %%, each within one of the %d histogram bins); the KL"
				+ " thresholds themselves are the outcome of the calibration's histogram search, which the calibrated ranges' check makes again%s", at, raises.size(),
				raises.size() == 1 ? "" : "s", calibration.described(), 100 * LIMIT, bins,
				elsewhere == 0 ? "" : "; " + elsewhere + " not (a tensor the float model's main graph does not compute: a rewrite's or a branch's)"));
	}

	/**
	 * Two runs of the float model: the largest magnitude and the count of non-zero values of each tensor first (the histogram's
	 * span), then how many lie beyond the thresholds {@link #compare} reads.
	 */
	private static Map<String, Counts> count(OnnxModel floats, Map<String, Raise> raises, int bins, CalibrationSamples calibration) {
		Map<String, Counts> counts = new LinkedHashMap<>();
		raises.keySet().forEach(t -> counts.put(t, new Counts()));
		InnerTensors.visit(floats, floats, raises.keySet(), calibration.data(), calibration.model(), (tensor, shape, values) -> {
			Counts c = counts.get(tensor);
			for (int i = values.position(); i < values.limit(); i++) {
				float v = values.get(i);
				c.nonZero += v != 0 ? 1 : 0;
				c.top = Math.max(c.top, Math.abs(v));
			}
		});
		raises.forEach((t, r) -> {
			Counts c = counts.get(t);
			c.edges = Edges.of(r, c.top / bins);
			c.thresholds = c.edges.all();
		});
		InnerTensors.visit(floats, floats, raises.keySet(), calibration.data(), calibration.model(), (tensor, shape, values) -> {
			Counts c = counts.get(tensor);
			for (int i = values.position(); i < values.limit(); i++) {
				float v = Math.abs(values.get(i));
				for (int k = 0; k < c.thresholds.length; k++) {
					c.beyond[k] += v > c.thresholds[k] ? 1 : 0;
				}
			}
		});
		return counts;
	}

	private static void compare(Raise r, Counts c, int bins, String where, List<Mismatch> found) {
		double bin = c.top / bins;
		if (Math.abs(r.limitPercent() - 100 * LIMIT) > 1e-9) {
			found.add(new Mismatch(DOCUMENT, where + " limit", r.limitPercent() + " %", String.format(Locale.ROOT, "%.2f %% (the rule)", 100 * LIMIT)));
		}
		// P: between the shares beyond T one bin out and one bin in, widened by the last printed digit of P
		double atMost = 100.0 * c.beyond[1] / c.nonZero; // beyond klIn
		double atLeast = 100.0 * c.beyond[0] / c.nonZero; // beyond klOut
		double digit = lastDigit(r.percent(), 3);
		if (r.percent() + digit < atLeast || r.percent() - digit > atMost || r.percent() <= 100 * LIMIT) {
			found.add(new Mismatch(DOCUMENT, where + " share saturated at the KL threshold " + r.kl(), r.percent() + " %", String.format(Locale.ROOT,
					"%.3g-%.3g %% (of its %d non-zero calibration values, beyond %.4g ∓ one histogram bin of %.3g; counted in verify's own session)", atLeast,
					atMost, c.nonZero, r.kl(), bin)));
		}
		// R: the least bin edge beyond which at most LIMIT of the values lie (as many as floor(n · LIMIT) values)
		long allowed = (long) Math.floor(c.nonZero * LIMIT + 1e-6);
		double above = c.edges.raisedAbove();
		double below = c.edges.raisedBelow();
		long beyondRaised = c.beyond[2];
		long beyondLower = c.beyond[3];
		if (beyondRaised > allowed || beyondLower <= allowed) {
			found.add(new Mismatch(DOCUMENT, where + " raised threshold", r.raised() + String.format(Locale.ROOT, ", the least threshold saturating at most %.2f", 100 * LIMIT)
					+ " % of the non-zero values", String.format(Locale.ROOT, "%d of its %d non-zero calibration values beyond %.4g (a"
							+ " histogram bin of %.3g above R) and %d beyond %.4g (two bins below), at most %d allowed (counted in verify's own session)", beyondRaised,
							c.nonZero, above, bin, beyondLower, below, allowed)));
		}
	}

	/** One histogram bin and half the last printed digit of {@code printed} (4 significant digits). */
	private static double margin(double printed, double bin) {
		return bin + lastDigit(printed, 4);
	}

	/** Half a unit of the last of {@code digits} significant digits of {@code v}. */
	private static double lastDigit(double v, int digits) {
		return v == 0 ? 0 : 0.5 * Math.pow(10, Math.floor(Math.log10(Math.abs(v))) - (digits - 1));
	}

	/** Each raised tensor's KL threshold as the trace states it (CalibratedRangeRecheck holds it to the KL search). */
	static Map<String, Double> klThresholds(OptimizationRecord o) {
		Map<String, Double> kl = new LinkedHashMap<>();
		o.getQuantization().getCalibration().getParameters().stream().filter(p -> PARAMETER.equals(p.getKey())).map(p -> parse(p.getValue()))
				.filter(java.util.Objects::nonNull).forEach(r -> kl.put(r.tensor(), r.kl()));
		return kl;
	}

	private static Raise parse(String value) {
		Matcher m = RAISE.matcher(value);
		if (!m.matches()) {
			return null;
		}
		try {
			return new Raise(m.group(1), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)),
					Double.parseDouble(m.group(5)));
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** The calibration's histogram bins, as recorded; 0 when none is. */
	private static int bins(OptimizationRecord o) {
		return o.getQuantization().getCalibration().getParameters().stream().filter(p -> "histogram bins".equals(p.getKey())).findFirst().map(p -> {
			try {
				return Integer.parseInt(p.getValue().trim());
			} catch (NumberFormatException e) {
				return 0;
			}
		}).orElse(0);
	}

	/** Whether the main graph computes {@code tensor} (a node's output or a graph input). */
	private static boolean inMainGraph(Graph g, String tensor) {
		return g.producer(tensor).isPresent() || g.inputs().stream().anyMatch(i -> i.getName().equals(tensor));
	}
}
