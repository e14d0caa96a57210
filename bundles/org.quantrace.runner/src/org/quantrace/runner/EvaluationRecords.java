package org.quantrace.runner;

import java.util.Map;

import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.model.trace.DebugMode;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LayerDebugRecord;
import org.quantrace.model.trace.Marker;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.TraceFactory;

/** Evaluation and debug results as trace records (the runner links them to artifacts and datasets). */
public final class EvaluationRecords {

	private static final TraceFactory F = TraceFactory.eINSTANCE;

	private EvaluationRecords() {
	}

	public static EvaluationRecord toRecord(EvaluationReport r, String variant) {
		EvaluationRecord e = F.createEvaluationRecord();
		EvaluationReport.VariantResult v = r.variant(variant);
		e.setVariant(variant);
		e.setSampleCount(r.samples());
		e.setLatencyMs(v.latencyMs());
		for (Map.Entry<String, Double> m : v.metrics().entrySet()) {
			MetricValue mv = F.createMetricValue();
			mv.setName(m.getKey());
			mv.setValue(m.getValue());
			EvaluationReport.Comparison c = r.compare(variant, m.getKey());
			if (c.marker() != EvaluationReport.Marker.BASELINE) {
				mv.setBaselineValue(c.baseline());
				mv.setDelta(c.delta());
			}
			mv.setMarker(switch (c.marker()) {
			case BASELINE -> Marker.BASELINE;
			case BETTER -> Marker.BETTER;
			case WORSE -> Marker.WORSE;
			case SAME -> Marker.SAME;
			});
			e.getMetrics().add(mv);
		}
		return e;
	}

	public static DebugRecord toRecord(DebugReport r) {
		DebugRecord d = F.createDebugRecord();
		d.setSampleCount(r.samples());
		d.setMetric(r.metric());
		d.setThreshold(r.threshold());
		for (DebugReport.TensorDebug t : r.tensors()) {
			DebugReport.TopClass top = r.topClass(t.tensor());
			LayerDebugRecord isolated = layer(t, DebugMode.ISOLATED, t.isolated(), t.flagged());
			LayerDebugRecord accumulated = layer(t, DebugMode.ACCUMULATED, t.accumulated(), t.accumulatedFlagged());
			if (top != null) { // a class-score output: debug.csv's top_tied and top_changed, which verify compares with these
				isolated.setTopTied(top.tiedIsolated());
				isolated.setTopChanged(top.changedIsolated());
				accumulated.setTopTied(top.tiedAccumulated());
				accumulated.setTopChanged(top.changedAccumulated());
			}
			d.getLayers().add(isolated);
			d.getLayers().add(accumulated);
		}
		for (DebugReport.SizeDiffers x : r.leftOut()) { // not compared: PhIMT0003 and report.html say which and why, verify holds it
			org.quantrace.model.trace.LeftOutTensor l = F.createLeftOutTensor();
			l.setTensor(x.tensor());
			l.setFloatValues(x.floatValues());
			l.setQuantizedValues(x.quantizedValues());
			l.setFromSample(x.from());
			l.setToSample(x.to());
			d.getLeftOut().add(l);
		}
		return d;
	}

	private static LayerDebugRecord layer(DebugReport.TensorDebug t, DebugMode mode, DebugReport.Stats s, boolean flagged) {
		LayerDebugRecord l = F.createLayerDebugRecord();
		l.setLayerIndex(t.layerIndex());
		l.setTensor(t.tensor());
		l.setNode(t.node());
		l.setOpType(t.opType());
		l.setMode(mode);
		l.setScale(t.scale());
		l.setZeroPoint(t.zeroPoint());
		l.setParamsFrom(t.paramsFrom());
		l.setNumElements(s.numElements());
		l.setStddev(s.stddev());
		l.setMeanError(s.meanError());
		l.setMaxAbsError(s.maxAbsError());
		l.setMeanSquaredError(s.meanSquaredError());
		// an infinite SQNR (an exact quantization) is held as Double.MAX_VALUE; NaN (a float tensor of −inf entries, masked
		// attention scores: ∞/∞) as NaN, as debug.csv prints it
		l.setSqnr(Double.isFinite(s.sqnr()) || Double.isNaN(s.sqnr()) ? s.sqnr() : Double.MAX_VALUE);
		l.setCosineSimilarity(s.cosineSimilarity());
		l.setRmseOverScale(s.rmseOverScale());
		l.setFlagged(flagged);
		l.setSaturated(t.saturated());
		l.setClippedAtCalibration(t.clippedOnPurpose());
		if (t.maskedOnPurpose()) { // masked attention scores measured where the mask keeps them (debug.csv's masked)
			l.setMasked(t.masked());
		}
		return l;
	}
}
