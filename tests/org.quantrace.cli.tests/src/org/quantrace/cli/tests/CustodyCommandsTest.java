package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * What a one-off command may write: never onto one of its inputs (by path, through a symbolic or hard link,
 * inside an input folder, onto a model's external data), never over a read-only file, always with the
 * user's normal mode; and a model's external data outside its folder is refused, so no byte of another
 * file ever reaches an output.
 */
class CustodyCommandsTest {

	private final Path ex = TestData.exampleCopy("custody-cli").toAbsolutePath();
	private final Path dir = ex.getParent();
	private final String model = ex.resolve("model/fashion_cnn.onnx").toString();
	private final String trained = ex.resolve("model/fashion_cnn_trained.onnx").toString();
	private final String data = ex.resolve("data/calibration").toString();
	private final String labels = ex.resolve("data/labels.json").toString();

	/** Each command with -o set to each of its inputs, as a user could mistype it. */
	private List<String[]> ontoInputs() {
		List<String[]> c = new ArrayList<>();
		c.add(args("inspect", model, "-o", model));
		c.add(args("convert", trained, "-o", trained));
		c.add(args("convert", trained, "--data", ex.resolve("data/x.npy").toString(), "-o", ex.resolve("data/x.npy").toString()));
		c.add(args("prune", model, "--pattern", "element", "--sparsity", "50", "-o", model));
		c.add(args("prune", model, "--pattern", "element", "--sparsity", "50", "--data", data, "--labels", labels, "-o", labels));
		c.add(args("factorize", model, "--rank", "4", "-o", model));
		c.add(args("quantize", model, "--scheme", "drq", "-o", model));
		c.add(args("quantize", model, "--scheme", "fiq-int8", "--data", data, "--labels", labels, "-o", labels));
		c.add(args("quantize", model, "--scheme", "fiq-int8", "--calibration", data, "-o", data + "/bag/new.onnx"));
		c.add(args("evaluate", model, trained, "--data", data, "--labels", labels, "-o", trained));
		c.add(args("evaluate", model, "--data", data, "--labels", labels, "--baseline", trained, "-o", trained));
		c.add(args("evaluate", model, "--data", data, "--labels", labels, "-o", data + "/results.json"));
		c.add(args("debug", model, model, "--data", data, "--labels", labels, "-o", model));
		c.add(args("debug", model, model, "--data", data, "--labels", labels, "-o", data));
		c.add(args("import-config", ex.resolve("configuration.json").toString(), "-o", ex.resolve("configuration.json").toString()));
		return c;
	}

	private static String[] args(String... a) {
		return a;
	}

	@Test
	void everyOneOffCommandRefusesToWriteOntoItsInputs() throws IOException {
		NpyArray.write(ex.resolve("data/x.npy"), NdArray.ofFloats(new long[] { 2, 1, 28, 28 }, new float[2 * 28 * 28]));
		Map<String, String> before = TestData.hashes(ex);
		for (String[] command : ontoInputs()) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command);
			assertEquals(2, cli.exitCode(), line + "\n" + cli.err());
			assertTrue(cli.err().contains("an input of this command") || cli.err().contains("is a file, not a folder"), line + "\n" + cli.err());
			assertFalse(cli.err().contains("internal error"), cli.err());
			assertEquals("", cli.out(), "refused before any work: " + line);
		}
		assertEquals(before, TestData.hashes(ex), "every input as it was");
	}

	@Test
	void aLinkToAnInputIsTheInput() throws IOException {
		Map<String, String> before = TestData.hashes(ex);
		Path symlink = Files.createSymbolicLink(dir.resolve("link.onnx"), Path.of(model));
		Path hardLink = Files.createLink(dir.resolve("hard.onnx"), Path.of(model));
		for (Path link : List.of(symlink, hardLink)) {
			Cli cli = Cli.run("quantize", model, "--scheme", "drq", "-o", link.toString());
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().contains(link + ": is the same file as " + model + " (through a link), an input of this command"), cli.err());
		}
		assertTrue(Files.isSymbolicLink(symlink));
		assertEquals(before, TestData.hashes(ex));
	}

	@Test
	void anOutputOntoAModelsExternalDataIsRefused() throws IOException {
		Path m = TestModels.withExternalData(dir.resolve("ext/m.onnx"), "m.weights");
		Path weights = Files.write(dir.resolve("ext/m.weights"), TestModels.externalTensorBytes());
		for (String command : List.of("inspect", "convert")) {
			Cli cli = Cli.run(command, m.toString(), "-o", weights.toString());
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().contains(weights + ": holds tensor data of " + m + " (its external data), an input of this command"), cli.err());
		}
		assertTrue(java.util.Arrays.equals(TestModels.externalTensorBytes(), Files.readAllBytes(weights)));
	}

	@Test
	void aModelIsNeverWrittenOverAFileThatIsNoModel() throws IOException {
		Path recipe = Files.writeString(dir.resolve("mine.qr"), "recipe mine {\n\tmodel m \"model/fashion_cnn.onnx\"\n}\n");
		String[][] commands = {
				args("convert", trained, "-o", recipe.toString()),
				args("quantize", model, "--scheme", "drq", "-o", recipe.toString()),
				args("prune", model, "--pattern", "element", "--sparsity", "50", "-o", recipe.toString()),
				args("factorize", model, "--rank", "4", "-o", recipe.toString()),
				args("quantize", model, "--scheme", "drq", "-o", ex.resolve("data/labels.json").toString()) };
		Map<String, String> before = TestData.hashes(ex);
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command);
			assertEquals(2, cli.exitCode(), line + "\n" + cli.err());
			assertTrue(cli.err().contains(command[command.length - 1] + ": exists and is not an ONNX model") && cli.err().contains("-o OUT.onnx"),
					line + "\n" + cli.err());
			assertEquals("", cli.out(), "refused before any work: " + line);
		}
		assertEquals("recipe mine {\n\tmodel m \"model/fashion_cnn.onnx\"\n}\n", Files.readString(recipe));
		assertEquals(before, TestData.hashes(ex), "the labels as they were");

		// a model written earlier is the ordinary target of -o: replaced by the new one
		Path earlier = dir.resolve("earlier.onnx");
		Files.copy(Path.of(model), earlier);
		Cli again = Cli.run("quantize", model, "--scheme", "drq", "-o", earlier.toString());
		assertEquals(0, again.exitCode(), again.err());
		assertFalse(java.util.Arrays.equals(Files.readAllBytes(Path.of(model)), Files.readAllBytes(earlier)), "replaced by the quantized model");
	}

	@Test
	void importConfigNeverReplacesARecipeUnasked() throws IOException {
		String handWritten = "// my own recipe\nrecipe mine {\n\tmodel m \"model/fashion_cnn.onnx\"\n}\n";
		Path recipe = Files.writeString(dir.resolve("mine.qr"), handWritten);
		Cli cli = Cli.run("import-config", ex.resolve("configuration.json").toString(), "-o", recipe.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(recipe + ": exists already") && cli.err().contains("add --force to replace it"), cli.err());
		assertEquals(handWritten, Files.readString(recipe));
		try (Stream<Path> left = Files.list(dir)) {
			assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "nothing half-written beside it");
		}

		Cli forced = Cli.run("import-config", ex.resolve("configuration.json").toString(), "-o", recipe.toString(), "--force");
		assertEquals(0, forced.exitCode(), forced.err());
		assertTrue(Files.readString(recipe).startsWith("// Imported from configuration.json by quantrace import-config"), Files.readString(recipe));
	}

	/**
	 * A text output (inspect's report, evaluate's JSON) replaced whatever file -o named, a recipe too (main 31ee061: exit 0, the
	 * recipe gone). It now replaces only an earlier output of the same command, which it tells by its content (CommandOutput's
	 * one rule, the models' too): running a command again onto its own output still works, anything else is refused before any
	 * work, exit 2, the file as it was.
	 */
	@Test
	void aTextOutputReplacesOnlyAnEarlierOutputOfItsCommand() throws IOException {
		String handWritten = "// my own recipe\nrecipe mine {\n\tmodel m \"model/fashion_cnn.onnx\"\n}\n";
		Path recipe = Files.writeString(dir.resolve("mine.qr"), handWritten);
		String[][] commands = { args("inspect", model, "--no-run", "-o", recipe.toString()),
				args("inspect", model, "--no-run", "--format", "json", "-o", recipe.toString()),
				args("evaluate", model, "--data", data, "--labels", labels, "-o", recipe.toString()) };
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command);
			assertEquals(2, cli.exitCode(), line + "\n" + cli.err());
			assertTrue(cli.err().contains(recipe + ": exists and is not a") && cli.err().contains("move that file away first"), line + "\n" + cli.err());
			assertEquals("", cli.out(), "refused before any work: " + line);
			assertEquals(handWritten, Files.readString(recipe), line);
		}
		// each command onto its own earlier output, in either format: replaced, as a script running it again expects
		Path report = dir.resolve("report.txt");
		assertEquals(0, Cli.run("inspect", model, "--no-run", "-o", report.toString()).exitCode());
		assertEquals(0, Cli.run("inspect", trained, "--no-run", "-o", report.toString()).exitCode());
		assertTrue(Files.readString(report).contains("fashion_cnn_trained.onnx"), "replaced by the second report");
		assertEquals(0, Cli.run("inspect", model, "--no-run", "--format", "json", "-o", report.toString()).exitCode());
		assertEquals(0, Cli.run("inspect", model, "--no-run", "-o", report.toString()).exitCode());
		Path results = dir.resolve("results.json");
		Cli first = Cli.run("evaluate", model, "--data", data, "--labels", labels, "-o", results.toString());
		assertEquals(0, first.exitCode(), first.err());
		Cli again = Cli.run("evaluate", model, trained, "--data", data, "--labels", labels, "-o", results.toString());
		assertEquals(0, again.exitCode(), again.err());
		assertTrue(Files.readString(results).contains("fashion_cnn_trained"), "replaced by the second evaluation");
		// another command's output is not this one's: an inspection report is no evaluation result, nor the reverse
		String inspected = Files.readString(report);
		Cli crossed = Cli.run("evaluate", model, "--data", data, "--labels", labels, "-o", report.toString());
		assertEquals(2, crossed.exitCode(), crossed.err());
		assertTrue(crossed.err().contains(report + ": exists and is not a JSON result of quantrace evaluate"), crossed.err());
		assertEquals(inspected, Files.readString(report));
		assertEquals(2, Cli.run("inspect", model, "--no-run", "-o", results.toString()).exitCode());
		try (Stream<Path> left = Files.list(dir)) {
			assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "nothing half-written beside them");
		}
	}

	/**
	 * debug -o DIR wrote its CSV and charts into any existing folder, beside the user's files (main 31ee061: exit 0 into a folder
	 * of notes). It now follows run's rule (OutputOwnership): a new or empty folder, or one quantrace wrote holding nothing else;
	 * its folder carries the marker and a SHA256SUMS, is written all at once, and is replaced whole by the next debug.
	 */
	@Test
	void debugWritesOnlyIntoAFolderItWrote() throws IOException {
		Path int8 = dir.resolve("int8.onnx");
		Cli q = Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", data, "-o", int8.toString());
		assertEquals(0, q.exitCode(), q.err());
		Path notes = Files.createDirectories(dir.resolve("notes"));
		Files.writeString(notes.resolve("chapter1.tex"), "my thesis");
		Cli refused = Cli.run("debug", model, int8.toString(), "--data", data, "--labels", labels, "-o", notes.toString());
		assertEquals(2, refused.exitCode(), refused.err());
		assertTrue(refused.err().contains(notes + ": is not an output folder of quantrace (it has no .quantrace-output) and holds 1 file or folder"),
				refused.err());
		assertEquals("", refused.out(), "refused before any work");
		try (Stream<Path> inNotes = Files.list(notes)) {
			assertEquals(List.of(notes.resolve("chapter1.tex")), inNotes.toList(), "nothing written beside the user's file");
		}

		Path charts = dir.resolve("charts");
		Cli first = Cli.run("debug", model, int8.toString(), "--data", data, "--labels", labels, "-o", charts.toString());
		assertEquals(0, first.exitCode(), first.err());
		assertTrue(Files.isRegularFile(charts.resolve("debug.csv")) && Files.isRegularFile(charts.resolve(".quantrace-output")), "marked as ours");
		String sums = Files.readString(charts.resolve("SHA256SUMS"));
		assertTrue(sums.contains("  debug.csv\n") && sums.contains("  debug_sqnr.svg\n") && sums.contains("  .quantrace-output\n"), sums);
		Cli again = Cli.run("debug", model, int8.toString(), "--data", data, "--labels", labels, "-o", charts.toString());
		assertEquals(0, again.exitCode(), again.err());
		Files.writeString(charts.resolve("my-notes.txt"), "layer 3 looks odd");
		Cli withNotes = Cli.run("debug", model, int8.toString(), "--data", data, "--labels", labels, "-o", charts.toString());
		assertEquals(2, withNotes.exitCode(), withNotes.err());
		assertTrue(withNotes.err().contains("quantrace did not write (my-notes.txt)"), withNotes.err());
		assertEquals("layer 3 looks odd", Files.readString(charts.resolve("my-notes.txt")));
		try (Stream<Path> left = Files.list(dir)) {
			assertEquals(List.of(), left.filter(p -> p.getFileName().toString().matches("\\.charts\\.(partial|old)-.*")).toList(), "no hidden folder left beside it");
		}
	}

	/**
	 * Each command replaces only its own command's folder. debug -o onto a run's output folder replaced the run's models, trace,
	 * logs and report, its evidence, with a CSV and charts, exit 0, without a word (hostile8, main 22b45ed5), as run -o replaced a
	 * debug folder: both carry quantrace's marker, and any was taken for any command's. Now exit 2 before any work, naming the
	 * command that wrote the folder, the folder untouched.
	 */
	@Test
	void debugDoesNotReplaceARunsFolderNorARunADebugFolder() throws IOException {
		Path recipe = Files.writeString(ex.resolve("int8.qr"), """
				recipe int8 "one scheme" {
					model cnn "model/fashion_cnn.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					schemes fiq_int8
				}
				""");
		Path run = dir.resolve("run-out");
		Cli ran = Cli.run("run", recipe.toString(), "-o", run.toString());
		assertEquals(0, ran.exitCode(), ran.err());
		Map<String, String> evidence = TestData.hashes(run);
		String int8 = run.resolve("models/cnn/fiq_int8.onnx").toString();
		assertTrue(Files.isRegularFile(Path.of(int8)), int8);
		Path copy = Files.copy(Path.of(int8), dir.resolve("int8-copy.onnx"));
		Cli debug = Cli.run("debug", model, copy.toString(), "--data", data, "--labels", labels, "--debug-samples", "8", "-o", run.toString());
		assertEquals(2, debug.exitCode(), debug.err());
		assertTrue(debug.err().startsWith("quantrace: error: " + run + ": is an output folder of quantrace run (or merge) (its .quantrace-output says so), and"
				+ " debug replaces only a folder debug wrote: replacing it would delete that run's models, trace, logs and report"), debug.err());
		assertTrue(debug.err().contains("quantrace: hint: choose another output folder, e.g. " + dir.resolve("run-out-debug")), debug.err());
		assertEquals(evidence, TestData.hashes(run), "the run's folder as it was");

		Path charts = dir.resolve("charts-of-a-debug");
		Cli first = Cli.run("debug", model, copy.toString(), "--data", data, "--labels", labels, "--debug-samples", "8", "-o", charts.toString());
		assertEquals(0, first.exitCode(), first.err());
		Map<String, String> drawn = TestData.hashes(charts);
		Cli onto = Cli.run("run", recipe.toString(), "-o", charts.toString());
		assertEquals(2, onto.exitCode(), onto.err());
		assertTrue(onto.err().contains(charts + ": is an output folder of quantrace debug (its .quantrace-output says so), and a run replaces only a folder"
				+ " a run wrote: replacing it would delete its debug.csv and charts"), onto.err());
		assertEquals(drawn, TestData.hashes(charts), "the debug folder as it was");
	}

	@Test
	void aReadOnlyTargetIsNotReplaced() throws IOException {
		Path target = Files.writeString(dir.resolve("protected.onnx"), "the user's");
		Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r--r--r--"));
		Cli cli = Cli.run("convert", trained, "-o", target.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(target + ": is read-only") && cli.err().contains("chmod u+w"), cli.err());
		assertEquals("the user's", Files.readString(target));
		Path folder = Files.createDirectories(dir.resolve("locked"));
		Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
		Cli inLocked = Cli.run("quantize", model, "--scheme", "drq", "-o", folder.resolve("q.onnx").toString());
		assertEquals(2, inLocked.exitCode(), inLocked.err());
		assertTrue(inLocked.err().contains("the folder " + folder.toAbsolutePath() + " is read-only"), inLocked.err());
		assertFalse(Files.exists(folder.resolve("q.onnx")));
	}

	@Test
	void outputsHaveTheUsersNormalMode() throws IOException {
		String normal = PosixFilePermissions.toString(Files.getPosixFilePermissions(Files.createFile(dir.resolve("made-by-the-user"))));
		Path quantized = dir.resolve("q.onnx");
		Path report = dir.resolve("inspect.txt");
		assertEquals(0, Cli.run("quantize", model, "--scheme", "drq", "-o", quantized.toString()).exitCode());
		assertEquals(0, Cli.run("inspect", model, "--no-run", "-o", report.toString()).exitCode());
		for (Path p : List.of(quantized, report)) {
			assertEquals(normal, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p + ": as any file the user creates, not 0600");
		}
	}

	@Test
	void externalDataOutsideTheModelsFolderNeverReachesAnOutput() throws IOException {
		byte[] canary = canary(TestModels.externalTensorBytes().length);
		Path secret = Files.write(dir.resolve("secret.bin"), canary);
		Path models = Files.createDirectories(dir.resolve("hostile"));
		Path climbing = TestModels.withExternalData(models.resolve("climbing.onnx"), "../secret.bin");
		Path absolute = TestModels.withExternalData(models.resolve("absolute.onnx"), secret.toAbsolutePath().toString());
		Files.createSymbolicLink(models.resolve("linked.bin"), secret.toAbsolutePath());
		Path linked = TestModels.withExternalData(models.resolve("linked.onnx"), "linked.bin");
		Path out = Files.createDirectories(dir.resolve("outputs"));
		for (Path hostile : List.of(climbing, absolute, linked)) {
			String name = hostile.getFileName().toString();
			for (String[] command : List.<String[]>of(args("inspect", hostile.toString(), "-o", out.resolve(name + ".txt").toString()),
					args("convert", hostile.toString(), "-o", out.resolve(name + "-frozen.onnx").toString()),
					args("quantize", hostile.toString(), "--scheme", "drq", "-o", out.resolve(name + "-drq.onnx").toString()),
					args("prune", hostile.toString(), "--pattern", "element", "--sparsity", "50", "-o", out.resolve(name + "-pruned.onnx").toString()),
					args("evaluate", hostile.toString(), "--data", data, "--labels", labels, "-o", out.resolve(name + ".json").toString()))) {
				Cli cli = Cli.run(command);
				assertEquals(2, cli.exitCode(), String.join(" ", command) + "\n" + cli.err());
				assertTrue(cli.err().contains(hostile + ": tensor '" + TestModels.EXTERNAL_TENSOR + "' stores its data at '"), cli.err());
			}
		}
		Path recipe = Files.writeString(models.resolve("hostile.qr"), "recipe hostile {\n\tmodel m \"climbing.onnx\"\n\tschemes unquantized\n}\n");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.resolve("run").toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		// a diagnostic on the model's line, as validate reports it, before anything runs
		assertTrue(run.out().contains("hostile.qr:2:2: error [model-unreadable] ") && run.out().contains("stores its data at '../secret.bin', outside the model's folder"),
				run.out() + run.err());
		assertFalse(Files.exists(out.resolve("run")), "nothing written");
		assertEquals(List.of(), filesHolding(dir, canary, secret), "no byte of the secret in any output");
	}

	/** Recognizable bytes: "CANARY-0000001 CANARY-0000002 ...". */
	private static byte[] canary(int length) {
		StringBuilder s = new StringBuilder();
		for (int i = 0; s.length() < length; i++) {
			s.append(String.format("CANARY-%07d ", i));
		}
		return s.substring(0, length).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
	}

	/** Files under {@code root} (but {@code except}) that hold any 32-byte stretch of {@code secret}. */
	private static List<Path> filesHolding(Path root, byte[] secret, Path except) throws IOException {
		String needle = new String(secret, 64, 32, java.nio.charset.StandardCharsets.ISO_8859_1);
		List<Path> found = new ArrayList<>();
		try (Stream<Path> all = Files.walk(root)) {
			for (Path p : all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && !f.equals(except)).toList()) {
				if (new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1).contains(needle)) {
					found.add(p);
				}
			}
		}
		return found;
	}
}
