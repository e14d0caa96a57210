package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The two streams calibration reads without copying them whole: .npy slices (read from the file through a small buffer)
 * and the activations ONNX Runtime writes into the session's own output buffers, whatever the sequence of chunk sizes.
 */
class CalibrationStreamsTest {

	@TempDir
	Path dir;

	/** Slices crossing the 1 MB read chunk, of float32 and int64 arrays, are the values written. */
	@Test
	void npySlicesReadInChunksAreTheValuesWritten() throws Exception {
		Random r = new Random(3);
		float[] f = new float[5 * 3 * 200 * 200]; // 2.4 MB
		for (int i = 0; i < f.length; i++) {
			f[i] = (float) r.nextGaussian();
		}
		long[] l = new long[5 * 70_000]; // 2.8 MB
		for (int i = 0; i < l.length; i++) {
			l[i] = r.nextLong();
		}
		NpyArray.write(dir.resolve("f.npy"), NdArray.ofFloats(new long[] { 5, 3, 200, 200 }, f));
		NpyArray.write(dir.resolve("l.npy"), NdArray.ofLongs(new long[] { 5, 70_000 }, l));
		NpyArray fa = NpyArray.open(dir.resolve("f.npy"));
		NpyArray la = NpyArray.open(dir.resolve("l.npy"));
		int row = 3 * 200 * 200;
		assertArrayEquals(java.util.Arrays.copyOfRange(f, row, 4 * row), fa.slice(1, 4).floats());
		assertArrayEquals(f, fa.read().floats());
		assertArrayEquals(new long[] { 3, 3, 200, 200 }, fa.slice(1, 4).shape());
		assertArrayEquals(java.util.Arrays.copyOfRange(l, 2 * 70_000, 5 * 70_000), (long[]) la.slice(2, 5).data());
		// a dataset's chunks read into the caller's array when it fits, into a new one when it does not
		org.quantrace.engine.data.Dataset data = org.quantrace.engine.data.NpyDataset.open(dir.resolve("f.npy"), null).limit(4);
		float[] reuse = new float[2 * row];
		NdArray chunk = data.readInputs(1, 3, reuse);
		assertSame(reuse, chunk.data());
		assertArrayEquals(java.util.Arrays.copyOfRange(f, row, 3 * row), reuse);
		assertArrayEquals(java.util.Arrays.copyOfRange(f, 2 * row, 3 * row), data.readInputs(2, 3, reuse).floats());
		assertThrows(IndexOutOfBoundsException.class, () -> data.readInputs(3, 5, null), "the view's limit holds");
		// an entry parsed from bytes (as of an .npz) reads through the buffer, not the file
		NpyArray parsed = NpyArray.parse(java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve("f.npy"))), "f.npy in memory");
		assertArrayEquals(fa.slice(2, 5).floats(), parsed.slice(2, 5).floats());
	}

	/** Visited outputs equal a plain run's for chunk sizes 3, 3, 2, 3, 1, 2 (pinned buffers reused across sizes). */
	@Test
	void visitedOutputsAreThoseOfAPlainRunWhateverTheChunkSize() {
		OnnxModel model = OnnxModel.of(org.quantrace.testing.TestModels.graph(
				List.of(org.quantrace.testing.TestModels.node("Relu", "relu", List.of("x"), "h"),
						org.quantrace.testing.TestModels.node("Neg", "neg", List.of("h"), "y")),
				List.of(), batched("x"), batched("y")));
		Random r = new Random(5);
		try (InferenceSession visited = InferenceSession.open(model, SessionSettings.defaults(), "visited");
				InferenceSession plain = InferenceSession.open(model, SessionSettings.defaults(), "plain")) {
			for (int n : new int[] { 3, 3, 2, 3, 1, 2, 3 }) {
				float[] x = new float[n * 20];
				for (int i = 0; i < x.length; i++) {
					x[i] = (float) r.nextGaussian();
				}
				NdArray input = NdArray.ofFloats(new long[] { n, 4, 5 }, x);
				Map<String, float[]> seen = new LinkedHashMap<>();
				List<long[]> shapes = new ArrayList<>();
				visited.run(Map.of("x", input), Set.of("y"), (name, shape, values) -> {
					float[] v = new float[values.remaining()];
					values.duplicate().get(v);
					seen.put(name, v);
					shapes.add(shape);
				});
				assertArrayEquals(plain.run(Map.of("x", input)).get("y").floats(), seen.get("y"), "batch of " + n);
				assertArrayEquals(new long[] { n, 4, 5 }, shapes.get(0));
				assertEquals(n * 20, seen.get("y").length);
			}
		}
	}

	/**
	 * Announced shapes let even the first run of a batch size write into the session's buffers; a wrong announcement (as a
	 * probe on a model with a dynamic image size would make) is refused by ONNX Runtime and the run repeated unpinned, with
	 * the same values.
	 */
	@Test
	void announcedShapesRightOrWrongGiveThePlainRunsValues() {
		OnnxModel model = OnnxModel.of(org.quantrace.testing.TestModels.graph(
				List.of(org.quantrace.testing.TestModels.node("Relu", "relu", List.of("x"), "h"),
						org.quantrace.testing.TestModels.node("Neg", "neg", List.of("h"), "y")),
				List.of(), batched("x"), batched("y")));
		Random r = new Random(7);
		try (InferenceSession visited = InferenceSession.open(model, SessionSettings.defaults(), "visited");
				InferenceSession plain = InferenceSession.open(model, SessionSettings.defaults(), "plain")) {
			for (int n : new int[] { 3, 2, 3, 1 }) {
				float[] x = new float[n * 20];
				for (int i = 0; i < x.length; i++) {
					x[i] = (float) r.nextGaussian();
				}
				NdArray input = NdArray.ofFloats(new long[] { n, 4, 5 }, x);
				// right for 3 and 1, wrong (a dimension off) for 2
				visited.expectOutputShapes(Set.of("y"), n, Map.of("y", n == 2 ? new long[] { n, 4, 6 } : new long[] { n, 4, 5 }));
				Map<String, float[]> seen = new LinkedHashMap<>();
				List<long[]> shapes = new ArrayList<>();
				visited.run(Map.of("x", input), Set.of("y"), (name, shape, values) -> {
					float[] v = new float[values.remaining()];
					values.duplicate().get(v);
					seen.put(name, v);
					shapes.add(shape);
				});
				assertArrayEquals(plain.run(Map.of("x", input)).get("y").floats(), seen.get("y"), "batch of " + n);
				assertArrayEquals(new long[] { n, 4, 5 }, shapes.get(0), "batch of " + n);
			}
		}
	}

	/** A float [N, 4, 5] tensor, N dynamic. */
	private static ValueInfoProto batched(String name) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : new long[] { 4, 5 }) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
	}
}
