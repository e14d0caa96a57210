package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Pattern;

import com.openhtmltopdf.util.Diagnostic;
import com.openhtmltopdf.util.XRLog;
import com.openhtmltopdf.util.XRLogger;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.model.mapping.TemplateTable;
import org.quantrace.testing.TestData;

/**
 * Every format of both logs read back as an assessor would (Markdown and HTML as text, DOCX with POI,
 * PDF with its text extracted by PDFBox): the template's frame in order, every Documentation Information
 * row, every Table 1 row in the template's order, and none of the template's placeholders or instructions.
 * The DOCX is A4 with heading styles, a table of contents field, repeated header rows and fixed widths;
 * the PDF is PDF/A with embedded fonts.
 */
class LogFormatsTest {

	/** Template text that must be replaced (blue) or removed (red), and the noise the logs once had. */
	private static final List<String> PLACEHOLDERS = List.of("<Model_ID>", "<Model_optimization_ID>", "<Model_conversion_ID>", "Model_ID_version",
			"Date of design", "Format YYYY/MM/DD", "The person who converts the model", "Specify the framework", "Tensorflow (keras", "For instance:",
			"I.e., $s", "Set the range to a maximum", "Precision level for quantization", "Symmetric/asymmetric", "Weight quantization, integer quantization",
			"Layerwise quantization, channelwise", "Include here all the information", "Weight magnitude, gradient magnitude", "Element-wise, vector-wise",
			"Add here the reference", "must be replaced", "must be deleted", "In the case of using tools", "Operation system or any additional",
			"The deliverable generated from this template", "This template provides the minimum", "Javier Fernández", "101069595", "31.04.2024",
			"the recovery trials' appendix", "../");
	private static final Pattern NUMBER_NOISE = Pattern.compile("\\d\\.\\d{12,}|\\d\\.\\d+E-?\\d");

	private static Path logs;

	/** What the PDF renderer logged during the run (its log goes to the user's console through java.util.logging otherwise). */
	private static final List<String> rendererLog = new java.util.concurrent.CopyOnWriteArrayList<>();

	@BeforeAll
	static void run() {
		XRLogger before = XRLog.getLoggerImpl();
		XRLog.setLoggerImpl(new XRLogger() {
			@Override
			public void log(String where, Level level, String msg) {
				rendererLog.add(where + " " + level + ": " + msg);
			}

			@Override
			public void log(String where, Level level, String msg, Throwable th) {
				rendererLog.add(where + " " + level + ": " + msg + " " + th);
			}

			@Override
			public void setLevel(String logger, Level level) {
			}

			@Override
			public boolean isLogLevelEnabled(Diagnostic diagnostic) {
				return true;
			}
		});
		try {
			Path out = TestData.tempDir("log-formats").resolve("out");
			assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
			logs = out.resolve("logs");
		} finally {
			XRLog.setLoggerImpl(before);
		}
	}

	/** Writing the PDF logs prints nothing: the renderer's font, timing and CSS messages were 60 lines of every run's console. */
	@Test
	void thePdfRendererLogsNothing() {
		assertTrue(Files.exists(logs.resolve("PhIMT0003-cnn.pdf")));
		assertTrue(rendererLog.isEmpty(), rendererLog.size() + " messages: " + rendererLog.subList(0, Math.min(5, rendererLog.size())));
	}

