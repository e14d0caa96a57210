package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationResult.Layer;
import org.quantrace.engine.quantize.Schemes;

/**
 * A KV-cache decoder's shape (multiin's kv repro, make_multiin.py kv): the present key is a model output, Concat of the
 * past and the new key, and the attention reads it again through a Transpose. Under fiq_int8 (int8 I/O over uint8
 * activations) the output is requantized after the Concat and its readers were given a DequantizeLinear without saying
 * which codes it dequantizes, so the Transpose, written on codes, found none: it kept reading float and the DequantizeLinear
 * after it read float too, and ONNX Runtime refused the model ("Type 'tensor(float)' of input parameter
 * (/Transpose_3_output_0) of operator (DequantizeLinear)", exit 3).
 */
class OutputReadByCodeMoverTest {

	@Test
	void aModelOutputThatATransposeReadsAgainMovesItsCodes() {
		TinyGraph t = new TinyGraph(4, 8);
		String k = t.node("MatMul", List.of("x", t.weight(0.5, 8, 8)));
		String present = t.node("Concat", List.of("x", k), TinyGraph.attr("axis", 1L));
		String kt = t.node("Transpose", List.of(present), TinyGraph.ints("perm", 0, 2, 1));
		OnnxModel model = t.model(t.node("MatMul", List.of(t.weight(0.5, 3, 8), kt)), present);

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));

		Layer transpose = q.layers().stream().filter(l -> l.opType().equals("Transpose")).findFirst().orElseThrow();
		assertTrue(transpose.quantized(), q.layers().toString());
		OpRulesTest.assertRunsAsWritten(t, q);
	}
}
