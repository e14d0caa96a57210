package org.quantrace.engine.evaluate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The deck's comparison table: one row per variant, the task's metrics as columns, each value followed by
 * its marker against the baseline (↑ better, ↓ worse, ~ within the tolerance), then latency and size.
 */
public final class EvaluationTable {

	private EvaluationTable() {
	}

	/** The columns shown: the deck's for the task, plus top-k when computed. */
	public static List<String> columns(EvaluationReport r) {
		if (r.reconstruction()) {
			return Metrics.deckColumns(r.variants().get(0).metrics().keySet());
		}
		List<String> cols = new ArrayList<>(r.multilabel() ? Metrics.DECK_MULTILABEL : Metrics.DECK_MULTICLASS);
		if (!r.multilabel()) {
			r.variants().get(0).metrics().keySet().stream().filter(k -> k.startsWith("top-")).findFirst().ifPresent(k -> cols.add(1, k));
		}
		return cols;
	}

	/** Every metric computed (latency and size have their own columns): the deck's first, then the rest by name. */
	public static List<String> allColumns(EvaluationReport r) {
		List<String> cols = columns(r);
		r.variants().get(0).metrics().keySet().stream().sorted()
				.filter(k -> !cols.contains(k) && !k.equals(Metrics.LATENCY) && !k.equals(Metrics.MODEL_SIZE)).forEach(cols::add);
		return cols;
	}

	/** Each variant's confusion matrix (rows: true class, columns: predicted), single-label reports only. */
	public static String confusion(EvaluationReport r) {
		StringBuilder s = new StringBuilder();
		List<String> names = r.labelNames();
		for (EvaluationReport.VariantResult v : r.variants()) {
			if (v.confusion() == null) {
				continue;
			}
			int n = v.confusion().length;
			int w = 6;
			for (long[] row : v.confusion()) {
				for (long c : row) {
					w = Math.max(w, Long.toString(c).length() + 1);
				}
			}
			int lw = 2 + Math.max(8, names.stream().mapToInt(String::length).max().orElse(0) + Integer.toString(n).length() + 1);
			s.append(String.format(Locale.ROOT, "%nConfusion matrix of %s (rows: true class, columns: predicted):%n%-" + lw + "s", v.name(), ""));
			for (int j = 0; j < n; j++) {
				s.append(String.format(Locale.ROOT, "%" + w + "d", j));
			}
			s.append('\n');
			for (int i = 0; i < n; i++) {
				s.append(String.format(Locale.ROOT, "%-" + lw + "s", i < names.size() ? i + " " + names.get(i) : Integer.toString(i)));
				for (int j = 0; j < n; j++) {
					s.append(String.format(Locale.ROOT, "%" + w + "d", v.confusion()[i][j]));
				}
				s.append('\n');
			}
		}
		return s.toString();
	}

	public static String render(EvaluationReport r) {
		return render(r, columns(r));
	}

	public static String render(EvaluationReport r, List<String> columns) {
		StringBuilder s = new StringBuilder();
		if (r.reconstruction()) {
			boolean ssim = r.variants().get(0).metrics().keySet().stream().anyMatch(Metrics::isSsim);
			String range = Double.isNaN(r.dataRange()) ? "" : " (data range " + trim(r.dataRange()) + (r.nominalRange() ? ", nominal" : "") + ")";
			s.append(String.format(Locale.ROOT, "%s: %,d samples, outputs against %s%s; baseline %s, ~ = within %s %%%s%n%n",
					r.dataset(), r.samples(), r.reference(), range, r.baseline(), trim(r.tolerancePoints()),
					ssim ? " (ssim: " + trim(r.tolerancePoints()) + " pt)" : ""));
		} else {
			s.append(String.format(Locale.ROOT, "%s: %,d samples, %s; baseline %s, ~ = within %s pt%n%n", r.dataset(), r.samples(),
					r.multilabel() ? "multilabel" : "single-label", r.baseline(), trim(r.tolerancePoints())));
		}
		int nameWidth = Math.max(12, r.variants().stream().mapToInt(v -> v.name().length()).max().orElse(0));
		List<Integer> widths = new ArrayList<>();
		s.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", "model"));
		for (String c : columns) {
			int w = Math.max(9, c.length());
			widths.add(w);
			s.append("  ").append(String.format(Locale.ROOT, "%-" + w + "s", c));
		}
		s.append(String.format(Locale.ROOT, "  %12s  %12s%n", "ms/sample", "bytes"));
		for (EvaluationReport.VariantResult v : r.variants()) {
			s.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", v.name()));
			for (int i = 0; i < columns.size(); i++) {
				String c = columns.get(i);
				Double value = v.metrics().get(c);
				String cell = value == null ? "-" : Metrics.text(c, value, 4) + r.compare(v.name(), c).marker().symbol();
				s.append("  ").append(String.format(Locale.ROOT, "%-" + widths.get(i) + "s", cell));
			}
			s.append(String.format(Locale.ROOT, "  %12.4f  %,12d%n", v.latencyMs(), v.sizeBytes()));
		}
		return s.toString();
	}

	private static String trim(double d) {
		return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
	}
}
