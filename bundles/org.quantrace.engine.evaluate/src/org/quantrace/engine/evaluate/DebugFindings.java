package org.quantrace.engine.evaluate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.quantize.MaskedSums;
import org.quantrace.model.recipe.DebugMetric;

/**
 * What the debugger's table says, in sentences: the candidates to leave in float, the ranges the calibration clipped on
 * purpose (no candidates), ranges far wider than their values, and where the accumulated error passes the threshold. One
 * text for the debug command and the runner's debug step; every figure is a column of debug.csv or the quantized model's
 * metadata.
 */
public final class DebugFindings {

	private DebugFindings() {
	}

	public static List<String> of(DebugReport r) {
		DebugMetric m = r.metric();
		List<String> lines = new ArrayList<>();
		List<String> candidates = r.exclusionCandidates();
		DebugReport.TensorDebug start = r.accumulationStart();
		List<DebugReport.TensorDebug> clipped = r.clippedFlagged();
		if (!candidates.isEmpty()) {
			lines.add("Candidates to leave in float (exclude): " + String.join(", ", candidates));
		} else if (!clipped.isEmpty()) {
			lines.add("No candidate to leave in float: the tensors beyond the threshold on their own have ranges clipped at calibration (below).");
		} else if (!r.flaggedInFloat().isEmpty()) {
			lines.add("No candidate to leave in float: the tensors beyond the threshold on their own run in float already (below).");
		} else if (start == null) {
			lines.add("No tensor beyond the threshold, on its own or accumulated.");
		} else {
			lines.add("No tensor beyond the threshold on its own.");
		}
		if (!clipped.isEmpty()) {
			// the model's own metadata says the calibration chose these ranges: their error is the far values it chose to saturate
			lines.add("Ranges clipped at calibration on purpose (the quantized model's metadata " + WideRange.METADATA + "TENSOR; the far values"
					+ " saturate, which is their rmse/scale, so they are no candidates): " + String.join("; ", clipped.stream().map(t -> String.format(Locale.ROOT,
							"'%s' (layer %s %s: %d of %d values saturate): %s", t.tensor(), layer(t), t.opType(), t.saturated(), t.isolated().numElements(),
							t.clipped())).toList())
					+ ". To keep the far values: quantize with --unclipped (recipe: calibrate minmax unclipped), or leave float the layers that read"
					+ " them (--exclude).");
		}
		List<DebugReport.TensorDebug> masked = r.maskedSums();
		if (!masked.isEmpty()) {
			// the quantizer chose to saturate these entries (they weigh ~0 in float as on codes): measured, they read as a huge error
			lines.add("Masked attention scores, measured where the mask keeps them (the quantized model's metadata " + MaskedSums.METADATA + "TENSOR:"
					+ " the Softmax reading them runs on codes, its quantization record says why, and the entries the mask adds −87.34 or less to,"
					+ " whose exp is about 0 in float too, saturate to the lowest code on purpose; debug.csv's column masked counts them): "
					+ String.join("; ", masked.stream().map(t -> String.format(Locale.ROOT, "'%s' (layer %s %s, masking the scores '%s': %d of %d values"
							+ " masked, left out; %s %.4g isolated, %.4g accumulated on the others)", t.tensor(), layer(t), t.opType(), t.maskedScores(),
							t.masked(), t.masked() + t.isolated().numElements(), m.getLiteral(), t.isolated().value(m), t.accumulated().value(m))).toList())
					+ ".");
		}
		List<DebugReport.TensorDebug> inFloat = r.flaggedInFloat();
		if (!inFloat.isEmpty()) {
			lines.add("Beyond the threshold on their own, but their layers run in float already, only their outputs quantized for the integer"
					+ " layers that read them (leave those in float to keep the values float): " + String.join(", ", inFloat.stream()
							.map(t -> String.format(Locale.ROOT, "'%s' (layer %s %s)", t.tensor(), layer(t), t.opType())).toList()) + ".");
		}
		List<DebugReport.TensorDebug> wide = r.wideRanges();
		if (!wide.isEmpty()) {
			lines.add("Ranges far wider than their values (most values share a few codes, whatever rmse/scale says): " + String.join(", ",
					wide.stream().map(t -> String.format(Locale.ROOT, "'%s' (layer %s %s: RMS %.3g, %.2g steps of %.4g)", t.tensor(), layer(t), t.opType(),
							DebugReport.valueSteps(t) * t.scale(), DebugReport.valueSteps(t), t.scale())).toList())
					+ ". " + Character.toUpperCase(WideRange.ADVICE.charAt(0)) + WideRange.ADVICE.substring(1) + " (--method, --exclude).");
		}
		List<DebugReport.TopClass> lost = r.topClasses().stream().filter(DebugReport.TopClass::losesTopClass).toList();
		for (DebugReport.TopClass c : lost) {
			DebugReport.TensorDebug t = r.tensors().stream().filter(x -> x.tensor().equals(c.tensor())).findFirst().orElseThrow();
			// the isolated rows: fp32's own outputs written as the output's codes, which no precision inside the model changes
			lines.add(String.format(Locale.ROOT, "The output '%s' written as its codes (scale %s, zero point %d) loses fp32's top class even from fp32's own"
					+ " values: another class first in %d of %d samples, the best code shared in %d (debug.csv's top_changed and top_tied, isolated row;"
					+ " the quantized model's: %d and %d). No precision inside the model recovers that: quantize with float outputs (--scheme"
					+ " fiq-float32; recipe: schemes fiq_float32).", c.tensor(), Float.toString(t.scale()), t.zeroPoint(), c.changedIsolated(), c.samples(),
					c.tiedIsolated(), c.changedAccumulated(), c.tiedAccumulated()));
		}
		if (!r.leftOut().isEmpty()) {
			// compared value by value, a selection of other boxes read as error, and arrays of two sizes were an internal error
			lines.add(DebugReport.SizeDiffers.sentence("", r.leftOut()));
		}
		if (start != null) {
			DebugReport.TensorDebug last = r.tensors().get(r.tensors().size() - 1);
			String where = String.format(Locale.ROOT, "The accumulated error passes the threshold from layer %s %s ('%s', %s %.4g) on, %.4g at %s: ",
					layer(start), start.opType(), start.node(), m.getLiteral(), start.accumulated().value(m), last.accumulated().value(m), last.tensor());
			String though = lost.isEmpty() ? "" : ", though that leaves the output codes' loss above as it is";
			if (!start.inFloat()) {
				lines.add(where + "small errors build up through the model; quantize the layers from there with more precision (int16 activations,"
						+ " per-channel weights) or leave the first of them in float" + though + ".");
			} else {
				// advice never proposes what is so already: a layer on float inputs runs in float, its error came in before it
				List<String> before = start.quantizedBefore().stream().map(x -> "'" + x + "'").toList();
				lines.add(where + "'" + start.node() + "' runs in float already (only its output is quantized, for the integer layers that read it),"
						+ " so the error comes in before it, " + (before.isEmpty() ? "in the quantized tensors above it; quantize those"
								: "from the quantized layers whose float outputs reach it: " + String.join(", ", before) + "; quantize them")
						+ " with more precision (int16 activations, per-channel weights) or leave them in float" + though + ".");
			}
		}
		return lines;
	}

	/** The layer index as the table prints it ("in": the model input). */
	public static String layer(DebugReport.TensorDebug t) {
		return t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex());
	}
}
