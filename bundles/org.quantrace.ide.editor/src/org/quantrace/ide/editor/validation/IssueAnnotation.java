package org.quantrace.ide.editor.validation;

import org.eclipse.jface.text.quickassist.IQuickFixableAnnotation;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.xtext.validation.Issue;

/** A diagnostic of the text being edited (not yet saved): shown in the ruler and under the text, with its issue code. */
public final class IssueAnnotation extends Annotation implements IQuickFixableAnnotation {

	private final String code;
	private final String message;
	private Boolean fixable;

	IssueAnnotation(Issue issue) {
		super(RecipeProblems.annotationType(issue.getSeverity()), false, RecipeProblems.text(issue));
		this.code = RecipeProblems.code(issue);
		this.message = issue.getMessage();
	}

	public String code() {
		return code;
	}

	/** The message without the code. */
	public String message() {
		return message;
	}

	@Override
	public void setQuickFixable(boolean state) {
		fixable = state;
	}

	@Override
	public boolean isQuickFixableStateSet() {
		return fixable != null;
	}

	@Override
	public boolean isQuickFixable() {
		return fixable != null && fixable;
	}
}
