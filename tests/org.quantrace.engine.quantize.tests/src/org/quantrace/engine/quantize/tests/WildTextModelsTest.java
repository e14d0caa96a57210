package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A text model as BERT-style exports have it (tests/data/wild, make_wild2.py "bert"): int64 token ids read by a Gather
 * embedding. The token ids came as an int64 .npy, which the data reader refused (exit 2, "inputs must be float32, uint8 or
 * int8"), and once read, the planner took the int64 input for a float activation (the shape probe returns computed
 * tensors only, and an unknown type counted as float): calibration cast the ids to float and failed (exit 70,
 * ClassCastException). The input keeps its declared type and is fed as it is.
 */
class WildTextModelsTest {

	private static final int VOCAB = 16;
	private static final int TOKENS = 6;

	@Test
	void int64TokenIdsCalibrateAndStayTokenIds() throws IOException {
		OnnxModel model = OnnxModel.of(embeddingModel());
		Path dir = TestData.tempDir("token-ids");
		long[] ids = new long[64 * TOKENS];
		Random random = new Random(3);
		for (int i = 0; i < ids.length; i++) {
			ids[i] = random.nextInt(VOCAB);
		}
		Path npy = writeNpy(dir.resolve("ids.npy"), ids, 64, TOKENS);
		NpyDataset data = NpyDataset.open(npy, null);
		assertEquals(64, data.size());

		for (String scheme : List.of("fiq_int8", "fiq_uint8")) {
			QuantizationResult r = Quantizer.quantize(model.copy(), "tokens", Schemes.preset(scheme), data, Progress.NONE);
			TensorInfo input = TensorInfo.of(r.model().graph().runtimeInputs().get(0));
			assertEquals(DataType.INT64, input.type(), scheme + ": the ids stay int64");
			assertTrue(r.layers().stream().anyMatch(l -> l.opType().equals("MatMul") && l.quantized()), scheme + ": " + r.floatLayers());
			NdArray x = NdArray.ofLongs(new long[] { 8, TOKENS }, java.util.Arrays.copyOf(ids, 8 * TOKENS));
			float[] expected = run(model, x);
			float[] actual = dequantizedOutput(r, x);
			double worst = 0;
			double scale = 0;
			for (int i = 0; i < expected.length; i++) {
				worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
				scale = Math.max(scale, Math.abs(expected[i]));
			}
			assertTrue(worst < 0.05 * scale, scheme + ": quantized outputs follow the float ones, max error " + worst + " of " + scale);
		}
	}

	/** ids int64 [N, 6] → Gather(table [16, 8]) → MatMul([8, 4]) → ReduceMean over the tokens → [N, 4]. */
	private static ModelProto embeddingModel() {
		Random random = new Random(5);
		GraphProto.Builder g = GraphProto.newBuilder().setName("tokens");
		g.addInput(ValueInfoProto.newBuilder().setName("input_ids").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(7)
				.setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
						.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("sequence"))))));
		g.addInitializer(TestModels.uniform("table", random, -1, 1, VOCAB, 8));
		g.addInitializer(TestModels.uniform("w", random, -1, 1, 8, 4));
		g.addNode(NodeProto.newBuilder().setOpType("Gather").setName("embed").addInput("table").addInput("input_ids").addOutput("h"));
		g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("proj").addInput("h").addInput("w").addOutput("p"));
		g.addNode(NodeProto.newBuilder().setOpType("ReduceMean").setName("pool").addInput("p").addOutput("logits")
				.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
		g.addOutput(ValueInfoProto.newBuilder().setName("logits").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
		return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
	}


	/** A little-endian int64 .npy (format 1.0), as numpy.save writes one. */
	static Path writeNpy(Path file, long[] values, long... shape) throws IOException {
		StringBuilder dims = new StringBuilder();
		for (long d : shape) {
			dims.append(d).append(", ");
		}
		String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + dims.toString().replaceAll(", $", shape.length == 1 ? "," : "") + "), }";
		int total = 10 + header.length() + 1;
		header = header + " ".repeat((64 - total % 64) % 64) + "\n";
		ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
		b.put(header.getBytes(StandardCharsets.US_ASCII));
		for (long v : values) {
			b.putLong(v);
		}
		return Files.write(file, b.array());
	}

	private static float[] run(OnnxModel model, NdArray x) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults().withThreads(1), "tokens")) {
			return s.run(x).toFloats();
		}
	}

	/** The integer output of a full-integer model, as real values (scale × (q − zero point)). */
	private static float[] dequantizedOutput(QuantizationResult r, NdArray x) {
		NdArray y;
		try (InferenceSession s = InferenceSession.open(r.model(), SessionSettings.defaults().withThreads(1), "tokens")) {
			y = s.run(x);
		}
		var out = r.tensors().stream().filter(t -> t.role() == org.quantrace.engine.quantize.QuantizedTensor.Role.OUTPUT).findFirst().orElseThrow();
		float scale = out.params().scale();
		long zero = out.params().zeroPoints()[0];
		float[] q = y.toFloats();
		float[] real = new float[q.length];
		for (int i = 0; i < q.length; i++) {
			real[i] = scale * (q[i] - zero);
		}
		return real;
	}
}
