package org.quantrace.dsl.parser;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.antlr.runtime.RecognitionException;
import org.antlr.runtime.Token;
import org.antlr.runtime.TokenStream;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.AbstractRule;
import org.eclipse.xtext.EnumRule;
import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.IGrammarAccess;
import org.eclipse.xtext.Keyword;
import org.eclipse.xtext.ParserRule;
import org.eclipse.xtext.RuleCall;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.SyntaxErrorMessage;
import org.eclipse.xtext.parser.antlr.SyntaxErrorMessageProvider;
import org.quantrace.dsl.Suggestions;
import org.quantrace.dsl.validation.IssueCodes;

import com.google.inject.Inject;

/**
 * Syntax errors said the recipe's way, with the language's code so that they print like every other
 * diagnostic. A word the parser does not know where it stands (a misspelt clause, option or value) gets "did
 * you mean" among the words of the block it is in ({@link Suggestions}). The errors the parser reports after
 * the first one are mostly its recovery's consequences: {@link RecipeResourceValidator} keeps the first.
 */
public class RecipeSyntaxErrors extends SyntaxErrorMessageProvider {

	private static final String WORD = "[A-Za-z_][\\w-]*";

	@Inject
	private IGrammarAccess grammar;

	@Override
	public SyntaxErrorMessage getSyntaxErrorMessage(IParserErrorContext context) {
		RecognitionException e = context.getRecognitionException();
		String message = context.getDefaultMessage();
		String token = e != null && e.token != null ? e.token.getText() : null;
		String unclosed = unclosedText(e);
		if (unclosed != null) {
			return new SyntaxErrorMessage(unclosed, IssueCodes.SYNTAX);
		}
		String endOfFile = unclosedAtEnd(message);
		if (endOfFile != null) {
			return new SyntaxErrorMessage(endOfFile, IssueCodes.SYNTAX);
		}
		String exponent = e == null ? null : NumberWithExponent.message(e, token);
		if (exponent != null) {
			return new SyntaxErrorMessage(exponent, IssueCodes.SYNTAX);
		}
		String negative = e == null ? null : NegativeNumber.message(e, token);
		if (negative != null) {
			return new SyntaxErrorMessage(negative, IssueCodes.SYNTAX);
		}
		String name = token == null ? null : badName(e, token, keywords(grammar.getGrammar().getRules()));
		if (name != null) {
			return new SyntaxErrorMessage(name, IssueCodes.INVALID_NAME);
		}
		String method = token == null ? null : calibrationWithoutMethod(e, token);
		if (method != null) {
			return new SyntaxErrorMessage(method, IssueCodes.SYNTAX);
		}
		if (token != null && message.startsWith("missing EOF")) {
			message = "unexpected '" + token + "' after the end of the recipe: remove it, or close the blocks before it";
		} else if (token != null && message.endsWith("expecting RULE_ID") && token.matches(WORD)) {
			message = "'" + token + "' is a word of the recipe language, not a name: choose another name (or write ^" + token + ")";
		} else if (token != null && token.matches(WORD) && !keywords(grammar.getGrammar().getRules()).contains(token)) {
			String suggestion = Suggestions.didYouMean(token, wordsOf(context.getCurrentContext()));
			if (suggestion != null) {
				message = "'" + token + "' is not a word of the recipe language here: " + suggestion;
			}
		}
		return new SyntaxErrorMessage(message, IssueCodes.SYNTAX);
	}

