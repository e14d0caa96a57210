package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.optionalcontent.PDOptionalContentGroup;
import org.apache.pdfbox.pdmodel.graphics.optionalcontent.PDOptionalContentProperties;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotation;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationFreeText;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * PhIMT0003's DOCX and PDF forged where verify did not read them (branch assessor11; main c6f2e9e0 found none, 0 mismatches): a
 * document.xml that only the zip's central directory lists, which Word, LibreOffice and python-docx read, while verify's reader
 * (entries in order from the first byte) still found the trace's; the title Word shows, in docProps/core.xml; a note drawn over
 * the PDF's first page; the PDF's title.
 */
class AssessorUnreadPartsTest {

	private static final String LOG = "logs/PhIMT0003-cnn.docx";
	private static final String PDF = "logs/PhIMT0003-cnn.pdf";

	private static Path dir;
	private static Path out;

	@BeforeAll
	static void run() {
		out = Runs.fiqInt8Run("assessor11-docx");
		dir = out.getParent();
	}

	@Test
	void theHonestFolderHasNoMismatch() {
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * The log's sentence that no variant is accepted or rejected made an acceptance, in a second document.xml placed after bytes that end a reading in order and listed in the
	 * central directory instead of the first: Word shows the acceptance, verify's text and tables came from the first.
	 */
	@Test
	void aDocumentOnlyTheCentralDirectoryListsIsFound() throws IOException {
		Path forged = Runs.copy(out, dir.resolve("forged-directory"));
		Path docx = forged.resolve(LOG);
		Map<String, byte[]> parts = inOrder(Files.readAllBytes(docx));
		String body = new String(parts.get("word/document.xml"), StandardCharsets.UTF_8);
		String edited = body.replace("The recipe declares no acceptance criteria: no variant is accepted or rejected.",
				"Every variant meets its acceptance criteria: accepted by J. Doe, assessor.");
		assertTrue(!edited.equals(body), "no verdict in the log");
		Files.write(docx, twoFaced(parts, "word/document.xml", edited.getBytes(StandardCharsets.UTF_8)));
		Tampering.resum(forged);
		try (ZipFile word = new ZipFile(docx.toFile())) { // the forgery as a central-directory reader shows it
			assertTrue(new String(word.getInputStream(word.getEntry("word/document.xml")).readAllBytes(), StandardCharsets.UTF_8).contains("J. Doe"));
		}
		assertEquals(body, new String(inOrder(Files.readAllBytes(docx)).get("word/document.xml"), StandardCharsets.UTF_8));
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(LOG) && p.what().contains("central directory")), problems.toString());
	}

	/** The title Word's title bar and File > Info show, made to carry a verdict and an approval the trace does not hold. */
	@Test
	void aTitleEditedInTheCorePropertiesIsFound() throws IOException {
		Path forged = Runs.copy(out, dir.resolve("forged-title"));
		Tampering.replaceInZip(forged.resolve(LOG), "</dc:title>", ": accepted, approved by J. Doe</dc:title>"); // only docProps/core.xml holds it
		Tampering.resum(forged);
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(LOG) && p.what().contains("docProps/core.xml")), problems.toString());
	}

	/** A FreeText annotation drawn over page 1 of the PDF log: every reader shows it, the pages' text is the trace's. */
	@Test
	void aPdfNoteDrawnOverTheFirstPageIsFound() throws IOException {
		assertFound(forgedPdf("forged-note", d -> {
			PDAnnotationFreeText note = new PDAnnotationFreeText();
			note.setRectangle(new PDRectangle(40, 770, 520, 50));
			note.setContents("Verdict: every variant ACCEPTED; reviewed by J. Doe");
			note.setDefaultAppearance("/Helv 14 Tf 1 0 0 rg");
			note.setPrinted(true);
			note.constructAppearances(d);
			List<PDAnnotation> annotations = new ArrayList<>(d.getPage(0).getAnnotations());
			annotations.add(note);
			d.getPage(0).setAnnotations(annotations);
		}));
	}

	/** The PDF's title (its reader's title bar, its Properties) made to carry an approval the trace does not hold. */
	@Test
	void aPdfTitleCarryingAnApprovalIsFound() throws IOException {
		assertFound(forgedPdf("forged-pdf-title", d -> d.getDocumentInformation().setTitle(d.getDocumentInformation().getTitle() + ": accepted, approved by J. Doe")));
	}

	/** Page 1's content put in an optional content group the catalog turns off: a viewer shows a blank page, its text is whole. */
	@Test
	void aPdfFirstPageInAHiddenLayerIsFound() throws IOException {
		List<Problem> problems = forgedPdf("forged-layer", d -> {
			PDOptionalContentGroup layer = new PDOptionalContentGroup("page");
			PDOptionalContentProperties layers = new PDOptionalContentProperties();
			layers.addGroup(layer);
			layers.setGroupEnabled(layer, false);
			d.getDocumentCatalog().setOCProperties(layers);
			try (PDPageContentStream before = new PDPageContentStream(d, d.getPage(0), PDPageContentStream.AppendMode.PREPEND, false)) {
				before.beginMarkedContent(COSName.OC, layer);
			}
			try (PDPageContentStream after = new PDPageContentStream(d, d.getPage(0), PDPageContentStream.AppendMode.APPEND, false)) {
				after.endMarkedContent();
			}
		});
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(PDF) && p.what().contains("optional content: [page hidden]")), problems.toString());
	}

	private interface PdfEdit {
		void apply(PDDocument pdf) throws IOException;
	}

	/** verify's findings on a copy of the run whose PDF log {@code edit} changed, SHA256SUMS recomputed. */
	private static List<Problem> forgedPdf(String name, PdfEdit edit) throws IOException {
		Path forged = Runs.copy(out, dir.resolve(name));
		Path pdf = forged.resolve(PDF);
		try (PDDocument d = Loader.loadPDF(Files.readAllBytes(pdf))) {
			edit.apply(d);
			d.save(pdf.toFile());
		}
		Tampering.resum(forged);
		return Verification.verify(forged).problems();
	}

	private static void assertFound(List<Problem> problems) {
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(PDF) && p.what().contains("J. Doe")), problems.toString());
	}

	private static Map<String, byte[]> inOrder(byte[] zip) throws IOException {
		Map<String, byte[]> parts = new LinkedHashMap<>();
		try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
			for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				parts.put(e.getName(), in.readAllBytes());
			}
		}
		return parts;
	}

	/**
	 * A zip (entries stored) that holds {@code parts} in order, then a central directory signature that ends a reading in order, then
	 * {@code name} again holding {@code other}; its central directory lists every part but the first {@code name}, and the second.
	 */
	private static byte[] twoFaced(Map<String, byte[]> parts, String name, byte[] other) {
		ByteArrayOutputStream zip = new ByteArrayOutputStream();
		ByteArrayOutputStream directory = new ByteArrayOutputStream();
		int entries = 0;
		for (Map.Entry<String, byte[]> part : parts.entrySet()) {
			int offset = zip.size();
			zip.writeBytes(header(0x04034b50, part.getKey(), part.getValue(), 0));
			zip.writeBytes(part.getValue());
			if (!part.getKey().equals(name)) {
				directory.writeBytes(header(0x02014b50, part.getKey(), part.getValue(), offset));
				entries++;
			}
		}
		zip.writeBytes(ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN).putInt(0x02014b50).array());
		int offset = zip.size();
		zip.writeBytes(header(0x04034b50, name, other, 0));
		zip.writeBytes(other);
		directory.writeBytes(header(0x02014b50, name, other, offset));
		entries++;
		int start = zip.size();
		zip.writeBytes(directory.toByteArray());
		zip.writeBytes(ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN).putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
				.putShort((short) entries).putShort((short) entries).putInt(directory.size()).putInt(start).putShort((short) 0).array());
		return zip.toByteArray();
	}

	/** A stored entry's local header (0x04034b50) or central directory entry (0x02014b50, pointing at {@code offset}). */
	private static byte[] header(int signature, String name, byte[] data, int offset) {
		boolean local = signature == 0x04034b50;
		byte[] n = name.getBytes(StandardCharsets.UTF_8);
		CRC32 crc = new CRC32();
		crc.update(data);
		ByteBuffer b = ByteBuffer.allocate((local ? 30 : 46) + n.length).order(ByteOrder.LITTLE_ENDIAN).putInt(signature);
		if (!local) {
			b.putShort((short) 20); // made by
		}
		b.putShort((short) 20).putShort((short) 0).putShort((short) 0).putInt(0) // version, flags, stored, time and date
				.putInt((int) crc.getValue()).putInt(data.length).putInt(data.length).putShort((short) n.length).putShort((short) 0);
		if (!local) {
			b.putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(offset); // comment, disk, attributes
		}
		return b.put(n).array();
	}
}
