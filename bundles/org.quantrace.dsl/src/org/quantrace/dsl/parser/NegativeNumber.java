package org.quantrace.dsl.parser;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.antlr.runtime.CommonToken;
import org.antlr.runtime.RecognitionException;
import org.antlr.runtime.Token;
import org.antlr.runtime.TokenStream;
import org.eclipse.xtext.nodemodel.INode;

/**
 * A minus sign before a number where the clause takes none ({@code debug fiq_int8 threshold rmse/scale > -1},
 * {@code tolerance -0.5 pt}): the parser said "a value is missing" at the '-' (hostile12), though the value is there. Said as what
 * it is: the value is 0 or more, and which word takes it.
 */
final class NegativeNumber {

	private NegativeNumber() {
	}

	/** The message, or null when the token the parser stopped at is no '-' right before a number. */
	static String message(RecognitionException e, String token) {
		if (!"-".equals(token) || !(e.input instanceof TokenStream tokens) || !(e.token instanceof CommonToken minus) || e.index + 1 >= tokens.size()) {
			return null;
		}
		Token number = tokens.get(e.index + 1);
		if (!(number instanceof CommonToken digits) || !digits.getText().matches("[0-9]+(\\.[0-9]+)?") || minus.getStopIndex() + 1 != digits.getStartIndex()) {
			return null;
		}
		return said(digits.getText(), wordBefore(tokens, e.index));
	}

	/** The number after a '-' the parser's recovery left a value empty at, or null when none follows {@code node}'s start. */
	static String message(INode node) {
		String text = node.getRootNode().getText();
		int at = node.getTotalOffset();
		Matcher m = SIGNED.matcher(text).region(Math.min(at, text.length()), text.length());
		if (!m.lookingAt()) {
			return null;
		}
		Matcher before = LAST_WORD.matcher(text.substring(0, m.start(1) - 1));
		return said(m.group(1), before.find() ? before.group(1) : null);
	}

	private static final Pattern SIGNED = Pattern.compile("\\s*-([0-9]+(?:\\.[0-9]+)?)");
	private static final Pattern LAST_WORD = Pattern.compile("(\\S+)\\s*$");

	private static String said(String digits, String after) {
		return "'-" + digits + "': " + (after == null ? "this value" : "the value after '" + after + "'") + " takes no sign: write 0 or a positive number";
	}

	/** The word before {@code index} on the parser's channel, or null at the start. */
	private static String wordBefore(TokenStream tokens, int index) {
		for (int i = index - 1; i >= 0; i--) {
			Token t = tokens.get(i);
			if (t.getChannel() == Token.DEFAULT_CHANNEL && !RecipeSyntaxErrors.hidden(t)) {
				return t.getText();
			}
		}
		return null;
	}
}
