package org.quantrace.dsl.parser;

import java.util.Comparator;
import java.util.List;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.util.IAcceptor;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.Issue;
import org.eclipse.xtext.validation.ResourceValidatorImpl;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.dsl.validation.RecipeCharacters;

/**
 * The diagnostics of a recipe file, for the editor, the language server, {@code quantrace validate} and the
 * runner alike. After a syntax error the parser skips ahead to a place it can resume from, and what it reads
 * next (a clause outside its block, a closing brace too many) and what the rules would find in the half-read
 * recipe are consequences of that one mistake: a file with a syntax error reports its first syntax error only
 * (the rules run once it is fixed).
 */
public class RecipeResourceValidator extends ResourceValidatorImpl {

	@Override
	public List<Issue> validate(Resource resource, CheckMode mode, CancelIndicator indicator) {
		List<Issue> issues = super.validate(resource, mode, indicator);
		Issue character = character(resource);
		java.util.Optional<Issue> syntax = issues.stream().filter(RecipeResourceValidator::isSyntaxError)
				// on the line of the first error, a name the parser could not read is the cause, not the missing value its recovery left
				.min(Comparator.comparingInt((Issue i) -> i.getLineNumber() == null ? Integer.MAX_VALUE : i.getLineNumber())
						.thenComparing(i -> !IssueCodes.INVALID_NAME.equals(i.getCode()))
						.thenComparingInt(i -> i.getOffset() == null ? Integer.MAX_VALUE : i.getOffset()));
		if (character == null) {
			return syntax.map(List::of).orElse(issues);
		}
		// a curly quote or an unseen space is what the parser stumbled on, on its line: said instead of what it made of it
		if (syntax.isPresent() && syntax.get().getLineNumber() != null && syntax.get().getLineNumber() < character.getLineNumber()) {
			return List.of(syntax.get());
		}
		if (syntax.isPresent()) {
			return List.of(character);
		}
		List<Issue> all = new java.util.ArrayList<>(issues);
		all.add(character);
		return all;
	}

	/** The first character the recipe cannot hold where it stands ({@link RecipeCharacters}), as an error; null when none. */
	private static Issue character(Resource resource) {
		if (!(resource instanceof XtextResource x) || x.getParseResult() == null || x.getParseResult().getRootNode() == null) {
			return null;
		}
		RecipeCharacters.Problem p = RecipeCharacters.of(x.getParseResult().getRootNode().getText());
		if (p == null) {
			return null;
		}
		Issue.IssueImpl issue = new Issue.IssueImpl();
		issue.setSeverity(Severity.ERROR);
		issue.setCode(IssueCodes.CONFUSABLE_CHARACTER);
		issue.setMessage(p.message());
		issue.setLineNumber(p.line());
		issue.setColumn(p.column());
		issue.setOffset(p.offset());
		issue.setLength(1);
		issue.setType(org.eclipse.xtext.validation.CheckType.FAST);
		issue.setUriToProblem(resource.getURI().appendFragment("/"));
		return issue;
	}

	@Override
	protected void validate(Resource resource, CheckMode mode, CancelIndicator monitor, IAcceptor<Issue> acceptor) {
		if (resource instanceof XtextResource x && x.getParseResult() != null && x.getParseResult().hasSyntaxErrors()) {
			return; // the rules would judge a recipe the parser only half read
		}
		super.validate(resource, mode, monitor, acceptor);
	}

	private static boolean isSyntaxError(Issue i) {
		return i.getSeverity() == Severity.ERROR && (IssueCodes.SYNTAX.equals(i.getCode()) || IssueCodes.INVALID_NAME.equals(i.getCode()));
	}
}
