package org.quantrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.quantrace.engine.SafeFiles;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Locates the checkout's test data: examples/ (the bundled example) and tests/data/ (models and
 * expectations made by tests/data/make_test_models.py, the Fashion-MNIST test set).
 */
public final class TestData {

	private static final ObjectMapper JSON = new ObjectMapper();

	private TestData() {
	}

	/** The checkout root: -Dquantrace.root (set by the build) or the first parent holding examples/. */
	public static Path root() {
		String property = System.getProperty("quantrace.root");
		if (property != null && Files.isDirectory(Path.of(property, "examples"))) {
			return Path.of(property).toAbsolutePath().normalize();
		}
		for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
			if (Files.isDirectory(p.resolve("examples")) && Files.isDirectory(p.resolve("tests"))) {
				return p;
			}
		}
		throw new IllegalStateException("cannot find the Quantrace checkout (set -Dquantrace.root)");
	}

	public static Path path(String relative) {
		Path p = root().resolve(relative);
		if (!Files.exists(p)) {
			throw new IllegalStateException("test data missing: " + p);
		}
		return p;
	}

	/** examples/fashion-mnist/... */
	public static Path example(String relative) {
		return path("examples/fashion-mnist/" + relative);
	}

	/** tests/data/... */
	public static Path data(String relative) {
		return path("tests/data/" + relative);
	}

	public static JsonNode json(Path file) {
		try {
			return JSON.readTree(file.toFile());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The expectations make_test_models.py computed with the onnx Python package. */
	public static JsonNode expectedInspection(String model) {
		return json(data("expected/" + model + ".inspect.json"));
	}

	public static Map<String, Integer> labelMap(Path labelsJson) {
		return JSON.convertValue(json(labelsJson), new TypeReference<Map<String, Integer>>() {
		});
	}

	/** The example folder (recipe, models, data) copied into a fresh temporary folder, for a test to change or attack. */
	public static Path exampleCopy(String name) {
		return copy(example(""), tempDir(name).resolve("fashion-mnist"));
	}

	/** A copy of the tree {@code from} at {@code to}; returns {@code to}. */
	public static Path copy(Path from, Path to) {
		try (Stream<Path> all = Files.walk(from)) {
			for (Path p : all.toList()) {
				Path t = to.resolve(from.relativize(p).toString());
				if (Files.isDirectory(p)) {
					Files.createDirectories(t);
				} else {
					Files.copy(p, t);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return to;
	}

	/** SHA-256 of every file under {@code dir} (links not followed), by path relative to it: what a test compares before and after. */
	public static Map<String, String> hashes(Path dir) {
		Map<String, String> hashes = new TreeMap<>();
		try (Stream<Path> all = Files.walk(dir)) {
			for (Path p : all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
				hashes.put(dir.relativize(p).toString(), SafeFiles.sha256(p));
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return hashes;
	}

	/** A fresh temporary folder under target/ of the running test bundle. */
	public static Path tempDir(String prefix) {
		try {
			Path base = Path.of("target", "test-tmp");
			Files.createDirectories(base);
			return Files.createTempDirectory(base, prefix);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
