package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * A list that names an entry twice (hostile12): {@code schemes fiq_int8, drq, fiq_int8} ran fiq_int8 twice into one file, exit 0,
 * and verify found a mismatch in that honest folder. An error at the second mention, naming the first's line.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class RepeatedEntriesTest {

	private static Path dir;
	private static String example;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = Recipes.exampleSurroundings("repeated"); // the example's files, so that only the mistake under test speaks
		example = Files.readString(TestData.example("fashion_cnn.qr"));
	}

	private List<String> errors(String name, String text) {
		return recipes.validate(recipes.load(dir, name, text)).stream().filter(i -> i.getSeverity() == Severity.ERROR)
				.map(i -> i.getLineNumber() + ":" + i.getColumn() + " [" + i.getCode() + "] " + i.getMessage()).toList();
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
}
