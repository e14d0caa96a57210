package org.quantrace.runner;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizerWarning;
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
public final class QuantizerWarnings {

	/** A mask computed from an integer input taken as 0/1 added positive values on the calibration samples: verify re-derives it. */
	static final String MASK_POSITIVE = QuantizerWarning.MASK_POSITIVE;
	/**
	 * The scheme quantized no layer and stored no integer weight: verify derives it again from the layer and weight records
	 * ({@link #checkNothing}), which it holds against the model files (TraceCheck).
	 */
	static final String NOTHING = QuantizerWarning.NOTHING;
	/**
	 * A tabular input's features that span fewer than a few steps of its one integer scale (kept float where per-feature ops read
	 * it): verify derives it again from the calibration data and the model files ({@link InputResolutionCheck}).
	 */
	static final String INPUT_RESOLUTION = QuantizerWarning.INPUT_RESOLUTION;
	/** Any other quantizer warning (a half-precision model widened, dynamic kernels slower than float): the run's own statement. */
	static final String QUANTIZER = QuantizerWarning.OTHER;
	private QuantizerWarnings() {
	}

	/** Both codes: verify's check of the language's warnings leaves them to its own. */
	static final Set<String> CODES = Set.of(MASK_POSITIVE, NOTHING, INPUT_RESOLUTION, QUANTIZER);

	/** {@code result}'s warnings the run does not say another way, in the quantizer's order: told apart by their codes. */
	static List<QuantizerWarning> unsaid(QuantizationResult result) {
		return result.quantizerWarnings().stream().filter(w -> !QuantizerWarning.WIDE_RANGE.equals(w.code())
				&& result.layers().stream().noneMatch(l -> saidInReason(l, w))).toList();
	}

	/** Whether warning {@code w} is about layer {@code l}'s widened weight scale or clamped bias, which its reason states. */
	private static boolean saidInReason(QuantizationResult.Layer l, QuantizerWarning w) {
		return l.node().equals(w.subject()) && (QuantizerWarning.WEIGHT_SCALE_WIDENED.equals(w.code()) && WidenedWeightScales.stated(l.reason()) != null
				|| QuantizerWarning.BIAS_CLAMPED.equals(w.code()) && ClampedBiases.stated(l.reason()) != null);
	}

	/**
	 * The code a run records the quantizer's warning {@code w} under, from the engine's code (the words decided it, warn35): those
	 * verify derives again keep theirs, any other is {@link #QUANTIZER}.
	 */
	public static String code(QuantizerWarning w) {
		return switch (w.code()) {
		case QuantizerWarning.MASK_POSITIVE -> MASK_POSITIVE;
		case QuantizerWarning.NOTHING -> NOTHING;
		case QuantizerWarning.INPUT_RESOLUTION -> INPUT_RESOLUTION;
		default -> QUANTIZER;
		};
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
		for (QuantizerWarning w : unsaid(result)) {
			org.quantrace.model.trace.RunWarning r = WarningRecords.of(ctx, DataChecks.diagnostic(ctx, m, ctx.file(), code(w), prefix + w.message(), Severity.WARNING),
					folder);
			r.setModel(m.getName()); // about this model, as its logs show it
			trace.getWarnings().add(r);
		}
	}

	/** The layer count a recorded {@link #NOTHING} warning states ("none of the model's 4 layers"). */
	private static final java.util.regex.Pattern COUNT = java.util.regex.Pattern.compile("none of the model's (\\d+) layers?\\b");

	/**
	 * verify's derivation of {@link #NOTHING}: recorded for a model and scheme exactly when its quantization record holds no layer
	 * quantized and no weight tensor (each held against the quantized model file by TraceCheck), stating the record's layer count.
	 * A record forged to leave the warning out, or to keep it where a layer is quantized, is a mismatch.
	 */
	static List<String> checkNothing(TraceModel trace) {
		List<String> problems = new java.util.ArrayList<>();
		for (org.quantrace.model.trace.OptimizationRecord o : trace.getOptimizations()) {
			org.quantrace.model.trace.QuantizationRecord q = o.getQuantization();
			if (q == null || o.getOutput() == null || q.getTechnique() == org.quantrace.model.recipe.QuantizationTechnique.NONE) {
				continue;
			}
			String model = org.quantrace.report.RunSummary.model(o.getOutput());
			String prefix = prefix(o.getScheme());
			boolean nothing = q.getLayers().stream().noneMatch(org.quantrace.model.trace.LayerQuantizationRecord::isQuantized)
					&& q.getTensors().stream().noneMatch(t -> t.getRole() == org.quantrace.model.trace.TensorRole.WEIGHT);
			List<String> recorded = trace.getWarnings().stream()
					.filter(w -> NOTHING.equals(w.getCode()) && model.equals(w.getModel()) && w.getMessage() != null && w.getMessage().startsWith(prefix))
					.map(w -> w.getMessage()).toList();
			String where = "warning [" + NOTHING + "] of model " + model + ", scheme " + o.getScheme() + ": ";
			if (nothing != (recorded.size() == 1)) {
				long quantized = q.getLayers().stream().filter(org.quantrace.model.trace.LayerQuantizationRecord::isQuantized).count();
				long weights = q.getTensors().stream().filter(t -> t.getRole() == org.quantrace.model.trace.TensorRole.WEIGHT).count();
				problems.add(where + "recorded " + recorded.size() + " time(s), re-derived from the quantization record (" + quantized + " of " + q.getLayers().size()
						+ " layers quantized, " + weights + " weight tensors quantized): " + (nothing ? "once" : "never"));
				continue;
			}
			if (nothing) {
				java.util.regex.Matcher c = COUNT.matcher(recorded.get(0));
				String stated = c.find() ? c.group(1) : "no count";
				if (!stated.equals(Integer.toString(q.getLayers().size()))) {
					problems.add(where + "states " + stated + " layers, re-derived from the quantization record " + q.getLayers().size());
				}
			}
		}
		return problems;
	}
}
