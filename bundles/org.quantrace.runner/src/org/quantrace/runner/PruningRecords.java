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
		s.layerSparsity().forEach((layer, v) -> p.getAdditionalConfiguration().add(parameter("sparsity of " + layer, v + " %")));
		return p;
	}

	public static PruningRecord toRecord(PruningResult r) {
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
		p.getAdditionalConfiguration().add(parameter("model size", String.format(Locale.ROOT, "%d -> %d bytes", r.bytesBefore(), r.bytesAfter())));
		p.getAdditionalConfiguration().add(parameter("compressed size (deflate)", String.format(Locale.ROOT, "%d -> %d bytes", r.compressedBefore(),
				r.compressedAfter())));
		p.getAdditionalConfiguration().add(parameter("score", "mean |w| (L1) or RMS (L2) of each group; channels scored relative to their layer's average"));
		return p;
	}
}
