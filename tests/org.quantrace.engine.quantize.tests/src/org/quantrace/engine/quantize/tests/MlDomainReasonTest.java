package org.quantrace.engine.quantize.tests;

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
 * skl2onnx's Scaler (ai.onnx.ml, round 32's sklmlp) before a MatMul: it stays float, and its reason no longer calls ONNX's own
 * traditional machine-learning domain a custom one ("custom-domain op ai.onnx.ml.Scaler is not quantized" misled: the op is
 * standard ONNX, only without an integer form).
 */
class MlDomainReasonTest {

	@Test
	void aScalerStaysFloatAsAnAiOnnxMlOpNotACustomOne() {
		TinyGraph t = new TinyGraph(4);
		String scaled = t.node("Scaler", List.of("x"), floats("offset", 0.5f, -0.5f, 0.25f, 0f), floats("scale", 2f, 1f, 0.5f, 1.5f));
		String y = t.node("MatMul", List.of(scaled, t.weight(0.5, 4, 3)));
		ModelProto.Builder b = t.model(y).toProto().toBuilder();
		b.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1));
		for (NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
			if (n.getOpType().equals("Scaler")) {
				n.setDomain("ai.onnx.ml");
			}
		}
		OnnxModel model = OnnxModel.of(b.build());
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		QuantizationResult.Layer scaler = r.layers().stream().filter(l -> l.opType().equals("Scaler")).findFirst().orElseThrow(() -> new AssertionError(r.layers().toString()));
		assertTrue(!scaler.quantized() && scaler.reason().startsWith("ai.onnx.ml op Scaler (ONNX's traditional machine-learning domain) has no integer form")
				&& !scaler.reason().contains("custom-domain"), scaler.reason());
		assertTrue(r.layers().stream().filter(l -> l.opType().equals("MatMul")).allMatch(QuantizationResult.Layer::quantized), r.layers().toString());
		float[] x = t.data(8, -1, 1);
		float[] expected = TinyGraph.run(model, t.batch(x));
		float[] actual = TinyGraph.run(r.model(), t.batch(x));
		for (int i = 0; i < expected.length; i++) {
			assertTrue(Math.abs(expected[i] - actual[i]) < 0.05, "output " + i + ": " + expected[i] + " vs " + actual[i]);
		}
	}

	private static AttributeProto floats(String name, float... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
		for (float v : values) {
			a.addFloats(v);
		}
		return a.build();
	}
}