	@ParameterizedTest(name = "{0} as {1}")
	@CsvSource({ "PhIMT0002, md", "PhIMT0002, html", "PhIMT0002, docx", "PhIMT0002, pdf", "PhIMT0003, md", "PhIMT0003, html", "PhIMT0003, docx",
			"PhIMT0003, pdf" })
	void theWholeDocumentInEveryFormat(String code, String format) throws IOException {
		Path file = logs.resolve(code + "-cnn." + format);
		String text = words(switch (format) {
		case "docx" -> docx(file);
		case "pdf" -> pdf(file);
		case "html" -> Files.readString(file).replaceAll("<[^>]+>", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"");
		default -> Files.readString(file).replace("<br>", " ").replaceAll("<a id=\"[^\"]*\"></a>", "").replace("**", "").replace("\\|", "|");
		});
		boolean conversion = code.equals("PhIMT0002");
		String section4 = conversion ? "4 Model Conversion" : "4 Model Optimization";
		int at = inOrder(text, file, 0, code + (conversion ? " Model Conversion Log" : " Model Optimization Log"), "Version 1.1", "Documentation Information");
		for (String row : List.of("Contract Number", "Project Website", "Contractual Deadline", "Dissemination Level", "Nature", "Author", "Modified by",
				"Reviewed by", "Approved by", "Keywords")) {
			at = inOrder(text, file, at, row);
		}
		assertTrue(text.contains("QX-2026-001"), file + ": the contract number from project.qr");
		at = inOrder(text, file, at, "Table of Contents", "1 Review / Modification History", "V1.1", "2026/11/24", "V1.0", "2026/11/02",
				"2 Objective", conversion ? "The purpose of this document is to delineate" : "The objective of this document is to define", "3 Scope",
				"This template applies to", section4, "The following table collects");
		String template = Files.readString(TestData.path("metamodel/org.quantrace.model/templates/" + (conversion ? "PhIMT0002-model-conversion-log.txt"
				: "PhIMT0003-model-optimization-log.txt")));
		List<String> labels = TemplateTable.labels(template);
		for (int table = 0; table < (conversion ? 1 : 4); table++) {
			at = inOrder(text, file, at, "Table " + (table + 1) + ".");
			for (String label : labels) {
				at = inOrder(text, file, at, label);
			}
		}
		at = inOrder(text, file, at, "5 Acronyms and Abbreviations", "AI-FSM – Artificial Intelligence - Functional Safety Management", "DL – Deep Learning",
				"6 Bibliography", "ONNX operator specification", "Appendix A.");
		if (!conversion) {
			inOrder(text, file, at, "Evaluation and verdict", "accuracy drop < 1 pt", "accepted", "Quantization parameters per tensor, fiq_int8",
					"Quantization per layer", "Reproducibility", "fashion_cnn.qr", "project.qr");
			assertTrue(text.contains("Verdict: accepted"), file + ": the verdict on the first page");
			for (String acronym : List.of("DRQ – Dynamic Range Quantization", "FIQ – Full-Integer Quantization", "QDQ – ", "ONNX – ")) {
				assertTrue(text.contains(acronym), file + ": acronym " + acronym);
			}
			assertTrue(text.contains("Krishnamoorthi") && text.contains("Jacob"), file + ": the papers of per-channel and affine quantization");
			assertTrue(text.contains("FASHION-CNN_1"), file + ": the verified learning model as <Model_ID>_<version>");
		} else {
			assertTrue(text.contains("FASHION-CNN_1"), file + ": Verified Learning Model ID as <Model_ID>_<version>");
		}
		// the example declares the version its file's producer names (provenance.json: torch 1.13.0a0): no model-framework warning
		assertFalse(text.contains("[model-framework]") || text.contains("producer metadata says"), file + ": a warning the example's files do not bear out");
		for (String p : PLACEHOLDERS) {
			assertFalse(text.contains(p), file + " still holds template text or a path: " + p);
		}
		assertFalse(NUMBER_NOISE.matcher(text).find(), file + ": a number at full double precision: " + find(NUMBER_NOISE, text));
	}

