package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * Tensors stored outside the .onnx file are read from the model's folder and nowhere else, and every
 * file read is reported (the runner hashes it as an input).
 */
class ExternalDataTest {

	private static final String TENSOR = TestModels.EXTERNAL_TENSOR;

	private final Path dir = TestData.tempDir("external");

	private static Path externalModel(Path modelDir, String name, String location) {
		return TestModels.withExternalData(modelDir.resolve(name), location);
	}

	private static byte[] weights() {
		return TestModels.externalTensorBytes();
	}

	/** A file outside the model's folder, as large as the tensor, that must never be read. */
	private Path secret() throws IOException {
		return Files.write(dir.resolve("secret.bin"), new byte[weights().length]);
	}

	@Test
	void dataNextToTheModelIsReadAndReported() throws IOException {
		Path model = externalModel(dir.resolve("m"), "m.onnx", "weights/w.bin");
		Files.createDirectories(dir.resolve("m/weights"));
		Path data = Files.write(dir.resolve("m/weights/w.bin"), weights());
		OnnxModel loaded = OnnxModel.load(model);
		assertEquals(List.of(data.toAbsolutePath().normalize()), loaded.externalDataFiles());
		assertEquals(List.of(data.toAbsolutePath().normalize()), OnnxModel.externalDataFiles(model), "listed without reading");
		assertArrayEquals(weights(), loaded.graph().initializer(TENSOR).proto().getRawData().toByteArray());
		assertEquals(List.of(), OnnxModel.load(TestData.example("model/fashion_cnn.onnx")).externalDataFiles());
	}

	/**
	 * The hashes a model reports are of the bytes it was parsed from, every external-data file read once, whole, in chunks of
	 * 1 MiB: tensors that start at an odd offset and span a chunk's end come out whole (hostile19: the run hashed each file by a
	 * reading of its own, so a file replaced and put back in between was recorded as read).
	 */
	@Test
	void theHashesAreOfTheBytesReadAndTensorsAcrossChunksComeOutWhole() throws IOException {
		java.util.Random random = new java.util.Random(19);
		byte[] w = new byte[600 * 600 * 4];
		byte[] b = new byte[600 * 4];
		random.nextBytes(w);
		random.nextBytes(b);
		long bAt = 2 * 1024 * 1024 - 6; // spans the second chunk's end
		byte[] file = new byte[(int) bAt + b.length + 5];
		random.nextBytes(file);
		System.arraycopy(w, 0, file, 0, w.length);
		System.arraycopy(b, 0, file, (int) bAt, b.length);
		Files.createDirectories(dir.resolve("chunks"));
		Path data = Files.write(dir.resolve("chunks/w.bin"), file);
		var model = TestModels.graph(
				List.of(TestModels.node("MatMul", "mm", List.of("x", "w"), "xw"), TestModels.node("Add", "add", List.of("xw", "b"), "y")),
				List.of(external("w", w.length, 0, 600, 600), external("b", b.length, bAt, 600)), TestModels.tensor("x", 1, 600),
				TestModels.tensor("y", 1, 600));
		Path m = Files.write(dir.resolve("chunks/m.onnx"), model.toByteArray());
		OnnxModel loaded = OnnxModel.load(m);
		assertArrayEquals(w, loaded.graph().initializer("w").proto().getRawData().toByteArray());
		assertArrayEquals(b, loaded.graph().initializer("b").proto().getRawData().toByteArray());
		assertEquals(List.of(m, data.toAbsolutePath().normalize()), List.copyOf(loaded.sha256AsRead().keySet()));
		assertEquals(org.quantrace.engine.SafeFiles.sha256(model.toByteArray()), loaded.sha256AsRead().get(m));
		assertEquals(org.quantrace.engine.SafeFiles.sha256(file), loaded.sha256AsRead().get(data.toAbsolutePath().normalize()));
		assertEquals(List.of(data.toAbsolutePath().normalize()), loaded.externalDataFiles());
	}

	private static ai.onnx.proto.OnnxMl.TensorProto external(String name, int bytes, long offset, long... dims) {
		var t = ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1)
				.setDataLocation(ai.onnx.proto.OnnxMl.TensorProto.DataLocation.EXTERNAL);
		for (long d : dims) {
			t.addDims(d);
		}
		t.addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"));
		t.addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)));
		t.addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue(Integer.toString(bytes)));
		return t.build();
	}

	@Test
	void aLinkThatStaysInTheModelsFolderIsFollowed() throws IOException {
		Path model = externalModel(dir.resolve("m"), "m.onnx", "link.bin");
		Files.write(dir.resolve("m/real.bin"), weights());
		Files.createSymbolicLink(dir.resolve("m/link.bin"), Path.of("real.bin"));
		assertArrayEquals(weights(), OnnxModel.load(model).graph().initializer(TENSOR).proto().getRawData().toByteArray());
	}

	@Test
	void aLocationClimbingOutOfTheModelsFolderIsRefused() throws IOException {
		Path secret = secret();
		Path model = externalModel(dir.resolve("m"), "m.onnx", "../" + secret.getFileName());
		refused(model, "stores its data at '../secret.bin', outside the model's folder");
		Path deep = externalModel(dir.resolve("m"), "deep.onnx", "../../../../../../../../etc/passwd");
		refused(deep, "stores its data at '../../../../../../../../etc/passwd', outside the model's folder");
	}

	@Test
	void anAbsoluteLocationIsRefused() throws IOException {
		Path secret = secret().toAbsolutePath();
		refused(externalModel(dir.resolve("m"), "m.onnx", secret.toString()), "stores its data at '" + secret + "', an absolute path");
	}

	@Test
	void aLinkOutOfTheModelsFolderIsRefused() throws IOException {
		Path secret = secret().toAbsolutePath();
		Path model = externalModel(dir.resolve("m"), "m.onnx", "w.bin");
		Files.createSymbolicLink(dir.resolve("m/w.bin"), secret);
		refused(model, "stores its data at 'w.bin', a symbolic link out of the model's folder");
		Files.delete(dir.resolve("m/w.bin"));
		Files.createSymbolicLink(dir.resolve("m/sub"), secret.getParent()); // a linked folder on the way
		refused(externalModel(dir.resolve("m"), "sub.onnx", "sub/secret.bin"), "a symbolic link out of the model's folder");
	}

	@Test
	void aRangeBeyondTheFileIsRefused() throws IOException {
		Path model = externalModel(dir.resolve("m"), "m.onnx", "w.bin");
		Files.write(dir.resolve("m/w.bin"), new byte[16]);
		loadRefused(model, "which holds 16");
	}

	/** Loading refuses the model, and so does listing its external files. */
	private static void refused(Path model, String expected) {
		loadRefused(model, expected);
		assertThrows(InvalidInputException.class, () -> OnnxModel.externalDataFiles(model), "listing refuses it too");
	}

	private static void loadRefused(Path model, String expected) {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxModel.load(model));
		assertTrue(e.getMessage().startsWith(model + ": tensor '" + TENSOR + "' "), "names the model and the tensor: " + e.getMessage());
		assertTrue(e.getMessage().contains(expected), e.getMessage());
		assertTrue(e.hint() != null && !e.hint().isBlank());
	}
}
