package org.quantrace.report;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.TimeZone;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.common.PDMetadata;
import org.apache.xmpbox.XMPMetadata;
import org.apache.xmpbox.schema.AdobePDFSchema;
import org.apache.xmpbox.schema.DublinCoreSchema;
import org.apache.xmpbox.schema.PDFAIdentificationSchema;
import org.apache.xmpbox.schema.XMPBasicSchema;
import org.apache.xmpbox.xml.XmpSerializer;

import com.openhtmltopdf.outputdevice.helper.BaseRendererBuilder.FontStyle;
import com.openhtmltopdf.pdfboxout.PdfBoxRenderer;
import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import com.openhtmltopdf.util.XRLog;

/**
 * A {@link LogDocument} as an archival PDF (PDF/A-2u: fonts embedded, text searchable and extractable; tagged, so
 * that its tables are tables to a reader and to {@link LogReader}), laid out by openhtmltopdf from the same XHTML
 * as the HTML log with print rules added. The font is
 * Liberation Sans as PDFBox ships it (Debian's bold and italic faces are used where installed). Dates and
 * the document id come from the run, so a repeated run writes the same bytes.
 */
final class PdfLog {

	private static final String FAMILY = "Liberation Sans";
	private static final String SYSTEM_FONTS = "/usr/share/fonts/truetype/liberation/";

	static {
		// the renderer logs through java.util.logging to the console: fonts loaded, timings and CSS properties it skips
		// were 60 lines of every run's output (a per-render withDiagnosticConsumer did not stop them in 1.1.31). The PDF's
		// content is checked by verify and the tests, not by those lines; failures still come as exceptions
		XRLog.setLoggingEnabled(false);
	}

	private PdfLog() {
	}

	static Path write(LogDocument d, Path dir) {
		return ReportFiles.write(dir.resolve(d.fileName() + ".pdf"), render(d));
	}

	static byte[] render(LogDocument d) {
		ReportFiles.init();
		String xhtml = HtmlLog.render(d, true);
		try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
			PdfRendererBuilder builder = new PdfRendererBuilder().usePDDocument(doc).withHtmlContent(xhtml, null)
					.usePdfAConformance(PdfRendererBuilder.PdfAConformance.PDFA_2_U).useColorProfile(ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData())
					.usePdfUaAccessibility(true) // tagged: headings, tables, rows and cells in the structure tree, which is how verify reads them back
					.withProducer("Quantrace (openhtmltopdf, Apache PDFBox)");
			fonts(builder);
			try (PdfBoxRenderer renderer = builder.buildPdfRenderer()) {
				renderer.createPDFWithoutClosing();
				stamp(doc, d, xhtml);
				doc.save(out, org.apache.pdfbox.pdfwriter.compress.CompressParameters.NO_COMPRESSION); // page content stays compressed
			}
			return out.toByteArray();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static void fonts(PdfRendererBuilder b) {
		byte[] regular = resource("/org/apache/pdfbox/resources/ttf/LiberationSans-Regular.ttf");
		byte[] bold = system("LiberationSans-Bold.ttf", regular);
		byte[] italic = system("LiberationSans-Italic.ttf", regular);
		byte[] boldItalic = system("LiberationSans-BoldItalic.ttf", bold);
		b.useFont(() -> new java.io.ByteArrayInputStream(regular), FAMILY, 400, FontStyle.NORMAL, true);
		b.useFont(() -> new java.io.ByteArrayInputStream(bold), FAMILY, 700, FontStyle.NORMAL, true);
		b.useFont(() -> new java.io.ByteArrayInputStream(italic), FAMILY, 400, FontStyle.ITALIC, true);
		b.useFont(() -> new java.io.ByteArrayInputStream(boldItalic), FAMILY, 700, FontStyle.ITALIC, true);
	}

	private static byte[] resource(String name) {
		try (InputStream in = PDDocument.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException(name + " is missing from PDFBox");
			}
			return in.readAllBytes();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static byte[] system(String file, byte[] fallback) {
		Path p = Path.of(SYSTEM_FONTS, file);
		try {
			return Files.isRegularFile(p) ? Files.readAllBytes(p) : fallback;
		} catch (IOException e) {
			return fallback;
		}
	}

	/** Title, dates and id from the document and the run, replacing the wall-clock values the libraries write. */
	private static void stamp(PDDocument doc, LogDocument d, String xhtml) throws IOException {
		Calendar date = new GregorianCalendar(TimeZone.getTimeZone("UTC"), java.util.Locale.ROOT);
		date.setTime(d.date() == null ? new java.util.Date(0) : d.date());
		PDDocumentInformation info = doc.getDocumentInformation();
		info.setTitle(d.title());
		info.setAuthor(d.author());
		info.setSubject("AI-FSM " + d.code());
		info.setCreator("Quantrace");
		info.setProducer("Quantrace (openhtmltopdf, Apache PDFBox)");
		info.setCreationDate(date);
		info.setModificationDate(date);
		try {
			XMPMetadata xmp = XMPMetadata.createXMPMetadata();
			PDFAIdentificationSchema pdfa = xmp.createAndAddPDFAIdentificationSchema();
			pdfa.setPart(2);
			pdfa.setConformance("U");
			DublinCoreSchema dc = xmp.createAndAddDublinCoreSchema();
			dc.setTitle(d.title());
			dc.addCreator(d.author());
			dc.setFormat("application/pdf");
			XMPBasicSchema basic = xmp.createAndAddXMPBasicSchema();
			basic.setCreateDate(date);
			basic.setModifyDate(date);
			basic.setMetadataDate(date);
			basic.setCreatorTool("Quantrace");
			AdobePDFSchema pdf = xmp.createAndAddAdobePDFSchema();
			pdf.setProducer(info.getProducer());
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			new XmpSerializer().serialize(xmp, bytes, true);
			PDMetadata metadata = new PDMetadata(doc);
			metadata.importXMPMetadata(bytes.toByteArray());
			doc.getDocumentCatalog().setMetadata(metadata);
		} catch (Exception e) {
			throw new IOException("cannot write the PDF's XMP metadata: " + e.getMessage(), e);
		}
		byte[] id = Arrays.copyOf(sha256(xhtml.getBytes(StandardCharsets.UTF_8)), 16);
		COSArray ids = new COSArray();
		ids.add(new COSString(id));
		ids.add(new COSString(id));
		doc.getDocument().getTrailer().setItem(COSName.ID, ids);
	}

	private static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
