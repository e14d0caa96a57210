package org.quantrace.runner.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.quantrace.engine.SafeFiles;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * What a hostile user does to an output folder to make verify pass over a change: copy it, edit files, and
 * recompute every hash a run wrote (SHA256SUMS, the inventory and its hash wherever a document names it, a
 * model's hash and size in the trace and results), as a forger who knows the format would.
 */
final class Tampering {

	/** The documents the inventory leaves out: they name its hash. */
	private static final List<String> DOCUMENT_PREFIXES = List.of("trace.xmi", "results.json", "report.html", "logs/", "SHA256SUMS", "INVENTORY.sha256");

	private Tampering() {
	}

	static String read(Path file) {
		try {
			return Files.readString(file);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	static void write(Path file, String text) {
		try {
			Files.writeString(file, text);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Replaces {@code old} by {@code now} in a text file; fails when the text does not occur (the test would prove nothing). */
	static void replace(Path file, String old, String now) {
		String text = read(file);
		if (!text.contains(old)) {
			throw new IllegalStateException(file + " does not contain " + old);
		}
		write(file, text.replace(old, now));
	}

	/** "sha256  path" lines for every file of {@code out} but those {@code excluded} names, as the run writes them. */
	static String sums(Path out, List<String> excluded) {
		StringBuilder s = new StringBuilder();
		try (Stream<Path> files = Files.walk(out)) {
			for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
				String rel = out.relativize(f).toString().replace('\\', '/');
				if (excluded.stream().noneMatch(rel::startsWith)) {
					s.append(SafeFiles.sha256(f)).append("  ").append(rel).append('\n');
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return s.toString();
	}

	/** SHA256SUMS written again over the folder as it is now. */
	static void resum(Path out) {
		write(out.resolve("SHA256SUMS"), sums(out, List.of("SHA256SUMS")));
	}

	/**
	 * Every hash written again after a change: the inventory and its hash in the trace, results.json and every
	 * log (the .docx too), then SHA256SUMS. What is left to catch the change is the figures.
	 */
	static void rehashAll(Path out) {
		Path inventory = out.resolve("INVENTORY.sha256");
		String old = SafeFiles.sha256(inventory);
		write(inventory, sums(out, DOCUMENT_PREFIXES));
		String now = SafeFiles.sha256(inventory);
		replace(out.resolve("trace.xmi"), old, now);
		replace(out.resolve("results.json"), old, now);
		try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
			for (Path log : logs.toList()) {
				if (log.toString().endsWith(".docx")) {
					replaceInZip(log, old, now);
				} else if (log.toString().endsWith(".pdf")) {
					replaceInPdf(log, old, now);
				} else {
					replace(log, old, now);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		resum(out);
	}

	/** A model file replaced by {@code bytes}, its SHA-256 and size put right in the trace, results.json and the report, and every hash recomputed. */
	static void replaceModel(Path out, String relative, byte[] bytes) {
		try {
			Path model = out.resolve(relative);
			String oldSha = SafeFiles.sha256(model);
			long oldSize = Files.size(model);
			Files.write(model, bytes);
			String sha = SafeFiles.sha256(bytes);
			replace(out.resolve("trace.xmi"), oldSha, sha);
			replace(out.resolve("trace.xmi"), "sizeBytes=\"" + oldSize + "\"", "sizeBytes=\"" + bytes.length + "\"");
			replace(out.resolve("results.json"), oldSha, sha);
			replace(out.resolve("results.json"), "\"sizeBytes\" : " + oldSize + ",", "\"sizeBytes\" : " + bytes.length + ",");
			replace(out.resolve("results.json"), "\"model size (bytes)\" : " + oldSize + ".0", "\"model size (bytes)\" : " + bytes.length + ".0");
			replace(out.resolve("report.html"), String.format(java.util.Locale.ROOT, ">%,d<", oldSize), String.format(java.util.Locale.ROOT, ">%,d<", bytes.length));
			rehashAll(out);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** One initializer of a model changed by {@code edit}, then the model replaced as {@link #replaceModel} does. */
	static void editInitializer(Path out, String relative, String initializer, java.util.function.UnaryOperator<TensorProto> edit) {
		try {
			ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve(relative)));
			var graph = m.getGraph().toBuilder();
			int i = graph.getInitializerList().stream().map(TensorProto::getName).toList().indexOf(initializer);
			graph.setInitializer(i, edit.apply(graph.getInitializer(i)));
			replaceModel(out, relative, m.toBuilder().setGraph(graph).build().toByteArray());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Replaces a hash in a PDF log's document information (its Keywords carry the evidence line, uncompressed):
	 * bytes read as ISO-8859-1, and a hash for a hash keeps every offset of the file.
	 */
	static void replaceInPdf(Path pdf, String old, String now) {
		try {
			String bytes = new String(Files.readAllBytes(pdf), java.nio.charset.StandardCharsets.ISO_8859_1);
			if (!bytes.contains(old) || old.length() != now.length()) {
				throw new IllegalStateException(pdf + " does not name " + old + " where it can be replaced");
			}
			Files.write(pdf, bytes.replace(old, now).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Replaces text inside every entry of a zip (a .docx), keeping the entries' order. */
	static void replaceInZip(Path zip, String old, String now) throws IOException {
		List<ZipEntry> entries = new ArrayList<>();
		List<byte[]> contents = new ArrayList<>();
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
			for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				entries.add(new ZipEntry(e.getName()));
				contents.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).replace(old, now).getBytes(StandardCharsets.ISO_8859_1));
			}
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream out = new ZipOutputStream(bytes)) {
			for (int i = 0; i < entries.size(); i++) {
				out.putNextEntry(entries.get(i));
				out.write(contents.get(i));
				out.closeEntry();
			}
		}
		Files.write(zip, bytes.toByteArray());
	}
}
