package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Outputs;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

import com.google.protobuf.ByteString;


/**
 * verify against a hostile user: every way issue 12 found to fool it, on the example's real outputs, each
 * caught and named; and what must still pass (a moved folder).
 */
class VerifyTest {

	/** The example copied and run once: {@code example/out} is the output folder, the recipe one level up. */
	private static Path example;

	@BeforeAll
	static void run() {
		example = Runs.exampleCopy("verify-base");
		assertEquals(0, Runs.run(example.resolve("fashion_cnn.qr"), example.resolve("out")).exitCode());
	}

	/** A private copy of the example and its output, to tamper with. */
	private static Path out(String name) {
		return Runs.copy(example, TestData.tempDir(name).resolve("fashion-mnist")).resolve("out");
	}

	private static Verification.Result verify(Path out) {
		return Verification.verify(out);
	}

	private static boolean any(Verification.Result r, Predicate<Problem> p) {
		return r.problems().stream().anyMatch(p);
	}

	@Test
	void aFreshOutputPassesAndItsTraceNamesEveryInputRelativeToTheRecipe() throws IOException {
		Path out = example.resolve("out");
		Verification.Result r = verify(out);
		assertTrue(r.passed(), r.problems().toString());
		assertTrue(r.checked() > 1300, "outputs, models, 1,300 images: " + r.checked());
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		assertEquals("..", trace.getRecipeFolder());
		assertEquals(List.of("recipe fashion_cnn.qr", "import project.qr", "model model/fashion_cnn_trained.onnx", "dataset data/calibration", "labels data/labels.json",
				"dataset data/evaluation"), trace.getInputFiles().stream().map(i -> i.getKind().getLiteral() + " " + i.getPath()).toList());
		InputFile model = trace.getInputFiles().get(2);
		assertEquals(SafeFiles.sha256(example.resolve("model/fashion_cnn_trained.onnx")), model.getSha256());
		String inventory = SafeFiles.sha256(out.resolve(Outputs.INVENTORY));
		assertEquals(inventory, trace.getInventorySha256());
		assertEquals(inventory, TestData.json(out.resolve("results.json")).at("/inventory/sha256").asText());
		for (String log : List.of("PhIMT0002-cnn.md", "PhIMT0003-cnn.html")) {
			assertTrue(Files.readString(out.resolve("logs/" + log)).contains("INVENTORY.sha256 (sha256 " + inventory + ")"), log);
		}
		List<String> listed = Files.readAllLines(out.resolve(Outputs.INVENTORY)).stream().map(l -> l.substring(66)).toList();
		assertTrue(listed.contains("models/cnn/fiq_int8.onnx") && listed.contains("data/eval.manifest.txt"), listed.toString());
		assertTrue(listed.stream().noneMatch(f -> f.startsWith("logs/") || f.equals("trace.xmi") || f.equals("results.json")), "documents name it");
	}

	/** Emptied SHA256SUMS, then an edited document: every file is now unlisted, and the edited figure is re-derived. */
	@ParameterizedTest
	@ValueSource(strings = { "logs/PhIMT0003-cnn.md", "results.json", "trace.xmi", "report.html" })
	void emptyingSha256sumsNoLongerHidesAnEditedDocument(String document) throws IOException {
		Path out = out("emptied");
		Files.writeString(out.resolve("SHA256SUMS"), "");
		edit(out, document);
		Verification.Result r = verify(out);
		assertFalse(r.passed());
		assertTrue(any(r, p -> p.file().equals(document)), r.problems().toString());
		assertTrue(any(r, p -> p.file().equals("models/cnn/fiq_int8.onnx") && p.what().startsWith("not in SHA256SUMS")), r.problems().toString());
	}

