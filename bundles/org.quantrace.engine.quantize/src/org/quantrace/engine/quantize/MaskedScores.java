package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Attention scores masked by {@code Where(mask, scores, fill)} with a fill far below any score (the reference GAT's −9e15, a
 * causal mask's −1e9 or −inf), or by {@code Add(scores, mask)} with a mask of 0 and such values (BERT's −1e4), constant or computed
 * at run time from a 0/1 tensor ({@link ComputedMask}: Hugging Face's BERT from its attention_mask input), before a Softmax. In
 * float, the Softmax's exp of a masked entry lands below float's normal range (ln(FLT_MIN) = −87.3), a denormal, which x86
 * computes many times slower: round 27's gat (tests/data/wild/README.md, speed31) spent most of its CPU time in its two
 * Softmaxes, fp32 as int8; its fp32 model took 0.46-0.51x the CPU time with the fill −60
 * instead of −9e15, and 5.1-5.7x with −90. ONNX Runtime's QLinearSoftmax reads its exps from a table of the 256 codes, so masked
 * entries cost what the others do: the integer Softmax is kept for these ({@link OpRules}' Softmax rule), its input the mask's
 * output quantized. Additive masks cost the same in float (gat with the Where made an Add of 0 / −1e4, −1e9 or −inf: 0.95-0.97x
 * the Where's time, 0.42-0.43x with −60; speed32).
 * <p>
 * That input's calibrated range reaches down to the fill, which would leave the scores one code. Its range is therefore the
 * range of the scores the mask reads (calibrated beside it), widened {@link #MARGIN} below: the fill saturates to the lowest
 * code, at least {@code MARGIN} below every score, so a masked entry weighs at most e^−16 (1.1e-7) of its row's largest, less
 * than half the Softmax output's step 1/256 for rows of up to 17,000 entries. A −inf mask's masked scores are not calibrated at
 * all (calibration refuses infinite values as bad input): their range is that one, derived; ONNX Runtime's QuantizeLinear
 * saturates −inf to the lowest code (MaskedScoresTest).
 */
final class MaskedScores {

	/** ln of float's smallest normal number: exp below it is denormal (or 0). */
	static final double DENORMAL_EXP = -87.33654;

	/** How far below the smallest score the fill is quantized (see the class comment). */
	static final double MARGIN = 16;

	private MaskedScores() {
	}

	/**
	 * A mask before a Softmax: the Where or Add {@code masking}, the {@code scores} it masks, the {@code values} of its fill or mask
	 * (0 and entries whose exp is denormal), and where a mask computed at run time got its 0/1 ({@code origin}; null for a constant).
	 */
	private record Mask(Node masking, String scores, float[] values, String origin) {

		boolean infinite() {
			for (float v : values) {
				if (Float.isInfinite(v)) {
					return true;
				}
			}
			return false;
		}
	}

	/** The Where or Add that masks {@code softmax}'s input with entries whose exp is denormal, or null. */
	static Node mask(Node softmax) {
		Mask m = maskOf(softmax);
		return m == null ? null : m.masking();
	}

	private static Mask maskOf(Node softmax) {
		if (!softmax.opType().equals("Softmax") || !softmax.isStandard()) {
			return null;
		}
		Node masking = softmax.graph().producer(softmax.input(0)).orElse(null);
		return masking != null && masking.isStandard() ? masked(masking) : null;
	}

	/** {@code masking} (a Where or an Add) as a mask, or null when it is not one. */
	private static Mask masked(Node masking) {
		return switch (masking.opType()) {
		case "Where" -> filled(masking);
		case "Add" -> added(masking);
		default -> null;
		};
	}

	/** The scores {@code masking} (a Where or an Add) masks, or null when it is not such a mask. */
	static String scores(Node masking) {
		Mask m = masked(masking);
		return m == null ? null : m.scores();
	}

	/** {@code where} with its one non-constant value input as the scores when its other value input is a denormal-exp fill; else null. */
	private static Mask filled(Node where) {
		for (int i = 1; i <= 2; i++) {
			Tensor fill = where.graph().constant(where.input(i));
			String other = where.input(3 - i);
			if (fill != null && fill.dataType() == DataType.FLOAT && fill.elementCount() == 1 && far(fill.toFloatArray()[0])
					&& where.graph().constant(other) == null) {
				return new Mask(where, other, fill.toFloatArray(), null);
			}
		}
		return null;
	}

	/**
	 * {@code add} as an additive mask on its other input (the scores), or null: the mask's entries are 0 (kept) or below
	 * {@link #DENORMAL_EXP} (masked: BERT's extended mask −1e4, a causal mask's −1e9 or −inf), at least one masked. The mask is a
	 * constant, or computed at run time from a 0/1 tensor by scalar arithmetic ({@link ComputedMask}: Hugging Face's BERT). Round
	 * 27's gat with such a mask in place of its Where computed as slowly in float (speed32).
	 */
	private static Mask added(Node add) {
		for (int i = 0; i <= 1; i++) {
			Tensor constant = add.graph().constant(add.input(i));
			String other = add.input(1 - i);
			ComputedMask.Values computed = constant == null ? ComputedMask.of(add.graph(), add.input(i)) : null;
			float[] values = constant != null && constant.dataType() == DataType.FLOAT ? constant.toFloatArray() : computed == null ? null : computed.values();
			if (values != null && add.graph().constant(other) == null && additive(values)) {
				return new Mask(add, other, values, computed == null ? null : computed.origin());
			}
		}
		return null;
	}

	/**
	 * Whether {@code v} masks: its exp is denormal (or 0: −inf). An infinite mask's sum is not calibrated (calibration refuses a
	 * tensor with infinite values as bad input); its range is the scores' anyway ({@link #uncalibrated}).
	 */
	private static boolean far(float v) {
		return v < DENORMAL_EXP;
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
	 * Why the Add that adds an additive mask to a Softmax's scores stays float, or null for any other Add: quantized,
	 * the mask's far entries set the mask's scale (3.9e6 for −1e9), and ONNX Runtime's QLinearAdd then
	 * adds the scores wrong (MaskedScoresTest: codes up to several apart from DequantizeLinear → Add → QuantizeLinear with
	 * −1e9). In float it adds exactly; the Softmax's input is quantized after it (8-bit activations only: with others the Softmax
	 * stays float too, QuantizationPlan, and the words say so).
	 */
	static String addRefusal(Node add) {
		// the readers first: every Add is asked, and only one read by masked Softmaxes has its constant read as a mask
		List<Node> readers = add.graph().consumers(add.output(0));
		if (readers.isEmpty() || !readers.stream().allMatch(r -> mask(r) == add)) {
			return null;
		}
		boolean computed = maskOf(readers.get(0)).origin() != null;
		return "it adds " + (computed ? "an attention mask computed from 0/1" : "a constant attention mask") + " whose masked entries (below −87.34)"
				+ " would set the " + (computed ? "mask's" : "constant's") + " scale, which ONNX Runtime's QLinearAdd does not add exactly at; with 8-bit"
				+ " activations the Softmax reading it runs on codes and quantizes its sum (its scores' range widened by " + (int) MARGIN + " below)";
	}

	/** Words for the Softmax's record: why it runs on codes and how its input is quantized. */
	static String reason(Node softmax) {
		Mask m = maskOf(softmax);
		boolean where = m.masking().opType().equals("Where");
		String mask = where ? "' with a fill whose exp is"
				: m.origin() == null ? "' of a constant mask whose masked entries' exp is"
						: "' of a mask computed at run time from " + m.origin() + " as " + valueWords(m.values()) + ", whose masked entries' exp is";
		return "its input is scores masked by the " + m.masking().opType() + " '" + m.masking().name() + mask + " below float's normal range, which the"
				+ " float Softmax computes as denormals, many times slower (round 27's gat: 2x faster in float with the " + (where ? "fill" : "added mask")
				+ " −60); QLinearSoftmax reads its exps from a table of the codes: the scores are quantized over the range of '" + m.scores() + "' widened by "
				+ (int) MARGIN + " below, where the " + (where ? "fill saturates" : "masked entries saturate") + " to the lowest code (a masked"
				+ " entry weighs at most e^-" + (int) MARGIN + " of its row's largest)" + (m.infinite() ? "; the masked entries are −inf, which calibration"
						+ " cannot measure: the masked scores are not calibrated, their range is that one, and ONNX Runtime's QuantizeLinear saturates −inf to"
						+ " the lowest code" : "");
	}

	/** The distinct values of a computed mask, in words ("0 and −10000"). */
	private static String valueWords(float[] values) {
		return IntStream.range(0, values.length).mapToObj(i -> values[i] == 0 ? "0" : values[i] == Float.NEGATIVE_INFINITY ? "−inf"
				: String.valueOf(values[i]).replace('-', '−'))
				.distinct().sorted().collect(Collectors.joining(" and "));
	}

	/** The masks of the masked Softmaxes the plans quantize, by the root of the masked scores. */
	private static Map<String, Mask> masks(Iterable<QuantizationPlan> plans) {
		Map<String, Mask> masks = new LinkedHashMap<>();
		for (QuantizationPlan plan : plans) {
			for (Node n : plan.graph().nodes()) {
				Mask m = maskOf(n);
				String root = m == null ? null : m.masking().output(0);
				if (m != null && plan.root(root).equals(root) && plan.activations().containsKey(root) && plan.activations().get(root).forcedRange() == null) {
					masks.put(root, m);
				}
			}
		}
		return masks;
	}

	/** The masked scores root of each masked Softmax the plan quantizes, with the scores the mask reads. */
	static Map<String, String> of(Iterable<QuantizationPlan> plans) {
		Map<String, String> masked = new LinkedHashMap<>();
		masks(plans).forEach((root, m) -> masked.put(root, m.scores()));
		return masked;
	}

	/** The masked scores roots whose mask holds −inf: calibration would refuse them, and their range is derived ({@link #withMargins}). */
	static Set<String> uncalibrated(Iterable<QuantizationPlan> plans) {
		Set<String> roots = new LinkedHashSet<>();
		masks(plans).forEach((root, m) -> {
			if (m.infinite()) {
				roots.add(root);
			}
		});
		return roots;
	}

	/**
	 * Warnings for the masks computed at run time that added positive values to their scores on the calibration samples: the
	 * masked sum's largest value above the scores' own (a mask of 0 and far-below entries leaves it or lowers it, bit for bit).
	 * An integer input taken as 0/1 (attention_mask) held another value (2 gives +10000); on codes those entries saturate to the
	 * top code where float gives them all the weight. Read from what calibration observed, before {@link #withMargins}.
	 */
	static List<QuantizerWarning> positiveMasks(CalibrationResult calibrated, Iterable<QuantizationPlan> plans) {
		List<QuantizerWarning> warnings = new ArrayList<>();
		masks(plans).forEach((root, m) -> {
			Range sum = calibrated.observed().get(root);
			Range scores = calibrated.observed().get(m.scores());
			if (m.origin() != null && sum != null && scores != null && sum.max() > scores.max()) {
				String softmax = m.masking().graph().consumers(root).stream().filter(r -> r.opType().equals("Softmax")).map(Node::name).findFirst().orElse("");
				warnings.add(new QuantizerWarning(QuantizerWarning.MASK_POSITIVE, m.masking().name(), String.format(Locale.ROOT, "the attention mask the %s '%s' adds, computed from %s, " + QuantizationResult.POSITIVE_MASK_WORDS
						+ " (the masked scores '%s' reach %.6g, the scores '%s' %.6g): it is not 0 and far below as the quantization takes it;"
						+ " the Softmax on codes saturates those entries to its top code where float gives them the weight: check the data (0 and 1),"
						+ " or leave the Softmax float (--exclude %s)", m.masking().opType(), m.masking().name(), m.origin(), root, sum.max(), m.scores(),
						scores.max(), softmax)));
			}
		});
		return warnings;
	}

	/**
	 * {@code calibrated} with each masked scores root's range ({@code masked}: root → scores) the scores' range, {@link #MARGIN}
	 * lower (also of a root left out of calibration, {@link #uncalibrated}); {@code observedForThis}: the scores calibration read only
	 * for this, whose ranges are dropped again.
	 */
	static CalibrationResult withMargins(CalibrationResult calibrated, Map<String, String> masked, Set<String> observedForThis) {
		Map<String, Range> ranges = new LinkedHashMap<>(calibrated.ranges());
		masked.forEach((root, scores) -> {
			Range s = ranges.get(scores);
			if (s != null) {
				ranges.put(root, new Range(s.min() - MARGIN, s.max()));
			}
		});
		observedForThis.forEach(ranges::remove); // not activations of the plan
		return calibrated.with(ranges, calibrated.methods(), calibrated.clipped());
	}
}
