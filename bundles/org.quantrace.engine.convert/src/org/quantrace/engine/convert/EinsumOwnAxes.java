package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;

/**
 * An Einsum of two operands whose constant operand has several indices of its own in the output (LambdaNetworks' position
 * lambdas, {@code nmk,bvm->bnkv} with the learned embedding E [n, m, k]): MatMul takes extra axes from one operand only,
 * which {@link EinsumProduct} refuses, but a constant's own axes merge into one for free (stored transposed and reshaped:
 * E' [m, (n k)]). The product is then the plain one {@code mZ,bvm->bvZ} with the merged index Z last in the output, and a
 * Reshape splits Z back into the own axes (its target keeps every other axis, 0, so dynamic sizes stay dynamic), then a
 * Transpose puts the axes in the output's order where they are not. Exact: the same sums of the same products.
 */
final class EinsumOwnAxes {

	/**
	 * The rewritten {@code equation} (the constant's term holds its other indices in their order, then Z; the output its
	 * other indices in their order, then Z), the perm that stores the constant so ({@code permConstant}, the own axes last,
	 * in the output's order), how many own axes Z merges, and the perm from the split product to the Einsum's output (null:
	 * in order).
	 */
	record Merge(String equation, int[] permConstant, int own, int[] permOut) {
	}

	private EinsumOwnAxes() {
	}

	/**
	 * The merge of operand {@code constant} (0 or 1) of {@code equation}, or null where there is none to make: fewer than
	 * two own indices, an index repeated in it, no explicit output, or a '...' (whose axes the split's Reshape would have to
	 * count).
	 */
	static Merge of(String equation, int constant) {
		String eq = equation.replaceAll("\\s", "");
		int arrow = eq.indexOf("->");
		if (arrow < 0 || eq.contains(".")) {
			return null;
		}
		String[] terms = eq.substring(0, arrow).split(",", -1);
		String out = eq.substring(arrow + 2);
		if (terms.length != 2) {
			return null;
		}
		String mine = terms[constant];
		String other = terms[1 - constant];
		if (mine.chars().distinct().count() != mine.length()) {
			return null; // a diagonal: EinsumProduct's refusal stands
		}
		List<Character> own = new ArrayList<>(); // in the output's order
		for (char c : out.toCharArray()) {
			if (mine.indexOf(c) >= 0 && other.indexOf(c) < 0) {
				own.add(c);
			}
		}
		if (own.size() < 2) {
			return null;
		}
		char z = unused(eq);
		if (z == 0) {
			return null;
		}
		StringBuilder kept = new StringBuilder();
		List<Integer> perm = new ArrayList<>();
		for (int i = 0; i < mine.length(); i++) {
			if (!own.contains(mine.charAt(i))) {
				kept.append(mine.charAt(i));
				perm.add(i);
			}
		}
		own.forEach(c -> perm.add(mine.indexOf(c)));
		StringBuilder outKept = new StringBuilder();
		for (char c : out.toCharArray()) {
			if (!own.contains(c)) {
				outKept.append(c);
			}
		}
		String newTerm = kept.toString() + z;
		String rewritten = (constant == 0 ? newTerm + "," + other : other + "," + newTerm) + "->" + outKept + z;
		String split = outKept + own.stream().map(String::valueOf).reduce("", String::concat);
		int[] permOut = new int[out.length()];
		boolean identity = true;
		for (int i = 0; i < permOut.length; i++) {
			permOut[i] = split.indexOf(out.charAt(i));
			identity &= permOut[i] == i;
		}
		return new Merge(rewritten, perm.stream().mapToInt(Integer::intValue).toArray(), own.size(), identity ? null : permOut);
	}

	/** A letter the equation does not use (0 when it uses all 52). */
	private static char unused(String eq) {
		for (char c : "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba".toCharArray()) {
			if (eq.indexOf(c) < 0) {
				return c;
			}
		}
		return 0;
	}
}
