package org.quantrace.dsl.parser;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.antlr.runtime.CommonToken;
import org.antlr.runtime.RecognitionException;
import org.antlr.runtime.Token;
import org.antlr.runtime.TokenStream;

/**
 * A number written with an exponent ({@code tolerance 1e-3 pt}, {@code percentile 1e-300}, {@code accept when accuracy drop < 1e400 pt}):
 * the recipe language writes decimals only, and the parser said "'e' is not a word of the recipe language here: did you mean 'x',
 * 'by' or 'dB'?" or "extraneous input 'e309' expecting 'pt'" (hostile12). Said as what it is, with the decimals to write.
 */
final class NumberWithExponent {

	private static final Pattern WRITTEN = Pattern.compile("^[0-9]+(\\.[0-9]+)?[eE][+-]?[0-9]+");

	private NumberWithExponent() {
	}

	/** The message, or null when the token the parser stopped at is no exponent right after a number. */
	static String message(RecognitionException e, String token) {
		if (token == null || !token.matches("[eE][0-9]*") || !(e.input instanceof TokenStream tokens) || !(e.token instanceof CommonToken at)) {
			return null;
		}
		Token before = e.index > 0 ? tokens.get(e.index - 1) : null;
		if (!(before instanceof CommonToken number) || !number.getText().matches("[0-9]+(\\.[0-9]+)?") || number.getStopIndex() + 1 != at.getStartIndex()
				|| at.getInputStream() == null) {
			return null;
		}
		String rest = at.getInputStream().substring(number.getStartIndex(), Math.min(at.getInputStream().size() - 1, number.getStartIndex() + 40));
		Matcher m = WRITTEN.matcher(rest);
		if (!m.find()) {
			return "'" + number.getText() + token + "': a recipe writes numbers in decimals, without an exponent: write e.g. 0.001 for 1e-3";
		}
		BigDecimal value = new BigDecimal(m.group());
		String decimals = Math.abs(value.scale()) <= 12 ? value.stripTrailingZeros().toPlainString() : null;
		return "'" + m.group() + "': a recipe writes numbers in decimals, without an exponent: "
				+ (decimals != null ? "write " + decimals : "a value of that size is beyond what a clause takes; write the value you mean in decimals");
	}
}
