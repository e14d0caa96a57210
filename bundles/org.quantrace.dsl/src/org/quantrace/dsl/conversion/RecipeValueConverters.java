package org.quantrace.dsl.conversion;

import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Pattern;

import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.IGrammarAccess;
import org.eclipse.xtext.common.services.DefaultTerminalConverters;
import org.eclipse.xtext.conversion.IValueConverter;
import org.eclipse.xtext.conversion.ValueConverter;
import org.eclipse.xtext.conversion.ValueConverterException;
import org.eclipse.xtext.nodemodel.INode;

import com.google.inject.Inject;

/**
 * Text to value and back for the recipe language's data types. Numbers are written without exponents
 * (the grammar has none), 1/255 stays a fraction when it is one, and words that the grammar reads as
 * keywords, or that are not identifiers, are quoted on the way out, so a serialized recipe parses back to
 * the same model.
 */
public class RecipeValueConverters extends DefaultTerminalConverters {

	private static final Pattern WORD = Pattern.compile("[A-Za-z_0-9]+([-.][A-Za-z_0-9]+)*");
	private static final Pattern PIECE_ID = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");
	private static final Pattern PIECE_NUMBER = Pattern.compile("[0-9]+");

	@Inject
	private IGrammarAccess grammar;

	private Set<String> keywords;

	private Set<String> keywords() {
		if (keywords == null) {
			keywords = GrammarUtil.getAllKeywords(grammar.getGrammar());
		}
		return keywords;
	}

	/** Plain numbers: 95, 99.99. */
	@ValueConverter(rule = "Number")
	public IValueConverter<Double> number() {
		return new Converter<>() {
			@Override
			Double parse(String s) {
				return Double.valueOf(s);
			}

			@Override
			String print(Double v) {
				return decimal(v);
			}
		};
	}

	@ValueConverter(rule = "SignedNumber")
	public IValueConverter<Double> signedNumber() {
		return number();
	}

	/** 1/255 or a number; printed back as 1/n when the value is the inverse of an integer. */
	@ValueConverter(rule = "Fraction")
	public IValueConverter<Double> fraction() {
		return new Converter<>() {
			@Override
			Double parse(String s) {
				int slash = s.indexOf('/');
				double v = slash < 0 ? Double.parseDouble(s) : Double.parseDouble(s.substring(0, slash)) / Double.parseDouble(s.substring(slash + 1));
				if (!Double.isFinite(v)) {
					throw new ArithmeticException("division by zero");
				}
				return v;
			}

			@Override
			String print(Double v) {
				if (v > 0 && v < 1) {
					double n = Math.rint(1 / v);
					if (n <= Integer.MAX_VALUE && 1 / n == v) {
						return "1/" + (long) n;
					}
				}
				return decimal(v);
			}
		};
	}

	@ValueConverter(rule = "Long")
	public IValueConverter<Long> longValue() {
		return new Converter<>() {
			@Override
			Long parse(String s) {
				return Long.valueOf(s);
			}

			@Override
			String print(Long v) {
				return v.toString();
			}
		};
	}

	@ValueConverter(rule = "Boolean")
	public IValueConverter<Boolean> booleanValue() {
		return new Converter<>() {
			@Override
			Boolean parse(String s) {
				return Boolean.valueOf(s);
			}

			@Override
			String print(Boolean v) {
				return v.toString();
			}
		};
	}

	/** SW-LEAN, 3, 1.2.0 bare; anything else quoted. */
	@ValueConverter(rule = "Identifier")
	public IValueConverter<String> identifier() {
		return new Converter<>() {
			@Override
			String parse(String s) {
				return s.startsWith("\"") ? (String) STRING().toValue(s, null) : s;
			}

			@Override
			String print(String v) {
				return isBareWord(v) ? v : STRING().toString(v);
			}
		};
	}

	/**
	 * Names of recipes, models, datasets and schemes: an identifier or a word of the language (NHWC); Xtext's escape ^NHWC,
	 * which older messages advised, still reads as NHWC.
	 */
	@ValueConverter(rule = "ValidID")
	public IValueConverter<String> validId() {
		return new Converter<>() {
			@Override
			String parse(String s) {
				return s.startsWith("^") ? s.substring(1) : s;
			}

			@Override
			String print(String v) {
				return v.equals("extends") ? "^" + v : v;
			}
		};
	}

	/** Layer and op names: bare when an identifier that is no keyword, else quoted. */
	@ValueConverter(rule = "Pattern")
	public IValueConverter<String> pattern() {
		return new Converter<>() {
			@Override
			String parse(String s) {
				return s.startsWith("\"") ? (String) STRING().toValue(s, null) : s.startsWith("^") ? s.substring(1) : s;
			}

			@Override
			String print(String v) {
				return PIECE_ID.matcher(v).matches() && !keywords().contains(v) ? v : STRING().toString(v);
			}
		};
	}

	private boolean isBareWord(String v) {
		if (!WORD.matcher(v).matches()) {
			return false;
		}
		for (String piece : v.split("[-.]")) {
			boolean id = PIECE_ID.matcher(piece).matches() && !keywords().contains(piece);
			if (!id && !PIECE_NUMBER.matcher(piece).matches()) {
				return false;
			}
		}
		return true;
	}

	/** The shortest plain decimal that reads back as the same double: 95, 99.99, 0.0001. */
	static String decimal(double v) {
		if (Double.isNaN(v) || Double.isInfinite(v)) {
			throw new ValueConverterException("a recipe number must be finite, not " + v, null, null);
		}
		String s = BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
		return s.equals("-0") ? "0" : s;
	}

	/** A converter of a data type rule: its text, without the hidden tokens, to a value and back. */
	private abstract static class Converter<T> implements IValueConverter<T> {

		abstract T parse(String text);

		abstract String print(T value);

		@Override
		public T toValue(String string, INode node) {
			if (string == null || string.isBlank()) {
				throw new ValueConverterException("a value is missing", node, null);
			}
			String compact = string.startsWith("\"") ? string : string.replaceAll("\\s+", "");
			try {
				return parse(compact);
			} catch (NumberFormatException | ArithmeticException e) {
				throw new ValueConverterException("'" + string + "' is not a valid value here", node, e);
			}
		}

		@Override
		public String toString(T value) {
			if (value == null) {
				throw new ValueConverterException("a value is missing", null, null);
			}
			return print(value);
		}
	}
}