	/**
	 * "calibrate unclipped" (or "calibrate batch 8"): an option where the method must come first; the parser's "no viable
	 * alternative" names neither. Null when the word before the error is not 'calibrate'.
	 */
	private static String calibrationWithoutMethod(RecognitionException e, String token) {
		if (!(e.input instanceof TokenStream tokens)) {
			return null;
		}
		for (int i = e.index - 1; i >= 0; i--) {
			Token t = tokens.get(i);
			if (t.getChannel() == Token.DEFAULT_CHANNEL && !hidden(t)) {
				if (!t.getText().equals("calibrate")) {
					return null;
				}
				List<String> methods = org.quantrace.model.recipe.CalibrationMethod.VALUES.stream().map(m -> m.getLiteral()).toList();
				return "'calibrate' names its method first (" + String.join(", ", methods) + "), then its options: write calibrate "
						+ (methods.contains(token) ? "METHOD" : "minmax " + token);
			}
		}
		return null;
	}

	/** The words that declare a name after them: model NAME, dataset NAME, quantize NAME... */
	private static final Set<String> DECLARING = Set.of("recipe", "model", "dataset", "quantize", "preprocess", "document");

	/** The words that refer to names after them: schemes NAME, NAME... */
	private static final Set<String> REFERRING = Set.of("schemes", "models", "for", "debug", "on", "extends", "preprocessing");

	/**
	 * What is wrong with a name the parser stopped at, or null when the error is not about a name: every word of the
	 * language may be a name (NHWC, dense, calibration), but not 'extends', not a word with a hyphen (per-channel), not an
	 * id's form (W-NHWC) and not a word with letters outside ASCII (modèle): names are ASCII letters, digits and _, the
	 * ids after id, version... are the ones with hyphens.
	 */
	private static String badName(RecognitionException e, String token, Set<String> keywords) {
		if (!(e.input instanceof TokenStream tokens)) {
			return null;
		}
		List<String> before = new ArrayList<>(); // the two words before the error, nearest first
		for (int i = e.index - 1; i >= 0 && before.size() < 2; i--) {
			Token t = tokens.get(i);
			if (t.getChannel() == Token.DEFAULT_CHANNEL && !hidden(t)) {
				before.add(t.getText());
			}
		}
		String how = ": a name is ASCII letters, digits and _ (ids after id, version and conversion-id may have hyphens)";
		boolean atName = !before.isEmpty() && DECLARING.contains(before.get(0));
		if (atName && token.startsWith("\"")) {
			return quotedName(before.get(0), token);
		}
		// "schemes" with nothing after it: the next clause's word (a name as well) was read as the scheme, the error comes after it
		if (before.size() == 2 && REFERRING.contains(before.get(1)) && keywords.contains(before.get(0)) && !token.equals(",") && !token.equals(".")) {
			return "'" + before.get(1) + "' is not followed by a name ('" + before.get(0) + "' starts the next clause): write " + before.get(1) + " NAME";
		}
		if (atName && token.equals("extends") && !before.get(0).equals("document")) {
			return "'extends' cannot be a name (it is the word that refines another " + before.get(0) + "): choose another name";
		}
		boolean inName = before.size() == 2 && DECLARING.contains(before.get(1)) && before.get(0).matches("\\w+");
		boolean nameLike = token.matches("[A-Za-z_]\\w*(-\\w+)+") || token.equals("-") || token.equals(".") || !token.isEmpty() && token.chars().allMatch(c -> c > 127);
		if (!nameLike || !(atName || inName && !token.matches("[A-Za-z_]\\w*(-\\w+)+"))) {
			return null;
		}
		// the whole word as written: the name read so far and what follows without a space
		StringBuilder whole = new StringBuilder(atName ? "" : before.get(0));
		for (int i = e.index; i < tokens.size(); i++) {
			Token t = tokens.get(i);
			if (t.getType() == Token.EOF || hidden(t) || !t.getText().matches("[^\\s\"{},]+")) {
				break;
			}
			whole.append(t.getText());
		}
		String ascii = java.text.Normalizer.normalize(whole, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "").replaceAll("[^A-Za-z0-9_]", "_");
		return "'" + whole + "' cannot be a name" + how + ": write " + (ascii.matches("[0-9].*") ? "_" + ascii : ascii);
	}

