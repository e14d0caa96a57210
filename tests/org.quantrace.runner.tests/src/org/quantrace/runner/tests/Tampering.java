package org.quantrace.runner.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.contentstream.operator.Operator;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdfparser.PDFStreamParser;
import org.apache.pdfbox.pdfwriter.ContentStreamWriter;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.quantrace.engine.SafeFiles;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
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

	/**
	 * verify's row checks alone: {@code problems} without the finding that a document is not the one the trace makes. A
	 * Markdown or HTML log with a cell broken as a PDF's text breaks it is not the document the run wrote, and verify says so
	 * for each such file (required here: the edit is still caught); the row checks, which also read PDF and DOCX logs whose
	 * text extraction breaks cells, must read the broken cell as written.
	 */
	static List<Problem> rowChecks(List<Problem> problems, String... editedFiles) {
		for (String file : editedFiles) {
			if (problems.stream().noneMatch(p -> p.file().equals(file) && p.what().startsWith(NOT_THE_DOCUMENT))) {
				throw new AssertionError(file + " was edited and verify did not find it is not the document the trace makes: " + problems);
			}
		}
		return problems.stream().filter(p -> !p.what().startsWith(NOT_THE_DOCUMENT)).toList();
	}

	private static final String NOT_THE_DOCUMENT = "is not the document the trace makes";

	/** Replaces {@code old} by {@code now} in a text file; fails when the text does not occur (the test would prove nothing). */
	static void replace(Path file, String old, String now) {
		String text = read(file);
		if (!text.contains(old)) {
			throw new IllegalStateException(file + " does not contain " + old);
		}
		write(file, text.replace(old, now));
	}

	/**
	 * A copy of the output folder {@code out} at {@code to} with text of its file {@code file} replaced, pairwise ({@code old},
	 * {@code now}, {@code old}, {@code now}, …: each must occur), then every hash recomputed ({@link #rehashAll}).
	 */
	static Path edited(Path out, Path to, String file, String... replacements) {
		Runs.copy(out, to);
		for (int i = 0; i + 1 < replacements.length; i += 2) {
			replace(to.resolve(file), replacements[i], replacements[i + 1]);
		}
		rehashAll(to);
		return to;
	}

	/**
	 * A copy of the output folder {@code out} at {@code to} with the first match of {@code regex} in its trace.xmi replaced (it
	 * must match: the test would prove nothing), every hash recomputed ({@link #rehashAll}); the documents are not made again.
	 */
	static Path forgedTrace(Path out, Path to, String regex, String replacement) {
		Runs.copy(out, to);
		Path trace = to.resolve("trace.xmi");
		String text = read(trace);
		String edited = text.replaceFirst(regex, replacement);
		if (edited.equals(text)) {
			throw new IllegalStateException(regex + " does not occur in " + trace);
		}
		write(trace, edited);
		rehashAll(to);
		return to;
	}

	/**
	 * Every document, INVENTORY.sha256 and SHA256SUMS of {@code out} made again from {@code trace} (an edited one) as a run's last step
	 * makes them: a forger with Quantrace's own writer, who leaves nothing for the lists or the documents to disagree on.
	 */
	static void remadeFromTrace(Path out, org.quantrace.model.trace.TraceModel trace) {
		try {
			for (String f : List.of("trace.xmi", "results.json", "report.html", "INVENTORY.sha256", "SHA256SUMS")) {
				Files.deleteIfExists(out.resolve(f));
			}
			try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
				for (Path l : logs.toList()) {
					Files.delete(l);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		org.quantrace.runner.Outputs.writeAll(trace, out);
	}

	/**
	 * verify's findings on a copy of {@code out} (beside it, "out-NAME") whose trace {@code edit} changed, every document and list
	 * made again from it ({@link #remadeFromTrace}).
	 */
	static List<Problem> traceForged(Path out, String name, java.util.function.Consumer<org.quantrace.model.trace.TraceModel> edit) {
		Path forged = Runs.copy(out, out.resolveSibling("out-" + name));
		try {
			org.quantrace.model.trace.TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
			edit.accept(trace);
			remadeFromTrace(forged, trace);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return org.quantrace.runner.Verification.verify(forged).problems();
	}

	/**
	 * The model {@code scheme}'s optimization wrote replaced by {@code bytes} (a run with no evaluation: no size figure to edit),
	 * its hash and size in the trace (and in the configuration lines that name the hash), the trace then edited by
	 * {@code edit}, every document and list made again ({@link #remadeFromTrace}).
	 */
	static void replacedOutput(Path out, String scheme, byte[] bytes, java.util.function.Consumer<org.quantrace.model.trace.OptimizationRecord> edit) {
		try {
			org.quantrace.model.trace.TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
			org.quantrace.model.trace.OptimizationRecord o = trace.getOptimizations().stream().filter(x -> scheme.equals(x.getScheme())).findFirst().orElseThrow();
			Path file = out.resolve(o.getOutput().getPath());
			Files.write(file, bytes);
			String oldHash = o.getOutput().getSha256();
			o.getOutput().setSha256(SafeFiles.sha256(file));
			o.getOutput().setSizeBytes(Files.size(file));
			o.getQuantization().getAdditionalConfiguration().forEach(p -> p.setValue(p.getValue().replace(oldHash, o.getOutput().getSha256())));
			edit.accept(o);
			remadeFromTrace(out, trace);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** {@code problems} name trace.xmi and hold a finding whose text contains every one of {@code what}. */
	static void foundInTrace(List<Problem> problems, String... what) {
		if (problems.stream().noneMatch(p -> p.file().equals("trace.xmi") && java.util.Arrays.stream(what).allMatch(p.what()::contains))) {
			throw new AssertionError(String.join(" ... ", what) + " not found in trace.xmi's: " + problems);
		}
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
		replaceInLogs(out, old, now);
		resum(out);
	}

	/**
	 * {@code old} replaced by {@code now} in every log that prints it, in each of its formats (a log's formats hold
	 * the same text: the Markdown says which print it).
	 */
	static void replaceInLogs(Path out, String old, String now) {
		try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
			// chosen before any is changed: the Markdown of a log decides for its other formats
			List<Path> printing = logs.sorted().filter(log -> {
				String name = log.getFileName().toString();
				return read(log.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".md")).contains(old);
			}).toList();
			for (Path log : printing) {
				String name = log.getFileName().toString();
				if (name.endsWith(".docx")) {
					replaceInZip(log, old, now);
				} else if (name.endsWith(".pdf")) {
					replaceInPdf(log, old, now);
				} else {
					replace(log, old, now);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** A model file replaced by {@code bytes}, its SHA-256 and size put right in the trace, results.json and the report, its SHA-256 in the logs, and every hash recomputed. */
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
			replaceInLogs(out, oldSha, sha);
			rehashAll(out);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * One initializer of a model, of its main graph or else of an If/Loop/Scan body (the first found, depth first),
	 * changed by {@code edit}, then the model replaced as {@link #replaceModel} does.
	 */
	static void editInitializer(Path out, String relative, String initializer, java.util.function.UnaryOperator<TensorProto> edit) {
		try {
			ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve(relative)));
			GraphProto.Builder graph = m.getGraph().toBuilder();
			if (!edit(graph, initializer, edit)) {
				throw new IllegalArgumentException("no initializer " + initializer + " in " + relative);
			}
			replaceModel(out, relative, m.toBuilder().setGraph(graph).build().toByteArray());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The values of a raw float32 tensor (scales). */
	static float[] floats(TensorProto t) {
		float[] v = new float[t.getRawData().size() / 4];
		t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
		return v;
	}

	/** A raw float32 tensor with its element {@code index} multiplied by {@code factor}. */
	static TensorProto times(TensorProto t, int index, float factor) {
		float[] v = floats(t);
		v[index] *= factor;
		java.nio.ByteBuffer changed = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		changed.asFloatBuffer().put(v);
		return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(changed.array())).build();
	}

	private static boolean edit(GraphProto.Builder graph, String initializer, java.util.function.UnaryOperator<TensorProto> edit) {
		int i = graph.getInitializerList().stream().map(TensorProto::getName).toList().indexOf(initializer);
		if (i >= 0) {
			graph.setInitializer(i, edit.apply(graph.getInitializer(i)));
			return true;
		}
		for (NodeProto.Builder n : graph.getNodeBuilderList()) {
			for (AttributeProto.Builder a : n.getAttributeBuilderList()) {
				if (a.hasG() && edit(a.getGBuilder(), initializer, edit)) {
					return true;
				}
				for (GraphProto.Builder body : a.getGraphsBuilderList()) {
					if (edit(body, initializer, edit)) {
						return true;
					}
				}
			}
		}
		return false;
	}

	/**
	 * Replaces text a PDF log shows, as a forger with PDF tools would: each page's content stream parsed, every
	 * string drawn decoded through its font, and one that shows {@code old} drawn again with the glyph codes the same
	 * font uses for {@code now}'s characters elsewhere in the document (a hash's hex digits all occur). The structure
	 * tree that tags the text is left as it is, so the PDF still reads as the same tables.
	 */
	static void replaceInPdf(Path pdf, String old, String now) {
		try (PDDocument doc = Loader.loadPDF(Files.readAllBytes(pdf))) { // from memory: the file is written over below
			Map<COSBase, Map<String, byte[]>> codes = new HashMap<>();
			List<List<Object>> pages = new ArrayList<>();
			for (PDPage page : doc.getPages()) {
				PDFStreamParser parser = new PDFStreamParser(page);
				List<Object> tokens = parser.parse();
				pages.add(tokens);
				forEachString(page, tokens, (font, string) -> decode(font, string.getBytes(), codes.computeIfAbsent(font.getCOSObject(), f -> new HashMap<>())));
			}
			boolean[] replaced = { false };
			int i = 0;
			for (PDPage page : doc.getPages()) {
				List<Object> tokens = pages.get(i++);
				boolean[] changed = { false };
				forEachString(page, tokens, (font, string) -> {
					String text = decode(font, string.getBytes(), new HashMap<>());
					if (text.contains(old)) {
						ByteArrayOutputStream b = new ByteArrayOutputStream();
						for (int c : text.replace(old, now).codePoints().toArray()) {
							byte[] code = codes.get(font.getCOSObject()).get(new String(Character.toChars(c)));
							if (code == null) {
								throw new IllegalStateException(pdf + ": the font of " + old + " draws no " + new String(Character.toChars(c)) + " elsewhere");
							}
							b.writeBytes(code);
						}
						string.setValue(b.toByteArray());
						changed[0] = true;
					}
				});
				if (changed[0]) {
					PDStream stream = new PDStream(doc);
					try (java.io.OutputStream o = stream.createOutputStream(COSName.FLATE_DECODE)) {
						new ContentStreamWriter(o).writeTokens(tokens);
					}
					page.setContents(stream);
					replaced[0] = true;
				}
			}
			if (!replaced[0]) {
				throw new IllegalStateException(pdf + " shows no " + old + " in one piece");
			}
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			doc.save(bytes);
			Files.write(pdf, bytes.toByteArray());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Every string a content stream draws (Tj, and the strings of TJ arrays) with the font selected then. */
	private static void forEachString(PDPage page, List<Object> tokens, java.util.function.BiConsumer<PDFont, COSString> each) throws IOException {
		PDFont font = null;
		for (int i = 0; i < tokens.size(); i++) {
			Object t = tokens.get(i);
			if (t instanceof Operator op && op.getName().equals("Tf") && i >= 2 && tokens.get(i - 2) instanceof COSName name) {
				font = page.getResources().getFont(name);
			} else if (font != null && t instanceof COSString s) {
				each.accept(font, s);
			} else if (font != null && t instanceof COSArray a) {
				for (COSBase b : a) {
					if (b instanceof COSString s) {
						each.accept(font, s);
					}
				}
			}
		}
	}

	/** The text {@code bytes} show in {@code font}, each character's code bytes collected into {@code codes}. */
	private static String decode(PDFont font, byte[] bytes, Map<String, byte[]> codes) {
		StringBuilder s = new StringBuilder();
		try (java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes)) {
			while (in.available() > 0) {
				int before = in.available();
				int code = font.readCode(in);
				byte[] raw = java.util.Arrays.copyOfRange(bytes, bytes.length - before, bytes.length - in.available());
				String u = font.toUnicode(code);
				if (u != null) {
					s.append(u);
					codes.putIfAbsent(u, raw);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return s.toString();
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
