package org.quantrace.ide.editor.validation;

import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.validation.Issue;

/**
 * Names shared by the problem markers (Problems view) and the editor's annotations: one marker type, one
 * annotation type per severity (declared in plugin.xml as subtypes of the workbench's error, warning and
 * info annotations, mapped to the marker type), and the marker attribute holding the issue code.
 */
public final class RecipeProblems {

	public static final String MARKER = "org.quantrace.ide.editor.problem";
	/** The issue code ({@code unknown-scheme}, {@code path-not-found}...), as {@code quantrace validate} prints it. */
	public static final String CODE = "code";
	/** The issue's data (Xtext's Issue.getData), joined by {@link #DATA_SEPARATOR}. */
	public static final String DATA = "data";
	public static final String DATA_SEPARATOR = "\u0000";

	public static final String ERROR = "org.quantrace.ide.editor.error";
	public static final String WARNING = "org.quantrace.ide.editor.warning";
	public static final String INFO = "org.quantrace.ide.editor.info";

	private RecipeProblems() {
	}

	public static String annotationType(Severity s) {
		return switch (s) {
		case ERROR -> ERROR;
		case WARNING -> WARNING;
		default -> INFO;
		};
	}

	/** The code of an issue; "recipe" for the few Xtext reports without one, as {@code quantrace validate} prints them. */
	public static String code(Issue issue) {
		return issue.getCode() == null ? "recipe" : issue.getCode();
	}

	/** What the Problems view and the hover show: the message, then the code in brackets. */
	public static String text(Issue issue) {
		return issue.getMessage() + " [" + code(issue) + "]";
	}

	public static boolean isOurs(String annotationType) {
		return ERROR.equals(annotationType) || WARNING.equals(annotationType) || INFO.equals(annotationType);
	}
}
