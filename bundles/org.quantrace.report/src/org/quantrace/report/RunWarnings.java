package org.quantrace.report;

import java.util.List;

import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceModel;

/**
 * The warnings a run printed before its work, as its documents show them: each as printed ({@code file:line:column: warning
 * [code] message}, the file relative to the recipe's folder). A model's logs show the warnings on its declaration (a
 * weight-only model: against the original model, in the rows that name it) and those about no one model (datasets, the
 * recipe), in the rows the templates keep for additional information.
 */
public final class RunWarnings {

	private RunWarnings() {
	}

	/** One warning as printed. */
	public static String line(RunWarning w) {
		return w.getFile() + ":" + w.getLine() + ":" + w.getColumn() + ": " + w.getSeverity() + " [" + w.getCode() + "] " + w.getMessage();
	}

	/** The warnings on {@code model}'s declaration, in the order printed. */
	public static List<RunWarning> ofModel(TraceModel trace, String model) {
		return trace.getWarnings().stream().filter(w -> model.equals(w.getModel())).toList();
	}

	/** The warnings about no one model (a dataset's, the recipe's), in the order printed: every model's logs show them. */
	public static List<RunWarning> runWide(TraceModel trace) {
		return trace.getWarnings().stream().filter(w -> w.getModel() == null || w.getModel().isEmpty()).toList();
	}

	/** Every warning {@code model}'s logs show: its own, then the run-wide ones. */
	public static List<RunWarning> forModel(TraceModel trace, String model) {
		List<RunWarning> all = new java.util.ArrayList<>(ofModel(trace, model));
		all.addAll(runWide(trace));
		return all;
	}

	/** {@code rows} lines followed by the warnings' lines. */
	static List<String> appended(List<String> lines, List<RunWarning> warnings) {
		List<String> l = new java.util.ArrayList<>(lines);
		warnings.forEach(w -> l.add(line(w)));
		return l;
	}
}