	/** The message for a quoted name after {@code declaring} (model "cnn"), or null where a text may stand there (document "..."). */
	private static String quotedName(String declaring, String quoted) {
		if (quoted.length() < 2 || declaring.equals("document") || declaring.equals("preprocess")) {
			return null;
		}
		String bare = quoted.substring(1, quoted.endsWith("\"") ? quoted.length() - 1 : quoted.length());
		return "a name is written without quotes: write " + declaring + " " + (bare.matches("[A-Za-z_]\\w*") ? bare : "NAME") + " (the quotes are for paths and texts)";
	}

	/**
	 * The parser's recovery from model "cnn" "m.onnx": it inserts an empty name and reads "cnn" as the path, so the first error
	 * is the empty name's "a value is missing". Said as what it is when a quoted text follows a declaring word.
	 */
	private static String quotedNameRecovered(INode missing) {
		String text = missing.getRootNode().getText();
		int at = missing.getOffset();
		int end = at;
		while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
			end--;
		}
		int start = end;
		while (start > 0 && Character.isLetter(text.charAt(start - 1))) {
			start--;
		}
		int next = at;
		while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
			next++;
		}
		if (!DECLARING.contains(text.substring(start, end)) || next >= text.length() || text.charAt(next) != '"') {
			return null;
		}
		int close = text.indexOf('"', next + 1);
		return quotedName(text.substring(start, end), text.substring(next, close < 0 ? text.length() : close + 1));
	}

	/**
	 * A text whose closing quote is missing runs on to the next quote, lines further, and the parser stops after it on
	 * something that makes no sense there: when one of the last words before the error is a text over several lines, that
	 * is what to fix.
	 */
	private static String unclosedText(RecognitionException e) {
		if (e == null || !(e.input instanceof TokenStream tokens)) {
			return null;
		}
		int seen = 0;
		for (int i = Math.min(e.index, tokens.size()) - 1; i >= 0 && seen < 3; i--) {
			Token t = tokens.get(i);
			if (hidden(t)) {
				continue;
			}
			seen++;
			String unclosed = unclosedText(t.getText(), t.getLine());
			if (unclosed != null) {
				return unclosed;
			}
		}
		return null;
	}

	/** {@link #unclosedText(RecognitionException)} for an error the value converter reports at {@code at}. */
	private static String unclosedText(INode at) {
		List<org.eclipse.xtext.nodemodel.ILeafNode> before = new ArrayList<>();
		for (org.eclipse.xtext.nodemodel.ILeafNode l : at.getRootNode().getLeafNodes()) {
			if (l.getEndOffset() > at.getOffset()) {
				break;
			}
			if (!l.isHidden() && !l.getText().isBlank()) {
				before.add(l);
			}
		}
		for (int k = before.size() - 1; k >= Math.max(0, before.size() - 3); k--) {
			String unclosed = unclosedText(before.get(k).getText(), before.get(k).getStartLine());
			if (unclosed != null) {
				return unclosed;
			}
		}
		return null;
	}

	/**
	 * The lexer's words for a comment or a text that runs to the end of the file ("mismatched character '<EOF>' expecting
	 * '*'", said where it opens: hostile10), as what to fix; null for any other message.
	 */
	private static String unclosedAtEnd(String message) {
		if (message == null || !message.startsWith("mismatched character '<EOF>' expecting ")) {
			return null;
		}
		String expected = message.substring("mismatched character '<EOF>' expecting ".length());
		if (expected.equals("'*'") || expected.equals("'/'")) {
			return "the comment opened with /* here is not closed: it runs to the end of the file; end it with */";
		}
		if (expected.equals("'\"'") || expected.equals("'\\''")) {
			return "the text opened here is not closed: it runs to the end of the file; end it with " + expected.charAt(1);
		}
		return null;
	}

	/** The message for a text token over several lines, starting on {@code line}; null for any other token. */
	private static String unclosedText(String text, int line) {
		if (!text.startsWith("\"") || text.indexOf('\n') < 0) {
			return null;
		}
		String first = text.substring(0, text.indexOf('\n')).strip();
		return "the text " + first + " on line " + line + " is not closed: it runs on to line " + (line + text.split("\n", -1).length - 1)
				+ "; end it with \" on line " + line;
	}

	/** White space and comments: the token stream holds them on the default channel (Xtext skips them by type). */
	static boolean hidden(Token t) {
		String text = t.getText();
		return text == null || text.isBlank() || text.startsWith("//") || text.startsWith("/*");
	}

	@Override
	public SyntaxErrorMessage getSyntaxErrorMessage(IValueConverterErrorContext context) {
		org.eclipse.xtext.conversion.ValueConverterException e = context.getValueConverterException();
		String unclosed = e == null || e.getNode() == null ? null : unclosedText(e.getNode());
		if (unclosed != null) {
			return new SyntaxErrorMessage(unclosed, IssueCodes.SYNTAX);
		}
		String quoted = e == null || e.getNode() == null ? null : quotedNameRecovered(e.getNode());
		if (quoted != null) {
			return new SyntaxErrorMessage(quoted, IssueCodes.INVALID_NAME);
		}
		String negative = e == null || e.getNode() == null ? null : NegativeNumber.message(e.getNode());
		if (negative != null) {
			return new SyntaxErrorMessage(negative, IssueCodes.SYNTAX);
		}
		if (e != null && e.getCause() instanceof NumberFormatException && e.getNode() != null) {
			// a count or a seed beyond what it can hold: Java's "For input string: ..." said nothing of that
			String text = org.eclipse.xtext.nodemodel.util.NodeModelUtils.getTokenText(e.getNode());
			if (text.strip().matches("\\d+")) {
				return new SyntaxErrorMessage("'" + text.strip() + "' is too large a number here (whole numbers go up to " + Integer.MAX_VALUE
						+ ", a seed up to " + Long.MAX_VALUE + ")", IssueCodes.SYNTAX);
			}
		}
		return new SyntaxErrorMessage(context.getDefaultMessage(), IssueCodes.SYNTAX);
	}

	/**
	 * The words that may stand in the block being read: the keywords of the rules that build {@code context} (a
	 * recipe, a scheme, a preprocess block...), and of the rules those call directly (their clauses and values).
	 * Outside any block, or when nothing matches, every word of the language.
	 */
	Set<String> wordsOf(EObject context) {
		Set<String> words = new LinkedHashSet<>();
		EClass type = context == null ? null : context.eClass();
		for (AbstractRule rule : grammar.getGrammar().getRules()) {
			if (rule instanceof ParserRule p && type != null && p.getType() != null && p.getType().getClassifier() == type) {
				collect(p, words, 0);
			}
		}
		return words.isEmpty() ? keywords(grammar.getGrammar().getRules()) : words;
	}

	private static void collect(AbstractRule rule, Set<String> words, int depth) {
		words.addAll(keywords(java.util.List.of(rule)));
		if (depth > 1 || rule instanceof EnumRule) {
			return;
		}
		for (RuleCall call : GrammarUtil.containedRuleCalls(rule)) {
			AbstractRule called = call.getRule();
			// one level into the rules this one calls, deeper only through rules that merely choose among others
			if (called instanceof EnumRule || called instanceof ParserRule && (depth == 0 || keywords(java.util.List.of(rule)).isEmpty())) {
				collect(called, words, depth + 1);
			}
		}
	}

	private static Set<String> keywords(Iterable<? extends AbstractRule> rules) {
		Set<String> words = new LinkedHashSet<>();
		for (AbstractRule r : rules) {
			for (Keyword k : GrammarUtil.containedKeywords(r)) {
				if (k.getValue().matches("[A-Za-z][\\w/-]*")) {
					words.add(k.getValue());
				}
			}
		}
		return words;
	}
}
