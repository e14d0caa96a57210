package org.quantrace.runner;

import static org.quantrace.model.TraceValues.parameter;

import java.util.Locale;

import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;

import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.TraceFactory;

/** Turns a {@link PruningResult} into the trace record behind PhIMT0003's pruning rows. */
public final class PruningRecords {

	private static final TraceFactory F = TraceFactory.eINSTANCE;

	/**
	 * The key of a channel space's scores (then its producers' names, ", " between them): "removed C C ...; scores S S ...", each
	 * score as ranked, in channel order. verify re-derives from them that the removed channels are the lowest under the floor.
	 */
	public static final String CHANNEL_SCORES = "channel scores: ";
	/** The key of a per-layer target (then the recipe's layer pattern): "P %". verify ranks the spaces it names alone. */
	public static final String LAYER_TARGET = "sparsity of ";
	/** The key of the samples the activation criterion scored on. */
	public static final String SCORED_ON = "channels scored on";

	private PruningRecords() {
	}

	/**
	 * What the spec declares, as the record holds it: criterion, scope, pattern, target sparsity, exclusions, and the pattern's
	 * and per-layer settings among the additional configuration (first, in this order). One function for the run and for
	 * verify, which makes it again from the recipe's prune step ({@code RecipeDeclarationsCheck}).
	 */
	public static PruningRecord settings(PruningSpec s) {
		PruningRecord p = F.createPruningRecord();
		p.setCriterion(s.criterion());
		p.setScope(s.scope());
		p.setPattern(s.pattern());
		p.setTargetSparsity(s.sparsity());
		p.getExcluded().addAll(s.excludes());
		switch (s.pattern()) {
		case VECTOR -> p.getAdditionalConfiguration().add(parameter("vector length", Integer.toString(s.vectorLength())));
		case BLOCK -> p.getAdditionalConfiguration().add(parameter("block", s.blockRows() + " x " + s.blockColumns()));
		default -> {
		}
		}
		s.layerSparsity().forEach((layer, v) -> p.getAdditionalConfiguration().add(parameter(LAYER_TARGET + layer, v + " %")));
		return p;
	}

	/**
	 * A size before and after, "892,415 → 723,454 bytes": with thousands separators and the arrow, as the rest of the logs
	 * print sizes and changes (a record before 2026-12-07 holds "892415 -> 723454 bytes", which verify still reads).
	 */
	static String sizes(long before, long after) {
		return String.format(Locale.ROOT, "%,d → %,d bytes", before, after);
	}

	public static PruningRecord toRecord(PruningResult r) {
		return toRecord(r, null);
	}

	/** @param dataset the recipe's dataset the activation criterion scored channels on (null for the weight criteria) */
	public static PruningRecord toRecord(PruningResult r, String dataset) {
		PruningRecord p = settings(r.spec());
		p.setAchievedSparsity(100 * r.achievedSparsity());
		p.setParametersBefore(r.parametersBefore());
		p.setParametersAfter(r.parametersAfter());
		for (PruningResult.Layer l : r.layers()) {
			LayerPruningRecord lr = F.createLayerPruningRecord();
			lr.setLayer(l.layer());
			lr.setOpType(l.opType());
			lr.setParametersBefore(l.parametersBefore());
			lr.setParametersAfter(l.parametersAfter());
			lr.setSparsity(100 * l.sparsity());
			lr.setFlopsBefore(l.flopsBefore());
			lr.setFlopsAfter(l.flopsAfter());
			lr.setRemovedChannels(l.channelsBefore() < 0 ? 0 : l.channelsBefore() - l.channelsAfter());
			p.getLayers().add(lr);
		}
		r.notPruned().forEach((layer, why) -> p.getAdditionalConfiguration().add(parameter("not pruned: " + layer, why)));
		r.held().forEach((layer, why) -> p.getAdditionalConfiguration().add(parameter("held at the layer floor: " + layer, why)));
		p.getAdditionalConfiguration().add(parameter("model size", sizes(r.bytesBefore(), r.bytesAfter())));
		p.getAdditionalConfiguration().add(parameter("compressed size (deflate)", sizes(r.compressedBefore(), r.compressedAfter())));
		p.getAdditionalConfiguration().add(parameter("score", r.spec().scoreWords()));
		if (r.samples() != null) {
			p.getAdditionalConfiguration().add(parameter(SCORED_ON, String.format(Locale.ROOT, "%d samples of dataset '%s' (SHA-256 of the float32 inputs fed: %s)",
					r.samples().count(), dataset, r.samples().sha256())));
		}
		for (PruningResult.ChannelScores c : r.channelScores()) {
			StringBuilder v = new StringBuilder("removed");
			for (int removed : c.removed()) {
				v.append(' ').append(removed);
			}
			v.append("; scores");
			for (double score : c.scores()) {
				v.append(' ').append(String.format(Locale.ROOT, "%.6g", score));
			}
			p.getAdditionalConfiguration().add(parameter(CHANNEL_SCORES + String.join(", ", c.layers()), v.toString()));
		}
		return p;
	}
}
