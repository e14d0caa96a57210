package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;
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
		List<String> rows = new String(gunzip(TestData.data("models/digits.csv.gz"))).lines().toList();
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
		Path recipe = digitsRecipe(work);
		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());
		assertEquals(0, run.exitCode(), run.err());
		assertEquals(0.9622, accuracy(Files.readString(work.resolve("out/results.json"))), 5e-4);
		// before: the trace and the report said "grayscale, scale 1/255, NCHW float32", which the reader did not apply
		assertRecorded(work.resolve("out"), "none (features as read, float32)");
	}

	/** --top-k 10 on the 10-class MLP: top-10 accuracy 1.0 printed without a word, a figure that says nothing of the model. */
	@Test
	void aTopKNotBelowTheClassesIsSaid() {
		Cli cli = Cli.run("evaluate", MLP, "--data", table.toString(), "--top-k", "10", "--format", "json");
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("quantrace: warning: --top-k 10 is not below the 10 classes of sklearn_digits_mlp: its top-10 accuracy is 1 for every"
				+ " model by definition; give --top-k 9 or less"), cli.err());
		Cli five = Cli.run("evaluate", MLP, "--data", table.toString(), "--format", "json");
		assertFalse(five.err().contains("--top-k"), five.err());
	}

	/** A recipe that evaluates the MLP, as it is, on work/digits.csv. */
	private static Path digitsRecipe(Path work) throws IOException {
		return Files.writeString(work.resolve("digits.qr"), """
				recipe digits "Digits from a table" {
					responsible "test"
					model mlp "mlp.onnx" id MLP version 1
					dataset eval "digits.csv" role evaluation
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""");
	}

	/** The evidence names the preprocessing the reader applied, nothing else, and verify (re-running the evaluation) agrees. */
	private static void assertRecorded(Path out, String preprocessing) throws IOException {
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("preprocessing=\"" + preprocessing + "\""), trace);
		String report = Files.readString(out.resolve("report.html"));
		assertTrue(report.contains(preprocessing), "the report names " + preprocessing);
		for (String evidence : List.of(trace, report, Files.readString(out.resolve("results.json")))) {
			assertFalse(evidence.contains("1/255") || evidence.contains("grayscale"), "an image preprocessing is recorded for data that had none");
		}
		Cli verify = Cli.run("verify", out.toString(), "--deep");
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
		assertTrue(verify.out().contains(" 0 mismatches"), verify.out());
	}

	@Test
	void aRecipesDeclaredScaleOfATableIsAppliedAndRecordedAsTheOnlyStep() throws IOException {
		Path work = Files.createDirectories(dir.resolve("scaled"));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		// the features as scikit-learn stores them (0..16): the declared scale 1/16 makes them what the MLP was trained on
		List<String> lines = Files.readAllLines(table);
		StringBuilder raw = new StringBuilder(lines.get(0)).append('\n');
		for (String line : lines.subList(1, lines.size())) {
			String[] cells = line.split(",");
			for (int c = 0; c < 64; c++) {
				raw.append(Math.round(Double.parseDouble(cells[c]) * 16)).append(',');
			}
			raw.append(cells[64]).append('\n');
		}
		Files.writeString(work.resolve("digits.csv"), raw);
		Path recipe = Files.writeString(work.resolve("digits.qr"), """
				recipe digits "Digits from a table of counts" {
					responsible "test"
					model mlp "mlp.onnx" id MLP version 1
					dataset eval "digits.csv" role evaluation
					preprocess { scale 1/16 }
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""");
		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());
		assertEquals(0, run.exitCode(), run.err());
		assertEquals(0.9622, accuracy(Files.readString(work.resolve("out/results.json"))), 5e-4);
		// before: "grayscale, scale 0.0625, NCHW float32": neither grayscale nor a layout was applied to the table
		assertRecorded(work.resolve("out"), "features scale 0.0625 (no other step, float32)");
	}

	@Test
	void aRecipesNpyDataIsRecordedAsStored() throws IOException {
		Path work = Files.createDirectories(dir.resolve("npy"));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		tableAsNpy(work, Files.readAllLines(table).size() - 1);
		Path recipe = npyRecipe(work, "mlp.onnx");
		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());
		assertEquals(0, run.exitCode(), run.err());
		// the arrays are fed as stored (no 1/255): the model's accuracy
		assertEquals(0.9622, accuracy(Files.readString(work.resolve("out/results.json"))), 5e-4);
		// before: "grayscale, scale 1/255, NCHW float32", none of which the reader applies to an array
		assertRecorded(work.resolve("out"), "none (arrays as stored, float32)");
	}

	/**
	 * --preprocess steps a table's or an array's reader does not take were dropped without a word on the command line (found
	 * trying it as a new user: `quantize --data x.npy --preprocess grayscale,scale=1/255` calibrated on the stored values, the
	 * scale ignored); a recipe's preprocess block with such steps is a warning (preprocessing-no-effect). Now the command line
	 * warns too, naming the steps, and reads the data as before.
	 */
	@Test
	void preprocessStepsATableOrAnArrayDoesNotTakeAreNamed() throws IOException {
		Cli csv = Cli.run("evaluate", MLP, "--data", table.toString(), "--preprocess", "grayscale,scale=1,mean=0.5", "--format", "json");
		assertEquals(0, csv.exitCode(), csv.err());
		assertEquals(0.9622, accuracy(csv.out()), 5e-4);
		assertTrue(csv.err().contains("quantrace: warning: " + table + ": --preprocess steps grayscale, mean=0.5 do not apply to a CSV table"),
				csv.err());
		assertTrue(csv.err().contains("and only scaled (its scale=1 does)"), csv.err());

		Path work = Files.createDirectories(dir.resolve("npy-preprocess"));
		tableAsNpy(work, 20);
		Path xs = work.resolve("x.npy");
		Cli npy = Cli.run("evaluate", MLP, "--data", xs.toString(), "--labels", work.resolve("y.npy").toString(), "--preprocess", "scale=1/255");
		assertEquals(0, npy.exitCode(), npy.err());
		assertTrue(npy.err().contains("quantrace: warning: " + xs + ": --preprocess step scale=1/255 does not apply to .npy arrays, which are fed as stored"),
				npy.err());

		// a table's scale alone is taken: nothing to warn about
		Cli scaled = Cli.run("evaluate", MLP, "--data", table.toString(), "--preprocess", "scale=1");
		assertEquals(0, scaled.exitCode(), scaled.err());
		assertFalse(scaled.err().contains("warning"), scaled.err());
	}

	/** A dtype the samples cannot take: the hint listed none (found by the hostile pass, trying dtype=float16 for a float16 model). */
	@Test
	void anUnknownDtypeIsRefusedNamingTheDtypesThatAre() {
		Cli cli = Cli.run("evaluate", MLP, "--data", table.toString(), "--preprocess", "scale=1,dtype=float16");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("quantrace: error: --preprocess: cannot read 'dtype=float16'"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: dtype takes float32, uint8 or int8; a float16 or bfloat16 model is fed float32 samples"
				+ " rounded to its type (keep dtype=float32)"), cli.err());
	}

	/** A misspelt step: the closest known one is offered, as an unknown option's is (hostile16: "sclae=2" got only the example). */
	@Test
	void aMisspeltStepIsRefusedNamingTheStepItMeant() {
		Cli cli = Cli.run("evaluate", MLP, "--data", table.toString(), "--preprocess", "sclae=2");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("quantrace: error: --preprocess: cannot read 'sclae=2'"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: did you mean 'scale'?"), cli.err());
		// a known step with a value it cannot take is not misspelt
		Cli value = Cli.run("evaluate", MLP, "--data", table.toString(), "--preprocess", "scale=two");
		assertEquals(2, value.exitCode(), value.err());
		assertFalse(value.err().contains("did you mean"), value.err());
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

	/**
	 * A table saved as UTF-16 (Excel's "Unicode text", PowerShell's default): evaluate said "heldout16.csv:2: column '...' holds
	 * '...', not a number" with NUL characters in both quotes, written to the terminal (hostile8, main 22b45ed5). Now the encoding
	 * is named with how to save the file as UTF-8; the same table in UTF-8 reads as before.
	 */
	@Test
	void aUtf16TableIsSaidToBeUtf16() throws IOException {
		Path utf16 = Files.write(dir.resolve("heldout16.csv"), Files.readString(table).getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
		Cli cli = Cli.run("evaluate", MLP, "--data", utf16.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("quantrace: error: " + utf16 + ":1: holds NUL characters: the table is likely UTF-16 text, and CSV files are read as UTF-8\n"
				+ "quantrace: hint: save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE > NEW; pandas: df.to_csv(path, encoding='utf-8'))"), cli.err());
		assertFalse(cli.err().contains("\0"), "no NUL character to the terminal");
		Cli utf8 = Cli.run("evaluate", MLP, "--data", table.toString(), "--format", "json");
		assertEquals(0, utf8.exitCode(), utf8.err());
	}

	/**
	 * A label beyond the model's classes in the data (not in a label map, which LabelCheck refuses before any work): evaluate said
	 * "label 12 of sample 3 but sklearn_digits_mlp has 10 outputs" (hostile8, main 22b45ed5), naming no file. Now the data's
	 * file, the sample counted from 0 and the classes the model has.
	 */
	@Test
	void aLabelBeyondTheModelsClassesNamesTheData() throws IOException {
		List<String> lines = Files.readAllLines(table);
		String bad = lines.get(4).substring(0, lines.get(4).lastIndexOf(',')) + ",12";
		Path f = Files.write(dir.resolve("beyond.csv"), List.of(lines.get(0), lines.get(1), lines.get(2), lines.get(3), bad, lines.get(5)));
		Cli cli = Cli.run("evaluate", MLP, "--data", f.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		// hostile9: on the line the user opens the table at (header on line 1: sample 3 is line 5), not "sample 3 (counted from 0)"
		assertTrue(cli.err().contains("quantrace: error: " + f + ": its labels give the row on line 5 (sample 3, counted from 0) the class 12, but"
				+ " sklearn_digits_mlp has 10 outputs (classes 0 to 9)"), cli.err());
	}

	/**
	 * A recipe's table with a label beyond the model's classes on line 300: validate read one sample's label and passed (exit 0),
	 * and the run stopped at the evaluation, naming no recipe line (hostile9's left open). validate reads every sample (it
	 * decodes them anyway) and now holds each label against the classes: label-range on the dataset's line, naming the table's line.
	 */
	@Test
	void validateFindsALabelBeyondTheClassesDeepInARecipesTable() throws IOException {
		Path recipe = digitsRecipe(lateLabel("late-label"));
		Cli cli = Cli.run("validate", recipe.toString());
		assertEquals(2, cli.exitCode(), cli.out() + cli.err());
		assertTrue(cli.out().contains("digits.qr:4:2: error [label-range] digits.csv: its labels give the row on line 300 (sample 298, counted from 0) the class 12,"
				+ " but model mlp has 10 outputs (classes 0 to 9)"), cli.out() + cli.err());
	}

	/**
	 * The same table (label 12 on line 300) run: the run read one sample's label before its work and stopped at the evaluation,
	 * after the model's schemes were quantized (hostile10's left open). Now refused before any work, exit 2, the recipe's line,
	 * the table's line, nothing written; and a recipe of a quantizing scheme so that "before any work" means before quantizing.
	 */
	@Test
	void runRefusesALabelBeyondTheClassesBeforeAnyWork() throws IOException {
		Path work = lateLabel("late-label-run");
		Path recipe = Files.writeString(work.resolve("digits.qr"), Files.readString(digitsRecipe(work)).replace("schemes unquantized", "schemes unquantized, drq"));
		Path out = work.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains("digits.qr:4:2: error [label-range] digits.csv: its labels give the row on line 300 (sample 298, counted from 0) the class 12,"
				+ " but model mlp has 10 outputs (classes 0 to 9)"), run.out() + run.err());
		assertFalse(run.err().contains("quantizing"), "nothing quantized: " + run.err());
		assertFalse(Files.exists(out), "nothing written");
	}

	/**
	 * Two models read the evaluation's table: the MLP's 10 classes and a model of the MLP's first 8 class scores (its last layer
	 * cut to 8 rows). Labels 8 and 9 fit the first and not the second: validate held the labels against the first model's classes
	 * only (exit 0), and the run stopped at the second model's evaluation. Now each model's classes, on the dataset's line.
	 */
	@Test
	void eachModelsClassesAreHeldAgainstTheLabels() throws IOException {
		Path work = Files.createDirectories(dir.resolve("two-models"));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		org.quantrace.engine.onnx.OnnxModel eight = org.quantrace.engine.onnx.OnnxModel.load(Path.of(MLP));
		float[] w = eight.graph().initializer("l2.weight").toFloatArray();
		float[] b = eight.graph().initializer("l2.bias").toFloatArray();
		eight.graph().putInitializer(org.quantrace.engine.onnx.Tensor.ofFloats("l2.weight", new long[] { 8, 64 }, java.util.Arrays.copyOf(w, 8 * 64)));
		eight.graph().putInitializer(org.quantrace.engine.onnx.Tensor.ofFloats("l2.bias", new long[] { 8 }, java.util.Arrays.copyOf(b, 8)));
		var proto = eight.toProto().toBuilder();
		proto.getGraphBuilder().getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).setDimValue(8);
		Files.write(work.resolve("eight.onnx"), proto.build().toByteArray());
		Files.copy(table, work.resolve("digits.csv"));
		int first = Files.readAllLines(table).stream().skip(1).map(l -> l.substring(l.lastIndexOf(',') + 1)).toList().indexOf("8") + 2;
		Path recipe = Files.writeString(work.resolve("digits.qr"), Files.readString(digitsRecipe(work)).replace("id MLP version 1\n",
				"id MLP version 1\n\tmodel eight \"eight.onnx\" id EIGHT version 1\n"));
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains("digits.qr:5:2: error [label-range] digits.csv: its labels give the row on line " + first + " (sample " + (first - 2)
				+ ", counted from 0) the class 8, but model eight has 8 outputs (classes 0 to 7)"), validate.out() + validate.err());
		assertFalse(validate.out().contains("model mlp has"), validate.out());
		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains("error [label-range]"), run.out() + run.err());
		assertFalse(Files.exists(work.resolve("out")), "nothing written");
	}

	/** A folder {@code name} holding the MLP and the held-out table with label 12 on line 300 (sample 298). */
	private static Path lateLabel(String name) throws IOException {
		Path work = Files.createDirectories(dir.resolve(name));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		List<String> lines = new java.util.ArrayList<>(Files.readAllLines(table));
		lines.set(299, lines.get(299).substring(0, lines.get(299).lastIndexOf(',')) + ",12");
		Files.write(work.resolve("digits.csv"), lines);
		return work;
	}

	/**
	 * An .npz of inputs alone evaluated as classes: validate passed it (exit 0) and the run stopped at the evaluation ("the data
	 * has no labels", no recipe line); reading every label, validate must say it on the dataset's line, not fail on the missing
	 * labels (hostile10).
	 */
	@Test
	void validateSaysAnNpzWithoutLabelsOnTheDatasetsLine() throws IOException {
		Path work = Files.createDirectories(dir.resolve("npz-inputs-only"));
		Files.copy(Path.of(MLP), work.resolve("mlp.onnx"));
		List<String> rows = Files.readAllLines(table).subList(1, 41);
		float[] x = new float[rows.size() * 64];
		for (int i = 0; i < rows.size(); i++) {
			String[] cells = rows.get(i).split(",");
			for (int c = 0; c < 64; c++) {
				x[i * 64 + c] = Float.parseFloat(cells[c]);
			}
		}
		Path npy = work.resolve("x.npy");
		NpyArray.write(npy, NdArray.ofFloats(new long[] { rows.size(), 64 }, x));
		try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(work.resolve("digits.npz")))) {
			zip.putNextEntry(new java.util.zip.ZipEntry("x.npy"));
			zip.write(Files.readAllBytes(npy));
			zip.closeEntry();
		}
		Path recipe = Files.writeString(work.resolve("digits.qr"), Files.readString(digitsRecipe(work)).replace("digits.csv", "digits.npz"));
		Cli cli = Cli.run("validate", recipe.toString());
		assertEquals(2, cli.exitCode(), cli.out() + cli.err());
		assertTrue(cli.out().contains("digits.qr:4:2: error [missing-labels] dataset eval (digits.npz) holds no labels, so the evaluation cannot score"
				+ " model mlp's classes"), cli.out() + cli.err());
	}

	/**
	 * The first 20 Fashion-MNIST test images with their labels, the 6th made 42: the refusal was said of the images' file
	 * only ("img.idx: its labels give sample 5 (counted from 0) the class 42"), a file that holds no label. Now it names the
	 * label file's entry.
	 */
	@Test
	void anIdxLabelBeyondTheModelsClassesNamesTheLabelFile() throws IOException {
		byte[] images = gunzip(TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"));
		byte[] labels = gunzip(TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
		int n = 20;
		byte[] someImages = java.util.Arrays.copyOf(images, 16 + n * 28 * 28);
		java.nio.ByteBuffer.wrap(someImages).putInt(4, n); // big-endian count after the magic
		byte[] someLabels = java.util.Arrays.copyOf(labels, 8 + n);
		java.nio.ByteBuffer.wrap(someLabels).putInt(4, n);
		someLabels[8 + 5] = 42;
		Path img = Files.write(dir.resolve("img20.idx"), someImages);
		Path lab = Files.write(dir.resolve("lab20.idx"), someLabels);
		Cli cli = Cli.run("evaluate", TestData.example("model/fashion_cnn.onnx").toString(), "--data", img.toString(), "--labels", lab.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(img + ": its labels give sample 5 (counted from 0; its label is entry 5 of lab20.idx) the class 42, but"
				+ " fashion_cnn has 10 outputs"), cli.err());
	}

	private static byte[] gunzip(Path file) throws IOException {
		try (var in = new GZIPInputStream(Files.newInputStream(file))) {
			return in.readAllBytes();
		}
	}

	/**
	 * Digits binarized and saved as a numpy bool array: refused as "the data is UINT8" (hostile8), a type the user never saved,
	 * because bools are read as bytes. Now named bool, with what to save; the same bits as float32 evaluate.
	 */
	@Test
	void aBoolArrayIsNamedBoolWithWhatToSaveInstead() throws IOException {
		List<String> rows = Files.readAllLines(table).subList(1, 41);
		byte[] bits = new byte[rows.size() * 64];
		float[] floats = new float[bits.length];
		long[] digits = new long[rows.size()];
		for (int i = 0; i < rows.size(); i++) {
			String[] cells = rows.get(i).split(",");
			for (int c = 0; c < 64; c++) {
				bits[i * 64 + c] = (byte) (Double.parseDouble(cells[c]) > 0.5 ? 1 : 0);
				floats[i * 64 + c] = bits[i * 64 + c];
			}
			digits[i] = (long) Double.parseDouble(cells[64]);
		}
		long[] shape = { rows.size(), 64 };
		Path x = dir.resolve("x_bool.npy");
		NpyArray.write(x, NdArray.ofBytes(DataType.UINT8, shape, bits));
		byte[] npy = Files.readAllBytes(x);
		npy[new String(npy, StandardCharsets.ISO_8859_1).indexOf("|u1") + 1] = 'b'; // numpy's bool: '|b1', one byte 0 or 1
		Files.write(x, npy);
		Path y = dir.resolve("y_bool.npy");
		NpyArray.write(y, NdArray.ofLongs(new long[] { rows.size() }, digits));
		Cli cli = Cli.run("evaluate", MLP, "--data", x.toString(), "--labels", y.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(x + ": the inputs are bool (True/False)"), cli.err());
		assertTrue(cli.err().contains("x.astype(np.float32)"), cli.err());
		assertFalse(cli.err().contains("UINT8"), cli.err());
		Path asFloats = dir.resolve("x_bits.npy");
		NpyArray.write(asFloats, NdArray.ofFloats(shape, floats));
		Cli saved = Cli.run("evaluate", MLP, "--data", asFloats.toString(), "--labels", y.toString());
		assertEquals(0, saved.exitCode(), saved.err());
	}

	/**
	 * A label map giving a class twice ("coat": 4 ... "coat": 4, as a careless copy writes it) was read with the last index
	 * and evaluated, exit 0 (with two indices, refused as "index 5 is given to two classes", the class not named). Now the
	 * class and its line are named, exit 2.
	 */
	@Test
	void aLabelMapGivingAClassTwiceIsRefusedNamingTheClassAndItsLine() throws IOException {
		List<String> names = List.of("tshirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot");
		StringBuilder json = new StringBuilder("{\n");
		for (int i = 0; i < names.size(); i++) {
			json.append("  \"").append(names.get(i)).append("\": ").append(i).append(",\n");
		}
		json.append("  \"coat\": 4\n}\n"); // line 12
		Path map = Files.writeString(dir.resolve("labels_twice.json"), json);
		Cli cli = Cli.run("evaluate", TestData.example("model/fashion_cnn.onnx").toString(), "--data", TestData.example("data/evaluation").toString(),
				"--labels", map.toString(), "--samples", "20");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(map + ":12: the class 'coat' is given twice"), cli.err());
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

	/**
	 * An image of another size, or a file that is no image, among the calibration images: found by the image headers read when
	 * the dataset is opened, on the dataset's line before any work (it was found when calibration reached it, after the conversion
	 * ran). Damage past the header (a truncated PNG) is found when the image is decoded, mid-run: named, with how to fix it, exit 2,
	 * the previous outputs as they were and nothing half-written.
	 */
	@Test
	void anOddOrDamagedImageLeavesThePreviousOutputsAsTheyWereAndNothingHalfWritten() throws IOException {
		Path work = TestData.exampleCopy("hostile-odd-size");
		Path recipe = Files.writeString(work.resolve("odd.qr"), """
				recipe odd "An image of another size, or damaged" {
					responsible "test"
					model cnn "model/fashion_cnn_trained.onnx" id CNN version 1
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json"
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path out = work.resolve("out");
		Cli first = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(0, first.exitCode(), first.err());
		java.util.Map<String, String> before = TestData.hashes(work);
		Path odd = work.resolve("data/calibration/tshirt_top/zzz_odd.png");
		for (String damage : List.of("30x30", "not an image", "truncated", "cut mid-scan")) {
			if (damage.equals("cut mid-scan")) { // a JPEG whose header is whole and whose scan stops halfway: decoded grey without an exception
				Files.delete(odd);
				odd = odd.resolveSibling("zzz_odd.jpg");
				java.awt.image.BufferedImage noise = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
				java.util.Random random = new java.util.Random(1);
				for (int y = 0; y < 28; y++) {
					for (int x = 0; x < 28; x++) {
						noise.getRaster().setSample(x, y, 0, random.nextInt(256));
					}
				}
				javax.imageio.ImageIO.write(noise, "jpg", odd.toFile());
				byte[] whole = Files.readAllBytes(odd);
				Files.write(odd, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
			} else if (damage.equals("30x30")) { // the first image (28x28) fixes the sample shape
				javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(30, 30, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", odd.toFile());
			} else if (damage.equals("not an image")) {
				Files.writeString(odd, "<html>a page saved under an image's name</html>");
			} else { // its header intact, half its pixel data gone
				byte[] png = Files.readAllBytes(work.resolve("data/calibration/tshirt_top").resolve(
						Files.list(work.resolve("data/calibration/tshirt_top")).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("zzz")).sorted()
								.findFirst().orElseThrow()));
				Files.write(odd, java.util.Arrays.copyOf(png, png.length / 2));
			}
			Path damaged = odd;
			Cli second = Cli.run("run", recipe.toString(), "-o", out.toString());
			String log = second.out() + second.err();
			assertEquals(2, second.exitCode(), damage + ": " + log);
			assertTrue(log.contains(damaged.getFileName() + ": " + (damage.equals("30x30") ? "is 30x30 pixels, unlike the other images (28x28)"
					: damage.equals("not an image") ? "does not decode as an image" : "a damaged image (")), damage + ": " + log);
			assertTrue(log.contains(damage.equals("30x30") ? "declare a resize in the preprocessing" : "replace it with the image it should be,"
					+ " or remove it from the dataset folder"), damage + ": " + log);
			// on the dataset's line, as validate says it; a truncated image (its header whole) once calibration decodes it
			assertTrue(log.lines().anyMatch(l -> l.contains("odd.qr:4:2: error [data-unreadable] ") && l.contains(damaged.getFileName() + ": ")), "on the dataset's line: " + log);
			if (damage.equals("truncated") || damage.equals("cut mid-scan")) {
				assertTrue(log.contains("quantizing with fiq_int8"), "found when calibration decodes it: " + log);
				assertTrue(second.err().contains("the run stopped on a sample it could not read: nothing was written"), log);
			} else {
				assertFalse(log.contains("quantizing with fiq_int8") || log.contains("converting"), "before any work: " + log);
			}
			Cli validate = Cli.run("validate", recipe.toString()); // validate decodes every image: the same line and words, before any run
			assertEquals(2, validate.exitCode(), damage + ": " + validate.out() + validate.err());
			assertTrue(validate.out().lines().anyMatch(l -> l.contains("odd.qr:4:2: error [data-unreadable] ") && l.contains(damaged.getFileName() + ": ")),
					damage + ": " + validate.out());
			java.util.Map<String, String> after = TestData.hashes(work);
			after.remove("data/calibration/tshirt_top/" + odd.getFileName());
			assertEquals(before, after, damage + ": the previous outputs as they were, nothing beside them");
		}
		// into a new folder: none is made
		Cli fresh = Cli.run("run", recipe.toString(), "-o", work.resolve("fresh").toString());
		assertEquals(2, fresh.exitCode(), fresh.err());
		assertFalse(Files.exists(work.resolve("fresh")), "no output folder for a failed run");
		try (var beside = Files.list(work)) {
			List<String> left = beside.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
			assertEquals(List.of(), left, "no hidden partial, old or lock folder left");
		}
		Files.delete(odd); // verify rightly names a file added to the data since the run
		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
	}

	/**
	 * A full-integer model (int8 input) evaluated as it is by a recipe on float samples (found by the hostile pass: refused with
	 * "[data-type] ... gives float32 samples, but model m reads 'input' as int8: save the samples as int8", a hint nobody can
	 * follow without the input's scale, while {@code quantrace evaluate} fed the same model q = r / S + Z). Now the recipe feeds
	 * it as evaluate does: the same accuracy, and verify (also re-running the evaluation) agrees.
	 */
	@Test
	void aRecipeEvaluatesAnIntegerInputModelOnFloatSamplesAsEvaluateDoes() throws IOException {
		Path work = Files.createDirectories(dir.resolve("integer-input"));
		Path q = integerInputModel(work);
		Cli evaluate = Cli.run("evaluate", q.toString(), "--data", work.resolve("x.npy").toString(), "--labels", work.resolve("y.npy").toString(),
				"--format", "json");
		assertEquals(0, evaluate.exitCode(), evaluate.err());
		Path recipe = npyRecipe(work, "q.onnx");

		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());

		assertEquals(0, run.exitCode(), run.out() + run.err());
		assertEquals(accuracy(evaluate.out()), accuracy(Files.readString(work.resolve("out/results.json"))), 1e-12);
		assertTrue(accuracy(evaluate.out()) > 0.95, "fed as the model was calibrated: " + evaluate.out());
		assertRecorded(work.resolve("out"), "none (arrays as stored, float32)"); // and verify --deep, re-running the evaluation, agrees
	}

	/**
	 * The conversion's check of an integer-input model on the float samples its evaluation reads: fed as q = r / S + Z with the
	 * model's S and Z, as the evaluation feeds them. It fed them as they are and the run stopped with "save the samples as int8,
	 * q = round(r / 0.003921569) + -128", exit 2, while the recipe's warning said convert keeps the model's codes.
	 */
	@Test
	void theConversionCheckOfAnIntegerInputModelReadsTheFloatSamplesItsEvaluationReads() throws IOException {
		Path work = Files.createDirectories(dir.resolve("integer-input-convert"));
		Path q = integerInputModel(work);
		Path recipe = Files.writeString(work.resolve("digits.qr"), Files.readString(npyRecipe(work, "q.onnx")).replace("\tschemes unquantized",
				"\tconvert { eliminate dropout }\n\tschemes unquantized"));

		Cli run = Cli.run("run", recipe.toString(), "-o", work.resolve("out").toString());

		assertEquals(0, run.exitCode(), run.out() + run.err());
		Cli evaluate = Cli.run("evaluate", q.toString(), "--data", work.resolve("x.npy").toString(), "--labels", work.resolve("y.npy").toString(),
				"--format", "json");
		assertEquals(accuracy(evaluate.out()), accuracy(Files.readString(work.resolve("out/results.json"))), 1e-12);
	}

	/** The digits MLP quantized fiq-int8 (an int8 input) on work's x.npy and y.npy (the held-out table), as work/q.onnx. */
	private static Path integerInputModel(Path work) throws IOException {
		tableAsNpy(work, Files.readAllLines(table).size() - 1);
		Path q = work.resolve("q.onnx");
		Cli quantize = Cli.run("quantize", MLP, "--scheme", "fiq-int8", "--data", work.resolve("x.npy").toString(), "--labels",
				work.resolve("y.npy").toString(), "-o", q.toString());
		assertEquals(0, quantize.exitCode(), quantize.err());
		assertTrue(quantize.out().contains("Input  input INT8: scale "), "the premise, an int8 input: " + quantize.out());
		return q;
	}

	/** A recipe in {@code work} that evaluates {@code model} as it is on work's x.npy and y.npy. */
	private static Path npyRecipe(Path work, String model) throws IOException {
		return Files.writeString(work.resolve("digits.qr"), """
				recipe digits "Digits from arrays" {
					responsible "test"
					model mlp "%s" id MLP version 1
					dataset eval "x.npy" labels "y.npy" role evaluation format npy
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""".formatted(model));
	}

	/** The first {@code rows} rows of the digits table as x.npy (64 features) and y.npy (labels) in {@code work}. */
	private static void tableAsNpy(Path work, int rows) throws IOException {
		List<String> lines = Files.readAllLines(table).subList(1, rows + 1);
		float[] x = new float[lines.size() * 64];
		long[] y = new long[lines.size()];
		for (int i = 0; i < lines.size(); i++) {
			String[] cells = lines.get(i).split(",");
			for (int c = 0; c < 64; c++) {
				x[i * 64 + c] = Float.parseFloat(cells[c]);
			}
			y[i] = Long.parseLong(cells[64]);
		}
		NpyArray.write(work.resolve("x.npy"), org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { lines.size(), 64 }, x));
		NpyArray.write(work.resolve("y.npy"), org.quantrace.engine.runtime.NdArray.ofLongs(new long[] { lines.size() }, y));
	}
}
