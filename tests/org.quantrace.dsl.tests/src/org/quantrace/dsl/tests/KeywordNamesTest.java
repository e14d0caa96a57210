package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.IGrammarAccess;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * Users name models, datasets and schemes after their layers, layouts and targets, and write ids such as W-NHWC: the words
 * of the language may stand in names and ids (before, "id W-NHWC" and "model dense" were syntax errors). What still cannot
 * be a name ('extends', per-channel, W-NHWC) is said as such, with the name to write instead.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class KeywordNamesTest {

	/** Diagnostics that would mean the text did not parse or a name did not resolve. */
	private static final Set<String> PARSE_OR_LINK = Set.of(IssueCodes.SYNTAX, IssueCodes.INVALID_NAME, IssueCodes.UNKNOWN_REFERENCE, IssueCodes.UNKNOWN_SCHEME);

	private static Path dir;

	@Inject
	private Recipes recipes;

	@Inject
	private IGrammarAccess grammar;

	@BeforeAll
	static void folder() {
		dir = TestData.tempDir("keyword-names");
	}

	private List<Issue> parseOrLinkErrors(XtextResource r) {
		return recipes.validate(r).stream().filter(i -> PARSE_OR_LINK.contains(i.getCode())).toList();
	}

	private List<Issue> errors(String text) {
		return recipes.validate(recipes.load(dir, "bad.qr", text)).stream().filter(i -> i.getSeverity() == Severity.ERROR).toList();
	}

	@Test
	void anIdMayHoldWordsOfTheLanguage() {
		XtextResource r = recipes.load(dir, "ids.qr", """
				recipe r {
					conversion-id CONV-int8-NHWC
					model m "m.onnx" id W-NHWC version per-channel-2
					model n "n.onnx" id NHWC version 1.2.0
				}
				""");
		assertEquals(List.of(), parseOrLinkErrors(r), () -> Recipes.describe(parseOrLinkErrors(r)));
		Recipe recipe = Recipes.root(r).getRecipes().get(0);
		assertEquals("CONV-int8-NHWC", recipe.getConversionId());
		ModelDeclaration m = (ModelDeclaration) recipe.getDeclarations().get(0);
		assertEquals("W-NHWC", m.getModelId());
		assertEquals("per-channel-2", m.getVersion());
		ModelDeclaration n = (ModelDeclaration) recipe.getDeclarations().get(1);
		assertEquals("NHWC", n.getModelId());
		assertEquals("1.2.0", n.getVersion());
	}

	/**
	 * Every word of the grammar, as it is now (a keyword added later included), names a recipe, a model, a dataset and a
	 * scheme, the steps find them by it, and stands in an id alone and after a hyphen.
	 */
	@Test
	void everyWordOfTheLanguageMayNameThingsAndStandInIds() {
		List<String> failed = new ArrayList<>();
		int tried = 0;
		for (String k : GrammarUtil.getAllKeywords(grammar.getGrammar())) {
			boolean name = k.matches("[A-Za-z_]\\w*") && !k.equals("extends");
			if (!name && !k.matches("[A-Za-z_][\\w-]*")) {
				continue; // punctuation, operators, rmse/scale
			}
			tried++;
			String text = name ? """
					recipe %1$s {
						model %1$s "m.onnx" id %1$s version W-%1$s
						dataset %1$s "d" role calibration
						quantize %1$s extends fiq_int8 { calibrate minmax on %1$s }
						schemes %1$s
						evaluate on %1$s
					}
					""".formatted(k) : """
					recipe r {
						model m "m.onnx" id %1$s version W-%1$s
					}
					""".formatted(k);
			XtextResource r = recipes.load(dir, "kw.qr", text);
			List<Issue> issues = parseOrLinkErrors(r);
			Recipe recipe = Recipes.root(r).getRecipes().isEmpty() ? null : Recipes.root(r).getRecipes().get(0);
			boolean named = recipe != null && (!name || k.equals(recipe.getName()) && recipe.getDeclarations().stream()
					.filter(d -> d instanceof ModelDeclaration || d instanceof DatasetDeclaration || d instanceof QuantizationConfig)
					.allMatch(d -> k.equals(d.getName())) && recipe.getSchemes().size() == 1 && k.equals(recipe.getSchemes().get(0).getName()));
			ModelDeclaration model = recipe == null ? null : (ModelDeclaration) recipe.getDeclarations().get(0);
			if (!issues.isEmpty() || !named || !k.equals(model.getModelId()) || !("W-" + k).equals(model.getVersion())) {
				failed.add(k + ": " + Recipes.describe(issues).strip());
			}
		}
		assertTrue(tried > 150, "the grammar's words: " + tried);
		assertEquals(List.of(), failed);
	}

	@Test
	void extendsCannotBeANameAndSaysSo() {
		List<Issue> errors = errors("recipe r {\n\tmodel extends \"m.onnx\"\n}\n");
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode());
		assertEquals(2, errors.get(0).getLineNumber());
		assertEquals("'extends' cannot be a name (it is the word that refines another model): choose another name", errors.get(0).getMessage());
	}

	@Test
	void aWordWithAHyphenCannotBeANameAndSaysWhatToWrite() {
		List<Issue> errors = errors("recipe r {\n\tmodel m \"m.onnx\"\n\tquantize per-channel extends fiq_int8 { }\n}\n");
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode(), Recipes.describe(errors));
		assertEquals(3, errors.get(0).getLineNumber());
		assertTrue(errors.get(0).getMessage().startsWith("'per-channel' cannot be a name: a name is ASCII letters, digits and _"), errors.get(0).getMessage());
		assertTrue(errors.get(0).getMessage().endsWith("write per_channel"), errors.get(0).getMessage());
	}

	@Test
	void anIdCannotBeANameAndSaysWhatToWrite() {
		List<Issue> errors = errors("recipe W-NHWC {\n\tmodel m \"m.onnx\"\n}\n");
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode(), Recipes.describe(errors));
		assertEquals(1, errors.get(0).getLineNumber());
		assertTrue(errors.get(0).getMessage().startsWith("'W-NHWC' cannot be a name"), errors.get(0).getMessage());
		assertTrue(errors.get(0).getMessage().endsWith("write W_NHWC"), errors.get(0).getMessage());
	}

	/** Xtext's escape, which the message for a keyword name advised before keywords were names, still reads as the word. */
	@Test
	void anEscapedNameIsTheWord() {
		XtextResource r = recipes.load(dir, "escaped.qr", "recipe r {\n\tmodel ^NHWC \"m.onnx\"\n\tmodels NHWC\n}\n");
		assertEquals(List.of(), parseOrLinkErrors(r), () -> Recipes.describe(parseOrLinkErrors(r)));
		assertEquals("NHWC", Recipes.root(r).getRecipes().get(0).getDeclarations().get(0).getName());
	}
}
