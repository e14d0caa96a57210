package org.quantrace.report;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.EliminatedOperation;
import org.quantrace.model.trace.EliminationStatus;
import org.quantrace.model.trace.Parameter;

/**
 * PhIMT0002 Appendix A's rows: each node the conversion removed or folded, with why. The appendix named the nodes alone, and
 * an assessor could not tell why the Dropout's two Constants went. A node a training-operation elimination names gets that
 * elimination's reason (its row of Table 1, what was done to it, why that keeps inference); any other gets the one reason
 * the engine recorded for it ({@code removedNodeReasons}, at the node's index: the pass that removed it, and for a node nothing
 * read any more, the nodes that read it in the original). A trace written before the reasons were recorded has none: its row
 * names the rewrites the conversion recorded, the one thing such a trace can say.
 */
final class RemovedNodeReasons {

	private RemovedNodeReasons() {
	}

	/** [node, why] for each removed node, in the trace's order. */
	static List<List<String>> rows(ConversionRecord c) {
		String otherwise = otherwise(c);
		List<List<String>> rows = new ArrayList<>();
		for (int i = 0; i < c.getRemovedNodes().size(); i++) {
			String node = c.getRemovedNodes().get(i);
			String code = i < c.getRemovedNodeReasons().size() ? c.getRemovedNodeReasons().get(i) : "";
			String recorded = code.isEmpty() ? otherwise : words(code, c);
			String why = c.getEliminations().stream().filter(e -> e.getStatus() == EliminationStatus.REMOVED).map(e -> reason(e, node))
					.filter(r -> r != null).findFirst().orElse(recorded);
			rows.add(List.of(node, why));
		}
		return rows;
	}

	/** "Batch normalization (Table 1): folded into /features/features.0/Conv; running statistics folded ...", or null if {@code e} does not name the node. */
	private static String reason(EliminatedOperation e, String node) {
		for (String named : e.getNodes()) {
			// the elimination names a node as "name" or "name (what was done: ratio 0.25, folded into /conv)"
			if (named.equals(node) || named.startsWith(node + " (") && named.endsWith(")")) {
				String done = named.equals(node) ? "" : named.substring(node.length() + 2, named.length() - 1) + "; ";
				String operation = e.getOperation().getLiteral().replace('-', ' ');
				String details = e.getDetails() == null ? "" : LogValues.tidy(e.getDetails().strip());
				return Character.toUpperCase(operation.charAt(0)) + operation.substring(1) + " (Table 1), removed: " + done + details;
			}
		}
		return null;
	}

	/** The words of the engine's reason {@code code} ("unread: /classifier/classifier.2/Dropout"); an unknown code as it is. */
	static String words(String code, ConversionRecord c) {
		int colon = code.indexOf(": ");
		String reason = colon < 0 ? code : code.substring(0, colon);
		String detail = colon < 0 ? "" : code.substring(colon + 2);
		if (reason.equals("unread")) {
			return unread(detail, c);
		}
		String words = WORDS.get(reason);
		if (words == null) {
			return code;
		}
		return detail.isEmpty() ? words : words + " (" + detail + ")";
	}

