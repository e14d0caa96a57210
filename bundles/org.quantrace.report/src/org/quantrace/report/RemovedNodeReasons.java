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
 * elimination's reason (its row of Table 1, what was done to it, why that keeps inference); any other went by a rewrite that
 * keeps what the model computes, and the trace does not tie it to one: the row names the rewrites the conversion recorded.
 */
final class RemovedNodeReasons {

	private RemovedNodeReasons() {
	}

	/** [node, why] for each removed node, in the trace's order. */
	static List<List<String>> rows(ConversionRecord c) {
		String otherwise = otherwise(c);
		List<List<String>> rows = new ArrayList<>();
		for (String node : c.getRemovedNodes()) {
			String why = c.getEliminations().stream().filter(e -> e.getStatus() == EliminationStatus.REMOVED).map(e -> reason(e, node))
					.filter(r -> r != null).findFirst().orElse(otherwise);
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

	/** Why a node no elimination names went: the rewrites the conversion recorded, or the clean-ups it records none for. */
	private static String otherwise(ConversionRecord c) {
		List<String> rewrites = c.getRewrites().stream().map(Parameter::getKey).distinct().toList();
		String cleanUp = "an Identity removed, or a node whose outputs nothing read any more";
		return "not a training operation; removed or folded keeping what the model computes: "
				+ (rewrites.isEmpty() ? cleanUp : "by a rewrite (Table 1, Converter/model conversion script: " + String.join(", ", rewrites) + "), or " + cleanUp);
	}
}
