package org.quantrace.design;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.Marker;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;

/**
 * The Java services the Quantrace viewpoint (description/quantrace.odesign) calls as {@code service:}
 * expressions: plain methods over the trace metamodel, with the element Sirius evaluates on as their first
 * parameter, and no dependency on Sirius, so they are tested like any other code.
 */
public class QuantraceServices {

	// ------------------------------------------------------------------ lifecycle diagram: the AI-FSM phases

	/** Data management: the datasets the run read. */
	public List<EObject> dataManagement(TraceModel trace) {
		return new ArrayList<>(trace.getDatasets());
	}

	/** Model training: the verified learning models, as training delivered them. */
	public List<ModelArtifact> modelTraining(TraceModel trace) {
		return trace.getArtifacts().stream().filter(ModelArtifacts::isInput).toList();
	}

	/** Model verification: the evaluations and debugger runs. */
	public List<EObject> modelVerification(TraceModel trace) {
		List<EObject> records = new ArrayList<>(trace.getEvaluations());
		records.addAll(trace.getDebugRecords());
		return records;
	}

	/** Inference management: conversions and optimizations, with the models they produced. */
	public List<EObject> inferenceManagement(TraceModel trace) {
		List<EObject> elements = new ArrayList<>(trace.getConversions());
		elements.addAll(trace.getOptimizations());
		trace.getArtifacts().stream().filter(a -> !ModelArtifacts.isInput(a)).forEach(elements::add);
		return elements;
	}

	public boolean isDerivedFrom(TraceLink link) {
		return link.getKind() == LinkKind.DERIVED_FROM;
	}

	public boolean isCalibratedWith(TraceLink link) {
		return link.getKind() == LinkKind.CALIBRATED_WITH;
	}

	public boolean isEvaluatedOn(TraceLink link) {
		return link.getKind() == LinkKind.EVALUATED_ON;
	}

	public boolean isVerifies(TraceLink link) {
		return link.getKind() == LinkKind.VERIFIES;
	}

	/** A node's label: what it is and its name ("fiq_int8 · 112,279 bytes", "optimization cnn / fiq_int8"). */
	public String label(TracedElement e) {
		if (e instanceof ModelArtifact a) {
			return a.getId() + String.format(Locale.ROOT, " (%,d bytes)", a.getSizeBytes());
		}
		if (e instanceof ConversionRecord c) {
			return "conversion " + c.getId();
		}
		if (e instanceof OptimizationRecord o) {
			return "optimization " + o.getId();
		}
		if (e instanceof EvaluationRecord r) {
			return "evaluation " + r.getName() + (r.isSetAccepted() ? r.isAccepted() ? " (accepted)" : " (rejected)" : "");
		}
		if (e instanceof DebugRecord d) {
			return "debugger " + d.getName();
		}
		return e.getName() != null ? e.getName() : e.getId();
	}

	/** Style switch: rejected evaluations are drawn in red. */
	public boolean isRejected(EvaluationRecord r) {
		return r.isSetAccepted() && !r.isAccepted();
	}

	// ------------------------------------------------------------------ variants x metrics table

	/** The table's lines: every evaluated variant, in run order. */
	public List<EvaluationRecord> evaluations(TraceModel trace) {
		return new ArrayList<>(trace.getEvaluations());
	}

	/** The table's columns: one metric of each name (the first evaluation's). */
	public List<MetricValue> metricColumns(TraceModel trace) {
		return trace.getEvaluations().isEmpty() ? List.of() : new ArrayList<>(trace.getEvaluations().get(0).getMetrics());
	}

	/** Every cell's element: all metric values of all evaluations. */
	public List<MetricValue> metricValues(TraceModel trace) {
		return trace.getEvaluations().stream().flatMap(e -> e.getMetrics().stream()).toList();
	}

	/** The column a metric value sits in: the column element of the same name. */
	public MetricValue metricColumn(MetricValue value) {
		TraceModel trace = (TraceModel) value.eContainer().eContainer();
		return metricColumns(trace).stream().filter(c -> c.getName().equals(value.getName())).findFirst().orElse(null);
	}

	public String variantLabel(EvaluationRecord r) {
		return r.getName();
	}

	/** A cell as the results deck writes it: the value and its marker against the original (↑ ↓ ~). */
	public String metricCell(MetricValue v) {
		String marker = v.getMarker() == Marker.BETTER ? "\u2191" : v.getMarker() == Marker.WORSE ? "\u2193" : v.getMarker() == Marker.SAME ? "~" : "";
		return String.format(Locale.ROOT, "%.4f", v.getValue()) + marker;
	}

	// ------------------------------------------------------------------ navigation

	/** From a record to the model artifacts and datasets it read or produced. */
	public List<EObject> relatedElements(EObject record) {
		Set<EObject> related = new LinkedHashSet<>();
		if (record instanceof ConversionRecord c) {
			addIfPresent(related, c.getInput(), c.getOutput());
		} else if (record instanceof OptimizationRecord o) {
			addIfPresent(related, o.getInput(), o.getOutput());
			if (o.getQuantization() != null && o.getQuantization().getCalibration() != null) {
				addIfPresent(related, o.getQuantization().getCalibration().getDataset());
			}
		} else if (record instanceof EvaluationRecord e) {
			addIfPresent(related, e.getModel(), e.getBaseline(), e.getDataset());
		} else if (record instanceof DebugRecord d) {
			addIfPresent(related, d.getFloatModel(), d.getQuantizedModel(), d.getDataset());
		}
		return new ArrayList<>(related);
	}

	/** And back: the records that read or produced a model artifact or a dataset. */
	public List<EObject> recordsOf(TracedElement element) {
		TraceModel trace = (TraceModel) element.eContainer();
		List<EObject> records = new ArrayList<>();
		List<EObject> all = new ArrayList<>(trace.getConversions());
		all.addAll(trace.getOptimizations());
		all.addAll(trace.getEvaluations());
		all.addAll(trace.getDebugRecords());
		for (EObject r : all) {
			if (relatedElements(r).contains(element)) {
				records.add(r);
			}
		}
		return records;
	}

	private static void addIfPresent(Set<EObject> set, EObject... elements) {
		for (EObject e : elements) {
			if (e != null) {
				set.add(e);
			}
		}
	}
}
