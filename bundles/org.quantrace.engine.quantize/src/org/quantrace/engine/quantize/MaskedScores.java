package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Attention scores masked by {@code Where(mask, scores, fill)} with a fill far below any score (the reference GAT's −9e15, a
 * causal mask's −1e9 or −inf) before a Softmax. In float, the Softmax's exp of a masked entry lands below float's normal range
 * (ln(FLT_MIN) = −87.3), a denormal, which x86 computes many times slower: round 27's gat (tests/data/wild/README.md, speed31)
 * spent most of its CPU time in its two Softmaxes, fp32 as int8; its fp32 model took 0.46-0.51x the CPU time with the fill −60
 * instead of −9e15, and 5.1-5.7x with −90. ONNX Runtime's QLinearSoftmax reads its exps from a table of the 256 codes, so masked
 * entries cost what the others do: the integer Softmax is kept for these ({@link OpRules}' Softmax rule), its input the Where's
 * output quantized.
 * <p>
 * That input's calibrated range reaches down to the fill, which would leave the scores one code. Its range is therefore the
 * range of the scores the Where reads (calibrated beside it), widened {@link #MARGIN} below: the fill saturates to the lowest
 * code, at least {@code MARGIN} below every score, so a masked entry weighs at most e^−16 (1.1e-7) of its row's largest, less
 * than half the Softmax output's step 1/256 for rows of up to 17,000 entries.
 */
final class MaskedScores {

	/** ln of float's smallest normal number: exp below it is denormal (or 0). */
	static final double DENORMAL_EXP = -87.33654;

	/** How far below the smallest score the fill is quantized (see the class comment). */
	static final double MARGIN = 16;

	private MaskedScores() {
	}

	/** The Where that masks {@code softmax}'s input with a fill whose exp is denormal, or null. */
	static Node mask(Node softmax) {
		if (!softmax.opType().equals("Softmax") || !softmax.isStandard()) {
			return null;
		}
		Node where = softmax.graph().producer(softmax.input(0)).orElse(null);
		return where != null && where.opType().equals("Where") && where.isStandard() && scores(where) != null ? where : null;
	}

	/** The scores {@code where} keeps (its one non-constant value input) when its other value input is a denormal-exp fill; else null. */
	static String scores(Node where) {
		for (int i = 1; i <= 2; i++) {
			Tensor fill = where.graph().constant(where.input(i));
			String other = where.input(3 - i);
			if (fill != null && fill.dataType() == DataType.FLOAT && fill.elementCount() == 1 && fill.toFloatArray()[0] < DENORMAL_EXP
					&& where.graph().constant(other) == null) {
				return other;
			}
		}
		return null;
	}

	/** Words for the Softmax's record: why it runs on codes and how its input is quantized. */
	static String reason(Node softmax) {
		Node where = mask(softmax);
		return "its input is scores masked by the Where '" + where.name() + "' with a fill whose exp is below float's normal range, which the"
				+ " float Softmax computes as denormals, many times slower (round 27's gat: 2x faster in float with the fill −60); QLinearSoftmax"
				+ " reads its exps from a table of the codes: the scores are quantized over the range of '" + scores(where) + "' widened by "
				+ (int) MARGIN + " below, where the fill saturates to the lowest code (a masked entry weighs at most e^-" + (int) MARGIN
				+ " of its row's largest)";
	}

	/** The masked scores root of each masked Softmax the plan quantizes, with the scores the Where reads. */
	static Map<String, String> of(Iterable<QuantizationPlan> plans) {
		Map<String, String> masked = new LinkedHashMap<>();
		for (QuantizationPlan plan : plans) {
			for (Node n : plan.graph().nodes()) {
				Node where = mask(n);
				String root = where == null ? null : where.output(0);
				if (where != null && plan.root(root).equals(root) && plan.activations().containsKey(root) && plan.activations().get(root).forcedRange() == null) {
					masked.put(root, scores(where));
				}
			}
		}
		return masked;
	}

	/**
	 * {@code calibrated} with each masked scores root's range ({@code masked}: root → scores) the scores' range, {@link #MARGIN}
	 * lower; {@code observedForThis}: the scores calibration read only for this, whose ranges are dropped again.
	 */
	static CalibrationResult withMargins(CalibrationResult calibrated, Map<String, String> masked, Set<String> observedForThis) {
		Map<String, Range> ranges = new LinkedHashMap<>(calibrated.ranges());
		masked.forEach((root, scores) -> {
			Range s = ranges.get(scores);
			if (s != null && ranges.containsKey(root)) {
				ranges.put(root, new Range(s.min() - MARGIN, s.max()));
			}
		});
		observedForThis.forEach(ranges::remove); // not activations of the plan
		return calibrated.with(ranges, calibrated.methods(), calibrated.clipped());
	}
}