	/** Each pass's reason, with the Table 1 rewrite it belongs to where it has one. */
	private static final java.util.Map<String, String> WORDS = java.util.Map.ofEntries(
			java.util.Map.entry("constant-folded", "constant folded: its outputs are known before any input arrives; ONNX Runtime computed them and the"
					+ " converted model holds the values (Table 1, Converter/model conversion script: constant nodes, constant folding)"),
			java.util.Map.entry("identity-removed", "Identity removed: it passes its input on, so its readers read that input"),
			java.util.Map.entry("cast-removed", "Cast removed: it casts to the type its input already has (no-op casts)"),
			java.util.Map.entry("dropout-removed", "Dropout removed: at inference Dropout passes its input through"),
			java.util.Map.entry("batch-normalization-folded", "BatchNormalization folded into the layer's weights and bias"),
			java.util.Map.entry("affine-folded", "per-channel Mul/Add after a Conv folded into its weights and bias (fusion)"),
			java.util.Map.entry("trained-codes-folded", "folded into the weight scales of a quantization-aware-trained layer (trained quantization)"),
			java.util.Map.entry("function-inlined", "call of a model-local function, replaced by the function's nodes (model-local functions)"),
			java.util.Map.entry("if-inlined", "If with a constant condition, replaced by the branch it takes (control flow)"),
			java.util.Map.entry("transposes-cancelled", "Transpose cancelled with the one that undoes it, or moved down to a Squeeze that drops the axes it moved (layout transposes)"),
			java.util.Map.entry("reshape-removed", "Reshape removed: it reshapes to the shape its input already has, once a Reshape of a Reshape is one Reshape (shape arithmetic)"),
			java.util.Map.entry("matrix-product-rewritten", "rewritten into the product form integer kernels read (matrix products)"),
			java.util.Map.entry("channel-pieces", "Conv read only by channel slices, written as one Conv per piece (channel pieces)"),
			java.util.Map.entry("parallel-convs-merged", "merged with the Convs reading the same input into one Conv (fusion)"),
			java.util.Map.entry("mixconv-merged", "part of a MixConv (a channel Split into depthwise Convs of different kernels, concatenated), merged into one depthwise Conv (fusion)"),
			java.util.Map.entry("pattern-fused", "part of a decomposed operation, fused into one op (fusion)"),
			// each rewrite its own words: the four below said the line above, which none of them is (assessor59)
			java.util.Map.entry("mean-as-global-pool", "ReduceMean over every axis after the channels, written as GlobalAveragePool (and Flatten where the"
					+ " axes were not kept), which ONNX Runtime runs on integers (fusion)"),
			java.util.Map.entry("mean-as-conv", "ReduceMean over the channels alone, written as a 1x1 Conv of weights 1/C, which ONNX Runtime runs on integers (fusion)"),
			java.util.Map.entry("pad-folded", "Pad of zeros on the spatial axes, folded into the padding of the Conv that alone reads it (fusion)"),
			java.util.Map.entry("conv-across-channels", "part of a Squeeze, Transpose, Conv1d across the channels, Transpose, Unsqueeze chain, written as"
					+ " the one 1x1 Conv it computes (fusion)"),
			java.util.Map.entry("runtime-op-unfused", "ONNX Runtime's fused or attention op (com.microsoft), written as the standard ops it computes,"
					+ " not fused (fusion)"),
			java.util.Map.entry("activation-rewritten", "activation written in an equivalent form integer kernels run (activations)"),
			java.util.Map.entry("ml-op-rewritten", "ai.onnx.ml op (traditional machine learning) written as the standard ops that compute it (fusion)"),
			java.util.Map.entry("sum-as-adds", "Sum of n inputs written as n - 1 Adds, which ONNX Runtime runs on integers (sums)"),
			java.util.Map.entry("attention-scale-folded", "scalar Mul/Div of an attention's Q or scores (1/√d), folded into the weights and bias of Q's projection (attention scales)"));

	/** "read by nothing any more: only /classifier/classifier.2/Dropout read its outputs, and it was removed". */
	private static String unread(String readers, ConversionRecord c) {
		if (readers.isEmpty()) {
			return "read by nothing: no node of the verified model read its outputs, nor is any of them a model output";
		}
		List<String> named = List.of(readers.split(", "));
		boolean allRemoved = c.getRemovedNodes().containsAll(named);
		return "read by nothing any more: only " + readers + " read its outputs in the verified model, and "
				+ (named.size() == 1 ? (allRemoved ? "it was removed" : "it no longer reads them")
						: allRemoved ? "they were removed" : "they no longer read them");
	}

	/** Why a node no elimination names went: the rewrites the conversion recorded, or the clean-ups it records none for. */
	private static String otherwise(ConversionRecord c) {
		List<String> rewrites = c.getRewrites().stream().map(Parameter::getKey).distinct().toList();
		String cleanUp = "an Identity removed, or a node whose outputs nothing read any more";
		return "not a training operation; removed or folded keeping what the model computes: "
				+ (rewrites.isEmpty() ? cleanUp : "by a rewrite (Table 1, Converter/model conversion script: " + String.join(", ", rewrites) + "), or " + cleanUp);
	}
}
