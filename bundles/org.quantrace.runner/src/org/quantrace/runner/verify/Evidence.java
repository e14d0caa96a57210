package org.quantrace.runner.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

/**
 * What the document checks read: the output folder, its trace, where each model file is now (the outputs in
 * the folder, the originals where the recipe's folder is), and the inventory's hash as found. Model files are
 * read once, by {@link ModelFacts}.
 */
public final class Evidence {

	private final Path out;
	private final TraceModel trace;
	private final Function<ModelArtifact, Path> files;
	private final String inventorySha256;
	private final Map<Path, Object> facts = new HashMap<>();

	/**
	 * @param files           where an artifact's model file is, or null when it cannot be reached (an original whose recipe folder is unknown)
	 * @param inventorySha256 the SHA-256 of the folder's inventory file as it is now (null when it is missing: the folder check says
	 *                        so, and the records of its hash are not compared with "null")
	 */
	public Evidence(Path out, TraceModel trace, Function<ModelArtifact, Path> files, String inventorySha256) {
		this.out = out;
		this.trace = trace;
		this.files = files;
		this.inventorySha256 = inventorySha256;
	}

	public Path out() {
		return out;
	}

	public TraceModel trace() {
		return trace;
	}

	public String inventorySha256() {
		return inventorySha256;
	}

	/** Where the model file of {@code a} is, or null. */
	public Path file(ModelArtifact a) {
		return a == null ? null : files.apply(a);
	}

	/** The model file of {@code a} as read; null (with a mismatch when it is there but unreadable) when there is none to read. */
	public ModelFacts facts(ModelArtifact a, String document, List<Mismatch> found) {
		Path f = file(a);
		if (f == null || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
			return null; // the folder and input checks report a missing file
		}
		Object o = facts.computeIfAbsent(f, p -> {
			try {
				return ModelFacts.read(p);
			} catch (IOException e) {
				return e;
			}
		});
		if (o instanceof IOException e) {
			found.add(new Mismatch(document, "model " + a.getId(), "an ONNX model", e.getMessage()));
			return null;
		}
		return (ModelFacts) o;
	}

	/** A document every run writes, as bytes; null, with a mismatch, when it is not there. */
	public byte[] required(String document, List<Mismatch> found) {
		byte[] bytes = document(document);
		if (bytes == null) {
			found.add(new Mismatch(document, "the file", "present", "missing"));
		}
		return bytes;
	}

	/** The folder's files by their names without whitespace (read once, on the first name the logs give so). */
	private Map<String, List<String>> squeezedNames;

	/**
	 * The one file of the folder whose relative path, with its whitespace taken out by {@code squeeze}, is {@code squeezed}
	 * (the logs are read back without whitespace: "recipe/zoo résnet b.qr" comes as "recipe/zoorésnetb.qr"); else null.
	 */
	public String unsqueezed(String squeezed, java.util.function.UnaryOperator<String> squeeze) {
		if (squeezedNames == null) {
			squeezedNames = new HashMap<>();
			try (java.util.stream.Stream<Path> walk = Files.walk(out)) {
				walk.filter(Files::isRegularFile).map(p -> out.relativize(p).toString().replace('\\', '/'))
						.forEach(p -> squeezedNames.computeIfAbsent(squeeze.apply(p), k -> new java.util.ArrayList<>()).add(p));
			} catch (IOException | java.io.UncheckedIOException x) {
				// an unreadable folder: no name is found, and the hash says the file is not there
			}
		}
		List<String> named = squeezedNames.getOrDefault(squeezed, List.of());
		return named.size() == 1 ? named.get(0) : null;
	}

	/** A document of the folder as bytes; null when it is not a plain file inside the folder. */
	public byte[] document(String relative) {
		Path p = out.resolve(relative).normalize();
		if (!p.startsWith(out.normalize()) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
			return null;
		}
		try {
			return Files.readAllBytes(p);
		} catch (IOException e) {
			return null;
		}
	}
}
