package org.quantrace.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.SafeFiles;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

/**
 * Checks a run's outputs against what it recorded: every model's SHA-256 in the trace (the outputs and the
 * original, wherever it is), every dataset file in the manifests, and every file of the output folder in
 * SHA256SUMS. A replaced model, a changed image or an edited log is found.
 */
public final class Verification {

	/** One mismatch: the file and what is wrong with it. */
	public record Problem(String file, String what) {
		@Override
		public String toString() {
			return file + ": " + what;
		}
	}

	/** What was checked and what did not match. */
	public record Result(int checked, List<Problem> problems) {
		public boolean passed() {
			return problems.isEmpty();
		}
	}

	private Verification() {
	}

	public static Result verify(Path out) throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out.resolve(Outputs.TRACE));
		List<Problem> problems = new ArrayList<>();
		int checked = 0;
		for (ModelArtifact a : trace.getArtifacts()) {
			checked += check(out.resolve(a.getPath()).normalize(), a.getSha256(), a.getPath(), problems);
		}
		for (DatasetRecord d : trace.getDatasets()) {
			if (d.getManifestPath() == null) {
				continue;
			}
			Path manifest = out.resolve(d.getManifestPath());
			checked += check(manifest, d.getManifestSha256(), d.getManifestPath(), problems);
			if (!Files.isRegularFile(manifest)) {
				continue;
			}
			Path data = out.resolve(d.getPath()).normalize();
			Path root = Files.isDirectory(data) ? data : data.getParent();
			for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
				String[] f = line.split("  ", 3);
				if (f.length == 3) {
					checked += check(root.resolve(f[2]), f[0], d.getName() + ": " + f[2], problems);
				}
			}
		}
		Path sums = out.resolve(Outputs.SUMS);
		if (!Files.isRegularFile(sums)) {
			problems.add(new Problem(Outputs.SUMS, "missing"));
		} else {
			for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
				String[] f = line.split("  ", 2);
				if (f.length == 2) {
					checked += check(out.resolve(f[1]), f[0], f[1], problems);
				}
			}
		}
		return new Result(checked, List.copyOf(new java.util.LinkedHashSet<>(problems))); // a file in the trace and in SHA256SUMS is one problem
	}

	private static int check(Path file, String expected, String name, List<Problem> problems) {
		if (!Files.isRegularFile(file)) {
			problems.add(new Problem(name, "missing (" + file + ")"));
		} else {
			String actual = SafeFiles.sha256(file);
			if (!actual.equals(expected)) {
				problems.add(new Problem(name, "SHA-256 is " + actual + ", the run recorded " + expected));
			}
		}
		return 1;
	}
}
