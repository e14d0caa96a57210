package org.quantrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
