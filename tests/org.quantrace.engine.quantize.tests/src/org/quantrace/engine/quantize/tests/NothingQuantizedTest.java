package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;

/**
 * make_unseen32's skllr_nozipmap (all ai.onnx.ml ops) quantized 0 of 4 layers under fiq-int8: only its input and output were
 * put on codes, and nothing said the scheme quantized no layer but the layer table. The quantizer now warns, naming the layers'
 * ops; a scheme that quantizes one layer, or stores one integer weight (dynamic-range's weight-only layers), does not.
 */
class NothingQuantizedTest {

	/** x → ai.onnx.ml Scaler → ai.onnx.ml Normalizer (skl2onnx's ops, neither with an integer form), and a MatMul after it if {@code matMul}. */
	private static OnnxModel model(TinyGraph t, boolean matMul) {
		String scaled = t.node("Scaler", List.of("x"), floats("offset", 0.5f, -0.5f, 0.25f, 0f), floats("scale", 2f, 1f, 0.5f, 1.5f));
		String y = t.node("Normalizer", List.of(scaled));
		if (matMul) {
			y = t.node("MatMul", List.of(y, t.weight(0.5, 4, 3)));
		}
		ModelProto.Builder b = t.model(y).toProto().toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1));
		for (NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
			if (!n.getOpType().equals("MatMul")) {
				n.setDomain("ai.onnx.ml");
			}
			if (n.getOpType().equals("Normalizer")) {
				n.addAttribute(AttributeProto.newBuilder().setName("norm").setType(AttributeProto.AttributeType.STRING)
						.setS(com.google.protobuf.ByteString.copyFromUtf8("L1")));
			}
		}
		return OnnxModel.of(b.build());
	}

	@Test
	void aSchemeThatQuantizesNoLayerSaysSo() {
		TinyGraph t = new TinyGraph(4);
		QuantizationResult r = TinyGraph.quantize(model(t, false), Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		assertEquals(0, r.quantizedLayers(), r.layers().toString());
		List<String> nothing = r.warnings().stream().filter(w -> w.startsWith(QuantizationResult.NOTHING_WORDS)).toList();
		assertEquals(List.of("quantized no layer: none of the model's 2 layers (Scaler, Normalizer) runs on integer codes or stores integer weights, each"
				+ " staying float for the reason its line gives: the variant computes as the float model does on its inputs and outputs rounded to their integer codes"
				+ " (not the same where a feature spans few of the input's steps):"
				+ " the scheme makes it no smaller and no faster"), nothing);
	}

	@Test
	void oneQuantizedLayerOrOneIntegerWeightIsNotNothing() {
		TinyGraph t = new TinyGraph(4);
		QuantizationResult full = TinyGraph.quantize(model(t, true), Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		assertTrue(full.quantizedLayers() == 1 && full.warnings().stream().noneMatch(w -> w.startsWith(QuantizationResult.NOTHING_WORDS)), full.warnings().toString());
		TinyGraph d = new TinyGraph(4);
		QuantizationResult dynamic = TinyGraph.quantize(model(d, true), Schemes.preset("drq"), d.calibration(-1, 1));
		// a 4x3 MatMul under dynamic range: int8 weights, dequantized at load (not faster as a dynamic kernel): integer weights stored
		assertTrue(dynamic.quantizedLayers() + dynamic.weightOnlyLayers().size() == 1, dynamic.layers().toString());
		assertTrue(dynamic.warnings().stream().noneMatch(w -> w.startsWith(QuantizationResult.NOTHING_WORDS)), dynamic.warnings().toString());
	}

	private static AttributeProto floats(String name, float... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
		for (float v : values) {
			a.addFloats(v);
		}
		return a.build();
	}
}
