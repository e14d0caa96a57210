package org.quantrace.runner.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.quantrace.report.EvidenceFooter;

/**
 * The AI-FSM logs (Markdown, HTML, DOCX): each names the inventory's hash in its evidence section. The
 * logs' own tables are being redesigned; their figures get a check of their own beside this one.
 */
final class LogFooterCheck implements DocumentCheck {

	private static List<String> documents(Evidence e) {
		return e.trace().getDocuments().stream().filter(d -> d.startsWith("logs/")).toList();
	}

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		String expected = EvidenceFooter.text(e.inventorySha256());
		for (String log : documents(e)) {
			byte[] bytes = e.document(log);
			if (bytes == null) {
				continue; // the folder check reports a missing document
			}
			String text = log.endsWith(".docx") ? docxText(bytes) : log.endsWith(".pdf") ? EvidenceFooter.pdfText(bytes) : new String(bytes, StandardCharsets.UTF_8);
			if (text == null || !text.contains(expected)) {
				found.add(new Mismatch(log, "evidence: inventory of the output folder", footer(text), expected));
			}
		}
	}

	/** What the log names as the inventory, for the message. */
	private static String footer(String text) {
		int i = text == null ? -1 : text.indexOf(EvidenceFooter.INVENTORY_FILE + " (sha256 ");
		return i < 0 ? "nothing" : text.substring(i, Math.min(text.length(), i + EvidenceFooter.INVENTORY_FILE.length() + 74));
	}

	/** The body XML of a .docx (a zip), where a table cell's text stands in one piece. */
	private static String docxText(byte[] docx) {
		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(docx))) {
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				if (entry.getName().equals("word/document.xml")) {
					return new String(zip.readAllBytes(), StandardCharsets.UTF_8);
				}
			}
			return null;
		} catch (IOException e) {
			return null;
		}
	}
}
