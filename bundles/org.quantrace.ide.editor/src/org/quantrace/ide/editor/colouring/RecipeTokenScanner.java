package org.quantrace.ide.editor.colouring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.antlr.runtime.ANTLRStringStream;
import org.antlr.runtime.CommonToken;
import org.antlr.runtime.Token;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.TextAttribute;
import org.eclipse.jface.text.rules.IToken;
import org.eclipse.jface.text.rules.ITokenScanner;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.xtext.parser.antlr.ITokenDefProvider;
import org.eclipse.xtext.parser.antlr.Lexer;
import org.quantrace.ide.editor.RecipeLanguage;

/**
 * Splits a recipe into coloured tokens with the language's own lexer: what the grammar declares as a word
 * ('recipe', 'calibrate', 'fiq' literals...) is a keyword, its terminals give strings, numbers and
 * comments. Nothing is listed here, so a keyword added to the grammar is coloured without a change. A word of the
 * language used as a name or in an id ('model dense', 'id W-NHWC', allowed since KeywordNamesTest) is coloured as a
 * name: the parse says which words are names.
 */
public final class RecipeTokenScanner implements ITokenScanner {

	/** How each class of token looks. */
	public enum Style {
		KEYWORD(new Color(127, 0, 85), SWT.BOLD), STRING(new Color(42, 0, 255), SWT.NORMAL), NUMBER(new Color(0, 110, 120), SWT.NORMAL),
		COMMENT(new Color(63, 127, 95), SWT.ITALIC), PUNCTUATION(null, SWT.NORMAL), DEFAULT(null, SWT.NORMAL);

		final org.eclipse.jface.text.rules.Token token;

		Style(Color color, int fontStyle) {
			this.token = new org.eclipse.jface.text.rules.Token(new TextAttribute(color, null, fontStyle));
		}

		public TextAttribute attribute() {
			return (TextAttribute) token.getData();
		}
	}

	private record Span(int offset, int length, Style style) {
	}

	private List<Span> spans = List.of();
	private int next;
	private int offset;
	private int length;

	@Override
	public void setRange(IDocument document, int offset, int length) {
		spans = tokens(document.get(), offset, offset + length);
		next = 0;
	}

	@Override
	public IToken nextToken() {
		if (next >= spans.size()) {
			return org.eclipse.jface.text.rules.Token.EOF;
		}
		Span s = spans.get(next++);
		offset = s.offset();
		length = s.length();
		return s.style().token;
	}

	@Override
	public int getTokenOffset() {
		return offset;
	}

	@Override
	public int getTokenLength() {
		return length;
	}

	/** The tokens of {@code text} overlapping [from, to), classified. */
	static List<Span> tokens(String text, int from, int to) {
		java.util.Set<Integer> names = nameKeywords(text); // parsed first: the parser may lex with the same lexer
		Lexer lexer = RecipeLanguage.get(Lexer.class);
		Map<Integer, String> tokenNames = RecipeLanguage.get(ITokenDefProvider.class).getTokenDefMap();
		lexer.setCharStream(new ANTLRStringStream(text));
		List<Span> result = new ArrayList<>();
		int covered = 0; // the repairer expects adjacent tokens: what the lexer skipped after an error is plain text
		for (Token t = lexer.nextToken(); t.getType() != Token.EOF && covered < to; t = lexer.nextToken()) {
			CommonToken c = (CommonToken) t;
			int start = c.getStartIndex();
			int end = c.getStopIndex() + 1;
			if (start < covered || end <= start) {
				continue;
			}
			if (start > covered) {
				add(result, covered, start, Style.DEFAULT, from, to);
			}
			Style style = style(tokenNames.get(t.getType()));
			add(result, start, end, style == Style.KEYWORD && names.contains(start) ? Style.DEFAULT : style, from, to);
			covered = end;
		}
		if (covered < to) {
			add(result, covered, Math.min(to, text.length()), Style.DEFAULT, from, to);
		}
		return result;
	}

	/** Grammar rules whose keywords stand for a name or a piece of an id ('model dense', 'id W-NHWC'), not for the language's word. */
	private static final java.util.Set<String> NAME_RULES = java.util.Set.of("NameKeyword", "HyphenatedKeyword", "WordPart");

	/**
	 * The offsets of the words of the language that {@code text} uses as names or ids (model dense, dataset calibration,
	 * id W-NHWC): the lexer sees a keyword, the parse a name (KeywordNamesTest), so they are coloured as names.
	 */
	static java.util.Set<Integer> nameKeywords(String text) {
		java.util.Set<Integer> offsets = new java.util.HashSet<>();
		org.eclipse.xtext.parser.IParseResult parsed = RecipeLanguage.get(org.eclipse.xtext.parser.IParser.class).parse(new java.io.StringReader(text));
		if (parsed == null || parsed.getRootNode() == null) {
			return offsets;
		}
		for (org.eclipse.xtext.nodemodel.ILeafNode leaf : parsed.getRootNode().getLeafNodes()) {
			if (leaf.getGrammarElement() instanceof org.eclipse.xtext.Keyword k
					&& NAME_RULES.contains(org.eclipse.xtext.GrammarUtil.containingRule(k).getName())) {
				offsets.add(leaf.getOffset());
			}
		}
		return offsets;
	}

	private static void add(List<Span> spans, int start, int end, Style style, int from, int to) {
		int s = Math.max(start, from);
		int e = Math.min(end, to);
		if (e > s) {
			spans.add(new Span(s, e - s, style));
		}
	}

	/** The class of a token from its name in the grammar: 'word' (a keyword), 'x' (punctuation) or RULE_NAME. */
	public static Style style(String tokenName) {
		if (tokenName == null) {
			return Style.DEFAULT;
		}
		if (tokenName.startsWith("'") && tokenName.length() > 2) {
			return Character.isLetter(tokenName.charAt(1)) ? Style.KEYWORD : Style.PUNCTUATION;
		}
		return switch (tokenName) {
		case "RULE_STRING" -> Style.STRING;
		case "RULE_INT", "RULE_DECIMAL" -> Style.NUMBER;
		case "RULE_ML_COMMENT", "RULE_SL_COMMENT" -> Style.COMMENT;
		default -> Style.DEFAULT;
		};
	}
}
