package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Float8;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.TestModels;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Round 34's fp8qdq (tests/data/wild/README.md, unseen58): a CNN FP8 post-training quantized as NVIDIA ModelOpt's ONNX export
 * writes it (opset 19: QuantizeLinear -> DequantizeLinear of FLOAT8E4M3FN codes before each Conv, its weight FLOAT8E4M3FN codes
 * read by DequantizeLinear). ONNX Runtime 1.29's QDQ fusions made DequantizeLinear -> Conv -> QuantizeLinear a QLinearConv of
 * float8 codes, which it then rejected: evaluate, convert and a recipe refused the valid model, exit 2, "check the model"; and
 * `inspect`, whose shape probe reads every tensor, stopped with an internal error (exit 70) on the float8 codes. Tiny graph: x
 * [1, 1, 4, 4] through float8 QDQ into a 3x3 Conv of float8 weights, its output through float8 QDQ.
 */
class Float8QdqTest {

	private static final int FP8 = 17; // FLOAT8E4M3FN

	private static OnnxModel fp8Conv() {
		byte[] w = new byte[18];
		for (int i = 0; i < w.length; i++) {
			w[i] = (byte) new int[] { 0x38, 0x30, 0xB8, 0x28, 0x00, 0xB0 }[i % 6]; // 1, 0.5, -1, 0.25, 0, -0.5
		}
		List<TensorProto> weights = List.of(TestModels.floats("s", new long[0], 0.05f), TestModels.floats("ws", new long[0], 0.1f),
				TensorProto.newBuilder().setName("zp").setDataType(FP8).setRawData(ByteString.copyFrom(new byte[1])).build(),
				TensorProto.newBuilder().setName("w8").setDataType(FP8).addDims(2).addDims(1).addDims(3).addDims(3).setRawData(ByteString.copyFrom(w)).build());
		NodeProto conv = TestModels.node("Conv", "conv", List.of("xd", "wd"), "c").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(1).addInts(1).addInts(1))
				.build();
		ModelProto m = TestModels.graph(List.of(TestModels.node("QuantizeLinear", "xq", List.of("x", "s", "zp"), "x8"),
				TestModels.node("DequantizeLinear", "xdq", List.of("x8", "s", "zp"), "xd"), TestModels.node("DequantizeLinear", "wdq", List.of("w8", "ws", "zp"), "wd"),
				conv, TestModels.node("QuantizeLinear", "cq", List.of("c", "s", "zp"), "c8"), TestModels.node("DequantizeLinear", "cdq", List.of("c8", "s", "zp"), "y")),
				weights, TestModels.tensor("x", 1, 1, 4, 4), TestModels.tensor("y", 1, 2, 4, 4));
		return OnnxModel.of(m.toBuilder().setIrVersion(9).clearOpsetImport().addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(19)).build());
	}

	private static Map<String, NdArray> input() {
		float[] x = new float[16];
		for (int i = 0; i < x.length; i++) {
			x[i] = (i - 7) * 0.13f;
		}
		return Map.of("x", NdArray.ofFloats(new long[] { 1, 1, 4, 4 }, x));
	}

	@Test
	void aFloat8QdqConvLoadsAndComputesAsTheUnfusedGraph() {
		float[] fused;
		try (InferenceSession s = InferenceSession.open(fp8Conv(), SessionSettings.defaults(), "fp8.onnx")) {
			fused = s.run(input()).get("y").toFloats();
		}
		float[] plain; // no graph optimization at all: the model's own ops, one by one
		try (InferenceSession s = InferenceSession.open(fp8Conv(), SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE), "fp8.onnx")) {
			plain = s.run(input()).get("y").toFloats();
		}
		assertArrayEquals(plain, fused);
		assertTrue(java.util.stream.IntStream.range(0, plain.length).filter(i -> plain[i] != 0).count() > 8, "the premise: a Conv that computes");
	}

	@Test
	void theShapeProbeTypesFloat8Codes() {
		Map<String, TensorInfo> t = ShapeProbe.probeWithBodies(fp8Conv(), "fp8.onnx").tensors();
		assertEquals(DataType.FLOAT8E4M3FN, t.get("x8").type());
		assertEquals(List.of("1", "1", "4", "4"), t.get("x8").shape());
		assertEquals(DataType.FLOAT, t.get("y").type());
	}

	@Test
	void float8CodesReadAsTheSpecificationsTablesSay() {
		assertEquals(1f, Float8.toFloat(DataType.FLOAT8E4M3FN, (byte) 0x38));
		assertEquals(448f, Float8.toFloat(DataType.FLOAT8E4M3FN, (byte) 0x7E));
		assertEquals(-0.001953125f, Float8.toFloat(DataType.FLOAT8E4M3FN, (byte) 0x81)); // the least subnormal, 2^-9
		assertTrue(Float.isNaN(Float8.toFloat(DataType.FLOAT8E4M3FN, (byte) 0xFF)));
		assertEquals(1f, Float8.toFloat(DataType.FLOAT8E4M3FNUZ, (byte) 0x40));
		assertEquals(240f, Float8.toFloat(DataType.FLOAT8E4M3FNUZ, (byte) 0x7F));
		assertTrue(Float.isNaN(Float8.toFloat(DataType.FLOAT8E4M3FNUZ, (byte) 0x80)));
		assertEquals(1f, Float8.toFloat(DataType.FLOAT8E5M2, (byte) 0x3C));
		assertEquals(57344f, Float8.toFloat(DataType.FLOAT8E5M2, (byte) 0x7B));
		assertEquals(Float.NEGATIVE_INFINITY, Float8.toFloat(DataType.FLOAT8E5M2, (byte) 0xFC));
		assertEquals(1f, Float8.toFloat(DataType.FLOAT8E5M2FNUZ, (byte) 0x40));
		assertEquals(57344f, Float8.toFloat(DataType.FLOAT8E5M2FNUZ, (byte) 0x7F));
	}
}
