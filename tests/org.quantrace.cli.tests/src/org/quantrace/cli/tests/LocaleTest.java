package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Output does not depend on the machine's locale (issue 16, item 12): a Turkish default lower-cases I to a dotless
 * ı, an Egyptian one formats numbers with Arabic-Indic digits, a German one writes decimal commas.
 */
class LocaleTest {

	private final Locale saved = Locale.getDefault();

	@AfterEach
	void restore() {
		Locale.setDefault(saved);
	}

	@Test
	void diagnosticsAndSummariesReadTheSameEverywhere() throws IOException {
		Path example = TestData.exampleCopy("locale");
		Path recipe = example.resolve("twice.qr");
		Files.writeString(recipe, Files.readString(example.resolve("fashion_cnn.qr")).replace("optimization-id OPT-FASHION-CNN-1",
				"optimization-id OPT-FASHION-CNN-1\n\toptimization-id OPT-FASHION-CNN-2"));
		Locale.setDefault(Locale.forLanguageTag("tr-TR"));
		Cli turkish = Cli.run("validate", recipe.toString());
		assertTrue(turkish.out().contains("'optimization id' is set twice"), turkish.out());
		Locale.setDefault(Locale.forLanguageTag("ar-EG"));
		Cli egyptian = Cli.run("validate", recipe.toString());
		assertTrue(egyptian.err().contains("1 recipe: 1 error, 0 warnings"), egyptian.err());
	}

	@Test
	void theReportsChartsUseDecimalPoints() throws IOException {
		Locale.setDefault(Locale.GERMANY);
		Path out = TestData.tempDir("locale-run").resolve("out");
		Cli run = Cli.run("run", TestData.example("fashion_cnn.qr").toString(), "-o", out.toString(), "--only", "fiq_int8");
		assertEquals(0, run.exitCode(), run.err());
		String report = Files.readString(out.resolve("report.html"));
		// a comma only between groups of thousands (427,991); a German default would write 0,9150
		Pattern grouped = Pattern.compile("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?");
		List<String> commas = Pattern.compile(">(-?\\d[\\d,.]*,[\\d,.]*)<").matcher(report).results().map(m -> m.group(1))
				.filter(n -> !grouped.matcher(n).matches()).toList();
		assertTrue(commas.isEmpty(), "decimal commas in report.html: " + commas);
		assertTrue(Pattern.compile(">0\\.\\d+<").matcher(report).find(), "chart ticks are there");
	}
}
