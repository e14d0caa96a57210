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
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * evidence13's trust gap: the trace keeps one range per weight, which fixes only the largest channel's scale, and the codes were
 * checked at the file's own scales. A channel held at twice its range's scale with its codes halved (the trace's scales, every
 * hash and document made again) passed verify with no finding while the logs state s = max|w_c| / qmax per channel. verify now
 * derives every channel's scale from the float weights and names the layer, the channel and both scales.
 */
class VerifyChannelScalesTest {

	private static final String CONV = "/features/features.0/Conv";
	private static final String MODEL = "models/cnn/fiq_int8.onnx";

	@Test
	void aChannelHeldCoarserThanItsRangeIsFound() throws IOException {
		Path out = Runs.fiqInt8Run("verify-channel-scales");
		assertEquals(List.of(), Verification.verify(out).problems(), "the honest run verifies clean");

		Path forged = Runs.copy(out, out.resolveSibling("coarser-channel"));
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(MODEL)));
		GraphProto.Builder g = m.getGraph().toBuilder();
		NodeProto conv = g.getNodeList().stream().filter(n -> n.getName().equals(CONV)).findFirst().orElseThrow();
		float[] scales = Tampering.floats(g.getInitializer(index(g, dequantization(g, conv.getInput(1)).getInput(1))));
		int c = smallest(scales); // not the largest: the recorded range fixes that one
		assertTrue(2 * scales[c] < max(scales), "doubled, channel " + c + " stays below the largest scale");
		coarser(g, conv.getInput(1), c);
		coarser(g, conv.getInput(2), c); // the bias's scale is s_input · s_weight: doubled with it
		Tampering.replaceModel(forged, MODEL, m.toBuilder().setGraph(g).build().toByteArray());
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		List<TensorQuantizationRecord> records = trace.getOptimizations().get(0).getQuantization().getTensors().stream()
				.filter(t -> t.getNode().equals(CONV) && (t.getRole() == TensorRole.WEIGHT || t.getRole() == TensorRole.BIAS)).toList();
		assertEquals(2, records.size(), "the Conv's weight and bias records");
		records.forEach(t -> t.getScales().set(c, (double) (2 * t.getScales().get(c).floatValue())));
		Tampering.remadeFromTrace(forged, trace);

		List<Problem> problems = Verification.verify(forged).problems();
		String weight = records.stream().filter(t -> t.getRole() == TensorRole.WEIGHT).findFirst().orElseThrow().getTensor();
		Tampering.foundInTrace(problems, "tensor " + weight + " (weight) channel " + c + " scale", "s = " + scales[c] + ",", "the model holds s = " + 2 * scales[c]);
		assertTrue(problems.stream().allMatch(p -> p.what().contains("channel " + c + " scale")), "only the channel's scale gives it away: " + problems);
	}

	/**
	 * evidence14's leftover: an LSTM's weights under DRQ (DynamicQuantizeLSTM, int8 codes stored transposed [dirs, in, 4H], a
	 * scale per row [dirs, 4H]) were never held per row: their codes are not in the float weight's order, and the per-channel
	 * check ran only where codes were read. The zoo's LSTM with one row's scale doubled and its codes halved (the trace's scale,
	 * every hash and document made again) passed; verify now derives every row's scale from the float weight's row.
	 */
	@Test
	void anLstmRowHeldCoarserThanItsRangeIsFound() throws IOException {
		Path dir = ZooRuns.runOneScheme("verify-lstm-row-scales", "", "drq", "lstm");
		Path out = dir.resolve("out");
		String model = "models/lstm/drq.onnx";
		assertEquals(List.of(), Verification.verify(out).problems(), "the honest run verifies clean");

		Path forged = Runs.copy(out, dir.resolve("coarser-row"));
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(model)));
		GraphProto.Builder g = m.getGraph().toBuilder();
		NodeProto lstm = g.getNodeList().stream().filter(n -> n.getOpType().equals("DynamicQuantizeLSTM")).findFirst().orElseThrow();
		int scaleAt = index(g, lstm.getInput(8)); // W_scale [dirs, 4H]
		float[] scales = Tampering.floats(g.getInitializer(scaleAt));
		int r = smallest(scales);
		assertTrue(2 * scales[r] < max(scales), "doubled, row " + r + " stays below the largest scale");
		g.setInitializer(scaleAt, Tampering.times(g.getInitializer(scaleAt), r, 2));
		int codesAt = index(g, lstm.getInput(1)); // W's codes [1, in, 4H]: row r is every 4H-th code from r
		byte[] codes = g.getInitializer(codesAt).getRawData().toByteArray();
		assertEquals(TensorProto.DataType.INT8_VALUE, g.getInitializer(codesAt).getDataType());
		for (int i = r; i < codes.length; i += scales.length) {
			codes[i] = (byte) Math.rint(codes[i] / 2.0);
		}
		g.setInitializer(codesAt, g.getInitializer(codesAt).toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(codes)).build());
		String[] tensor = new String[1];
		Tampering.replacedOutput(forged, "drq", m.toBuilder().setGraph(g).build().toByteArray(), o -> {
			TensorQuantizationRecord w = o.getQuantization().getTensors().stream().filter(t -> t.getRole() == TensorRole.WEIGHT && t.getScales().size() == scales.length
					&& t.getScales().get(r).floatValue() == scales[r] && t.getScales().get(0).floatValue() == scales[0]).findFirst().orElseThrow();
			w.getScales().set(r, (double) (2 * scales[r]));
			tensor[0] = w.getTensor();
		});

		List<Problem> problems = Verification.verify(forged).problems();
		Tampering.foundInTrace(problems, "tensor " + tensor[0] + " (weight) channel " + r + " scale", "s = " + scales[r] + ",", "the model holds s = " + 2 * scales[r]);
		// halved codes are rounded twice: a few differ from round(w / 2s) by one, which the LSTM's code check (VerifyLstmCodesTest) names too
		assertTrue(problems.stream().allMatch(p -> p.what().contains("channel " + r + " scale") || p.what().contains("row " + r + " (gate ")),
				"only the row's scale (and its codes) give it away: " + problems);
	}

	private static int index(GraphProto.Builder g, String initializer) {
		int i = g.getInitializerList().stream().map(TensorProto::getName).toList().indexOf(initializer);
		assertTrue(i >= 0, initializer);
		return i;
	}

	private static int smallest(float[] v) {
		return smallest(v, 0);
	}

	/** The index of the smallest of {@code v} from {@code from} on (VerifyLstmCodesTest: a backward direction's rows). */
	static int smallest(float[] v, int from) {
		int at = from;
		for (int i = from + 1; i < v.length; i++) {
			at = v[i] < v[at] ? i : at;
		}
		return at;
	}

	static float max(float[] v) {
		float m = v[0];
		for (float x : v) {
			m = Math.max(m, x);
		}
		return m;
	}

	private static NodeProto dequantization(GraphProto.Builder g, String output) {
		return g.getNodeList().stream().filter(n -> n.getOutputList().contains(output)).findFirst().orElseThrow();
	}

	/** The scale of channel {@code c} (axis 0) of the codes dequantized to {@code output} doubled and their raw codes halved, rounded to even: round(w / 2s) within a step. */
	private static void coarser(GraphProto.Builder g, String output, int c) {
		NodeProto dq = dequantization(g, output);
		int scaleAt = index(g, dq.getInput(1));
		int channels = Tampering.floats(g.getInitializer(scaleAt)).length;
		g.setInitializer(scaleAt, Tampering.times(g.getInitializer(scaleAt), c, 2));
		int codesAt = index(g, dq.getInput(0));
		TensorProto codes = g.getInitializer(codesAt);
		java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(codes.getRawData().toByteArray()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		int size = switch (codes.getDataType()) {
		case TensorProto.DataType.INT8_VALUE -> 1;
		case TensorProto.DataType.INT32_VALUE -> 4;
		default -> throw new AssertionError("raw int8 or int32 codes: " + codes.getDataType());
		};
		int per = b.capacity() / size / channels;
		for (int i = c * per; i < (c + 1) * per; i++) {
			if (size == 1) {
				b.put(i, (byte) Math.rint(b.get(i) / 2.0));
			} else {
				b.putInt(4 * i, (int) Math.rint(b.getInt(4 * i) / 2.0));
			}
		}
		g.setInitializer(codesAt, codes.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(b.array())).build());
	}
}