	/**
	 * The report's tensor inventory and the optimization log count the same model: the log says fiq_float32 holds
	 * 4 int8 weight tensors, and the report once headed its second count "weights" while it counted every tensor
	 * stored in the file (scales, zero points and the int8 weights: 8 int8), so the two documents disagreed.
	 */
	@Test
	void theReportsStoredTensorCountIsNotCalledWeights() throws IOException {
		String report = Files.readString(logs.getParent().resolve("report.html"));
		var caption = Pattern.compile("<caption>(Tensors by element type[^<]*)</caption>").matcher(report);
		assertTrue(caption.find(), "the report's tensor inventory");
		var row = Pattern.compile("<tr><td>fiq_float32</td>((?:<td class=\"num\">[^<]*</td>)+)</tr>").matcher(report.substring(caption.start()));
		assertTrue(row.find(), "fiq_float32's inventory row");
		String header = report.substring(caption.start(), report.indexOf("</tr>", caption.start()));
		List<String> types = Pattern.compile("<th>([^<]*)</th>").matcher(header).results().map(m -> m.group(1)).toList();
		List<String> cells = Pattern.compile(">([^<]*)</td>").matcher(row.group(1)).results().map(m -> m.group(1)).toList();
		int int8Stored = Integer.parseInt(cells.get(types.indexOf("INT8") - 1).split(" / ")[1]);
		var logged = Pattern.compile("weights: int8 \\((\\d+) tensors\\)").matcher(Files.readString(logs.resolve("PhIMT0003-cnn.md")));
		assertTrue(logged.find() && logged.find(), "fiq_float32's precision row (the second table) in the log");
		int int8Weights = Integer.parseInt(logged.group(1));
		assertTrue(int8Stored > int8Weights, "the file stores more int8 tensors (" + int8Stored + ") than weights (" + int8Weights + "): its scales' zero points");
		assertFalse(caption.group(1).matches(".*/ weights\\)"), "the stored count is not headed 'weights' (the log counts " + int8Weights + " int8 weights, the report "
				+ int8Stored + "): " + caption.group(1));
		assertTrue(caption.group(1).contains("stored") && caption.group(1).contains("scales") && caption.group(1).contains("zero points"),
				"the caption says what the second count holds: " + caption.group(1));
	}

	/** No "layer(s)": the logs know how many layers they count (the example's drq had "the 1 layer(s) with dynamic kernels"). */
	@ParameterizedTest
	@CsvSource({ "md", "html", "docx", "pdf" })
	void countsAreSingularOrPlural(String format) throws IOException {
		Path file = logs.resolve("PhIMT0003-cnn." + format);
		String text = text(file);
		assertFalse(text.contains("(s)"), file + ": " + find(Pattern.compile("\\(s\\)"), text));
		assertTrue(text.contains("the 1 layer with dynamic kernels"), file + ": drq's one dynamic layer in the singular");
	}

	/** The Calibration row states the batch size once ("batch size: 32" was followed by "in batches of 32"). */
	@Test
	void theCalibrationRowSaysTheBatchSizeOnce() throws IOException {
		String md = Files.readString(logs.resolve("PhIMT0003-cnn.md"));
		List<String> rows = md.lines().filter(l -> l.startsWith("| Calibration | ") && l.contains("samples in batches of")).toList();
		assertEquals(3, rows.size(), "the three calibrated schemes' Calibration rows");
		for (String r : rows) {
			assertEquals(1, Pattern.compile("batch").matcher(r).results().count(), "one batch size: " + r);
		}
	}

	/**
	 * The converter's settings read as a person writes them, not as Java prints a list or a boolean: the example's
	 * conversion log said "eliminate: [dropout, batch-normalization, …]" and "fold constants: true".
	 */
	@ParameterizedTest
	@CsvSource({ "md", "html", "docx", "pdf" })
	void theConverterSettingsAreWordsNotJava(String format) throws IOException {
		Path file = logs.resolve("PhIMT0002-cnn." + format);
		String text = text(file);
		assertTrue(text.contains("eliminate: dropout, batch"),
				file + ": " + find(Pattern.compile("eliminate: .{0,40}"), text));
		assertTrue(text.contains("fold constants: yes"), file + ": " + find(Pattern.compile("fold constants: \\S+"), text));
		assertFalse(Pattern.compile(": (true|false)\\b|: \\[[a-z]").matcher(text).find(), file + ": " + find(Pattern.compile(": (true|false)\\b|: \\[[a-z]"), text));
	}

