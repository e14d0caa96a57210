package org.quantrace.runner;

import org.quantrace.engine.factorize.FactorizationResult;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.LayerFactorizationRecord;
import org.quantrace.model.trace.TraceFactory;

/** Turns a {@link FactorizationResult} into its trace record. */
public final class FactorizationRecords {

	private FactorizationRecords() {
	}

	public static FactorizationRecord toRecord(FactorizationResult r) {
		TraceFactory f = TraceFactory.eINSTANCE;
		FactorizationRecord rec = f.createFactorizationRecord();
		rec.setRankSelection(r.spec().selection());
		rec.setValue(r.spec().value());
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
