package org.quantrace.runner;

import java.util.List;

import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.Exclusion;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.Verification.Problem;

/**
 * Who excluded each layer of a quantized model, held against the recipe's scheme: a layer's reason that says "excluded by ..."
 * must be the words of the scheme's first exclusion matching the layer ("excluded by the recipe, line 4 (node /c1/*)", "the
 * recipe file shared.qr, line 3 (op Gemm)"), and a layer an exclusion matches that the record says was quantized must say so
 * first ("excluded by ..., but ONNX Runtime ..."). The exclusions are the scheme's spec as the run resolved it
 * ({@link SchemeResolver}: the clause's line from the recipe's text, a base scheme's clauses before its refinement's) and the
 * match is the spec's own ({@code QuantizationSpec.exclusionFor}, the rule the quantizer decided by), asked of the record's node
 * and op: what verify re-derives is which clause, on which line of which file, excludes the layer. Before, a reason edited in the
 * trace and every document (another line, another pattern, a layer no pattern matches, the command line's words in a recipe's
 * run, an excluded layer's exclusion struck from its quantized record) passed; prune's and factorize's reasons were held since
 * logs65 ({@link StepDeclarationsCheck}). A variant an accuracy recovery kept is held against the scheme with the layers its
 * recovery record names excluded as the search excluded them ({@link Recovery#excluding}).
 */
final class SchemeExclusionsCheck {

	private SchemeExclusionsCheck() {
	}

	static void check(List<Problem> problems, ResolvedScheme scheme, OptimizationRecord o) {
		String at = "optimization " + o.getId() + " (model " + (o.getOutput() == null ? "?" : RunSummary.model(o.getOutput())) + ", scheme " + scheme.name()
				+ ") layer ";
		// a variant an accuracy recovery kept also leaves the layers its record names in float, as its trial did
		QuantizationSpec spec = o.getRecovery() == null ? scheme.spec() : Recovery.excluding(scheme.spec(), Recovery.keptNodes(o.getRecovery()));
		String declared = "the recipe's scheme " + scheme.name() + (o.getRecovery() == null ? "" : " with its accuracy recovery's exclusions");
		for (LayerQuantizationRecord l : o.getQuantization().getLayers()) {
			String reason = l.getReason() == null ? "" : l.getReason();
			Exclusion derived = spec.exclusionFor(l.getNode(), l.getOpType()).orElse(null);
			boolean stated = derived != null && (states(reason, derived.words()) || states(reason, derived.byWhom()));
			if (ExcludedBy.says(reason) && !stated) {
				problems.add(new Problem(Outputs.TRACE, at + l.getNode() + " reason: says " + head(reason) + ", where " + (derived == null
						? "no exclusion of " + declared + " matches the layer (node " + l.getNode() + ", op " + l.getOpType() + ")"
						: declared + " gives " + derived.byWhom()) + " (edited after the run?)"));
			} else if (derived != null && !stated && l.isQuantized() && l.getRewriteOf() == null) {
				// every reason the quantizer gives an excluded layer it writes quantized all the same begins with the exclusion's words
				problems.add(new Problem(Outputs.TRACE, at + l.getNode() + ": recorded quantized (" + head(reason) + "), where " + declared
						+ " excludes it: " + derived.byWhom() + "; a layer quantized all the same says so first (edited after the run?)"));
			}
		}
	}

	/** Whether {@code reason} begins with the exclusion's {@code words}, followed by nothing, ", but ..." or "; ..." (what the quantizer appends). */
	private static boolean states(String reason, String words) {
		if (!reason.startsWith(words)) {
			return false;
		}
		String rest = reason.substring(words.length());
		return rest.isEmpty() || rest.startsWith(", but ") || rest.startsWith("; ");
	}

	/** A reason up to what the quantizer appends to an exclusion's words, for the message. */
	private static String head(String reason) {
		int but = reason.indexOf(", but ");
		int more = reason.indexOf("; ");
		int end = but < 0 ? more : more < 0 ? but : Math.min(but, more);
		return end < 0 ? reason : reason.substring(0, end) + " ...";
	}
}
