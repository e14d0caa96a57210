package org.quantrace.runner;

import org.quantrace.engine.factorize.FactorizationResult;
import org.quantrace.engine.factorize.FactorizationSpec;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.LayerFactorizationRecord;
import org.quantrace.model.trace.TraceFactory;

/** Turns a {@link FactorizationResult} into its trace record. */
public final class FactorizationRecords {

	private FactorizationRecords() {
	}

	/**
	 * What the spec declares, as the record holds it: the rank selection and its value, the target layers and the exclusions. One function for the run and for verify,
	 * which makes it again from the recipe's factorize step ({@code RecipeDeclarationsCheck}).
	 */
	public static FactorizationRecord settings(FactorizationSpec s) {
		FactorizationRecord rec = TraceFactory.eINSTANCE.createFactorizationRecord();
		rec.setRankSelection(s.selection());
		rec.setValue(s.value());
		rec.setTarget(s.target());
		rec.getExcludes().addAll(s.excludes());
		return rec;
	}

	public static FactorizationRecord toRecord(FactorizationResult r) {
		TraceFactory f = TraceFactory.eINSTANCE;
		FactorizationRecord rec = settings(r.spec());
		for (FactorizationResult.Layer l : r.layers()) {
			LayerFactorizationRecord lr = f.createLayerFactorizationRecord();
			lr.setLayer(l.layer());
			lr.setRank(l.rank());
			lr.setFullRank(l.fullRank());
			lr.setParametersBefore(l.parametersBefore());
			lr.setParametersAfter(l.parametersAfter());
			lr.setRetainedEnergy(l.retainedEnergy());
			lr.setReconstructionError(l.reconstructionError());
			lr.setSkipped(l.skipped());
			lr.setReason(l.reason());
			rec.getLayers().add(lr);
		}
		return rec;
	}
}
