package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.IGrammarAccess;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.ide.KeywordHelp;

import com.google.inject.Inject;

/** Hover has something to say for every word of the language. */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class KeywordHelpTest {

	@Inject
	private IGrammarAccess grammar;

	@Test
	void everyKeywordHasAMeaning() {
		List<String> missing = GrammarUtil.getAllKeywords(grammar.getGrammar()).stream().filter(k -> k.matches(".*[A-Za-z].*"))
				.filter(k -> KeywordHelp.meaning(k) == null).sorted().toList();
		assertTrue(missing.isEmpty(), "keywords without a meaning in keywords.properties: " + missing);
	}
}
