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
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * A number written as Python or a paper writes it, with an exponent (hostile12): the parser's words were "'e' is not a word of the
 * recipe language here: did you mean 'x', 'by' or 'dB'?" and "extraneous input 'e309' expecting 'pt'". Now one error saying that a
 * recipe writes decimals, with the decimals to write.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class NumberWithExponentTest {

	private static Path dir;
	private static String example;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = Recipes.exampleSurroundings("exponent");
		example = Files.readString(TestData.example("fashion_cnn.qr"));
	}

	private List<String> errors(String text) {
		return recipes.validate(recipes.load(dir, "exponent.qr", text)).stream().filter(i -> i.getSeverity() == Severity.ERROR)
				.map(i -> i.getLineNumber() + " " + i.getMessage()).toList();
	}

	@Test
	void aToleranceWithANegativeExponentIsSaidWithItsDecimals() {
		assertEquals(List.of("29 '5e-1': a recipe writes numbers in decimals, without an exponent: write 0.5"),
				errors(example.replace("tolerance 0.5 pt", "tolerance 5e-1 pt")));
	}

	@Test
	void aHugeBoundIsSaidWithoutItsThreeHundredDigits() {
		assertEquals(List.of("30 '1e400': a recipe writes numbers in decimals, without an exponent: a value of that size is beyond what a clause takes;"
				+ " write the value you mean in decimals"), errors(example.replace("accuracy drop < 1 pt", "accuracy drop < 1e400 pt")));
		assertEquals(List.of("30 '2.5E1': a recipe writes numbers in decimals, without an exponent: write 25"),
				errors(example.replace("accuracy drop < 1 pt", "accuracy drop < 2.5E1 pt")));
	}
}
