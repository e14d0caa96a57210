package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A large model is handed to ONNX Runtime through a temporary file it is streamed into, not as one array of its bytes: a
 * `quantize` of ConvNeXt-T (111 MB) opened the model about ten times, each time as a new 111 MB array, and the collector let
 * them pile up into gigabytes of heap. The session computes what the one opened from the bytes computes, a model ONNX
 * Runtime refuses is reported in the words the bytes give, and no temporary file is left behind.
 */
class LargeModelSessionsTest {

	private static final int IN = 1024;
	private static final int OUT = 4352; // 1024 x 4352 floats: 17.8 MB, above the 16 MB from which models go through a file

	/** x [2, 1024] -> MatMul w [1024, 4352] -> y [2, 4352], seeded weights; {@code op} MatMul, or an op ONNX Runtime lacks. */
	private static ModelProto model(String op) {
		Random r = new Random(0);
		ByteBuffer w = ByteBuffer.allocate(4 * IN * OUT).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < IN * OUT; i++) {
			w.putFloat((float) r.nextGaussian() * 0.05f);
		}
		return TestModels.graph(List.of(TestModels.node(op, "mm", List.of("x", "w"), "y")), List.of(TestModels.weight("w", w.array(), IN, OUT)),
				TestModels.tensor("x", 2, IN), TestModels.tensor("y", 2, OUT));
	}

	private static NdArray input() {
		Random r = new Random(1);
		float[] x = new float[2 * IN];
		for (int i = 0; i < x.length; i++) {
			x[i] = r.nextFloat();
		}
		return NdArray.ofFloats(new long[] { 2, IN }, x);
	}

	@Test
	void aLargeModelRunsAsFromItsBytesAndOpensWithoutAnArrayOfItsBytes() throws Exception {
		ModelProto proto = model("MatMul");
		OnnxModel model = OnnxModel.of(proto);
		List<Path> before = sessionFiles();
		float[] expected;
		try (InferenceSession s = InferenceSession.open(proto.toByteArray(), SessionSettings.defaults(), "bytes")) {
			expected = s.run(input()).floats();
		}
		InferenceSession.open(model, SessionSettings.defaults(), "warm-up").close(); // classes loaded, ONNX Runtime's Java side set up once
		long[] allocated = new long[1];
		float[] actual;
		try (InferenceSession s = allocatedBy(() -> InferenceSession.open(model, SessionSettings.defaults(), "model"), allocated)) {
			actual = s.run(input()).floats();
		}
		assertArrayEquals(expected, actual, 0f, "the same outputs as the session opened from the bytes");
		long size = proto.getSerializedSize();
		assertTrue(size >= 16L << 20, "a large model: " + size + " bytes");
		assertTrue(allocated[0] < size / 4, "opening allocated " + allocated[0] + " bytes on the heap; the model is " + size);
		assertEquals(before, sessionFiles(), "no temporary file left behind");
	}

	@Test
	void aLargeModelOnnxRuntimeRefusesIsReportedInTheWordsItsBytesGive() throws Exception {
		ModelProto proto = model("NoSuchOp");
		List<Path> before = sessionFiles();
		QuantraceException fromBytes = assertThrows(QuantraceException.class,
				() -> InferenceSession.open(proto.toByteArray(), SessionSettings.defaults(), "large").close());
		InvalidInputException fromModel = assertThrows(InvalidInputException.class,
				() -> InferenceSession.open(OnnxModel.of(proto), SessionSettings.defaults(), "large").close());
		String reason = fromBytes.getMessage().substring(fromBytes.getMessage().indexOf("cannot load the model: "));
		assertTrue(fromModel.getMessage().endsWith(reason), fromModel.getMessage() + "\nshould end with\n" + reason);
		assertFalse(fromModel.getMessage().contains("quantrace-session-"), "no temporary file named: " + fromModel.getMessage());
		assertEquals(before, sessionFiles(), "no temporary file left behind");
	}

	private interface Opening {
		InferenceSession open();
	}

	/** Opens a session, counting the bytes this thread allocated meanwhile (the JVM's per-thread counter). */
	private static InferenceSession allocatedBy(Opening opening, long[] allocated) throws Exception {
		MBeanServer server = ManagementFactory.getPlatformMBeanServer();
		ObjectName threading = new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME);
		Object[] id = { Thread.currentThread().threadId() };
		String[] signature = { "long" };
		long before = (Long) server.invoke(threading, "getThreadAllocatedBytes", id, signature);
		InferenceSession s = opening.open();
		allocated[0] = (Long) server.invoke(threading, "getThreadAllocatedBytes", id, signature) - before;
		return s;
	}

	private static List<Path> sessionFiles() throws IOException {
		// this process's scratch folder (ScratchFiles) holds them since logs65; the temporary folder itself did before
		Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
		java.util.List<Path> found = new java.util.ArrayList<>();
		try (Stream<Path> files = Files.list(tmp)) {
			found.addAll(files.filter(f -> f.getFileName().toString().startsWith("quantrace-session-")).toList());
		}
		Path own = tmp.resolve("quantrace-scratch-" + ProcessHandle.current().pid());
		if (Files.isDirectory(own)) {
			try (Stream<Path> files = Files.list(own)) {
				found.addAll(files.toList());
			}
		}
		return found.stream().sorted().toList();
	}
}
