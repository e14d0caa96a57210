package org.quantrace.runner.verify;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Figures as a document prints them: numbers with thousands separators and exponents, values rounded to four
 * significant digits for people, scales exactly as float32, zero points as "0 ×16".
 */
final class Printed {

	/** A printed number: digits with optional separators, fraction and exponent. */
	static final String NUMBER = "-?\\d[\\d,]*(?:\\.\\d+)?(?:[eE]-?\\d+)?";

	private Printed() {
	}

	/** The number in {@code text}, or null when it is not one. */
	static Double number(String text) {
		try {
			if (text == null) {
				return null;
			}
			String t = text.strip().replace(",", "").replace('\u2212', '-');
			// an infinite PSNR as the documents print it ("inf", "-inf"), and as Java writes it ("Infinity")
			return t.equals("inf") || t.equals("+inf") ? Double.POSITIVE_INFINITY : t.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.valueOf(t);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** Whether {@code printed} is {@code value} as written for people: whole numbers exactly, others to four significant digits. */
	static boolean brief(double printed, double value) {
		if (!Double.isFinite(value)) { // a PSNR of outputs equal to the reference: Infinity
			return printed == value || Double.isNaN(printed) && Double.isNaN(value);
		}
		if (value == Math.rint(value) && Math.abs(value) < 1e15) {
			return printed == value;
		}
		double rounded = new BigDecimal(value).round(new MathContext(4)).doubleValue();
		return Math.abs(printed - rounded) <= 1e-9 * Math.abs(rounded);
	}

	/** {@code value} as people read it here: four significant digits. */
	static String brief(double value) {
		if (Double.isInfinite(value)) {
			return value > 0 ? "inf" : "-inf";
		}
		if (Double.isNaN(value)) {
			return Double.toString(value);
		}
		return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
				: new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toString();
	}

	/** Scales as the model stores them: each printed value read back as a float32. Null when one is not a number. */
	static List<Float> floats(String cell) {
		List<Float> v = new ArrayList<>();
		for (String s : cell.trim().split("\\s+")) {
			Double d = number(s);
			if (d == null) {
				return null;
			}
			v.add(Float.parseFloat(s.replace(",", "")));
		}
		return v;
	}

	/** Zero points: a list, or one value repeated ("0 ×16"). Null when the cell is neither. */
	static List<Long> zeroPoints(String cell) {
		String c = cell.trim();
		List<Long> v = new ArrayList<>();
		try {
			if (c.matches("-?\\d+\\s*×\\s*\\d+")) {
				String[] p = c.split("\\s*×\\s*");
				for (int i = 0; i < Integer.parseInt(p[1]); i++) {
					v.add(Long.parseLong(p[0]));
				}
				return v;
			}
			for (String s : c.split("\\s+")) {
				v.add(Long.parseLong(s));
			}
			return v;
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** A list for a message: short lists whole, long ones by their first values and length. */
	static String list(List<?> values) {
		return values.size() <= 8 ? values.toString() : values.subList(0, 6) + "... (" + values.size() + " values)";
	}
}
