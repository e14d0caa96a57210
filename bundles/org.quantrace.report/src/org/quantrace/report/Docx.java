package org.quantrace.report;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Makes a DOCX byte-for-byte repeatable: POI stamps the zip entries with the current time and the core
 * properties with a creation date; the log's own date is in its table, so both stamps are fixed here.
 */
final class Docx {

	private static final LocalDateTime FIXED = LocalDateTime.of(1980, 1, 1, 0, 0);

	private Docx() {
	}

	static byte[] normalize(byte[] docx) {
		try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(docx)); ByteArrayOutputStream bytes = new ByteArrayOutputStream();
				ZipOutputStream out = new ZipOutputStream(bytes)) {
			for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				byte[] content = in.readAllBytes();
				if (e.getName().equals("docProps/core.xml")) {
					content = new String(content, StandardCharsets.UTF_8).replaceAll("<dcterms:(created|modified)[^>]*>[^<]*</dcterms:(created|modified)>", "")
							.getBytes(StandardCharsets.UTF_8);
				}
				ZipEntry copy = new ZipEntry(e.getName());
				copy.setTimeLocal(FIXED);
				out.putNextEntry(copy);
				out.write(content);
				out.closeEntry();
			}
			out.finish();
			return bytes.toByteArray();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
