package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * The example recipe as a careless user edits it (hostile12). A list that names an entry twice: {@code schemes fiq_int8, drq,
 * fiq_int8} ran fiq_int8 twice into one file, exit 0, and verify found a mismatch in that honest folder; now an error at the
 * second mention, naming the first's line. A number written as Python or a paper writes it, with an exponent: the parser said
 * "'e' is not a word of the recipe language here: did you mean 'x', 'by' or 'dB'?" or "extraneous input 'e309' expecting 'pt'";
 * now one error saying that a recipe writes decimals, with the decimals to write.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class CarelessRecipesTest {

	private static Path dir;
	private static String example;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = Recipes.exampleSurroundings("careless"); // the example's files, so that only the mistake under test speaks
		example = Files.readString(TestData.example("fashion_cnn.qr"));
	}

	private List<String> errors(String name, String text) {
		return recipes.validate(recipes.load(dir, name, text)).stream().filter(i -> i.getSeverity() == Severity.ERROR)
				.map(i -> i.getLineNumber() + ":" + i.getColumn() + " [" + i.getCode() + "] " + i.getMessage()).toList();
	}

	/** The errors as "line message" (a syntax error's column is the lexer's: where the 'e' begins). */
	private List<String> linesAndMessages(String text) {
		return errors("exponent.qr", text).stream().map(e -> e.replaceFirst(":[0-9]+ \\[syntax\\]", "")).toList();
	}

	@Test
	void aSchemeNamedTwiceIsAnErrorAtItsSecondMention() {
		String twice = example.replace("schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8, fiq_int8");
		assertEquals(List.of("27:62 [" + IssueCodes.DUPLICATE_ENTRY + "] 'fiq_int8' is named twice in schemes (first on line 27): each is run once, so name it once"),
				errors("twice.qr", twice));
	}

	@Test
	void aDebugSchemeAnAcceptedSchemeAndAMetricNamedTwiceAreErrorsToo() {
		String text = example.replace("debug fiq_int8 threshold", "debug fiq_int8, fiq_int8 threshold")
				.replace("metrics accuracy, top-k-accuracy", "metrics accuracy, top-k-accuracy, accuracy").replace("for drq, fiq_float32", "for drq, drq, fiq_float32");
		List<String> errors = errors("lists.qr", text);
		assertEquals(3, errors.size(), errors.toString());
		assertEquals(List.of("'accuracy' is named twice in metrics", "'drq' is named twice in schemes", "'fiq_int8' is named twice in schemes"),
				errors.stream().map(e -> e.substring(e.indexOf("] ") + 2, e.indexOf(" (first"))).sorted().toList());
	}

	@Test
	void theExampleNamesEachEntryOnce() {
		assertEquals(List.of(), errors("example.qr", example));
	}

	@Test
	void aToleranceWithANegativeExponentIsSaidWithItsDecimals() {
		assertEquals(List.of("29 '5e-1': a recipe writes numbers in decimals, without an exponent: write 0.5"),
				linesAndMessages(example.replace("tolerance 0.5 pt", "tolerance 5e-1 pt")));
	}

	@Test
	void aHugeBoundIsSaidWithoutItsThreeHundredDigits() {
		assertEquals(List.of("30 '1e400': a recipe writes numbers in decimals, without an exponent: a value of that size is beyond what a clause takes;"
				+ " write the value you mean in decimals"), linesAndMessages(example.replace("accuracy drop < 1 pt", "accuracy drop < 1e400 pt")));
		assertEquals(List.of("30 '2.5E1': a recipe writes numbers in decimals, without an exponent: write 25"),
				linesAndMessages(example.replace("accuracy drop < 1 pt", "accuracy drop < 2.5E1 pt")));
	}
}
