package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.RunReport;

/**
 * Everything a run leaves besides the models, made from the trace alone (so that merging shards is
 * loading their traces, joining them and writing again): results.json, trace.xmi, the AI-FSM logs, the
 * report, and two lists of files with their SHA-256, which {@code quantrace verify} checks:
 * <ul>
 * <li>INVENTORY.sha256 lists every file of the folder but the documents made from the trace; the trace,
 * results.json and the logs name its hash (they cannot be in it), so emptying or editing it is seen;</li>
 * <li>SHA256SUMS lists every file but itself; its hash is the run's fingerprint, printed for the user to
 * keep ({@code verify --expect}).</li>
 * </ul>
 */
public final class Outputs {

	public static final String TRACE = "trace.xmi";
	public static final String RESULTS = "results.json";
	public static final String REPORT = "report.html";
	public static final String SUMS = "SHA256SUMS";
	public static final String INVENTORY = org.quantrace.report.EvidenceFooter.INVENTORY_FILE;

	private Outputs() {
	}

	/** Writes the outputs derived from {@code trace} into {@code dir}; returns the log and report files. */
	public static List<Path> writeAll(TraceModel trace, Path dir) {
		byte[] inventory = sums(dir).getBytes(StandardCharsets.UTF_8); // the models, manifests, debugger files, recipe copies: no document yet
		write(dir.resolve(INVENTORY), inventory);
		trace.setInventorySha256(SafeFiles.sha256(inventory));
		List<Path> written = new ArrayList<>();
		write(dir.resolve(RESULTS), ResultsJson.of(trace));
		written.addAll(AifsmLogs.write(trace, dir.resolve("logs")));
		written.add(RunReport.write(trace, dir, dir.resolve(REPORT)));
		trace.getDocuments().clear();
		trace.getDocuments().add(TRACE);
		trace.getDocuments().add(RESULTS);
		written.forEach(p -> trace.getDocuments().add(relative(dir, p)));
		try {
			QuantraceModel.save(trace, dir.resolve(TRACE));
		} catch (IOException e) {
			throw new QuantraceException(dir.resolve(TRACE) + ": cannot write the trace (" + IoErrors.describe(e) + ")", null, e);
		}
		write(dir.resolve(SUMS), sums(dir));
		return written;
	}

	/** The output folder's fingerprint: the SHA-256 of its SHA256SUMS, which lists every other file with its SHA-256. */
	public static String fingerprint(Path dir) {
		return SafeFiles.sha256(dir.resolve(SUMS));
	}

	/** "sha256  path" for every file under {@code dir} but SHA256SUMS, in path order. */
	static String sums(Path dir) {
		StringBuilder s = new StringBuilder();
		try (Stream<Path> files = Files.walk(dir)) {
			for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
				String rel = relative(dir, f);
				if (!rel.equals(SUMS)) {
					s.append(SafeFiles.sha256(f)).append("  ").append(rel).append('\n');
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return s.toString();
	}

	private static String relative(Path dir, Path f) {
		return dir.relativize(f).toString().replace('\\', '/');
	}

	static void write(Path file, String text) {
		write(file, text.getBytes(StandardCharsets.UTF_8));
	}

	static void write(Path file, byte[] bytes) {
		try {
			Files.createDirectories(file.getParent());
			Files.write(file, bytes);
		} catch (IOException e) {
			throw new QuantraceException(file + ": cannot write (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the output folder is writable"), e);
		}
	}
}
