package org.quantrace.runner.verify;

import java.util.List;
import java.util.Objects;

/** Comparing one printed figure with its re-derived value. */
public final class Figures {

	private Figures() {
	}

	/** Adds a mismatch unless {@code recorded} equals {@code derived}. */
	public static void same(List<Mismatch> found, String document, String where, Object recorded, Object derived) {
		if (!Objects.equals(recorded, derived)) {
			found.add(new Mismatch(document, where, String.valueOf(recorded), String.valueOf(derived)));
		}
	}

	/** As {@link #same}, for a figure compared with another document rather than re-derived: the message names it ({@code from}). */
	public static void same(List<Mismatch> found, String document, String where, Object recorded, Object other, String from) {
		if (!Objects.equals(recorded, other)) {
			found.add(new Mismatch(document, where, String.valueOf(recorded), other + " in " + from));
		}
	}

	/** As {@link #same(List, String, String, Object, Object, String)}, for a number printed with {@code decimals} digits after the point. */
	public static void rounded(List<Mismatch> found, String document, String where, double printed, double other, int decimals, String from) {
		double half = 0.5 * Math.pow(10, -decimals) * (1 + 1e-9);
		if (!(Math.abs(printed - other) <= half)) {
			found.add(new Mismatch(document, where, String.valueOf(printed), other + " in " + from));
		}
	}
}
