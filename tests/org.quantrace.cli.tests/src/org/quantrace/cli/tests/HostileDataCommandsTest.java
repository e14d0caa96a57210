package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.testing.TestData;

/** Tables and sample counts as careless users give them to evaluate and to a recipe: read as meant, or refused with exit 2. */
class HostileDataCommandsTest {

	private static final String MLP = TestData.data("models/sklearn_digits_mlp.onnx").toString();
	private static Path dir;
	private static Path table;

	/** scikit-learn's digits held out from the MLP's training, features already divided by 16 as it was trained on, a header row. */
	@BeforeAll
	static void heldOutDigits() throws IOException {
		dir = TestData.tempDir("hostile-data-cli");
		List<String> rows;
		try (var in = new GZIPInputStream(Files.newInputStream(TestData.data("models/digits.csv.gz")))) {
			rows = new String(in.readAllBytes()).lines().toList();
		}
		long[] perm = (long[]) NpyArray.open(TestData.data("models/sklearn_digits_perm.npy")).read().data();
		StringBuilder csv = new StringBuilder();
		for (int c = 0; c < 64; c++) {
			csv.append("pixel").append(c).append(',');
		}
		csv.append("digit\n");
		for (int i = 1400; i < perm.length; i++) {
			String[] cells = rows.get((int) perm[i]).split(",");
			for (int c = 0; c < 64; c++) {
				csv.append(Double.parseDouble(cells[c]) / 16).append(',');
			}
			csv.append(cells[64]).append('\n');
		}
		table = Files.writeString(dir.resolve("heldout.csv"), csv);
	}

	private static double accuracy(String json) {
		Matcher m = Pattern.compile("\"accuracy\" : ([0-9.]+)").matcher(json);
		assertTrue(m.find(), json);
		return Double.parseDouble(m.group(1));
	}

	@Test
	void aTableIsEvaluatedAsItIsWithoutPreprocess() {
		// before: the image default scale 1/255 divided every feature (accuracy far below the model's 0.9622)
		Cli cli = Cli.run("evaluate", MLP, "--data", table.toString(), "--format", "json");
		assertEquals(0, cli.exitCode(), cli.err());
		assertEquals(0.9622, accuracy(cli.out()), 5e-4);
	}

	@Test
	void aRecipesTableWithoutAPreprocessBlockIsReadAsItIs() throws IOException {
		Path work = Files.createDirectories(dir.resolve("recipe"));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		Files.copy(table, work.resolve("digits.csv"));
		Path recipe = Files.writeString(work.resolve("digits.qr"), """
				recipe digits "Digits from a table" {
					responsible "test"
					model mlp "mlp.onnx" id MLP version 1
					dataset eval "digits.csv" role evaluation
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""");
		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());
		assertEquals(0, run.exitCode(), run.err());
		assertEquals(0.9622, accuracy(Files.readString(work.resolve("out/results.json"))), 5e-4);
	}

	@Test
	void aNegativeLabelIsRefusedWithItsLine() throws IOException {
		// before: ArrayIndexOutOfBoundsException in the metrics, exit 70
		List<String> lines = Files.readAllLines(table);
		String bad = lines.get(3).substring(0, lines.get(3).lastIndexOf(',')) + ",-1";
		Path f = Files.write(dir.resolve("negative.csv"), List.of(lines.get(0), lines.get(1), lines.get(2), bad));
		Cli cli = Cli.run("evaluate", MLP, "--data", f.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(f + ":4: label -1 in column 'digit' is not a class index"), cli.err());
		assertFalse(cli.err().contains("Exception"), cli.err());
	}

	@Test
	void aSampleCountBelowOneIsRefused() {
		// before: 0 and -5 silently evaluated every sample
		for (String n : List.of("0", "-5")) {
			Cli cli = Cli.run("evaluate", MLP, "--data", table.toString(), "--samples", n);
			assertEquals(2, cli.exitCode(), n + ": " + cli.err());
			assertTrue(cli.err().contains("--samples " + n + ": must be at least 1"), cli.err());
		}
	}
}
