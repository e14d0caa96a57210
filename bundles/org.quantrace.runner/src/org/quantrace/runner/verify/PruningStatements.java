package org.quantrace.runner.verify;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * What a pruning record says beside its layer rows, held against the models before and after (evidence17's forgeries: each
 * passed verify with every document made again from the edited trace, since {@link TraceStages} checks only the rows the
 * record holds). A weighted layer the files show pruned must have its row: a row left out hides what was removed. A layer
 * stated "not pruned" must keep its output channels (channel pruning) or its non-zero weights (the other patterns). A layer
 * "held at the layer floor" must keep, of its channels before, as many as the statement says.
 */
final class PruningStatements {

	private static final String DOCUMENT = TraceCheck.DOCUMENT;
	private static final String NOT_PRUNED = "not pruned: ";
	private static final String HELD = "held at the layer floor: ";
	private static final Pattern KEPT = Pattern.compile("^kept (\\d+) of (\\d+) channels");

	private PruningStatements() {
	}

	static void check(OptimizationRecord o, ModelFacts before, ModelFacts after, List<Mismatch> found) {
		boolean channels = o.getPruning().getPattern() == PruningPattern.CHANNEL;
		String at = "optimization " + o.getId() + " pruning ";
		unrecorded(o, before, after, channels, at, found);
		for (Parameter p : o.getPruning().getAdditionalConfiguration()) {
			if (p.getKey().startsWith(NOT_PRUNED)) {
				notPruned(p.getKey().substring(NOT_PRUNED.length()), before, after, channels, at + p.getKey(), found);
			} else if (p.getKey().startsWith(HELD)) {
				held(p.getKey().substring(HELD.length()), p.getValue(), before, after, at + p.getKey(), found);
			}
		}
	}

	/** A layer whose own channels or non-zero weights the files show fewer after the step, with no row of the record. */
	private static void unrecorded(OptimizationRecord o, ModelFacts before, ModelFacts after, boolean channels, String at, List<Mismatch> found) {
		Set<String> rows = o.getPruning().getLayers().stream().map(LayerPruningRecord::getLayer).collect(Collectors.toSet());
		for (NodeProto n : before.nodes()) {
			String layer = n.getName();
			if (!layer.isEmpty() && !rows.contains(layer) && changed(layer, before, after, channels)) {
				FloatStages.Pruned p = FloatStages.pruned(before, after, layer, channels);
				found.add(new Mismatch(DOCUMENT, at + layer, "no row (the layer left out)",
						"pruned in the files: " + p.before() + " -> " + p.after() + " parameters, " + p.removedChannels() + " output channels removed"));
			}
		}
	}

	private static void notPruned(String layer, ModelFacts before, ModelFacts after, boolean channels, String at, List<Mismatch> found) {
		// a grouped Conv's channels follow those of the layer it reads: it loses them with that layer, its own filters unchosen
		if (!(channels && grouped(before, layer)) && changed(layer, before, after, channels)) {
			FloatStages.Pruned p = FloatStages.pruned(before, after, layer, channels);
			found.add(new Mismatch(DOCUMENT, at, "not pruned",
					"pruned in the files: " + p.removedChannels() + " output channels removed, " + p.before() + " -> " + p.after() + " parameters"));
		}
	}

	private static void held(String layer, String statement, ModelFacts before, ModelFacts after, String at, List<Mismatch> found) {
		Matcher m = KEPT.matcher(statement);
		long of = FloatStages.outputChannels(before, layer);
		long kept = FloatStages.outputChannels(after, layer);
		String files = of < 0 || kept < 0 ? "no such weighted layer in both models" : "kept " + kept + " of " + of + " channels";
		if (!m.find() || Long.parseLong(m.group(1)) != kept || Long.parseLong(m.group(2)) != of) {
			found.add(new Mismatch(DOCUMENT, at, statement, files));
		}
	}

	private static boolean grouped(ModelFacts m, String layer) {
		NodeProto n = m.node(layer);
		return n != null && n.getAttributeList().stream().anyMatch(a -> a.getName().equals("group") && a.getI() != 1);
	}

	/** Whether the step removed output channels of {@code layer} (channel pruning) or zeroed weights of it (the other patterns). */
	private static boolean changed(String layer, ModelFacts before, ModelFacts after, boolean channels) {
		FloatStages.Pruned p = FloatStages.pruned(before, after, layer, channels);
		FloatStages.Pruned same = FloatStages.pruned(before, before, layer, channels);
		return p != null && same != null && (channels ? p.removedChannels() != 0 : p.after() != same.after());
	}
}
