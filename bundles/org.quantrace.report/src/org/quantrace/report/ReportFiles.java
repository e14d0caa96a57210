package org.quantrace.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.QuantraceException;

/** Writing the report's files, and the logging set-up the libraries behind DOCX and PDF need. */
final class ReportFiles {

	static {
		// POI and PDFBox log through the Log4j API / commons-logging; without a provider Log4j prints a warning on every
		// run. Its simple logger (errors to stderr) is enough, unless the application chose a logging backend itself.
		if (System.getProperty("log4j2.loggerContextFactory") == null) {
			System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
		}
	}

	private ReportFiles() {
	}

	/** Makes sure the static set-up above ran before a library is first touched. */
	static void init() {
		// nothing: loading the class is the point
	}

	static Path write(Path file, byte[] bytes) {
		try {
			Files.createDirectories(file.getParent());
			Files.write(file, bytes);
			return file;
		} catch (IOException e) {
			throw new QuantraceException(file + ": cannot write (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the output folder is writable"), e);
		}
	}
}
