package org.quantrace.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.runtime.NdArray;

/**
 * The KV-cache decoder's data (tests/data/multiin/kv.onnx, kv-32.npz: input_ids [N, 1], past_key and past_value [N, 4, P, 8] of
 * P = 7) with its past values cut to fewer positions than its past keys: arrays that each fit their input, not one another.
 */
public final class KvData {

	private KvData() {
	}

	/** kv-32.npz with past_value cut to its first {@code positions} positions, written to {@code file}. */
	public static Path withPastValuePositions(Path file, int positions) throws IOException {
		Batch b = Datasets.open(DatasetSpec.of(TestData.data("multiin").resolve("kv-32.npz"), null)).read(0, 32);
		NdArray values = b.named().get("past_value");
		long[] s = values.shape(); // [N, heads, P, head size]
		float[] all = values.floats();
		float[] cut = new float[(int) (s[0] * s[1] * positions * s[3])];
		for (int row = 0; row < s[0] * s[1]; row++) {
			System.arraycopy(all, (int) (row * s[2] * s[3]), cut, (int) (row * positions * s[3]), (int) (positions * s[3]));
		}
		Map<String, NdArray> arrays = new LinkedHashMap<>();
		arrays.put("input_ids", b.named().get("input_ids"));
		arrays.put("past_key", b.named().get("past_key"));
		arrays.put("past_value", NdArray.ofFloats(new long[] { s[0], s[1], positions, s[3] }, cut));
		arrays.put("y", NdArray.ofInts(new long[] { b.size() }, b.labels().classes()));
		return Npz.write(file, arrays);
	}

	/**
	 * kv.onnx with past_value's positions named 'Q' instead of the 'P' past_key's share (as torch names dynamic axes given as
	 * lists, each its own), written to {@code file}: nothing but running it says that the two must agree.
	 */
	public static Path withPositionsNamedApart(Path file) throws IOException {
		ai.onnx.proto.OnnxMl.ModelProto.Builder b = org.quantrace.engine.onnx.OnnxModel.load(TestData.data("multiin").resolve("kv.onnx")).toProto().toBuilder();
		b.getGraphBuilder().getInputBuilderList().stream().filter(v -> v.getName().equals("past_value")).findFirst().orElseThrow().getTypeBuilder()
				.getTensorTypeBuilder().getShapeBuilder().getDimBuilder(2).setDimParam("Q");
		org.quantrace.engine.onnx.OnnxModel.of(b.build()).save(file);
		return file;
	}
}
