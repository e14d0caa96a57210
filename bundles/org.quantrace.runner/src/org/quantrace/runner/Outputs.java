package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.RunReport;

/**
 * Everything a run leaves besides the models, made from the trace alone (so that merging shards is
 * loading their traces, joining them and writing again): results.json, trace.xmi, the AI-FSM logs, the
 * report, and SHA256SUMS over every file, which {@code quantrace verify} checks.
 */
public final class Outputs {

	public static final String TRACE = "trace.xmi";
	public static final String RESULTS = "results.json";
	public static final String REPORT = "report.html";
	public static final String SUMS = "SHA256SUMS";

	private Outputs() {
	}

	/** Writes the outputs derived from {@code trace} into {@code dir}; returns the log and report files. */
	public static List<Path> writeAll(TraceModel trace, Path dir) {
		List<Path> written = new ArrayList<>();
		write(dir.resolve(RESULTS), ResultsJson.of(trace));
		written.addAll(AifsmLogs.write(trace, dir.resolve("logs"), dir));
		written.add(RunReport.write(trace, dir, dir.resolve(REPORT)));
		try {
			QuantraceModel.save(trace, dir.resolve(TRACE));
		} catch (IOException e) {
			throw new QuantraceException(dir.resolve(TRACE) + ": cannot write the trace (" + e.getMessage() + ")", null, e);
		}
		write(dir.resolve(SUMS), sums(dir));
		return written;
	}

	/** "sha256  path" for every file under {@code dir} but SHA256SUMS, in path order. */
	static String sums(Path dir) {
		StringBuilder s = new StringBuilder();
		try (Stream<Path> files = Files.walk(dir)) {
			for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
				String rel = dir.relativize(f).toString().replace('\\', '/');
				if (!rel.equals(SUMS)) {
					s.append(SafeFiles.sha256(f)).append("  ").append(rel).append('\n');
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return s.toString();
	}

	static void write(Path file, String text) {
		write(file, text.getBytes(StandardCharsets.UTF_8));
	}

	static void write(Path file, byte[] bytes) {
		try {
			Files.createDirectories(file.getParent());
			Files.write(file, bytes);
		} catch (IOException e) {
			throw new QuantraceException(file + ": cannot write (" + e.getMessage() + ")", "check the output folder is writable", e);
		}
	}
}