	@ParameterizedTest
	@ValueSource(strings = { "logs/PhIMT0003-cnn.md", "results.json", "trace.xmi", "report.html" })
	void deletingItsLineNoLongerHidesAnEditedDocument(String document) throws IOException {
		Path out = out("deleted-line");
		List<String> sums = Files.readAllLines(out.resolve("SHA256SUMS")).stream().filter(l -> !l.endsWith("  " + document)).toList();
		Files.write(out.resolve("SHA256SUMS"), sums);
		edit(out, document);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.equals(new Problem(document, "not in SHA256SUMS: added after the run, or its line was removed"))), r.problems().toString());
	}

	/** A figure of each document changed the way a forger would (a plausible number), and where verify finds it when every hash is recomputed. */
	private static void edit(Path out, String document) throws IOException {
		switch (document) {
		case "results.json", "trace.xmi" -> Tampering.replace(out.resolve(document), "112564", "101279"); // fiq_int8's size
		case "report.html" -> Tampering.replace(out.resolve(document), ">112,564<", ">101,279<");
		default -> Tampering.replace(out.resolve(document), "fiq_int8", "fiq_int4");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "results.json", "trace.xmi", "report.html" })
	void anEditedFigureIsFoundWithEveryHashRecomputed(String document) throws IOException {
		Path out = out("forged-figure");
		edit(out, document);
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		// an edited trace also no longer makes the documents in the folder (the logs and results.json print the size): said of each
		assertEquals(Set.of(document), r.problems().stream().filter(p -> !(document.equals("trace.xmi") && p.what().startsWith("is not the document the trace makes")))
				.map(Problem::file).collect(java.util.stream.Collectors.toSet()), r.problems().toString());
		assertTrue(any(r, p -> p.what().contains("says 101279, re-derived 112564")), r.problems().toString());
	}

	/**
	 * One figure a log prints about a model, edited in one of its formats with every hash recomputed: verify reads
	 * the log back (Markdown and HTML as text, the DOCX with POI, the PDF by its tagged tables), re-derives the
	 * figure from the ONNX files and names the log, the table, the row and both values.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = ';', value = { //
			"logs/PhIMT0003-cnn.md;median 0.001558;median 0.001658;Scale factor, weights scales, median: says 0.001658, re-derived 0.001558", //
			"logs/PhIMT0003-cnn.html;median 0.001558;median 0.001658;Scale factor, weights scales, median: says 0.001658, re-derived 0.001558", //
			"logs/PhIMT0003-cnn.docx;0.001558;0.001658;Scale factor, weights scales, median: says 0.001658, re-derived 0.001558", //
			"logs/PhIMT0003-cnn.pdf;0.001558;0.001658;Scale factor, weights scales, median: says 0.001658, re-derived 0.001558", //
			"logs/PhIMT0002-cnn.md;10 after conversion;11 after conversion;says 11, re-derived 10", //
			"logs/PhIMT0002-cnn.html;10 after conversion;11 after conversion;says 11, re-derived 10" })
	void anEditedLogFigureIsFoundInEveryFormat(String document, String old, String now, String named) throws IOException {
		Path out = out("forged-log");
		Path log = out.resolve(document);
		if (document.endsWith(".docx")) {
			Tampering.replaceInZip(log, old, now);
		} else if (document.endsWith(".pdf")) {
			Tampering.replaceInPdf(log, old, now);
		} else {
			Tampering.replace(log, old, now);
		}
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertEquals(Set.of(document), r.problems().stream().map(Problem::file).collect(java.util.stream.Collectors.toSet()), r.problems().toString());
		assertTrue(any(r, p -> p.what().contains(named)), r.problems().toString());
	}

	@Test
	void aRecomputedSha256sumsIsCaughtByTheFingerprintTheUserKept() throws IOException {
		Path out = out("fingerprint");
		String kept = Outputs.fingerprint(out);
		assertTrue(Verification.verify(out, options(null, kept)).passed());
		// the template's prose, no figure: the fingerprint binds it, and (hostile3) the log made again from the trace
		Tampering.replace(out.resolve("logs/PhIMT0003-cnn.md"), "Below is a list of acronyms", "Here is a list of acronyms");
		Tampering.resum(out);
		Verification.Result r = Verification.verify(out, options(null, kept));
		assertEquals(List.of("SHA256SUMS", "logs/PhIMT0003-cnn.md"), r.problems().stream().map(Problem::file).toList(), r.problems().toString());
		assertTrue(r.problems().get(0).what().contains("not the " + kept + " you kept"), r.problems().toString());
	}

	private static Verification.Options options(Path recipe, String expect) {
		return new Verification.Options(recipe, expect, false, false, Progress.NONE);
	}

	@Test
	void anEmptiedOrEditedInventoryNoLongerMatchesTheDocumentsThatNameIt() throws IOException {
		Path out = out("inventory");
		Files.writeString(out.resolve(Outputs.INVENTORY), "");
		Tampering.resum(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals("models/cnn/fiq_int8.onnx") && p.what().startsWith("not in INVENTORY.sha256")), r.problems().toString());
		for (String named : List.of("trace.xmi", "results.json", "logs/PhIMT0003-cnn.md", "logs/PhIMT0003-cnn.docx", "logs/PhIMT0002-cnn.html")) {
			assertTrue(any(r, p -> p.file().equals(named) && p.what().contains(SafeFiles.sha256(new byte[0]))), named + ": " + r.problems());
		}
	}

	@Test
	void anAddedModelIsFoundEvenInARecomputedSha256sums() throws IOException {
		Path out = out("extra-model");
		Files.copy(out.resolve("models/cnn/drq.onnx"), out.resolve("models/cnn/fiq_int4.onnx"));
		Tampering.resum(out);
		Verification.Result r = verify(out);
		assertEquals(List.of(new Problem("models/cnn/fiq_int4.onnx", "not in INVENTORY.sha256: added after the run, or its line was removed")),
				r.problems());
	}

	@Test
	void anImageAddedToADatasetIsFound() throws IOException {
		Path out = out("extra-image");
		Path data = out.getParent().resolve("data/evaluation/bag");
		Files.copy(data.resolve("00018.png"), data.resolve("99999.png"));
		Verification.Result r = verify(out);
		assertEquals(List.of(new Problem("eval: bag/99999.png", "the dataset would read it now, the run did not: a file added since")), r.problems());
	}

	@Test
	void aChangedExternalDataFileOfTheOriginalModelIsFound() throws IOException {
		Path ex = Runs.copy(example, TestData.tempDir("external").resolve("fashion-mnist"));
		Runs.externalize(ex.resolve("model/fashion_cnn_trained.onnx"), ex.resolve("model/external.onnx"), "external.weights");
		Path recipe = Runs.recipe(ex, "external.qr", """
				recipe external {
					model cnn "model/external.onnx"
					dataset calib "data/calibration" role calibration labels "data/labels.json"
					preprocess { grayscale scale 1/255 }
					convert { }
					schemes drq
				}
				""");
		Path out = ex.resolve("out-external");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		InputFile weights = trace.getInputFiles().stream().filter(i -> i.getKind() == InputKind.EXTERNAL_DATA).findFirst().orElseThrow();
		assertEquals("model/external.weights", weights.getPath());
		assertTrue(verify(out).passed(), verify(out).problems().toString());

		Path data = ex.resolve("model/external.weights");
		byte[] bytes = Files.readAllBytes(data);
		bytes[bytes.length / 2] ^= 0x10; // one weight's bits: the model file itself is unchanged
		Files.write(data, bytes);
		Verification.Result r = verify(out);
		assertEquals(1, r.problems().size(), r.problems().toString());
		assertEquals("model/external.weights (external-data of cnn)", r.problems().get(0).file());
		assertTrue(r.problems().get(0).what().startsWith("SHA-256 is "), r.problems().toString());
	}

	@Test
	void aMovedOutputFolderStillPassesOnceToldWhereTheRecipeIs() throws IOException {
		Path out = out("moved");
		Path moved = Files.createDirectories(TestData.tempDir("archive").resolve("runs/2026")).resolve("fashion_cnn");
		Files.move(out, moved);
		Path recipe = out.getParent().resolve("fashion_cnn.qr");
		Verification.Result told = Verification.verify(moved, options(recipe, null));
		assertTrue(told.passed(), told.problems().toString());
		assertTrue(told.checked() > 1300, "the inputs were checked: " + told.checked());

		Verification.Result untold = verify(moved);
		assertEquals(1, untold.problems().size(), untold.problems().toString());
		assertEquals("inputs", untold.problems().get(0).file());
		assertTrue(untold.problems().get(0).what().startsWith("not checked: the recipe is not at "), untold.problems().toString());
		assertTrue(untold.problems().get(0).what().contains("--recipe"), "says how to check them");
		assertTrue(Verification.verify(moved, new Verification.Options(null, null, true, false, Progress.NONE)).passed(), "--outputs-only");

		Files.write(out.getParent().resolve("data/evaluation/bag/00018.png"), new byte[] { 1 }, java.nio.file.StandardOpenOption.APPEND);
		Verification.Result changed = Verification.verify(moved, options(recipe, null));
		assertEquals(List.of("eval: bag/00018.png"), changed.problems().stream().map(Problem::file).toList());
	}

	@Test
	void aFolderThatIsNotAnOutputIsInvalidInput() throws IOException {
		Path out = out("not-output");
		InvalidInputException file = assertThrows(InvalidInputException.class, () -> verify(out.resolve("results.json")));
		assertTrue(file.getMessage().endsWith("results.json: not a folder"), file.getMessage());
		InvalidInputException recipeFolder = assertThrows(InvalidInputException.class, () -> verify(out.getParent()));
		assertTrue(recipeFolder.getMessage().contains("not a Quantrace output folder (it has no trace.xmi)"), recipeFolder.getMessage());
		Files.writeString(out.resolve("trace.xmi"), "{ \"not\": \"xml\" }");
		InvalidInputException garbage = assertThrows(InvalidInputException.class, () -> verify(out));
		assertTrue(garbage.getMessage().contains("trace.xmi: not a readable Quantrace trace (line 1, column 1: "), garbage.getMessage());
		Files.writeString(out.resolve("trace.xmi"), "<?xml version=\"1.0\"?>\n<recipe/>\n");
		assertThrows(InvalidInputException.class, () -> verify(out));
		Files.delete(out.resolve("trace.xmi"));
		assertThrows(InvalidInputException.class, () -> verify(out));
	}

	/**
	 * A field of results.json that is not a model file's figure, edited with every hash recomputed: the run's
	 * verdict, a variant's scheme, kind or dataset, its change against the original, its marker, latency and
	 * criteria, the run's id. Each passed verify unseen ("0 mismatches"); each is now compared with the trace.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "accepted", "runId", "models/cnn/fiq_int8/scheme", "models/cnn/fiq_int8/kind", "models/cnn/fiq_int8/dataset",
			"models/cnn/fiq_int8/deltas/accuracy", "models/cnn/fiq_int8/markers/accuracy", "models/cnn/fiq_int8/latencyMs", "models/cnn/fiq_int8/criteria" })
	void anEditedResultsFieldIsFoundWithEveryHashRecomputed(String field) throws IOException {
		Path out = out("forged-results");
		com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper()
				.enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
		com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(out.resolve("results.json").toFile());
		com.fasterxml.jackson.databind.node.ObjectNode v = null;
		for (com.fasterxml.jackson.databind.JsonNode x : root.at("/models/0/variants")) {
			if (x.path("variant").asText().equals("fiq_int8")) {
				v = (com.fasterxml.jackson.databind.node.ObjectNode) x;
			}
		}
		switch (field) {
		case "accepted" -> root.put("accepted", false);
		case "runId" -> root.put("runId", root.get("runId").asText() + "0");
		case "models/cnn/fiq_int8/scheme" -> v.put("scheme", "fiq_uint8");
		case "models/cnn/fiq_int8/kind" -> v.put("kind", "converted");
		case "models/cnn/fiq_int8/dataset" -> v.put("dataset", "calib");
		case "models/cnn/fiq_int8/deltas/accuracy" -> ((com.fasterxml.jackson.databind.node.ObjectNode) v.get("deltas")).put("accuracy", 0.0);
		case "models/cnn/fiq_int8/markers/accuracy" -> ((com.fasterxml.jackson.databind.node.ObjectNode) v.get("markers")).put("accuracy", "~");
		case "models/cnn/fiq_int8/latencyMs" -> v.put("latencyMs", 0.001);
		default -> ((com.fasterxml.jackson.databind.node.ObjectNode) v.at("/criteria/0")).put("passed", false);
		}
		Files.writeString(out.resolve("results.json"), json.writeValueAsString(root) + "\n");
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals("results.json") && p.what().contains(field + ": says")), r.problems().toString());
	}

	/**
	 * A log's DOCX zipped again by Info-ZIP ({@code zip -r}: the same parts, each entry with its Unix extra field
	 * 0x7875): commons-compress needs commons-lang3 to read that field, and the product did not ship it, so verify
	 * died with a NoClassDefFoundError and exit 1 (the code of a mismatch) instead of reading the log.
	 */
	@Test
	void aDocxZippedAgainWithUnixExtraFieldsIsReadLikeAnyOther() throws IOException {
		Path out = out("rezipped-docx");
		Path docx = out.resolve("logs/PhIMT0003-cnn.docx");
		byte[] unix = { 0x75, 0x78, 11, 0, 1, 4, 0, 0, 0, 0, 4, 0, 0, 0, 0 }; // Info-ZIP's "ux": version 1, uid 0, gid 0
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(docx));
				java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
			for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				java.util.zip.ZipEntry copy = new java.util.zip.ZipEntry(e.getName());
				copy.setExtra(unix);
				zip.putNextEntry(copy);
				in.transferTo(zip);
				zip.closeEntry();
			}
		}
		Files.write(docx, bytes.toByteArray());
		Tampering.resum(out);
		Verification.Result r = verify(out);
		assertTrue(r.passed(), r.problems().toString());
	}

	/**
	 * A verdict, a criterion's measured value or a metric's marker edited where an assessor reads it (the report's
	 * results table, the log's evaluation and criteria tables, the log's verdict sentences), every hash recomputed:
	 * each passed verify unseen.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '§', value = {
			"report.html § <td>fiq_int8</td> § <span class=\"ok\">accepted</span> § <span class=\"failed\">rejected</span> § cnn results, fiq_int8, acceptance: says rejected",
			"report.html § <td>fiq_int8</td> § 0.7 pt &#10003; § 0.3 pt &#10003; § cnn results, fiq_int8, acceptance, accuracy drop < 1 pt, measured: says 0.3",
			"report.html § <td>fiq_int8</td> § 0.7 pt &#10003; § 0.7 pt &#10007; § cnn results, fiq_int8, acceptance, accuracy drop < 1 pt, met: says not met",
			"report.html § <td>fiq_int8</td> § 0.9080<span class=\"worse\">↓</span> § 0.9080<span class=\"same\">~</span> § cnn results, fiq_int8, accuracy marker: says ~",
			"logs/PhIMT0003-cnn.md § Acceptance criteria and decisions § | 0.7 pt | met | accepted | § | 0.7 pt | met | rejected | § fiq_int8, accuracy drop < 1 pt (in trace.xmi), decision: says rejected",
			"logs/PhIMT0003-cnn.md § Evaluation on § | fiq_int8 | 0.908↓ | § | fiq_int8 | 0.908~ | § fiq_int8, accuracy marker (in trace.xmi): says ~",
			"logs/PhIMT0003-cnn.md § Verdict § Verdict: accepted. § Verdict: REJECTED. § first page, verdict (in trace.xmi): says REJECTED",
			"logs/PhIMT0003-cnn.html § Evaluation of fiq_int8 § Evaluation of fiq_int8: accepted: § Evaluation of fiq_int8: rejected: § evaluation of fiq_int8, decision (in trace.xmi): says rejected",
			"logs/PhIMT0003-cnn.html § Evaluation of fiq_int8 § (measured 0.7 pt) § (measured 0.3 pt) § evaluation of fiq_int8, accuracy drop < 1 pt (in trace.xmi), measured: says 0.3",
			"logs/PhIMT0003-cnn.md § Evaluation of fiq_uint8 § 1 pt met (measured § 1 pt not met (measured § evaluation of fiq_uint8, accuracy drop < 1 pt (in trace.xmi), met: says not met",
			"logs/PhIMT0002-cnn.md § | Model conversion | § | Date | 2026/11/24 | § | Date | 2026/11/02 | § Date (in trace.xmi): says 2026/11/02",
			"logs/PhIMT0002-cnn.md § | Model conversion | § | Responsible | Quantrace example | § | Responsible | Mallory | § Responsible (in trace.xmi): says Mallory",
			"logs/PhIMT0003-cnn.md § Documentation Information § | Reviewed by | A. Reviewer | § | Reviewed by | Z. Nobody | § Reviewed by (in trace.xmi): says Z. Nobody",
			"logs/PhIMT0003-cnn.html § Documentation Information § B. Approver § Mallory § Approved by (in trace.xmi): says Mallory" })
	void anEditedVerdictOrMarkerIsFoundWithEveryHashRecomputed(String document, String anchor, String old, String now, String expected) throws IOException {
		Path out = out("forged-verdict-cell");
		replaceAfter(out.resolve(document), anchor, old, now);
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals(document) && p.what().contains(expected)), r.problems().toString());
	}

	/**
	 * verify held the figures of the rows it knows and nothing else: a template row (the lifecycle phase), the technique
	 * ("runs as float kernels"), the objective, the calibration's sample count, the seed, the ONNX Runtime version, a
	 * warning struck out of a cell, in any format, a key added to results.json, a sentence of report.html, each edited with
	 * every hash recomputed, passed with 0 mismatches (hostile3). Every one of those documents is made from the trace
	 * alone, so verify makes it again and holds it against the file, byte for byte (a PDF by its text).
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '§', value = {
			"logs/PhIMT0003-cnn.md § runs as integer kernels § runs as float kernels",
			"logs/PhIMT0003-cnn.md § on dataset calib, 300 samples § on dataset calib, 3000 samples",
			"logs/PhIMT0002-cnn.html § <th>Phase of the lifecycle</th><td><div>Inference Management</div> § <th>Phase of the lifecycle</th><td><div>Design</div>",
			"logs/PhIMT0002-cnn.docx § Inference Management § Inference Managed",
			"logs/PhIMT0002-cnn.pdf § Inference Management § Inference Managed",
			"results.json § \"inventory\" : { § \"certified\" : true, \"inventory\" : {",
			"report.html § Datasets, models and the steps between them § Datasets, models and the certified steps between them" })
	void aSentenceOrTemplateRowEditedInAnyDocumentIsFound(String document, String old, String now) throws IOException {
		Path out = out("forged-text");
		Path file = out.resolve(document);
		if (document.endsWith(".pdf")) {
			Tampering.replaceInPdf(file, old, now);
		} else if (document.endsWith(".docx")) {
			Tampering.replaceInZip(file, old, now);
		} else {
			Tampering.replace(file, old, now);
		}
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals(document) && p.what().startsWith("is not the document the trace makes")), r.problems().toString());
		assertTrue(r.problems().stream().allMatch(p -> p.file().equals(document)), "only the edited document: " + r.problems());
	}

	/**
	 * hostile3's left open: a forger who edited a log's sentence and then the Quantrace version the trace records (its
	 * environment's alone, every mention in the trace, or those and the Markdown and HTML logs too) made verify say "written by
	 * Quantrace 0.1.0.v20261101-0900 ... checked by their figures only", a note, with 0 mismatches (the example's "runs as
	 * integer kernels" → "float kernels"). The logs name the version that made them in every format; a version the trace
	 * records that the trace's other records or a document contradict is an edit: a mismatch, and the edited sentence too.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "environment", "trace", "trace, md and html" })
	void anEditedVersionDoesNotTurnAnEditIntoANote(String where) throws IOException {
		Path out = out("forged-version-" + where.replaceAll("\\W+", "-"));
		String wrote = org.quantrace.engine.Versions.quantrace();
		String old = "0.1.0.v20261101-0900";
		Path trace = out.resolve("trace.xmi");
		Tampering.replace(out.resolve("logs/PhIMT0003-cnn.md"), "runs as integer kernels", "runs as float kernels");
		if (where.equals("environment")) {
			Tampering.replace(trace, "<tools name=\"Quantrace\" version=\"" + wrote + "\"", "<tools name=\"Quantrace\" version=\"" + old + "\"");
		} else {
			Tampering.replace(trace, wrote, old);
		}
		if (where.endsWith("html")) {
			for (String log : List.of("PhIMT0002-cnn.md", "PhIMT0002-cnn.html", "PhIMT0003-cnn.md", "PhIMT0003-cnn.html")) {
				Tampering.replace(out.resolve("logs").resolve(log), wrote, old);
			}
		}
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		// its first line that differs from the trace's rendering: the sentence, or (the whole trace edited) the version it names
		assertTrue(any(r, p -> p.file().equals("logs/PhIMT0003-cnn.md") && p.what().startsWith("is not the document the trace makes")
				&& p.what().contains(where.equals("trace") ? wrote : "float kernels")), r.problems().toString());
		assertTrue(any(r, p -> p.what().contains("was edited after the run") && (p.file().equals("trace.xmi") && p.what().contains("one run has one version")
				|| p.file().equals("logs/PhIMT0003-cnn.pdf") && p.what().startsWith("names Quantrace " + wrote.substring(0, 8)))), r.problems().toString());
		assertTrue(r.notes().stream().noneMatch(n -> n.startsWith("written by Quantrace")), r.notes().toString());
	}

	/**
	 * The debugger's charts were bound by the checksums alone (hostile3's left open): a line of rmse/scale moved (a layer's
	 * error drawn smaller), SHA256SUMS and INVENTORY.sha256 recomputed with the inventory's hash in the trace and every
	 * document, passed with 0 mismatches. Each chart is drawn again from the trace's debug record (which debug.csv is held
	 * against) and must be the file: the moved line is found, in that chart alone.
	 */
	@Test
	void aDebuggerChartRedrawnWithOtherFiguresIsFound() throws IOException {
		Path out = out("forged-chart");
		String name = "debug/cnn/fiq_int8/debug_rmse_over_scale.svg";
		Path chart = out.resolve(name);
		String svg = Tampering.read(chart);
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("<line [^>]*y2='([0-9.]+)'[^>]*stroke:rgb\\(0,114,178\\)[^>]*>").matcher(svg);
		assertTrue(m.find(), "a line of a series");
		String moved = m.group().replace("y2='" + m.group(1) + "'", "y2='" + (Double.parseDouble(m.group(1)) - 40) + "'");
		Tampering.write(chart, svg.replace(m.group(), moved));
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals(name) && p.what().startsWith("is not the document the trace makes") && p.what().contains("y2=")),
				r.problems().toString());
		assertTrue(r.problems().stream().allMatch(p -> p.file().equals(name)), "only the chart: " + r.problems());
	}

	/**
	 * The verdicts edited consistently in every document (the trace, results.json, the logs) with every hash
	 * recomputed agreed with each other: now the trace's verdict is re-derived from its own figures (a criterion
	 * passed by its measured value and bound, a change by the two values).
	 */
	@Test
	void aVerdictOrChangeThatDoesNotFollowFromTheFiguresIsFound() throws IOException {
		Path out = out("forged-verdict");
		Tampering.replace(out.resolve("trace.xmi"), "measured=\"0.7\" bound=\"1.0\" unit=\"pt\" passed=\"true\"",
				"measured=\"0.7\" bound=\"0.5\" unit=\"pt\" passed=\"true\"");
		Tampering.replace(out.resolve("trace.xmi"), "delta=\"-0.007000000000000006\" marker=\"worse\"", "delta=\"-0.001\" marker=\"worse\"");
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals("trace.xmi") && p.what().contains("passed (measured 0.7, bound 0.5): says true, re-derived false")),
				r.problems().toString());
		assertTrue(any(r, p -> p.file().equals("trace.xmi") && p.what().contains("accuracy delta: says -0.001, re-derived -0.007")), r.problems().toString());
	}

	/**
	 * The trace is a file of the folder: edited, with SHA256SUMS recomputed, it named any file as an input (an
	 * absolute path, a path out of the recipe's folder, a "recipe" that is no recipe, a model's "external data"
	 * elsewhere) and verify read it and printed its SHA-256; so did a dataset file replaced by a link out of the
	 * dataset. verify reads only what the recipe names now, and says which recorded inputs it did not read.
	 */
	@Test
	void aTraceNamingFilesTheRecipeDoesNotReadMakesVerifyReadNone() throws IOException {
		Verification.Result fresh = verify(example.resolve("out"));
		assertTrue(fresh.notes().contains("inputs read outside the folder: the recipe " + example.toRealPath().resolve("fashion_cnn.qr")
				+ " and 5 files and datasets it names (--recipe chooses the recipe, --outputs-only reads none)"), fresh.notes().toString());
		Path out = out("trace-outside");
		Path recipeFolder = out.getParent();
		Path secret = Files.writeString(recipeFolder.resolveSibling("secret.txt"), "a file the run never read\n");
		String secretHash = SafeFiles.sha256(secret);
		Path trace = out.resolve("trace.xmi");
		Tampering.replace(trace, "<inputFiles path=\"project.qr\"", "<inputFiles path=\"../secret.txt\"");
		Tampering.replace(trace, "<inputFiles path=\"data/labels.json\"", "<inputFiles path=\"" + secret.toAbsolutePath() + "\"");
		Tampering.replace(trace, "<documents>trace.xmi</documents>", "<inputFiles path=\"../secret.txt\" kind=\"external-data\" owner=\"cnn\" sha256=\""
				+ "0".repeat(64) + "\"/>\n  <documents>trace.xmi</documents>");
		Path image = recipeFolder.resolve("data/calibration/bag/00023.png");
		Files.delete(image);
		Files.createSymbolicLink(image, secret.toAbsolutePath());
		Tampering.resum(out);
		Verification.Result r = verify(out);
		assertFalse(r.passed());
		assertFalse(any(r, p -> p.what().contains(secretHash)), "verify read the file the forged trace named: " + r.problems());
		assertTrue(any(r, p -> p.file().equals("../secret.txt") && p.what().contains("the recipe names no such import; not read")), r.problems().toString());
		assertTrue(any(r, p -> p.file().startsWith(secret.toAbsolutePath().toString()) && p.what().startsWith("an absolute path")), r.problems().toString());
		assertTrue(any(r, p -> p.file().equals("../secret.txt (external-data of cnn)") && p.what().contains("not in the folder of a model the recipe names")),
				r.problems().toString());
		assertTrue(any(r, p -> p.file().equals("calib: bag/00023.png") && p.what().contains("symbolic link")), r.problems().toString());

		Path forged = out("trace-outside-recipe");
		Tampering.replace(forged.resolve("trace.xmi"), "recipeFolder=\"..\"", "recipeFolder=\"" + secret.getParent().toAbsolutePath() + "\"");
		Tampering.replace(forged.resolve("trace.xmi"), "<inputFiles path=\"fashion_cnn.qr\"", "<inputFiles path=\"secret.txt\"");
		Tampering.resum(forged);
		r = verify(forged);
		assertFalse(any(r, p -> p.what().contains(secretHash)), "verify read the 'recipe' the forged trace named: " + r.problems());
		assertTrue(any(r, p -> p.file().equals("secret.txt") && p.what().contains("not a recipe file (.qr), so not read")), r.problems().toString());
	}

	@Test
	void pathsLeavingTheFolderAreRefusedNotFollowed() throws IOException {
		Path out = out("dot-dot");
		Path secret = out.getParent().resolve("secret.txt");
		Files.writeString(secret, "outside the output folder");
		// listed with its true hash: a verify that followed the entry would find it matching and say nothing
		String line = SafeFiles.sha256(secret) + "  ../secret.txt\n";
		Files.writeString(out.resolve("SHA256SUMS"), line, java.nio.file.StandardOpenOption.APPEND);
		Files.writeString(out.resolve(Outputs.INVENTORY), line.replace("../", "models/../../"), java.nio.file.StandardOpenOption.APPEND);
		Verification.Result r = verify(out);
		assertTrue(any(r, p -> p.file().equals("SHA256SUMS") && p.what().contains("names '../secret.txt', outside the folder: refused, not read")),
				r.problems().toString());
		assertTrue(any(r, p -> p.file().equals(Outputs.INVENTORY) && p.what().contains("names 'models/../../secret.txt', outside the folder: refused")),
				r.problems().toString());

		Path other = out("dot-dot-manifest");
		Tampering.replace(other.resolve("data/eval.manifest.txt"), "  bag/00018.png", "  ../../secret.txt");
		Tampering.replace(other.resolve("trace.xmi"), "<documents>report.html</documents>", "<documents>../secret.txt</documents>");
		Verification.Result m = verify(other);
		assertTrue(any(m, p -> p.file().equals("data/eval.manifest.txt") && p.what().startsWith("refused line")), m.problems().toString());
		assertTrue(any(m, p -> p.file().equals("trace.xmi") && p.what().contains("names '../secret.txt' as a document")), m.problems().toString());
	}

	/** The fiq_int8 model replaced by the fiq_uint8 one, every hash (SHA256SUMS, inventory, trace, results) recomputed: the figures give it away. */
	@Test
	void aModelReplacedByADifferentlyQuantizedOneIsFoundByTheFigures() throws IOException {
		Path out = out("replaced");
		Tampering.replaceModel(out, "models/cnn/fiq_int8.onnx", Files.readAllBytes(out.resolve("models/cnn/fiq_uint8.onnx")));
		Verification.Result r = verify(out);
		assertFalse(r.passed());
		assertTrue(r.problems().stream().allMatch(p -> Set.of("trace.xmi", "results.json", "report.html", "debug/cnn/fiq_int8/debug.csv").contains(p.file())
				|| p.file().startsWith("logs/PhIMT0003-cnn.")),
				"no hash gives it away, only what the model holds: " + r.problems());
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(any(r, p -> p.file().equals("logs/PhIMT0003-cnn." + format)), "the optimization log prints what the model holds, as " + format + ": " + r.problems());
		}
		assertTrue(r.problems().contains(new Problem("trace.xmi",
				"artifact cnn/fiq_int8 input input elementType: says INT8, re-derived UINT8")), r.problems().toString());
		assertTrue(r.problems().contains(new Problem("trace.xmi",
				"optimization OPT-FASHION-CNN-1/cnn/fiq_int8 tensor logits (output) zero points: says [-1], re-derived [127]")), r.problems().toString());
		assertTrue(any(r, p -> p.file().equals("report.html") && p.what().startsWith("cnn tensors by element type, fiq_int8, INT8: says 12 / 10")),
				r.problems().toString());
	}

	/** The subtlest replacement: one per-channel weight scale of the same model changed, every hash recomputed. */
	@Test
	void oneChangedScaleIsFoundAndNamed() throws IOException {
		Path out = out("one-scale");
		float[] before = new float[1];
		Tampering.editInitializer(out, "models/cnn/fiq_int8.onnx", "classifier.4.weight_scale", scale -> {
			float[] v = new float[scale.getRawData().size() / 4];
			scale.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
			before[0] = v[3];
			v[3] *= 1.5f;
			java.nio.ByteBuffer changed = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			changed.asFloatBuffer().put(v);
			return scale.toBuilder().setRawData(ByteString.copyFrom(changed.array())).build();
		});
		Verification.Result r = verify(out);
		List<Problem> inTrace = r.problems().stream().filter(x -> x.file().equals("trace.xmi")).toList();
		assertEquals(1, inTrace.size(), r.problems().toString());
		Problem p = inTrace.get(0);
		// the optimization log lists every per-channel scale: each of its formats names the changed one too
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(any(r, x -> x.file().equals("logs/PhIMT0003-cnn." + format) && x.what().contains("classifier.4.weight (weight), scale")), format + ": " + r.problems());
		}
		assertTrue(r.problems().stream().allMatch(x -> x.file().equals("trace.xmi") || x.file().startsWith("logs/PhIMT0003-cnn.")), r.problems().toString());
		assertTrue(p.what().startsWith("optimization OPT-FASHION-CNN-1/cnn/fiq_int8 tensor classifier.4.weight (weight) scales: says ["), p.what());
		assertTrue(p.what().contains(", " + before[0] + ", ") && p.what().contains(", " + (before[0] * 1.5f) + ", "), p.what());
	}

	/** Same types, scales, zero points, size: only the weights changed (one layer's set to zero), every hash recomputed. */
	@Test
	void weightsThatAreNotTheFloatModelsQuantizedAreFound() throws IOException {
		Path out = out("zeroed");
		Tampering.editInitializer(out, "models/cnn/fiq_int8.onnx", "features.4.weight_bn_folded_q",
				w -> w.toBuilder().setRawData(ByteString.copyFrom(new byte[w.getRawData().size()])).build());
		Verification.Result r = verify(out);
		assertEquals(1, r.problems().size(), r.problems().toString());
		assertTrue(r.problems().get(0).what().startsWith("optimization OPT-FASHION-CNN-1/cnn/fiq_int8 tensor features.4.weight_bn_folded (weight) codes: "
				+ "says the float model's features.4.weight_bn_folded quantized, re-derived "), r.problems().toString());
		assertTrue(r.problems().get(0).what().contains(" of 4608 codes are not the float model's weights quantized"), r.problems().toString());
	}

	/**
	 * DRQ stores the convolutions' weights as int8 codes computed in float (Cast, Mul by the scales: ONNX Runtime
	 * folds them at load): verify re-derives those codes too, and finds a layer's codes zeroed.
	 */
	@Test
	void weightOnlyDrqCodesThatAreNotTheFloatModelsQuantizedAreFound() throws IOException {
		Path out = out("zeroed-drq");
		Tampering.editInitializer(out, "models/cnn/drq.onnx", "features.4.weight_bn_folded_q",
				w -> w.toBuilder().setRawData(ByteString.copyFrom(new byte[w.getRawData().size()])).build());
		Verification.Result r = verify(out);
		assertEquals(1, r.problems().size(), r.problems().toString());
		assertTrue(r.problems().get(0).what().startsWith("optimization OPT-FASHION-CNN-1/cnn/drq tensor features.4.weight_bn_folded (weight) codes: "
				+ "says the float model's features.4.weight_bn_folded quantized, re-derived "), r.problems().toString());
		assertTrue(r.problems().get(0).what().contains(" of 4608 codes are not the float model's weights quantized"), r.problems().toString());
	}

	/**
	 * A recovered variant (a layer excluded by recovery, which ONNX Runtime runs on integers all the same): verify agrees with
	 * its record, and finds the layer's state when the trace is edited to say what the exclusion asked for.
	 */
	@Test
	void anExcludedLayerOnnxRuntimeRunsOnIntegersIsReDerivedAsQuantized() throws IOException {
		Path ex = Runs.copy(example, TestData.tempDir("recovered").resolve("fashion-mnist"));
		Path recipe = Runs.recipe(ex, "recover.qr", """
				recipe recovery {
					model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
					dataset calib "data/calibration" role calibration labels "data/labels.json"
					dataset eval "data/evaluation" role evaluation labels "data/labels.json"
					preprocess { grayscale scale 1/255 }
					convert { }
					quantize narrow extends fiq_int8 {
						layer "/features/features.4/Conv" { range 0 to 0.2 }
					}
					schemes narrow
					evaluate on eval
					accept when accuracy drop < 1 pt
					recover by partial-quantization search one-at-a-time trials 3 rank-by rmse/scale
				}
				""");
		Path out = ex.resolve("out-recovered");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result fresh = verify(out);
		assertTrue(fresh.passed(), fresh.problems().toString());
		String layer = "<layers node=\"/features/features.4/Conv\" opType=\"Conv\" layerIndex=\"3\"";
		String trace = Tampering.read(out.resolve("trace.xmi"));
		int at = trace.lastIndexOf(layer + " quantized=\"true\""); // the recovered model's record
		assertTrue(at >= 0, "the recovered model records the excluded Conv as what runs, quantized");
		Tampering.write(out.resolve("trace.xmi"), trace.substring(0, at) + layer + trace.substring(at + layer.length() + " quantized=\"true\"".length()));
		Tampering.resum(out);
		assertTrue(verify(out).problems().contains(new Problem("trace.xmi",
				"optimization recovery-optimization/cnn/narrow layer /features/features.4/Conv (Conv): says float, re-derived quantized")),
				verify(out).problems().toString());
	}

	@Test
	void deepRunsTheEvaluationsAgainAndFindsAForgedMetric() throws IOException {
		Path out = out("deep");
		Path recipe = out.getParent().resolve("fashion_cnn.qr");
		Verification.Options deep = new Verification.Options(recipe, null, false, true, Progress.NONE);
		Verification.Result fresh = Verification.verify(out, deep);
		assertTrue(fresh.passed(), fresh.problems().toString());
		// fiq_int8's accuracy 0.908 made 0.918 in the trace and results.json, every hash recomputed: consistent documents
		replaceAfter(out.resolve("trace.xmi"), "variant=\"fiq_int8\"", "name=\"accuracy\" value=\"0.908\"", "name=\"accuracy\" value=\"0.918\"");
		replaceAfter(out.resolve("results.json"), "\"variant\" : \"fiq_int8\"", "\"accuracy\" : 0.908", "\"accuracy\" : 0.918");
		Tampering.rehashAll(out);
		Verification.Result shallow = Verification.verify(out, options(recipe, null));
		// the trace's own figures that follow from the metric no longer do: its delta, and (StepDeclarationsCheck) its marker under
		// the recipe's tolerance and the acceptance criterion's measured drop
		Problem marker = new Problem("trace.xmi", "evaluation cnn/fiq_int8/evaluation accuracy marker: says worse, the recipe's tolerance of 0.5 pt makes same"
				+ " (0.918 against 0.915; the documents print the trace's: edited after the run?)");
		Problem measured = new Problem("trace.xmi", "evaluation cnn/fiq_int8/evaluation acceptance accuracy drop < 1 pt measured: says 0.7, the recipe's criterion on the recorded metrics gives -0.3"
				+ " (the documents print the trace's: edited after the run?)");
		assertTrue(shallow.problems().contains(marker) && shallow.problems().contains(measured), shallow.problems().toString());
		assertTrue(shallow.problems().stream().allMatch(p -> p.file().equals("report.html") || p.file().startsWith("logs/PhIMT0003-cnn.") || p.equals(marker)
				|| p.equals(measured)
				|| p.equals(new Problem("trace.xmi", "evaluation cnn/fiq_int8/evaluation accuracy delta: says -0.007000000000000006, re-derived 0.0030000000000000027"))),
				"only the report and the optimization log's evaluation appendix still print 0.908, and the trace's change no longer follows: "
						+ shallow.problems());
		Verification.Result r = Verification.verify(out, deep);
		assertTrue(r.problems().contains(new Problem("trace.xmi", "evaluation of cnn (re-run) fiq_int8 accuracy: says 0.918, re-derived 0.908")),
				r.problems().toString());
	}

	/**
	 * A page with a sentence added to a PDF log, SHA256SUMS recomputed: a PDF on another number of pages is compared by its
	 * tables only (another machine's fonts lay it out otherwise), so main's verify said so in a note and exited 0, the added
	 * sentence unread. A document verify could not hold whole is now named as unchecked, and the folder is not verified unless
	 * the fingerprint the user kept binds it.
	 */
	@Test
	void aPageAddedToAPdfLogIsNotVerified() throws IOException {
		Path out = out("pdf-page");
		Path pdf = out.resolve("logs/PhIMT0003-cnn.pdf");
		Path forged = out.resolve("forged.tmp");
		try (org.apache.pdfbox.pdmodel.PDDocument d = org.apache.pdfbox.Loader.loadPDF(pdf.toFile())) {
			org.apache.pdfbox.pdmodel.PDPage page = new org.apache.pdfbox.pdmodel.PDPage();
			d.addPage(page);
			try (org.apache.pdfbox.pdmodel.PDPageContentStream c = new org.apache.pdfbox.pdmodel.PDPageContentStream(d, page)) {
				c.beginText();
				c.setFont(new org.apache.pdfbox.pdmodel.font.PDType1Font(org.apache.pdfbox.pdmodel.font.Standard14Fonts.FontName.HELVETICA), 12);
				c.newLineAtOffset(72, 700);
				c.showText("Addendum: every layer was reviewed and approved by the safety assessor.");
				c.endText();
			}
			d.save(forged.toFile());
		}
		Files.move(forged, pdf, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Tampering.resum(out);
		Verification.Result r = verify(out);
		assertFalse(r.verified(), "a page added: " + r.problems() + " " + r.notes());
		assertEquals(List.of("logs/PhIMT0003-cnn.pdf"), r.unchecked());
		assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("logs/PhIMT0003-cnn.pdf: laid out on ") && n.endsWith("not verified unless --expect binds it")),
				r.notes().toString());
		Verification.Result untouched = verify(example.resolve("out"));
		assertTrue(untouched.verified() && untouched.unchecked().isEmpty(), untouched.unchecked() + " " + untouched.notes());
	}

	/**
	 * The debugger's record forged as a careful forger would: one layer's accumulated rmse/scale halved in the trace, its
	 * debug.csv cell written to match, the charts drawn again from the edited record, every document made again from the
	 * edited trace and every list of hashes recomputed. The documents agree with each other and the shallow verify passes;
	 * {@code --deep} runs the debugger again on the model files and names the record, the layer and the figure.
	 */
	@Test
	void deepRunsTheDebuggerAgainAndFindsAForgedLayerFigure() throws IOException {
		Path out = out("deep-debug");
		Path recipe = out.getParent().resolve("fashion_cnn.qr");
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		org.quantrace.model.trace.DebugRecord d = trace.getDebugRecords().get(0);
		assertEquals("cnn/fiq_int8/debug", d.getId());
		org.quantrace.model.trace.LayerDebugRecord l = d.getLayers().stream()
				.filter(x -> x.getMode() == org.quantrace.model.trace.DebugMode.ACCUMULATED && x.getRmseOverScale() > 0.1 && x.getRmseOverScale() < 0.5).findFirst().orElseThrow();
		double honest = l.getRmseOverScale();
		l.setRmseOverScale(honest / 2);
		Path csv = out.resolve(d.getCsvPath());
		List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv));
		List<String> header = List.of(lines.get(0).split(","));
		int column = header.indexOf("rmse_over_scale");
		boolean edited = false;
		for (int i = 1; i < lines.size(); i++) {
			String[] cells = lines.get(i).split(",", -1);
			if (cells[header.indexOf("tensor")].equals(l.getTensor()) && cells[header.indexOf("mode")].equals("accumulated")) {
				cells[column] = String.valueOf(honest / 2);
				lines.set(i, String.join(",", cells));
				edited = true;
			}
		}
		assertTrue(edited, "the layer's row in debug.csv");
		Files.write(csv, lines);
		for (var chart : org.quantrace.report.DebugCharts.charts(d, "fiq_int8").entrySet()) {
			Files.writeString(csv.resolveSibling(chart.getKey()), chart.getValue());
		}
		for (String document : List.of("trace.xmi", "results.json", "report.html", "SHA256SUMS", "INVENTORY.sha256")) {
			Files.delete(out.resolve(document));
		}
		try (var logs = Files.list(out.resolve("logs"))) {
			for (Path log : logs.toList()) {
				Files.delete(log);
			}
		}
		Outputs.writeAll(trace, out);
		Verification.Result shallow = Verification.verify(out, options(recipe, null));
		assertTrue(shallow.passed(), "the forged documents agree with each other: " + shallow.problems());
		Verification.Result r = Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
		String where = "debug cnn/fiq_int8/debug (re-run) layer " + l.getLayerIndex() + " " + l.getTensor() + " (accumulated) rmseOverScale";
		assertTrue(any(r, p -> p.file().equals("trace.xmi") && p.what().startsWith(where + ": says " + honest / 2 + ", re-derived ")), where + ": " + r.problems());
		assertEquals(1, r.problems().size(), "that figure alone: " + r.problems());
	}

	/**
	 * A PDF's text breaks a long cell anywhere (inside a name, at a '/', a '_' or a hyphen), a space for each break: the
	 * example's cells broken so, in the Markdown (the page width decides where the PDF breaks), read as written: PhIMT0002's
	 * Appendix A node names, and PhIMT0003's per-layer header (the schemes' names), a node name and an activation's cell,
	 * and the variant names of the evaluation and criteria tables. The per-layer table left a column whose header named no
	 * scheme unread, and the variants' names were compared as printed ("no evaluation of cnn/fiq_ float32"). Then a value
	 * changed in each broken cell is found. (A Markdown log so broken is not the document the trace makes, and verify says
	 * so; the row checks, which read the PDF and DOCX logs too, are what this holds.)
	 */
	@Test
	void cellsThatThePdfBreaksVerifyCleanAndAChangedOneIsFound() {
		Path out = out("broken-cells");
		String removed = "| /features /features.1/Batch Normalization |";
		String header = "| index | node | op | drq | fiq_ float32 | fiq_int8 | fiq_ uint8 |";
		String relu = "| 1 | /features/ features.2/Relu | Relu | float32 (note 2) | uint8 asym metric, per- tensor |";
		Tampering.replace(out.resolve("logs/PhIMT0002-cnn.md"), "| /features/features.1/BatchNormalization |", removed);
		Tampering.replace(out.resolve("logs/PhIMT0002-cnn.md"), "| /classifier/classifier.2/Dropout |", "| /classifier/ classifier.2/Drop out |");
		Path log = out.resolve("logs/PhIMT0003-cnn.md");
		Tampering.replace(log, "| index | node | op | drq | fiq_float32 | fiq_int8 | fiq_uint8 |", header);
		Tampering.replace(log, "| 1 | /features/features.2/Relu | Relu | float32 (note 2) | uint8 asymmetric, per-tensor |", relu);
		Tampering.replace(log, "\n| fiq_float32 | 0.", "\n| fiq_ float32 | 0.");
		Tampering.replace(log, "| fiq_float32 | accuracy drop < 1 pt |", "| fiq_ float32 | accuracy drop < 1 pt |");
		Tampering.rehashAll(out);
		List<Problem> broken = Tampering.rowChecks(verify(out).problems(), "logs/PhIMT0002-cnn.md", "logs/PhIMT0003-cnn.md");
		assertTrue(broken.isEmpty(), broken.toString());

		Tampering.replace(out.resolve("logs/PhIMT0002-cnn.md"), removed, removed.replace("features.1", "features.2"));
		Tampering.replace(log, header, header.replace("fiq_ uint8", "fiq_ uint9"));
		Tampering.replace(log, relu, relu.replace("uint8 asym", "int8 asym"));
		Tampering.replace(log, "\n| fiq_ float32 | 0.", "\n| fiq_ float33 | 0.");
		Tampering.rehashAll(out);
		List<Problem> r = verify(out).problems();
		assertTrue(r.contains(new Problem("logs/PhIMT0002-cnn.md",
				"Appendix A (nodes removed or folded), /features /features.2/Batch Normalization: says removed or folded, re-derived no such node in the verified model")),
				r.toString());
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0002-cnn.md") && p.what().contains("also gone, and not listed: [/features/features.1/BatchNormalization")),
				r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-cnn.md",
				"Appendix F. Quantization per layer, column fiq_ uint9: says a scheme's column, re-derived no quantized scheme of cnn is named fiq_ uint9")), r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-cnn.md",
				"Appendix F. Quantization per layer, /features/ features.2/Relu, fiq_float32 output: says int8 asym metric, per- tensor, re-derived uint8 asymmetric, per-tensor")),
				r.toString());
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn.md") && p.what().contains("fiq_ float33") && p.what().contains("no evaluation of cnn/fiq_ float33")),
				r.toString());
	}

	/** Replaces the first {@code old} after {@code anchor}. */
	private static void replaceAfter(Path file, String anchor, String old, String now) {
		String text = Tampering.read(file);
		int at = text.indexOf(old, text.indexOf(anchor));
		assertTrue(text.indexOf(anchor) >= 0 && at >= 0, file + ": " + old + " after " + anchor);
		Tampering.write(file, text.substring(0, at) + now + text.substring(at + old.length()));
	}
}
