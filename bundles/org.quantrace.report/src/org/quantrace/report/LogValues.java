package org.quantrace.report;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Date;
import java.util.Locale;
import java.util.stream.Collectors;

import org.eclipse.emf.common.util.Enumerator;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.quantrace.model.trace.TracedElement;

/** How values read in the logs: dates as the templates ask (YYYY/MM/DD, UTC), enums by their literal, numbers exact. */
public final class LogValues {

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT).withZone(ZoneOffset.UTC);

	private LogValues() {
	}

	public static String text(Object v) {
		if (v == null) {
			return "";
		}
		if (v instanceof Date d) {
			return DATE.format(d.toInstant());
		}
		if (v instanceof org.quantrace.model.trace.LifecyclePhase p) { // as the templates write it: "Inference Management"
			return java.util.Arrays.stream(p.getLiteral().split("-")).map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
					.collect(Collectors.joining(" "));
		}
		if (v instanceof Enumerator e) {
			return e.getLiteral();
		}
		if (v instanceof Boolean b) {
			return b ? "yes" : "no";
		}
		if (v instanceof Double d) {
			return exact(d);
		}
		if (v instanceof String s) {
			return tidy(s);
		}
		if (v instanceof TracedElement t) {
			return t.getName() != null ? t.getName() : t.getId();
		}
		if (v instanceof Collection<?> c) {
			return c.stream().map(LogValues::text).collect(Collectors.joining(", "));
		}
		if (v instanceof EObject o) {
			EStructuralFeature name = o.eClass().getEStructuralFeature("name");
			return name != null ? text(o.eGet(name)) : o.eClass().getName();
		}
		return v.toString();
	}

	/**
	 * A number as it was computed: scales and zero points are float32 in the model, so a double that is a
	 * float prints as that float (the shortest text that reads back to the same float32).
	 */
	public static String number(double d) {
		if (Double.isNaN(d) || Double.isInfinite(d)) {
			return Double.toString(d);
		}
		if (d == Math.rint(d) && Math.abs(d) < 1e15) {
			return Long.toString((long) d);
		}
		return (double) (float) d == d ? Float.toString((float) d) : Double.toString(d);
	}

	/**
	 * A value the model stores as float32, exactly: the shortest decimal that reads back as the same float
	 * (Float.parseFloat gives the model's value), in plain notation between 1e-3 and 1e7, else as 1.234e-6.
	 */
	public static String exact(double d) {
		if (Double.isNaN(d) || Double.isInfinite(d) || d == Math.rint(d) && Math.abs(d) < 1e15) {
			return number(d);
		}
		String shortest = (double) (float) d == d ? Float.toString((float) d) : Double.toString(d);
		java.math.BigDecimal b = new java.math.BigDecimal(shortest);
		double a = Math.abs(d);
		if (a >= 1e-3 && a < 1e7) {
			return b.stripTrailingZeros().toPlainString();
		}
		b = b.stripTrailingZeros();
		int exponent = b.precision() - b.scale() - 1;
		String mantissa = b.movePointLeft(exponent).stripTrailingZeros().toPlainString();
		return mantissa + "e" + exponent;
	}

	/** A figure for people: four significant digits, no exponent noise (0.003922, 2.861e-6, 12,345). */
	public static String brief(double d) {
		if (Double.isInfinite(d)) { // a PSNR of outputs equal to the reference, as the metric tables and results.json's notFinite write it
			return d > 0 ? "inf" : "-inf";
		}
		if (Double.isNaN(d)) {
			return Double.toString(d);
		}
		if (d == Math.rint(d) && Math.abs(d) < 1e15) {
			return String.format(Locale.ROOT, "%,d", (long) d);
		}
		java.math.BigDecimal b = new java.math.BigDecimal(d).round(new java.math.MathContext(4));
		return exact(b.doubleValue());
	}

	private static final java.util.regex.Pattern LONG_NUMBER = java.util.regex.Pattern.compile("-?\\d+\\.\\d{6,}(?:[eE]-?\\d+)?|-?\\d\\.\\d+[eE]-?\\d+");

	/** Free text from the engine with its long numbers (2.86102294921875E-6) written as {@link #brief} figures. */
	public static String tidy(String text) {
		return text == null ? null : LONG_NUMBER.matcher(text).replaceAll(m -> brief(Double.parseDouble(m.group())));
	}

	/** resizeWidth → "resize width". */
	public static String words(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
	}

	/** A fragment id for HTML anchors: lower case letters, digits and dashes. */
	public static String slug(String text) {
		return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
	}

	/** The logs' name of a tensor class (weights, biases, activations, inputs, outputs): the rows' line prefixes, which verify reads back. */
	public static String plural(org.quantrace.model.trace.TensorRole role) {
		return switch (role) {
		case WEIGHT -> "weights";
		case BIAS -> "biases";
		case ACTIVATION -> "activations";
		case INPUT -> "inputs";
		case OUTPUT -> "outputs";
		};
	}

	/** "1 layer", "3 layers": a count with its noun in the number it takes (never "layer(s)"). */
	public static String count(long n, String noun) {
		return n + " " + noun + (n == 1 ? "" : "s");
	}
	/**
	 * How a PhIMT0002 elimination row opens for each status: "Removed", "Not present in the model", "Kept". The one place
	 * the words are made; verify reads the status back by them ({@link #eliminationStatusOf}).
	 */
	public static String eliminationStatus(org.quantrace.model.trace.EliminationStatus status) {
		return switch (status) {
		case REMOVED -> "Removed";
		case NOT_PRESENT -> "Not present in the model";
		case KEPT -> "Kept in the model";
		};
	}

	/**
	 * A PhIMT0002 elimination row as a reader reads it: what happened, to which nodes, and why. "Removed: 1 node,
	 * /classifier.2/Dropout (ratio 0.25). At inference Dropout passes its input through."; "Not present in the model:
	 * no gradient clipping in the graph ..."; "Kept in the model: 1 node, ... . Kept in inference mode ...".
	 */
	public static String elimination(org.quantrace.model.trace.EliminatedOperation e) {
		String details = e.getDetails() == null || e.getDetails().isBlank() ? "" : tidy(e.getDetails().strip());
		StringBuilder s = new StringBuilder(eliminationStatus(e.getStatus())).append(": ");
		if (e.getNodes().isEmpty()) {
			return s.append(details.isEmpty() ? "no such node in the graph" : details).append(details.endsWith(".") ? "" : ".").toString();
		}
		s.append(count(e.getNodes().size(), "node")).append(", ").append(String.join(", ", e.getNodes())).append('.');
		if (!details.isEmpty()) {
			s.append(' ').append(Character.toUpperCase(details.charAt(0))).append(details.substring(1)).append(details.endsWith(".") ? "" : ".");
		}
		return s.toString();
	}

	/** The status an elimination row states, from its text as {@link LogReader#squeeze} gives it; null when it states none. */
	public static org.quantrace.model.trace.EliminationStatus eliminationStatusOf(String squeezed) {
		for (org.quantrace.model.trace.EliminationStatus s : org.quantrace.model.trace.EliminationStatus.values()) {
			if (squeezed.startsWith(LogReader.squeeze(eliminationStatus(s)) + ":")) {
				return s;
			}
		}
		return null;
	}
}