	/** PhIMT0002's elimination rows are sentences in every format: they read "not-present, details no gradient-clipping in the graph". */
	@ParameterizedTest
	@CsvSource({ "md", "html", "docx", "pdf" })
	void theEliminationRowsAreWordsNotStatusCodes(String format) throws IOException {
		Path file = logs.resolve("PhIMT0002-cnn." + format);
		String text = text(file).replace("\\|", "|");
		assertTrue(text.contains("Removed: 1 node, /classifier/classifier.2/Dropout (ratio 0.25). At inference Dropout passes its input through."),
				file + ": " + find(Pattern.compile("Dropout .{0,120}"), text));
		assertTrue(text.contains("Not present in the model: no gradient clipping in the graph, and no training algorithm stored with the model"),
				file + ": " + find(Pattern.compile("Gradient Clipping .{0,120}"), text));
		assertFalse(text.contains("not-present") || text.contains(", details "), file + ": " + find(Pattern.compile("not-present|, details "), text));
	}

	/**
	 * A negative number is written with the hyphen-minus in every format, as the Markdown has it: the DOCX wrote its minus
	 * signs as U+2011 (non-breaking hyphen), so "-0.0442" copied from Word into a spreadsheet was text, not a number.
	 */
	@ParameterizedTest
	@CsvSource({ "PhIMT0002, html", "PhIMT0002, docx", "PhIMT0002, pdf", "PhIMT0003, html", "PhIMT0003, docx", "PhIMT0003, pdf" })
	void negativeNumbersHaveThePlainMinusInEveryFormat(String code, String format) throws IOException {
		Path file = logs.resolve(code + "-cnn." + format);
		String name = file.getFileName().toString();
		String raw = name.endsWith(".docx") ? docx(file) : name.endsWith(".pdf") ? pdf(file) : Files.readString(file);
		assertFalse(raw.indexOf('\u2011') >= 0, file + ": a non-breaking hyphen (U+2011) in " + find(Pattern.compile("\u2011"), raw));
		java.util.Set<String> negatives = new java.util.TreeSet<>();
		Pattern.compile("(?<![\\w.-])-\\d+(?:\\.\\d+)?(?:e-\\d+)?(?![\\w.])").matcher(Files.readString(logs.resolve(code + "-cnn.md")))
				.results().forEach(m -> negatives.add(m.group()));
		if (code.equals("PhIMT0003")) {
			assertTrue(negatives.contains("-128"), "the int8 input's zero point: " + negatives);
		}
		String text = words(raw);
		for (String n : negatives) {
			assertTrue(Pattern.compile("(?<![\\w.-])" + Pattern.quote(n) + "(?![\\w.])").matcher(text).find(), file + ": " + n + " as the Markdown has it");
		}
	}

	@ParameterizedTest
	@CsvSource({ "PhIMT0002", "PhIMT0003" })
	void theDocxIsWhatWordFilesExpect(String code) throws IOException {
		try (XWPFDocument doc = new XWPFDocument(Files.newInputStream(logs.resolve(code + "-cnn.docx")))) {
			var body = doc.getDocument().getBody();
			assertEquals(11906, ((java.math.BigInteger) body.getSectPr().getPgSz().getW()).intValue(), "A4 width in twips");
			assertEquals(16838, ((java.math.BigInteger) body.getSectPr().getPgSz().getH()).intValue(), "A4 height in twips");
			List<String> headings = doc.getParagraphs().stream().filter(p -> "Heading1".equals(p.getStyle())).map(XWPFParagraph::getText).toList();
			assertEquals(List.of("1 Review / Modification History", "2 Objective", "3 Scope"), headings.subList(0, 3), "Word heading styles");
			assertTrue(doc.getStyles().getStyle("Heading1") != null && doc.getStyles().getStyle("Heading1").getCTStyle().getPPr().isSetOutlineLvl(),
					"headings have outline levels (the TOC reads them)");
			String xml = doc.getDocument().xmlText();
			assertTrue(xml.contains("TOC \\o \"1-2\""), "a table of contents field");
			assertTrue(doc.getSettings() != null && doc.isEnforcedUpdateFields(), "Word updates the fields on opening");
			int grids = 0;
			for (XWPFTable t : doc.getTables()) {
				assertEquals("QuantraceTable", t.getStyleID(), "one table style");
				assertEquals(org.openxmlformats.schemas.wordprocessingml.x2006.main.STTblLayoutType.FIXED, t.getCTTbl().getTblPr().getTblLayout().getType(),
						"fixed column widths");
				if (t.getRow(0).isRepeatHeader()) {
					grids++;
				}
			}
			assertTrue(grids >= 3, "tables with a header row repeated on every page: " + grids);
			if (code.equals("PhIMT0003")) {
				assertTrue(xml.contains("w:orient=\"landscape\""), "wide appendices on landscape pages");
			}
		}
	}

