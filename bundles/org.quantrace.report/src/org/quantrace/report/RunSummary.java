package org.quantrace.report;

import java.util.LinkedHashSet;
import java.util.List;

import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.Marker;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

/** Reading a trace the way results, logs and the report present it: models in run order, their variants, verdicts. */
public final class RunSummary {

	private RunSummary() {
	}

	/** The models of the run, in the order they ran (artifact ids are MODEL/VARIANT). */
	public static List<String> models(TraceModel trace) {
		LinkedHashSet<String> models = new LinkedHashSet<>();
		trace.getArtifacts().forEach(a -> models.add(model(a)));
		return List.copyOf(models);
	}

	public static String model(ModelArtifact a) {
		return a.getId().substring(0, a.getId().lastIndexOf('/'));
	}

	public static List<ModelArtifact> artifacts(TraceModel trace, String model) {
		return trace.getArtifacts().stream().filter(a -> model(a).equals(model)).toList();
	}

	public static EvaluationRecord evaluation(TraceModel trace, ModelArtifact a) {
		return trace.getEvaluations().stream().filter(e -> e.getModel() == a).findFirst().orElse(null);
	}

	/** True unless some variant failed an acceptance criterion. */
	public static boolean accepted(TraceModel trace) {
		return trace.getEvaluations().stream().noneMatch(e -> e.isSetAccepted() && !e.isAccepted());
	}

	public static String symbol(Marker m) {
		return switch (m) {
		case BASELINE -> "";
		case BETTER -> "\u2191";
		case WORSE -> "\u2193";
		case SAME -> "~";
		};
	}
}
