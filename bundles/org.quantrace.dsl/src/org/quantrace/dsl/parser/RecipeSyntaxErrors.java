package org.quantrace.dsl.parser;

import org.antlr.runtime.RecognitionException;
import org.eclipse.xtext.nodemodel.SyntaxErrorMessage;
import org.eclipse.xtext.parser.antlr.SyntaxErrorMessageProvider;
import org.quantrace.dsl.validation.IssueCodes;

/** Syntax errors with the recipe language's code, so that they print like every other diagnostic. */
public class RecipeSyntaxErrors extends SyntaxErrorMessageProvider {

	@Override
	public SyntaxErrorMessage getSyntaxErrorMessage(IParserErrorContext context) {
		RecognitionException e = context.getRecognitionException();
		String message = context.getDefaultMessage();
		String token = e != null && e.token != null ? e.token.getText() : null;
		if (token != null && message.startsWith("missing EOF")) {
			message = "unexpected '" + token + "' after the end of the recipe: remove it, or close the blocks before it";
		} else if (token != null && message.endsWith("expecting RULE_ID") && token.matches("[A-Za-z][\\w-]*")) {
			message = "'" + token + "' is a word of the recipe language, not a name: choose another name (or write ^" + token + ")";
		}
		return new SyntaxErrorMessage(message, IssueCodes.SYNTAX);
	}

	@Override
	public SyntaxErrorMessage getSyntaxErrorMessage(IValueConverterErrorContext context) {
		return new SyntaxErrorMessage(context.getDefaultMessage(), IssueCodes.SYNTAX);
	}
}