	@ParameterizedTest
	@CsvSource({ "PhIMT0002", "PhIMT0003" })
	void thePdfIsArchival(String code) throws IOException {
		try (PDDocument pdf = Loader.loadPDF(logs.resolve(code + "-cnn.pdf").toFile())) {
			String xmp = new String(pdf.getDocumentCatalog().getMetadata().toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
			assertTrue(xmp.contains("pdfaid:part") && xmp.contains(">2<") || xmp.contains("pdfaid:part=\"2\""), "PDF/A-2 identification: " + xmp);
			for (PDPage page : pdf.getPages()) {
				for (var name : page.getResources().getFontNames()) {
					PDFont font = page.getResources().getFont(name);
					assertTrue(font.isEmbedded(), "font " + font.getName() + " embedded");
				}
				float w = page.getMediaBox().getWidth();
				float h = page.getMediaBox().getHeight();
				assertTrue(Math.abs(Math.min(w, h) - 595) < 2 && Math.abs(Math.max(w, h) - 842) < 2, "A4 pages: " + w + " x " + h);
			}
			if (code.equals("PhIMT0003")) {
				assertTrue(pdf.getNumberOfPages() <= 17, "the example's optimization log fits in about 15 pages: " + pdf.getNumberOfPages());
			}
		}
	}

	/** Finds each of {@code parts} after the previous one; returns the position after the last. */
	private static int inOrder(String text, Path file, int from, String... parts) {
		int at = from;
		for (String p : parts) {
			int i = text.indexOf(words(p), at);
			assertTrue(i >= 0, file.getFileName() + ": '" + p + "' missing after position " + at + ": …"
					+ text.substring(Math.max(0, at - 80), Math.min(text.length(), at + 300)) + "…");
			at = i + words(p).length();
		}
		return at;
	}

	private static String words(String text) {
		return text.replace('\u00a0', ' ').replaceAll("\\s+", " ");
	}

	private static String find(Pattern p, String text) {
		var m = p.matcher(text);
		return m.find() ? text.substring(Math.max(0, m.start() - 60), Math.min(text.length(), m.end() + 20)) : "";
	}

	/** A log's text as its format holds it (DOCX and PDF extracted), whitespace collapsed. */
	static String text(Path file) throws IOException {
		String name = file.getFileName().toString();
		return words(name.endsWith(".docx") ? docx(file) : name.endsWith(".pdf") ? pdf(file) : Files.readString(file));
	}

	private static String docx(Path file) throws IOException {
		try (XWPFDocument doc = new XWPFDocument(Files.newInputStream(file)); XWPFWordExtractor x = new XWPFWordExtractor(doc)) {
			return x.getText();
		}
	}

	private static String pdf(Path file) throws IOException {
		try (PDDocument pdf = Loader.loadPDF(file.toFile())) {
			return new PDFTextStripper().getText(pdf);
		}
	}

	static List<String> lines(String text) {
		return new ArrayList<>(text.lines().toList());
	}
}
