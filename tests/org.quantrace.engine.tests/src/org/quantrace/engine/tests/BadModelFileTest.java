package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

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

	/** inspect /dev/zero never returned (hostile11): a device or a pipe is no model file and is not read. */
	@Test
	void aDeviceIsNoModelFileAndIsNotRead() {
		Path zero = Path.of("/dev/zero");
		assertTrue(Files.exists(zero), "a Unix device (the tests run on Linux)");
		org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
			loadFails(zero, "is not a regular file");
		});
		assertTrue(!OnnxModel.isModelFile(zero));
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
	void cycle() {
		loadFails(TestModels.cycle(dir.resolve("cycle.onnx")), "the graph has a cycle: no order runs nodes 'add', 'relu'");
	}

	@Test
	void inputDimensionsThatOverflow() {
		loadFails(TestModels.overflowingInput(dir.resolve("overflow.onnx")), "input 'x': dimensions [1099511627776, 1099511627776] overflow");
	}

	@Test
	void initializerDimensionsThatOverflowOrAreNegative() {
		loadFails(withWeight("big.onnx", TestModels.weight("w", new byte[16], 1L << 31, 1L << 31, 4)),
				"tensor 'w' (initializer): dimensions [2147483648, 2147483648, 4] overflow");
		loadFails(withWeight("negative.onnx", TestModels.weight("w", new byte[16], -4)), "tensor 'w' (initializer): negative dimension in [-4]");
	}

	@Test
	void dataShorterThanItsDimensions() {
		loadFails(withWeight("short.onnx", TestModels.weight("w", new byte[16], 1000)), "declares dimensions [1000] of FLOAT32 (4000 bytes) but holds 16 bytes");
	}

	@Test
	void unknownElementType() {
		loadFails(withWeight("type99.onnx", TestModels.weight("w", new byte[16], 4).toBuilder().setDataType(99).build()),
				"tensor 'w' (initializer): unknown element type 99");
	}

	/** A model ONNX Runtime refuses (an op nobody registered) is the user's input at fault, named by its file. */
	@Test
	void aModelOnnxRuntimeCannotLoad() {
		Path file = TestModels.unknownOp(dir.resolve("unknown-op.onnx"));
		OnnxModel model = OnnxModel.load(file); // a well-formed file
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> InferenceSession.requireLoadable(model, "m"));
		assertTrue(e.getMessage().startsWith(file + ": ONNX Runtime "), e.getMessage());
		assertTrue(e.getMessage().contains("cannot load the model") && e.getMessage().contains("FrobnicateXYZ"), e.getMessage());
	}

	/** x + w, with a 4-element x. */
	private Path withWeight(String name, TensorProto w) {
		return TestModels.write(dir.resolve(name), TestModels.graph(List.of(TestModels.node("Add", "add", List.of("x", "w"), "y")), List.of(w),
				TestModels.tensor("x", 1, 4), TestModels.tensor("y", 1, 4)));
	}

	@Test
	void unsupportedIrVersion() throws IOException {
		ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(TestData.example("model/fashion_cnn.onnx")));
		Path future = Files.write(dir.resolve("ir99.onnx"), proto.toBuilder().setIrVersion(99).build().toByteArray());
		loadFails(future, "unsupported ONNX IR version 99");
	}
}
