package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.dsl.Suggestions;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * The mistakes a user makes first (issue 16, items 9 and 14): a misspelt word gets "did you mean" and one
 * error, not the parser's recovery as a cascade; an import that cannot be used (broken, not a recipe, absolute,
 * a model, itself, a circle) and an empty file are errors of the one rule set the editor, validate and run share.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class RecipeMistakesTest {

	private static Path dir;
	private static String example;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = Recipes.exampleSurroundings("mistakes"); // the example's files, so that only the mistake under test speaks
		example = Files.readString(TestData.example("fashion_cnn.qr"));
	}

	private List<Issue> validate(String name, String text) {
		return recipes.validate(recipes.load(dir, name, text));
	}

	@Test
	void theExampleIsCleanHere() {
		List<Issue> issues = validate("example.qr", example);
		assertTrue(issues.isEmpty(), Recipes.describe(issues));
	}

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "schemes unquantized, schemse unquantized, schemes", "evaluate on eval, evalute on eval, evaluate",
			"\tgrayscale, \tgreyscale, grayscale", "role calibration format, rol calibration format, role",
			"role calibration format, role calibraton format, calibration", "tolerance 0.5 pt, tolerence 0.5 pt, tolerance" })
	void aMisspeltWordGetsDidYouMeanAndOneError(String right, String wrong, String meant) {
		assertTrue(example.contains(right), right);
		List<Issue> issues = validate("typo.qr", example.replaceFirst(java.util.regex.Pattern.quote(right), wrong));
		assertEquals(1, issues.size(), "the mistake, not the parser's recovery from it:\n" + Recipes.describe(issues));
		Issue i = issues.get(0);
		assertEquals(IssueCodes.SYNTAX, i.getCode());
		assertEquals(Severity.ERROR, i.getSeverity());
		String word = wrong.trim().split(" ")[wrong.trim().startsWith("role") ? 1 : 0];
		assertEquals(example.lines().takeWhile(l -> !l.contains(right)).count() + 1, i.getLineNumber().longValue(), i.getMessage());
		assertTrue(i.getMessage().contains("'" + word + "'") && i.getMessage().contains("did you mean '" + meant + "'"), i.getMessage());
	}

	@Test
	void anUnknownSchemeNameGetsTheNearestDeclaredOne() {
		List<Issue> issues = validate("scheme.qr", example.replace("debug fiq_int8", "debug fiq_in8"));
		assertEquals(1, issues.size(), Recipes.describe(issues));
		assertEquals(IssueCodes.UNKNOWN_SCHEME, issues.get(0).getCode());
		assertTrue(issues.get(0).getMessage().contains("did you mean 'fiq_int8'"), issues.get(0).getMessage());
	}

	@Test
	void suggestionsAreThePublicFunctionTheEditorUses() {
		assertEquals(List.of("schemes"), Suggestions.nearest("schemse", List.of("schemes", "seed", "models", "responsible")));
		assertEquals("did you mean 'fiq_int8' or 'fiq_uint8'?", Suggestions.didYouMean("fiq_nt8", List.of("fiq_int8", "fiq_uint8", "drq")));
		assertEquals(null, Suggestions.didYouMean("quantize", List.of("evaluate", "debug")));
		assertEquals(1, Suggestions.distance("schemse", "schemes"), "a swapped pair is one typo");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = { //
			"broken.qr|" + IssueCodes.IMPORT_BROKEN + "|broken.qr:2", //
			"/etc/passwd|" + IssueCodes.IMPORT_ABSOLUTE + "|relative", //
			"model/fashion_cnn_trained.onnx|" + IssueCodes.IMPORT_NOT_RECIPE + "|model NAME", //
			"data/labels.json|" + IssueCodes.IMPORT_NOT_RECIPE + "|.qr", //
			"missing.qr|" + IssueCodes.IMPORT_NOT_FOUND + "|missing.qr", //
			"imports.qr|" + IssueCodes.IMPORT_CYCLE + "|itself" })
	void anImportThatCannotBeUsedIsAnError(String path, String code, String says) throws IOException {
		Files.writeString(dir.resolve("broken.qr"), "// shared\nmodel shared \"m.onnx\" version\n");
		List<Issue> issues = validate("imports.qr", "import \"" + path + "\"\n" + example);
		List<Issue> errors = issues.stream().filter(i -> i.getSeverity() == Severity.ERROR).toList();
		assertEquals(1, errors.size(), Recipes.describe(issues));
		assertEquals(code, errors.get(0).getCode(), errors.get(0).getMessage());
		assertEquals(1, errors.get(0).getLineNumber());
		assertTrue(errors.get(0).getMessage().contains(says), errors.get(0).getMessage());
	}

	@Test
	void anImportCycleIsNamedInEveryFileOfIt() throws IOException {
		Files.writeString(dir.resolve("a.qr"), "import \"b.qr\"\nmodel a \"model/fashion_cnn_trained.onnx\"\n");
		Files.writeString(dir.resolve("b.qr"), "import \"c.qr\"\nmodel b \"model/fashion_cnn_trained.onnx\"\n");
		Files.writeString(dir.resolve("c.qr"), "import \"a.qr\"\nmodel c \"model/fashion_cnn_trained.onnx\"\n");
		for (String f : List.of("a.qr", "b.qr", "c.qr")) {
			List<Issue> issues = recipes.validate(recipes.load(dir.resolve(f)));
			assertEquals(List.of(IssueCodes.IMPORT_CYCLE), issues.stream().map(Issue::getCode).toList(), f + ":\n" + Recipes.describe(issues));
			assertTrue(issues.get(0).getMessage().contains(f + " -> "), issues.get(0).getMessage());
		}
		Files.writeString(dir.resolve("c.qr"), "model c \"model/fashion_cnn_trained.onnx\"\n");
		List<Issue> fixed = recipes.validate(recipes.load(dir.resolve("a.qr")));
		assertTrue(fixed.isEmpty(), Recipes.describe(fixed));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@org.junit.jupiter.params.provider.ValueSource(strings = { "", "// nothing yet\n", "import \"project.qr\"\n" })
	void aFileThatDeclaresNothingIsAnError(String text) {
		List<Issue> issues = validate("empty.qr", text);
		assertEquals(List.of(IssueCodes.EMPTY_FILE), issues.stream().map(Issue::getCode).toList(), Recipes.describe(issues));
		assertEquals(Severity.ERROR, issues.get(0).getSeverity());
		List<Issue> shared = recipes.validate(recipes.load(dir.resolve("project.qr")));
		assertTrue(shared.isEmpty(), "a file of shared declarations is fine: " + Recipes.describe(shared));
	}
}
