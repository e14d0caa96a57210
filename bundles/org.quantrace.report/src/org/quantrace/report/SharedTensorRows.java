package org.quantrace.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;

/**
 * Why a per-tensor appendix lists one tensor in more than one row. An int8 model output that a Gemm writes as uint8 codes is
 * two quantizations of one tensor (the activation's, then the output's the recipe asks for), and fiq_int8's appendix listed
 * {@code logits} twice with two zero points and no word of why: it read as a contradiction.
 */
final class SharedTensorRows {

	private SharedTensorRows() {
	}

	/** One sentence for each tensor the appendix lists more than once, in the order the table first lists them. */
	static List<String> notes(List<TensorQuantizationRecord> tensors) {
		Map<String, List<TensorQuantizationRecord>> byName = new LinkedHashMap<>();
		tensors.forEach(t -> byName.computeIfAbsent(t.getTensor(), n -> new ArrayList<>()).add(t));
		List<String> notes = new ArrayList<>();
		byName.forEach((name, rows) -> {
			if (rows.size() > 1) {
				notes.add(note(name, rows));
			}
		});
		return notes;
	}

	private static String note(String name, List<TensorQuantizationRecord> rows) {
		String head = name + " has " + rows.size() + " rows: ";
		TensorQuantizationRecord io = role(rows, TensorRole.OUTPUT) != null ? role(rows, TensorRole.OUTPUT) : role(rows, TensorRole.INPUT);
		TensorQuantizationRecord activation = role(rows, TensorRole.ACTIVATION);
		if (rows.size() == 2 && io != null && activation != null) {
			boolean output = io.getRole() == TensorRole.OUTPUT;
			String from = output ? codes(activation, "the activation row") : codes(io, "the input row");
			String to = output ? codes(io, "the output row") : codes(activation, "the activation row");
			String how = output ? "the model's output is " + OptimizationRows.type(io) + ": " + where(activation) + " writes " + from
					+ ", which the model requantizes to " + to
					: "the model's input is " + from + ", which the model requantizes to " + to + " for the nodes that read it";
			return head + "one tensor quantized twice; " + how + shift(activation, io) + ".";
		}
		List<String> nodes = rows.stream().map(t -> t.getNode() == null ? "the model" : t.getNode()).distinct().toList();
		return head + "one tensor quantized for each of " + nodes.size() + " nodes that read or write it (" + String.join(", ", nodes) + ").";
	}

	private static TensorQuantizationRecord role(List<TensorQuantizationRecord> rows, TensorRole role) {
		return rows.stream().filter(t -> t.getRole() == role).findFirst().orElse(null);
	}

	private static String where(TensorQuantizationRecord t) {
		return t.getNode() == null ? "the model" : t.getNode();
	}

	/** "uint8 codes (the activation row, z = 127)". */
	private static String codes(TensorQuantizationRecord t, String row) {
		return OptimizationRows.type(t) + " codes (" + row + (t.getZeroPoints().size() == 1 ? ", z = " + t.getZeroPoints().get(0) : "") + ")";
	}

	/**
	 * At one scale, uint8 and int8 codes whose zero points differ by 128 are the same real values shifted: the
	 * requantization rounds nothing. Otherwise it is a rounding step, said as such.
	 */
	private static String shift(TensorQuantizationRecord a, TensorQuantizationRecord b) {
		boolean oneScale = a.getScales().size() == 1 && b.getScales().size() == 1 && a.getScales().get(0).equals(b.getScales().get(0));
		boolean oneZero = a.getZeroPoints().size() == 1 && b.getZeroPoints().size() == 1;
		if (oneScale && oneZero && Math.abs(a.getZeroPoints().get(0) - b.getZeroPoints().get(0)) == 128 && !OptimizationRows.type(a).equals(OptimizationRows.type(b))) {
			return "; at the same scale the codes differ by 128 only, so no value changes (exact)";
		}
		return oneScale ? "; at the same scale, rounded to the other zero point" : "; at another scale: a second rounding";
	}
}
