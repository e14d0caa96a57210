package org.quantrace.runner;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.ClampedBiases;
import org.quantrace.report.WidenedWeightScales;

/**
 * The quantizer's warnings ({@link QuantizationResult#warnings()}) as a recipe run records them: the quantize command printed
 * them, and a run on the same model and data said nothing in its output, trace, results.json, report or logs (an attention_mask
 * holding a 2 saturates the Softmax on codes; a half-precision model widened to float32). Each is recorded as a run warning
 * on the model's declaration, so every document shows it where the run's warnings are shown. Those the run says another way
 * are left out: a range far wider than its values (the calibration record), a weight scale widened or a bias clamped for
 * int32 (the layer's reason).
 */
final class QuantizerWarnings {

	/** A mask computed from an integer input taken as 0/1 added positive values on the calibration samples: verify re-derives it. */
	static final String MASK_POSITIVE = "quantize-mask-positive";
	/** Any other quantizer warning (a half-precision model widened, dynamic kernels slower than float): the run's own statement. */
	static final String QUANTIZER = "quantize-warning";
	private QuantizerWarnings() {
	}

	/** Both codes: verify's check of the language's warnings leaves them to its own. */
	static final Set<String> CODES = Set.of(MASK_POSITIVE, QUANTIZER);

	/** {@code result}'s warnings the run does not say another way, in the quantizer's order. */
	static List<String> unsaid(QuantizationResult result) {
		Set<String> wide = new java.util.HashSet<>();
		result.wideRanges().forEach(w -> wide.add(w.warning()));
		return result.warnings().stream().filter(w -> !wide.contains(w) && result.layers().stream().noneMatch(l -> saidInReason(l, w))).toList();
	}

	/** Whether warning {@code w} is about layer {@code l}'s widened weight scale or clamped bias, which its reason states. */
	private static boolean saidInReason(QuantizationResult.Layer l, String w) {
		return WidenedWeightScales.stated(l.reason()) != null && w.startsWith("layer '" + l.node() + "': ")
				|| ClampedBiases.stated(l.reason()) != null && w.startsWith("the bias of '" + l.node() + "' is clamped");
	}

	/** The words a record of {@code scheme}'s warnings starts with. */
	static String prefix(String scheme) {
		return "scheme " + scheme + ": ";
	}

	/**
	 * {@code result}'s unsaid warnings recorded in {@code trace} on {@code m}'s declaration, in place of any recorded before for
	 * this model and scheme (accuracy recovery replaces a scheme's result).
	 */
	static void record(TraceModel trace, RecipeContext ctx, ModelDeclaration m, String scheme, QuantizationResult result) {
		String prefix = prefix(scheme);
		trace.getWarnings().removeIf(w -> CODES.contains(w.getCode()) && m.getName().equals(w.getModel()) && w.getMessage().startsWith(prefix));
		Path folder = ctx.file().toAbsolutePath().getParent();
		for (String w : unsaid(result)) {
			String code = w.contains(QuantizationResult.POSITIVE_MASK_WORDS) ? MASK_POSITIVE : QUANTIZER;
			org.quantrace.model.trace.RunWarning r = WarningRecords.of(ctx, DataChecks.diagnostic(ctx, m, ctx.file(), code, prefix + w, Severity.WARNING), folder);
			r.setModel(m.getName()); // about this model, as its logs show it
			trace.getWarnings().add(r);
		}
	}
}
