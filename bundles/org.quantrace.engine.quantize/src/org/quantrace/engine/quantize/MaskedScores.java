package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Attention scores masked by {@code Where(mask, scores, fill)} with a fill far below any score (the reference GAT's −9e15, a
 * causal mask's −1e9; not −inf, see far()), or by {@code Add(scores, mask)} with a constant mask of 0 and such values (BERT's −1e4), before a
 * Softmax. In float, the Softmax's exp of a masked entry lands below float's normal range
 * (ln(FLT_MIN) = −87.3), a denormal, which x86 computes many times slower: round 27's gat (tests/data/wild/README.md, speed31)
 * spent most of its CPU time in its two Softmaxes, fp32 as int8; its fp32 model took 0.46-0.51x the CPU time with the fill −60
 * instead of −9e15, and 5.1-5.7x with −90. ONNX Runtime's QLinearSoftmax reads its exps from a table of the 256 codes, so masked
 * entries cost what the others do: the integer Softmax is kept for these ({@link OpRules}' Softmax rule), its input the mask's
 * output quantized. Additive masks cost the same in float (gat with the Where made an Add of 0 / −1e4, −1e9 or −inf: 0.95-0.97x
 * the Where's time, 0.42-0.43x with −60; speed32).
 * <p>
 * That input's calibrated range reaches down to the fill, which would leave the scores one code. Its range is therefore the
 * range of the scores the mask reads (calibrated beside it), widened {@link #MARGIN} below: the fill saturates to the lowest
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

	/** The Where or Add that masks {@code softmax}'s input with entries whose exp is denormal, or null. */
	static Node mask(Node softmax) {
		if (!softmax.opType().equals("Softmax") || !softmax.isStandard()) {
			return null;
		}
		Node masking = softmax.graph().producer(softmax.input(0)).orElse(null);
		return masking != null && masking.isStandard() && scores(masking) != null ? masking : null;
	}

	/** The scores {@code masking} (a Where or an Add) masks, or null when it is not such a mask. */
	static String scores(Node masking) {
		return switch (masking.opType()) {
		case "Where" -> filled(masking);
		case "Add" -> added(masking);
		default -> null;
		};
	}

	/** The scores {@code where} keeps (its one non-constant value input) when its other value input is a denormal-exp fill; else null. */
	private static String filled(Node where) {
		for (int i = 1; i <= 2; i++) {
			Tensor fill = where.graph().constant(where.input(i));
			String other = where.input(3 - i);
			if (fill != null && fill.dataType() == DataType.FLOAT && fill.elementCount() == 1 && far(fill.toFloatArray()[0])
					&& where.graph().constant(other) == null) {
				return other;
			}
		}
		return null;
	}

	/**
	 * The scores {@code add} adds a constant additive mask to (its one non-constant input), or null: the mask's entries are 0
	 * (kept) or below {@link #DENORMAL_EXP} (masked, finite: BERT's extended mask −1e4, a causal mask's −1e9), at least one
	 * masked. Round 27's gat with such a mask in place of its Where computed as slowly in float (speed32).
	 */
	private static String added(Node add) {
		for (int i = 0; i <= 1; i++) {
			Tensor mask = add.graph().constant(add.input(i));
			String other = add.input(1 - i);
			if (mask != null && mask.dataType() == DataType.FLOAT && add.graph().constant(other) == null && additive(mask.toFloatArray())) {
				return other;
			}
		}
		return null;
	}

	/**
	 * Whether {@code v} masks: its exp is denormal. Finite only: the masked scores are calibrated, and calibration refuses a
	 * tensor with infinite values as bad input (a causal mask of −inf: that Softmax stays float, as before).
	 */
	private static boolean far(float v) {
		return v < DENORMAL_EXP && Float.isFinite(v);
	}

	/** Whether {@code mask} holds only 0 and values whose exp is denormal, at least one of these. */
	private static boolean additive(float[] mask) {
		boolean masks = false;
		for (float v : mask) {
			if (far(v)) {
				masks = true;
			} else if (v != 0) {
				return false; // a bias (levit's relative positions), not a mask
			}
		}
		return masks;
	}

	/**
	 * Why the Add that adds a constant additive mask to a Softmax's scores stays float, or null for any other Add: quantized,
	 * the mask's far entries set the constant's scale (3.9e6 for −1e9), and ONNX Runtime's QLinearAdd then
	 * adds the scores wrong (MaskedScoresTest: codes up to several apart from DequantizeLinear → Add → QuantizeLinear with
	 * −1e9). In float it adds exactly; the Softmax's input is quantized after it.
	 */
	static String addRefusal(Node add) {
		// the readers first: every Add is asked, and only one read by masked Softmaxes has its constant read as a mask
		List<Node> readers = add.graph().consumers(add.output(0));
		if (readers.isEmpty() || !readers.stream().allMatch(r -> mask(r) == add)) {
			return null;
		}
		return "it adds a constant attention mask whose masked entries (below −87.34) would set the constant's scale, which ONNX Runtime's"
				+ " QLinearAdd does not add exactly at; the Softmax reading it quantizes its sum (its scores' range widened by " + (int) MARGIN + " below)";
	}

	/** Words for the Softmax's record: why it runs on codes and how its input is quantized. */
	static String reason(Node softmax) {
		Node masking = mask(softmax);
		boolean where = masking.opType().equals("Where");
		return "its input is scores masked by the " + masking.opType() + " '" + masking.name() + (where ? "' with a fill whose exp is"
				: "' of a constant mask whose masked entries' exp is") + " below float's normal range, which the float Softmax computes as denormals,"
				+ " many times slower (round 27's gat: 2x faster in float with the " + (where ? "fill" : "added mask") + " −60); QLinearSoftmax"
				+ " reads its exps from a table of the codes: the scores are quantized over the range of '" + scores(masking) + "' widened by "
				+ (int) MARGIN + " below, where the " + (where ? "fill saturates" : "masked entries saturate") + " to the lowest code (a masked"
				+ " entry weighs at most e^-" + (int) MARGIN + " of its row's largest)";
	}

	/** The masked scores root of each masked Softmax the plan quantizes, with the scores the mask reads. */
	static Map<String, String> of(Iterable<QuantizationPlan> plans) {
		Map<String, String> masked = new LinkedHashMap<>();
		for (QuantizationPlan plan : plans) {
			for (Node n : plan.graph().nodes()) {
				Node masking = mask(n);
				String root = masking == null ? null : masking.output(0);
				if (masking != null && plan.root(root).equals(root) && plan.activations().containsKey(root) && plan.activations().get(root).forcedRange() == null) {
					masked.put(root, scores(masking));
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
