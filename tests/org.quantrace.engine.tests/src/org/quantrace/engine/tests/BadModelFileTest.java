package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;

/** Every way a model file can be wrong gives an error that names the file and the problem. */
class BadModelFileTest {

	private final Path dir = TestData.tempDir("bad-models");

	private static InvalidInputException loadFails(Path file, String expected) {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxModel.load(file));
		assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
		assertTrue(e.getMessage().contains(expected), "says '" + expected + "': " + e.getMessage());
		assertTrue(e.hint() != null && !e.hint().isBlank(), "gives a hint");
		return e;
	}

	@Test
	void missingFile() {
		loadFails(dir.resolve("nope.onnx"), "file not found");
	}

	@Test
	void directory() {
		loadFails(dir, "is a directory");
	}

	@Test
	void emptyFile() throws IOException {
		loadFails(Files.write(dir.resolve("empty.onnx"), new byte[0]), "empty");
	}

	@Test
	void notOnnx() throws IOException {
		loadFails(Files.copy(TestData.example("data/labels.json"), dir.resolve("labels.onnx")), "not an ONNX model");
		Path png = Files.list(TestData.example("data/evaluation/bag")).sorted().findFirst().orElseThrow();
		loadFails(Files.copy(png, dir.resolve("image.onnx")), "not an ONNX model");
	}

	@Test
	void truncatedFile() throws IOException {
		byte[] full = Files.readAllBytes(TestData.example("model/fashion_cnn.onnx"));
		loadFails(Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(full, full.length / 2)), "truncated");
	}

	@Test
	void unsupportedIrVersion() throws IOException {
		ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(TestData.example("model/fashion_cnn.onnx")));
		Path future = Files.write(dir.resolve("ir99.onnx"), proto.toBuilder().setIrVersion(99).build().toByteArray());
		loadFails(future, "unsupported ONNX IR version 99");
	}
}
