package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Schemes;

/**
 * An excluded code mover (a Slice) between the model input and a Conv: ONNX Runtime runs it on the codes all the same, so it is
 * written on them (QuantizationPlan's fusedAnyway, its record says so). acc12 found convlstm's model (four Slices of the input,
 * the first one excluded) written with that Slice still on the float input and a DequantizeLinear reading its float output:
 * ONNX Runtime refused to load it ("this is a Quantrace bug", exit 3).
 */
class ExcludedCodeMoverTest {

	/** Two strips of the input, each through a Conv, added. */
	private static String strips(TinyGraph t) {
		// in this order (the first strip's Conv before the second Slice), as convlstm's export lists them
		String top = OpRulesTest.conv(t, t.node("Slice", List.of("x", t.longs(0), t.longs(3), t.longs(2))), 3, 4);
		String bottom = OpRulesTest.conv(t, t.node("Slice", List.of("x", t.longs(3), t.longs(6), t.longs(2))), 3, 4);
		String sum = t.node("Add", List.of(top, bottom));
		return OpRulesTest.pointwise(t, sum, 4, 2);
	}

	private static void check(String scheme) {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String y = strips(t);
		String slice = t.model(y).graph().nodes().stream().filter(n -> n.opType().equals("Slice")).findFirst().orElseThrow().name();
		QuantizationSpec excluding = Schemes.preset(scheme).toBuilder().exclude(QuantizationSpec.Exclusion.Kind.NODE, slice, "kept float by the test").build();
		QuantizationResult r = TinyGraph.quantize(t.model(y), excluding, t.calibration(-1, 1));
		QuantizationResult.Layer layer = r.layers().stream().filter(l -> l.node().equals(slice)).findFirst().orElseThrow();
		assertTrue(layer.reason().startsWith("excluded by the recipe"), layer.reason());
		float[] x = t.data(8, -1, 1);
		float[] expected = TinyGraph.run(t.model(y), t.batch(x));
		// before: the model did not load ("Type 'tensor(float)' of input parameter (slice3_out0) of operator (DequantizeLinear) ... is invalid")
		IoQuantization.Io in = IoQuantization.inputs(r.model()).get("x");
		IoQuantization.Io out = IoQuantization.outputs(r.model()).get(y);
		float[] actual = in == null ? TinyGraph.run(r.model(), t.batch(x)) : TinyGraph.runOnCodes(r.model(), in, x, new long[] { 8, 3, 6, 6 });
		double worst = 0;
		for (int i = 0; i < expected.length; i++) {
			worst = Math.max(worst, Math.abs(expected[i] - (out == null ? actual[i] : out.dequantize((long) actual[i]))));
		}
		assertTrue(worst < 0.1, "within the quantization error of float: worst " + worst);
	}

	@Test
	void anExcludedSliceOfAFloatInputReadsItsCodesAndTheModelLoads() {
		check("fiq_float32");
	}

	@Test
	void anExcludedSliceOfAnIntegerInputReadsItsCodesAndTheModelLoads() {
		check("fiq_int8");
	}
}
