package org.quantrace.runner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDMetadata;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotation;

/**
 * What a PDF log shows or says beside its pages' text: the annotations a reader draws over a page (a FreeText or a Stamp, a link
 * given an appearance of its own) and the document properties its title bar and Properties dialog show. verify compared the
 * pages' text alone, so a FreeText annotation reading "every variant ACCEPTED" drawn over page 1, a title carrying an approval,
 * or page 1 put in an optional content group turned off (blank in a viewer), SHA256SUMS recomputed, passed with 0 mismatches (branch assessor11, main c6f2e9e0). Positions are left aside: the machine's
 * fonts may lay a page out otherwise.
 */
final class PdfBesideText {

	/** The XMP dates: the run's time, which the trace records and no file re-derives. */
	private static final java.util.regex.Pattern XMP_DATES = java.util.regex.Pattern.compile("<xmp:(\\w*Date)>[^<]*</xmp:\\1>");

	private PdfBesideText() {
	}

	/** Null when {@code actual} has the annotations and properties of {@code expected}; else the first that differs. */
	static String difference(byte[] actual, byte[] expected) throws IOException {
		try (PDDocument a = Loader.loadPDF(actual); PDDocument e = Loader.loadPDF(expected)) {
			String d = first("annotation", annotations(a), annotations(e), SHOWN_BESIDE);
			d = d != null ? d : first("document property", properties(a), properties(e), SHOWN_BESIDE);
			return d != null ? d : hidden(a, e);
		}
	}

	/**
	 * Null when {@code actual} hides the text {@code expected} hides (none: no Quantrace version covers, clips or replaces its own
	 * words), else the first run of text it hides. Of a PDF another version wrote, whose words differ, this still holds.
	 */
	static String hidden(byte[] actual, byte[] expected) throws IOException {
		try (PDDocument a = Loader.loadPDF(actual); PDDocument e = Loader.loadPDF(expected)) {
			return hidden(a, e);
		}
	}

	/** How a finding of {@link #hidden} begins. */
	static final String HIDDEN = "text a reader does not see";

	private static String hidden(PDDocument a, PDDocument e) throws IOException {
		return first(HIDDEN + ", finding", PdfHiddenText.of(a), PdfHiddenText.of(e), "(its glyphs are drawn, so its text reads whole)");
	}

	private static final String SHOWN_BESIDE = "(a reader shows it beside the pages' text)";

	private static String first(String what, List<String> actual, List<String> expected, String why) {
		for (int i = 0; i < Math.max(actual.size(), expected.size()); i++) {
			String x = i < actual.size() ? actual.get(i) : "none";
			String y = i < expected.size() ? expected.get(i) : "none";
			if (!x.equals(y)) {
				return "its text is the trace's, but its " + what + " " + (i + 1) + " reads '" + x + "' where the trace makes '" + y + "' " + why;
			}
		}
		return null;
	}

	/** Each annotation of each page in order: its type, flags, whether it draws an appearance of its own, and its text. */
	private static List<String> annotations(PDDocument pdf) throws IOException {
		List<String> all = new ArrayList<>();
		for (PDPage page : pdf.getPages()) {
			for (PDAnnotation an : page.getAnnotations()) {
				all.add(an.getSubtype() + ", flags " + an.getAnnotationFlags() + (an.getAppearance() != null ? ", drawn by its own appearance" : "")
						+ (an.getContents() != null ? ", text " + an.getContents() : ""));
			}
		}
		return all;
	}

	/** The document information a reader shows (its dates aside), its optional content groups and the XMP metadata (its dates aside). */
	private static List<String> properties(PDDocument pdf) throws IOException {
		PDDocumentInformation info = pdf.getDocumentInformation();
		List<String> all = new ArrayList<>();
		for (String key : List.of("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "Trapped")) {
			all.add(key + ": " + info.getCustomMetadataValue(key));
		}
		info.getMetadataKeys().stream().filter(k -> !k.endsWith("Date")).sorted().forEach(k -> all.add("key " + k));
		// a page's content in an optional content group the catalog turns off is blank in a viewer and whole in its text
		org.apache.pdfbox.pdmodel.graphics.optionalcontent.PDOptionalContentProperties layers = pdf.getDocumentCatalog().getOCProperties();
		all.add("optional content: " + (layers == null ? "none"
				: java.util.Arrays.stream(layers.getGroupNames()).map(n -> n + (layers.isGroupEnabled(n) ? " shown" : " hidden")).toList()));
		PDMetadata xmp = pdf.getDocumentCatalog().getMetadata();
		all.add("XMP: " + (xmp == null ? "none" : XMP_DATES.matcher(new String(xmp.toByteArray(), java.nio.charset.StandardCharsets.UTF_8)).replaceAll("")));
		return all;
	}
}
