package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * A dataset's sample count held without {@code --deep} against what its .npy, CSV or IDX file says of itself (evidence8,
 * 2026-12-06): before, only an image folder's was (its manifest's lines); a table's 100 rows recorded as 1,000, or an array's
 * 50 samples as 500, with every hash recomputed, passed the cheap path. The .npy's header shape, the CSV's rows under its
 * header and an IDX file's first dimension are read, not its values; the recipe's {@code samples} cuts them.
 */
class VerifyDataFileCountsTest {

	private static final String RECIPE = """
			recipe counts "Sample counts from the files" {
				responsible "test"
				model relu "relu.onnx" id RELU version 1
				dataset DATA role calibration
				convert { eliminate dropout }
				schemes unquantized
			}
			""";

	private static Path work;

	@BeforeAll
	static void run() throws IOException {
		work = TestData.tempDir("data-file-counts");
		TestModels.relu4(work.resolve("relu.onnx"));
		Random random = new Random(1);
		try (BufferedWriter w = Files.newBufferedWriter(work.resolve("table.csv"))) {
			w.write("a,b,c,d,label\n");
			for (int i = 0; i < 100; i++) {
				w.write(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%.6f,%d%n", random.nextDouble(), random.nextDouble(), random.nextDouble(), random.nextDouble(), i % 4));
			}
		}
		npy(work.resolve("x.npy"), 80, 4);
		run("csv", "table \"table.csv\" label-columns \"label\"");
		run("npy", "arr \"x.npy\" samples 50");
	}

	/** A float32 [rows, columns] .npy of values in [0, 1), written as numpy.save writes version 1.0. */
	private static void npy(Path file, int rows, int columns) throws IOException {
		String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + columns + "), }";
		int total = 10 + dict.length() + 1;
		String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
		ByteBuffer b = ByteBuffer.allocate(10 + header.length() + rows * columns * 4).order(ByteOrder.LITTLE_ENDIAN);
		b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
		b.put(header.getBytes(StandardCharsets.US_ASCII));
		Random random = new Random(2);
		for (int i = 0; i < rows * columns; i++) {
			b.putFloat(random.nextFloat());
		}
		Files.write(file, b.array());
	}

	private static void run(String name, String dataset) {
		RecipeRunner.Outcome o = Runs.run(Runs.recipe(work, name + ".qr", RECIPE.replace("DATA", dataset)), work.resolve("out-" + name));
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
	}

	/** verify's findings about trace.xmi in a copy of run {@code name} whose dataset record says {@code forged} samples, every hash recomputed. */
	private static List<Problem> forged(String name, String dataset, int recorded, int forged) {
		return forged(work.resolve("out-" + name), dataset, recorded, forged);
	}

	private static List<Problem> forged(Path run, String dataset, int recorded, int forged) {
		Path out = Tampering.forgedTrace(run, run.resolveSibling(run.getFileName() + "-" + forged),
				"(<datasets id=\"dataset/" + dataset + "\"[^>]*sampleCount=\")" + recorded + "\"", "$1" + forged + "\"");
		return Verification.verify(out).problems().stream().filter(p -> p.file().equals("trace.xmi")).toList();
	}

	@Test
	void honestRunsVerifyClean() {
		for (String name : List.of("csv", "npy")) {
			Verification.Result r = Verification.verify(work.resolve("out-" + name));
			assertTrue(r.passed(), name + ": " + r.problems());
		}
	}

	@Test
	void aTablesRowsForgedAreFoundWithoutDeep() {
		List<Problem> found = forged("csv", "table", 100, 1000);
		assertTrue(found.contains(new Problem("trace.xmi", "dataset dataset/table sampleCount (CSV rows under its header of table.csv: 100 samples): says 1000, re-derived 100")),
				found.toString());
	}

	@Test
	void anArraysSamplesForgedAreFoundWithoutDeep() {
		List<Problem> found = forged("npy", "arr", 50, 80);
		assertTrue(found.contains(new Problem("trace.xmi", "dataset dataset/arr sampleCount (.npy header of x.npy: 80 samples, the recipe's samples 50): says 80, re-derived 50")),
				found.toString());
	}

	/** The zoo's multilabel run: the .npz's 1,000 attribute rows and the IDX file's 300 images cut to 100. */
	@Test
	void anNpzAndAnIdxCountForgedAreFoundWithoutDeep() throws IOException {
		Path multi = VerifyClassMetricsTest.multi();
		List<Problem> npz = forged(multi, "attrs", 1000, 2000);
		assertTrue(npz.contains(new Problem("trace.xmi", "dataset dataset/attrs sampleCount (.npz arrays' headers of t1k-attributes.npz: 1000 samples): says 2000, re-derived 1000")),
				npz.toString());
		List<Problem> idx = forged(multi, "calib", 100, 300);
		assertTrue(idx.contains(new Problem("trace.xmi",
				"dataset dataset/calib sampleCount (IDX header of calib300-images-idx3-ubyte.gz: 300 samples, the recipe's samples 100): says 300, re-derived 100")),
				idx.toString());
	}
}
