package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A linear classifier as skl2onnx's LinearClassifier (post_transform NONE) is written by convert: a Gemm whose scores are a
 * model output through an Identity and whose label is an ArgMax of them (make_unseen33.py sklsvc). Under fiq_uint8 (integer
 * output of the activations' own type) the Identity's output was quantized as a model output while the Identity had been
 * given the Gemm's codes, whose QuantizeLinear was never written: ONNX Runtime refused the model ("Node input 'gemm0_out0_q'
 * is not a graph input, initializer, or output of a previous node", exit 3).
 */
class ScoresAndLabelOutputTest {

	@Test
	void scoresThroughAnIdentityBesideTheirArgMaxLoadUnderEveryIntegerScheme() {
		for (String scheme : List.of("fiq_uint8", "fiq_int8")) {
			TinyGraph t = new TinyGraph(4);
			String scores = t.node("Gemm", List.of("x", t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
			String label = t.node("ArgMax", List.of(scores), TinyGraph.attr("axis", 1L));
			String out = t.node("Identity", List.of(scores));
			OnnxModel model = withLongOutput(t.model(out, label), label);

			QuantizationResult q = TinyGraph.quantize(model, Schemes.preset(scheme), t.calibration(0, 1));

			assertTrue(q.layers().stream().anyMatch(l -> l.opType().equals("Gemm") && l.quantized()), scheme + ": " + q.layers());
			// under fiq_uint8 the Identity reads the Gemm's float output, and its record says so (verify re-derives it float)
			assertTrue(scheme.equals("fiq_int8") || q.layers().stream().noneMatch(l -> l.opType().equals("Identity") && l.quantized()), q.layers().toString());
			org.quantrace.engine.onnx.Node identity = q.model().graph().nodes().stream().filter(n -> n.opType().equals("Identity")).findFirst().orElseThrow();
			// codes: a QuantizeLinear's (fiq_int8, the Identity moves them) or through a pair's DequantizeLinear; float: the Gemm's
			boolean readsCodes = q.model().graph().producer(identity.input(0)).map(p -> p.opType().endsWith("QuantizeLinear")).orElse(false);
			boolean recorded = q.layers().stream().filter(l -> l.opType().equals("Identity")).findFirst().orElseThrow().quantized();
			assertTrue(readsCodes == recorded, scheme + ": the Identity reads " + (readsCodes ? "codes" : "float") + ", recorded quantized " + recorded);
			OpRulesTest.assertRunsAsWritten(t, q);
		}
	}

	/**
	 * The Identity the Gemm's only reader (a regressor's output, newuser52's skldia): it stays on the codes, recorded quantized,
	 * and no QuantizeLinear is left that nothing reads (reading the float tensor there left one, and a reason naming another reader).
	 */
	@Test
	void anIdentityTheOnlyReaderOfItsCodesStaysOnThem() {
		TinyGraph t = new TinyGraph(4);
		String y = t.node("Gemm", List.of("x", t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
		QuantizationResult q = TinyGraph.quantize(t.model(t.node("Identity", List.of(y))), Schemes.preset("fiq_uint8"), t.calibration(0, 1));

		assertTrue(q.layers().stream().filter(l -> l.opType().equals("Identity")).allMatch(QuantizationResult.Layer::quantized), q.layers().toString());
		assertTrue(q.model().graph().nodes().stream().allMatch(n -> q.model().graph().isOutput(n.output(0)) || !q.model().graph().consumers(n.output(0)).isEmpty()),
				"a node nothing reads: " + q.model().graph().nodes());
		OpRulesTest.assertRunsAsWritten(t, q);
	}

	/** {@code model} with its output {@code tensor} declared int64 (an ArgMax's label; TinyGraph declares float outputs). */
	private static OnnxModel withLongOutput(OnnxModel model, String tensor) {
		ModelProto.Builder b = model.toProto().toBuilder();
		for (int i = 0; i < b.getGraph().getOutputCount(); i++) {
			if (b.getGraph().getOutput(i).getName().equals(tensor)) {
				b.getGraphBuilder().getOutputBuilder(i).getTypeBuilder().getTensorTypeBuilder().setElemType(7);
			}
		}
		return OnnxModel.of(b.build());
	}
}
