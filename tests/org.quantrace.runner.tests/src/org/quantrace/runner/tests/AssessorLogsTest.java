package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A model that arrives quantized (here the example CNN as Quantrace's fiq_int8 wrote it: QDQ form, trained on Fashion-MNIST) and
 * that a recipe runs as it is ({@code schemes unquantized}): the run wrote no Model Optimization Log at all and report.html gave no
 * layer count for it, so an assessor had no optimization log for the model that ships (branch assessor10). Now PhIMT0003 states the
 * quantization as found, from the trace, and verify re-derives its figures from the model file. And the markers' tolerance, which no
 * document stated.
 */
class AssessorLogsTest {

	/** The example CNN's two Conv and two Gemm in fiq_int8's file: its stem Conv reads the int8 input and writes uint8, which no kernel does (float). */
	private static final String LAYERS = "layers: 3 of its 4 Conv/MatMul/Gemm/recurrent layers on integer codes, 1 in float";

	private static Path dir;
	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		dir = Runs.exampleCopy("arrived-log");
		Path quantized = dir.resolve("quantized");
		assertEquals(0, Runs.run(Runs.fiqInt8Recipe(dir, "int8.qr", "int8", "model/fashion_cnn_trained.onnx"), quantized).exitCode());
		Files.copy(quantized.resolve("models/cnn/fiq_int8.onnx"), dir.resolve("model/arrived.onnx"));
		// no convert step: its check feeds the int8 model float samples, which it refuses (data-type)
		String recipe = Runs.exampleRecipe(dir, "arrived", "model/arrived.onnx", "unquantized").replaceAll("(?s)\tconvert \\{.*?\n\t\\}\n", "").lines()
				.filter(l -> !l.trim().startsWith("debug ")).reduce("", (a, b) -> a + b + "\n");
		out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "arrived.qr", recipe), out).exitCode());
	}

	@Test
	void theModelThatShipsHasItsOptimizationLogInEveryFormat() throws IOException {
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(Files.isRegularFile(out.resolve("logs/PhIMT0003-arrived." + format)), "no PhIMT0003-arrived." + format);
		}
		String md = Files.readString(out.resolve("logs/PhIMT0003-arrived.md"));
		assertTrue(md.contains("Model optimization information (arrived / unquantized, as found)"), md);
		assertTrue(md.contains(LAYERS), md);
		assertTrue(md.contains("QDQ form"), md);
		assertTrue(md.contains("input 'input': INT8, scale 0.003921569, zero point -128"), md); // the file's own input scale, 1/255
		assertTrue(md.contains("Evaluation of unquantized: accepted"), md);
		String report = Files.readString(out.resolve("report.html"));
		assertTrue(report.contains("3 of its 4 Conv/MatMul/Gemm/recurrent layers on integer codes, 1 in float; neither calibrated nor quantized by this run"),
				"report.html gives no layer count");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The trace says one layer fewer on integers, every hash recomputed: verify counts the layers in the file again. */
	@Test
	void verifyCountsTheLayersAgainFromTheFile() {
		Path forged = Tampering.forgedTrace(out, dir.resolve("forged-layers"), "integerLayers=\"3\"", "integerLayers=\"2\"");
		Tampering.foundInTrace(Verification.verify(forged).problems(), "integerLayers, floatLayers", "[2, 1]", "[3, 1]");
	}

	/** The Markdown's layer count alone edited, every hash recomputed: the log is remade from the trace and read back. */
	@Test
	void anEditedLayerCountInOneFormatIsFound() {
		Path forged = Tampering.edited(out, dir.resolve("forged-md"), "logs/PhIMT0003-arrived.md", LAYERS, LAYERS.replace("1 in float", "0 in float"));
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-arrived.md") && p.what().contains("layers")), problems.toString());
	}

	/**
	 * The markers (↑ ↓ ~) are set by the recipe's tolerance, which no document stated: "~ within the tolerance" of what. Now the log and
	 * report.html print it from the trace, and verify holds the recorded tolerance against the recipe: a trace edited to a tolerance of
	 * 5 pt with every document made again from it is a mismatch.
	 */
	@Test
	void theMarkersSayTheirToleranceAndVerifyHoldsItAgainstTheRecipe() throws IOException {
		String caption = "~ within the tolerance of 0.5 pt (0.5 % of the original's value for latency, size, MSE and PSNR)";
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-arrived.md")).contains(caption), "the log does not say the tolerance");
		assertTrue(Files.readString(out.resolve("report.html")).contains(caption), "report.html does not say the tolerance");

		Path forged = Runs.copy(out, dir.resolve("forged-tolerance"));
		org.quantrace.model.trace.TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		trace.getEvaluations().forEach(e -> e.setTolerance(5));
		Tampering.remadeFromTrace(forged, trace);
		assertTrue(Files.readString(forged.resolve("report.html")).contains("within the tolerance of 5 pt"), "not remade");
		Tampering.foundInTrace(Verification.verify(forged).problems(), "tolerance: records 5.0 pt, the recipe declares 0.5 pt");
	}

	/**
	 * The DOCX of the log with every formatted run hidden (w:vanish: its verdict, its warnings, its bold rows), its text the same and
	 * SHA256SUMS recomputed: Word shows an assessor a log without them. verify compared the DOCX's text alone and found nothing (main
	 * d6a07a35: 0 mismatches); now it holds how the text shows too.
	 */
	@Test
	void aDocxWhoseVerdictAndWarningsAreHiddenIsFound() throws IOException {
		Path forged = Runs.copy(out, dir.resolve("forged-hidden"));
		Path docx = forged.resolve("logs/PhIMT0003-arrived.docx");
		Tampering.replaceInZip(docx, "<w:rPr>", "<w:rPr><w:vanish/>");
		Tampering.resum(forged);
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-arrived.docx") && p.what().contains("not how it shows it")), problems.toString());
	}

	/**
	 * The PDF of the log with its first page's text made invisible (text rendering mode 3 before its content: the verdict and the
	 * documentation information gone for a reader), SHA256SUMS recomputed. verify compared the PDF's extracted text, which keeps
	 * invisible glyphs, and found nothing; now the text it compares is the visible text.
	 */
	@Test
	void aPdfWhoseFirstPageIsMadeInvisibleIsFound() throws IOException {
		Path forged = Runs.copy(out, dir.resolve("forged-invisible"));
		Path pdf = forged.resolve("logs/PhIMT0003-arrived.pdf");
		try (org.apache.pdfbox.pdmodel.PDDocument d = org.apache.pdfbox.Loader.loadPDF(Files.readAllBytes(pdf))) {
			try (org.apache.pdfbox.pdmodel.PDPageContentStream first = new org.apache.pdfbox.pdmodel.PDPageContentStream(d, d.getPage(0),
					org.apache.pdfbox.pdmodel.PDPageContentStream.AppendMode.PREPEND, false)) {
				first.setRenderingMode(org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.NEITHER);
			}
			d.save(pdf.toFile());
		}
		Tampering.resum(forged);
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-arrived.pdf")), problems.toString());
	}

	/**
	 * A folder an earlier version wrote holds no record of what an arrived model holds: verify, which checks such a folder's documents
	 * by their figures only (and says so), must not call the missing records a mismatch of the model file.
	 */
	@Test
	void aFolderOfAnEarlierVersionIsNotHeldToTheArrivedRecords() {
		Path older = Runs.copy(out, dir.resolve("older"));
		String trace = Tampering.read(older.resolve("trace.xmi"));
		String stripped = trace.replaceAll("\\s+quantizedForm=\"[^\"]*\"\\s+quantizedOps=\"[^\"]*\"\\s+integerLayers=\"\\d+\"\\s+floatLayers=\"\\d+\"", "")
				.replaceFirst("name=\"Quantrace\" version=\"[^\"]*\"", "name=\"Quantrace\" version=\"0.0.1.earlier\"");
		assertTrue(!stripped.contains("quantizedForm") && stripped.contains("0.0.1.earlier"), "the premise");
		Tampering.write(older.resolve("trace.xmi"), stripped);
		Tampering.rehashAll(older);
		List<Problem> problems = Verification.verify(older).problems();
		assertTrue(problems.stream().noneMatch(p -> p.what().contains("quantizedForm") || p.what().contains("integerLayers")), problems.toString());
	}
}
