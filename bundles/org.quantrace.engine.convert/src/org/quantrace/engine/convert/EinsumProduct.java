package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An Einsum equation of two operands read as a (batched) matrix product, or why it is not one. A plain product contracts
 * exactly one index that both operands have; every other index is in the output, either in both operands (a batch axis)
 * or in one (an axis of its own: rows of the first, columns of the second, and extra leading axes of one of them, which
 * MatMul broadcasts). Such an Einsum is Transpose (where an operand's axes are in another order) + MatMul (+ a Transpose
 * of the product where the output asks for another order).
 * <p>
 * An Einsum that contracts several indices both operands have (bilinear pooling's {@code nchw,ndhw->ncd}, over h and w) is
 * the same product over their flattened block: each operand is transposed so that the contracted axes come last, in one
 * order, and reshaped to merge them into one axis (Reshape with 0 for every axis kept and -1 for the block, so dynamic sizes
 * stay dynamic); the second operand's merged axis is then swapped before its own axis (a Transpose of its last two), since
 * MatMul reads it as [..., K, N]. {@link Plan#merged} is the number of contracted indices (1: no Reshape).
 * <p>
 * The equation is read as ONNX defines it: operands separated by commas, {@code ->} before the output (without it the
 * output is the indices that appear once, in alphabetical order), letters a-z and A-Z, and {@code ...} for the leading
 * axes an operand has beyond its letters (broadcast, right-aligned, as MatMul broadcasts batch axes), which needs the
 * operand's rank.
 */
final class EinsumProduct {

	/**
	 * How to compute it: perm of each operand (null: as it is), the MatMul, then perm of the product (null: as it is). With
	 * {@code merged} > 1 contracted indices, the permuted operands hold them as their last {@code merged} axes, in the same
	 * order: A is then reshaped to merge them, B reshaped to merge them and its last two axes swapped. {@code rankA} and
	 * {@code rankB} are the ranks of the permuted operands.
	 */
	record Plan(int[] permA, int[] permB, int[] permOut, String reading, int cost, int merged, int rankA, int rankB) {
	}

	/** The plan, or why there is none ({@link #plan} is null then). */
	record Outcome(Plan plan, String refusal) {
	}

	private EinsumProduct() {
	}

	/** First label of the axes an ellipsis stands for: outside the letters, so never confused with one. */
	private static final char ELLIPSIS_BASE = '\u0100';

	/**
	 * Reads {@code equation} for operands of ranks {@code rankA} and {@code rankB} (-1 when unknown: then the equation may
	 * not use {@code ...}); a constant operand is transposed for free (stored so), which the plan's cost counts.
	 */
	static Outcome of(String equation, int rankA, int rankB, boolean constantA, boolean constantB) {
		String eq = equation.replaceAll("\\s", "");
		int arrow = eq.indexOf("->");
		String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
		String rhs = arrow < 0 ? null : eq.substring(arrow + 2);
		String[] terms = lhs.split(",", -1);
		if (terms.length != 2) {
			return refuse(terms.length + (terms.length == 1 ? " operand" : " operands") + ": only a product of two operands is a MatMul");
		}
		int[] ranks = { rankA, rankB };
		List<List<Character>> operands = new ArrayList<>();
		int ellipsisAxes = 0;
		int[] own = new int[2];
		for (int i = 0; i < 2; i++) {
			List<Character> labels = letters(terms[i]);
			if (labels == null) {
				return refuse("operand " + (i + 1) + " '" + terms[i] + "' is not a term of letters and at most one '...'");
			}
			boolean ellipsis = terms[i].contains("...");
			if (ellipsis) {
				if (ranks[i] < 0) {
					return refuse("operand " + (i + 1) + " has '...' and its rank is not known, so the axes '...' stands for are not known");
				}
				own[i] = ranks[i] - labels.size();
				if (own[i] < 0) {
					return refuse("operand " + (i + 1) + " names " + labels.size() + " axes but has rank " + ranks[i]);
				}
				ellipsisAxes = Math.max(ellipsisAxes, own[i]);
			} else if (ranks[i] >= 0 && ranks[i] != labels.size()) {
				return refuse("operand " + (i + 1) + " names " + labels.size() + " axes but has rank " + ranks[i]);
			}
			operands.add(labels);
		}
		for (int i = 0; i < 2; i++) { // '...' expands to the last own[i] of the ellipsis axes (broadcast is right-aligned)
			if (terms[i].contains("...")) {
				List<Character> expanded = new ArrayList<>();
				String before = terms[i].substring(0, terms[i].indexOf("..."));
				before.chars().forEach(c -> expanded.add((char) c));
				for (int e = ellipsisAxes - own[i]; e < ellipsisAxes; e++) {
					expanded.add((char) (ELLIPSIS_BASE + e));
				}
				terms[i].substring(terms[i].indexOf("...") + 3).chars().forEach(c -> expanded.add((char) c));
				operands.set(i, expanded);
			}
		}
		List<Character> a = operands.get(0);
		List<Character> b = operands.get(1);
		for (int i = 0; i < 2; i++) {
			List<Character> labels = operands.get(i);
			for (char c : labels) {
				if (labels.indexOf(c) != labels.lastIndexOf(c)) {
					return refuse("index " + show(c) + " repeats in operand " + (i + 1) + " (a diagonal): MatMul reads each axis once");
				}
			}
		}
		List<Character> out = new ArrayList<>();
		if (rhs != null) {
			List<Character> labels = letters(rhs);
			if (labels == null) {
				return refuse("the output '" + rhs + "' is not a term of letters and at most one '...'");
			}
			String before = rhs.contains("...") ? rhs.substring(0, rhs.indexOf("...")) : rhs;
			before.chars().forEach(c -> out.add((char) c));
			if (rhs.contains("...")) {
				for (int e = 0; e < ellipsisAxes; e++) {
					out.add((char) (ELLIPSIS_BASE + e));
				}
				rhs.substring(rhs.indexOf("...") + 3).chars().forEach(c -> out.add((char) c));
			}
		} else {
			for (int e = 0; e < ellipsisAxes; e++) {
				out.add((char) (ELLIPSIS_BASE + e));
			}
			TreeSet<Character> once = new TreeSet<>();
			for (char c : a) {
				if (!b.contains(c) && c < ELLIPSIS_BASE) {
					once.add(c);
				}
			}
			for (char c : b) {
				if (!a.contains(c) && c < ELLIPSIS_BASE) {
					once.add(c);
				}
			}
			boolean upper = once.stream().anyMatch(Character::isUpperCase);
			boolean lower = once.stream().anyMatch(Character::isLowerCase);
			if (upper && lower) {
				// numpy orders A-Z before a-z, ONNX Runtime a-z before A-Z: which order the model means is not certain
				return refuse("the output is implicit (no '->') with both upper- and lower-case indices, whose alphabetical order"
						+ " ONNX Runtime and numpy disagree on");
			}
			out.addAll(once);
		}
		for (char c : out) {
			if (out.indexOf(c) != out.lastIndexOf(c)) {
				return refuse("index " + show(c) + " repeats in the output (a diagonal)");
			}
			if (!a.contains(c) && !b.contains(c)) {
				return refuse("output index " + show(c) + " is in no operand");
			}
		}
		List<Character> contracted = new ArrayList<>();
		List<Character> batch = new ArrayList<>();
		List<Character> freeA = new ArrayList<>();
		List<Character> freeB = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			List<Character> mine = operands.get(i);
			List<Character> other = operands.get(1 - i);
			for (char c : mine) {
				if (!out.contains(c) && !other.contains(c)) {
					return refuse("it sums over index " + show(c) + ", which only operand " + (i + 1) + " has (a reduction, not a product)");
				}
				if (i == 0 && other.contains(c) && !out.contains(c)) {
					contracted.add(c);
				}
			}
		}
		for (char c : out) {
			if (a.contains(c) && b.contains(c)) {
				batch.add(c);
			} else if (a.contains(c)) {
				freeA.add(c);
			} else {
				freeB.add(c);
			}
		}
		String several = contracted.size() < 2 ? ""
				: "it contracts " + contracted.size() + " indices (" + contracted.stream().map(EinsumProduct::show).collect(Collectors.joining(", ")) + ") and ";
		if (contracted.isEmpty()) {
			return refuse("it contracts no index (an outer or elementwise product), a MatMul contracts one");
		}
		if (freeA.isEmpty() || freeB.isEmpty()) {
			return refuse(several + "operand " + (freeA.isEmpty() ? 1 : 2) + " has no index of its own in the output (a matrix-vector product)");
		}
		if (freeA.size() > 1 && freeB.size() > 1) {
			return refuse(several + "both operands have more than one index of their own in the output; MatMul takes extra axes from one operand only");
		}
		int merged = contracted.size();
		Plan best = null;
		int bestCost = Integer.MAX_VALUE;
		boolean leadFromA = freeA.size() > 1;
		List<Character> candidates = leadFromA ? freeA : freeB;
		for (char pick : candidates) {
			List<Character> lead = new ArrayList<>(candidates);
			lead.remove((Character) pick);
			char m = leadFromA ? pick : freeA.get(0); // the rows come from A, the columns from B; the rest lead
			char n = leadFromA ? freeB.get(0) : pick;
			List<Character> x = new ArrayList<>(leadFromA ? lead : List.of());
			x.addAll(batch);
			x.add(m);
			x.addAll(contracted);
			List<Character> y = new ArrayList<>(leadFromA ? List.of() : lead);
			y.addAll(batch);
			if (merged == 1) {
				y.addAll(contracted);
				y.add(n);
			} else { // [..., n, k1..kc]: reshaped to [..., n, K], then its last two axes swapped
				y.add(n);
				y.addAll(contracted);
			}
			List<Character> product = new ArrayList<>(lead);
			product.addAll(batch);
			product.add(m);
			product.add(n);
			int[] permA = perm(a, x);
			int[] permB = perm(b, y);
			int[] permOut = perm(product, out);
			int cost = (permA == null || constantA ? 0 : 1) + (permB == null || constantB ? 0 : 1) + (permOut == null ? 0 : 1)
					+ (merged == 1 ? 0 : (constantA ? 0 : 1) + (constantB ? 0 : 2));
			if (cost < bestCost) {
				bestCost = cost;
				best = new Plan(permA, permB, permOut, "contracts " + join(contracted) + (merged == 1 ? "" : " (merged into one axis)")
						+ (batch.isEmpty() ? "" : ", batch " + join(batch)) + (lead.isEmpty() ? "" : ", leading " + join(lead)) + ", rows " + show(m)
						+ ", columns " + show(n), cost, merged, x.size(), y.size());
			}
		}
		return new Outcome(best, null);
	}

	/** The perm that makes {@code to} of {@code from} (Transpose: output axis i is input axis perm[i]); null when they are equal. */
	private static int[] perm(List<Character> from, List<Character> to) {
		int[] p = new int[to.size()];
		boolean identity = true;
		for (int i = 0; i < p.length; i++) {
			p[i] = from.indexOf(to.get(i));
			identity &= p[i] == i;
		}
		return identity ? null : p;
	}

	/** The letters of a term, the '...' left out; null when it holds anything else or more than one '...'. */
	private static List<Character> letters(String term) {
		String rest = term;
		int dots = rest.indexOf("...");
		if (dots >= 0) {
			rest = rest.substring(0, dots) + rest.substring(dots + 3);
		}
		List<Character> labels = new ArrayList<>();
		for (char c : rest.toCharArray()) {
			if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
				return null;
			}
			labels.add(c);
		}
		return labels;
	}

	private static String show(char c) {
		return c >= ELLIPSIS_BASE ? "(axis " + (c - ELLIPSIS_BASE) + " of '...')" : String.valueOf(c);
	}

	private static String join(List<Character> labels) {
		Set<String> s = new LinkedHashSet<>();
		labels.forEach(c -> s.add(show(c)));
		return String.join("", s);
	}

	/** The same product with its two operands in the other order ("bqd,bkd->bqk" -> "bkd,bqd->bqk"); null when it is not of two. */
	static String swapped(String equation) {
		String eq = equation.replaceAll("\\s", "");
		int arrow = eq.indexOf("->");
		String[] terms = (arrow < 0 ? eq : eq.substring(0, arrow)).split(",", -1);
		return terms.length != 2 ? null : terms[1] + "," + terms[0] + (arrow < 0 ? "" : eq.substring(arrow));
	}

	private static Outcome refuse(String why) {
		return new Outcome(null, why);
	}
}
