package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDMarkedContentReference;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureElement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.report.LogReader;
import org.quantrace.testing.TestData;

/**
 * verify reads the logs back ({@link LogReader}); the PDF is laid out from the same XHTML as the HTML log, so it
 * must read as the same tables, cell for cell. A table that continues over a page has its header row drawn again
 * on the new page, and the PDF tags every repeat as more text of the same header cells: read in full, the header
 * was "variant variant" in four tables of the example's PhIMT0003, and in the zoo's MobileNetV3 log "size size
 * (bytes) (bytes)" made every figure of the evaluation table "no such metric".
 */
class LogReadingTest {

	private static Path logs;

	@BeforeAll
	static void run() {
		Path out = TestData.tempDir("log-reading").resolve("out");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
		logs = out.resolve("logs");
	}

	@ParameterizedTest
	@ValueSource(strings = { "PhIMT0002", "PhIMT0003" })
	void thePdfReadsAsTheSameTablesAsTheHtml(String code) throws IOException {
		List<LogReader.Table> html = read(code, "html");
		List<LogReader.Table> pdf = read(code, "pdf");
		assertEquals(titles(html), titles(pdf), code + ": the same tables in the same order");
		for (int i = 0; i < html.size(); i++) {
			assertEquals(squeezed(html.get(i)), squeezed(pdf.get(i)), code + ".pdf, " + html.get(i).title());
		}
	}

	/** The case above can fail only if some table of the PDF does continue over a page with its header repeated. */
	@ParameterizedTest
	@ValueSource(strings = { "PhIMT0003" })
	void somePdfTableRepeatsItsHeaderOnANewPage(String code) throws IOException {
		try (PDDocument doc = Loader.loadPDF(logs.resolve(code + "-cnn.pdf").toFile())) {
			Map<COSDictionary, Integer> pages = new HashMap<>();
			for (int i = 0; i < doc.getNumberOfPages(); i++) {
				pages.put(doc.getPage(i).getCOSObject(), i);
			}
			List<Set<Integer>> headers = new ArrayList<>();
			headerCells(doc.getDocumentCatalog().getStructureTreeRoot().getKids(), null, pages, headers);
			assertTrue(headers.stream().anyMatch(p -> p.size() > 1), code + ": a header cell drawn on more than one page; pages of the header cells: " + headers);
		}
	}

	private static void headerCells(List<Object> kids, PDPage page, Map<COSDictionary, Integer> pages, List<Set<Integer>> found) {
		for (Object k : kids) {
			if (k instanceof PDStructureElement e) {
				PDPage p = e.getPage() != null ? e.getPage() : page;
				if (e.getStructureType().equals("TH")) {
					Set<Integer> on = new HashSet<>();
					pagesOf(e, p, pages, on);
					found.add(on);
				} else {
					headerCells(e.getKids(), p, pages, found);
				}
			}
		}
	}

	private static void pagesOf(PDStructureElement e, PDPage page, Map<COSDictionary, Integer> pages, Set<Integer> on) {
		for (Object k : e.getKids()) {
			if (k instanceof Integer && page != null) {
				on.add(pages.get(page.getCOSObject()));
			} else if (k instanceof PDMarkedContentReference r) {
				PDPage p = r.getPage() != null ? r.getPage() : page;
				if (p != null) {
					on.add(pages.get(p.getCOSObject()));
				}
			} else if (k instanceof PDStructureElement child) {
				pagesOf(child, child.getPage() != null ? child.getPage() : page, pages, on);
			}
		}
	}

	private static List<LogReader.Table> read(String code, String format) throws IOException {
		Path file = logs.resolve(code + "-cnn." + format);
		return LogReader.read(file.getFileName().toString(), Files.readAllBytes(file));
	}

	private static List<String> titles(List<LogReader.Table> tables) {
		return tables.stream().map(t -> LogReader.squeeze(t.title())).toList();
	}

	private static List<List<String>> squeezed(LogReader.Table t) {
		return t.rows().stream().map(r -> r.stream().map(LogReader::squeeze).toList()).toList();
	}
}
