package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * evidence15's leftover: a DynamicQuantizeLSTM's int8 codes (W and R, stored transposed [dirs, in, 4H] as ONNX Runtime reads
 * them) were never held against the float LSTM's weights; one row's codes changed with its scale kept (the weight row negated:
 * the same range, so the same scale), the model's hash and every document made again, passed plain verify. verify now derives
 * every code from its float weight at its row's scale and names the layer, the tensor, the row and both values. The zoo's
 * LSTM (forward, W) and a bidirectional one (tests/data/bilstm, R of the backward direction) are checked.
 */
class VerifyLstmCodesTest {

	@Test
	void aForwardLstmRowNegatedIsFound() throws IOException {
		rowNegatedIsFound("lstm", 1, 0, 200);
	}

	@Test
	void aBackwardLstmRowNegatedIsFound() throws IOException {
		rowNegatedIsFound("bilstm", 2, 1, 37);
	}

	/**
	 * A bidirectional LSTM's per-row scales [2, 4H]: the backward direction's row held at twice its range's scale, its codes
	 * halved and the trace's scale with it, is named by its row over both directions (4H + r).
	 */
	@Test
	void aBackwardRowHeldCoarserThanItsRangeIsFound() throws IOException {
		Path dir = ZooRuns.runOneScheme("verify-bilstm-row-scale", "", "drq", "bilstm");
		Path forged = Runs.copy(dir.resolve("out"), dir.resolve("coarser-row"));
		String model = "models/bilstm/drq.onnx";
		NodeProto lstm = quantizedLstm(forged.resolve(model));
		GraphProto g = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(model))).getGraph();
		float[] scales = Tampering.floats(initializer(g, lstm.getInput(8)));
		TensorProto codes = initializer(g, lstm.getInput(1));
		int rows = (int) codes.getDims(2);
		assertEquals(2 * rows, scales.length, "W_scale [2, 4H]");
		int row = VerifyChannelScalesTest.smallest(scales, rows); // the backward direction's smallest scale: doubled, it stays below the largest, which the recorded range fixes
		int backward = row - rows;
		assertTrue(2 * scales[row] < VerifyChannelScalesTest.max(scales), "doubled, row " + row + " stays below the largest scale");
		GraphProto.Builder edited = g.toBuilder();
		replace(edited, lstm.getInput(8), t -> Tampering.times(t, row, 2));
		replace(edited, lstm.getInput(1), t -> edited(t, 1, backward, v -> (byte) Math.rint(v / 2.0)));
		String[] tensor = new String[1];
		Tampering.replacedOutput(forged, "drq", modelWith(forged.resolve(model), edited), o -> {
			TensorQuantizationRecord w = o.getQuantization().getTensors().stream().filter(t -> t.getRole() == TensorRole.WEIGHT && t.getScales().size() == scales.length
					&& t.getScales().get(row).floatValue() == scales[row]).findFirst().orElseThrow();
			w.getScales().set(row, (double) (2 * scales[row]));
			tensor[0] = w.getTensor();
		});

		List<Problem> problems = Verification.verify(forged).problems();
		Tampering.foundInTrace(problems, "tensor " + tensor[0] + " (weight) channel " + row + " scale", "s = " + scales[row] + ",", "the model holds s = " + 2 * scales[row]);
	}

	/** The drq run of {@code name} verifies clean; with row {@code row} of direction {@code direction} of input {@code input} (W 1, R 2) negated, it does not. */
	private static void rowNegatedIsFound(String name, int input, int direction, int row) throws IOException {
		Path dir = ZooRuns.runOneScheme("verify-" + name + "-codes", "", "drq", name);
		Path out = dir.resolve("out");
		assertEquals(List.of(), Verification.verify(out).problems(), "the honest run verifies clean");

		Path forged = Runs.copy(out, dir.resolve("negated-row"));
		String model = "models/" + name + "/drq.onnx";
		NodeProto lstm = quantizedLstm(forged.resolve(model));
		TensorProto codes = initializer(ModelProto.parseFrom(Files.readAllBytes(forged.resolve(model))).getGraph(), lstm.getInput(input));
		assertEquals(TensorProto.DataType.INT8_VALUE, codes.getDataType());
		byte[] raw = codes.getRawData().toByteArray();
		int rows = (int) codes.getDims(2);
		int columns = (int) codes.getDims(1);
		int column = 0; // the first column of the row whose code is not 0: the first the check reports
		while (raw[(direction * columns + column) * rows + row] == 0) {
			column++;
		}
		byte code = raw[(direction * columns + column) * rows + row];
		GraphProto.Builder edited = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(model))).getGraph().toBuilder();
		replace(edited, lstm.getInput(input), t -> edited(t, direction, row, v -> (byte) -v));
		Tampering.replacedOutput(forged, "drq", modelWith(forged.resolve(model), edited), o -> {
		});

		List<Problem> problems = Verification.verify(forged).problems();
		String tensor = floatLstm(TestData.data("bilstm".equals(name) ? "bilstm/bilstm.onnx" : "zoo/lstm.onnx")).getInput(input);
		Tampering.foundInTrace(problems, "tensor " + tensor + " (weight) codes of layer " + lstm.getName(),
				"direction " + direction + " row " + row + " (gate ", "column " + column + " holds " + -code + ", round(", " = " + code + ")");
		assertTrue(problems.stream().allMatch(p -> p.what().contains("codes of layer " + lstm.getName())), "only the codes give it away: " + problems);
	}

	/** Row {@code row} of direction {@code direction} of int8 codes stored [dirs, in, 4H], each code changed by {@code change}. */
	private static TensorProto edited(TensorProto codes, int direction, int row, java.util.function.IntUnaryOperator change) {
		byte[] raw = codes.getRawData().toByteArray();
		int rows = (int) codes.getDims(2);
		int columns = (int) codes.getDims(1);
		for (int c = 0; c < columns; c++) {
			int i = (direction * columns + c) * rows + row;
			raw[i] = (byte) change.applyAsInt(raw[i]);
		}
		return codes.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(raw)).build();
	}

	private static void replace(GraphProto.Builder g, String name, java.util.function.UnaryOperator<TensorProto> edit) {
		int at = g.getInitializerList().stream().map(TensorProto::getName).toList().indexOf(name);
		assertTrue(at >= 0, name);
		g.setInitializer(at, edit.apply(g.getInitializer(at)));
	}

	private static byte[] modelWith(Path model, GraphProto.Builder g) throws IOException {
		return ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder().setGraph(g).build().toByteArray();
	}

	private static NodeProto quantizedLstm(Path model) throws IOException {
		return ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DynamicQuantizeLSTM")).findFirst()
				.orElseThrow();
	}

	private static NodeProto floatLstm(Path model) throws IOException {
		return ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("LSTM")).findFirst().orElseThrow();
	}

	private static TensorProto initializer(GraphProto g, String name) {
		return g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name));
	}
}
