package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * A model whose first op multiplies or divides its input by a positive constant ({@code x * 2}, the raw-pixel
 * {@code x / 255}) with integer I/O: the quantizer folds the constant into a DequantizeLinear of the input's codes (the
 * RESCALE form). The model input's scale and zero point, as every reader finds them (IoQuantization: evaluate, the
 * trace, verify), must be the ones the model computes with: fed q = round(x / scale) + zp, the quantized model
 * matches the float one. Before the fix, with the input of the activations' own type (uint8 I/O under the FIQ presets)
 * the folded DequantizeLinear was the input's only reader, and its scale (2/255 for x * 2) was read as the input's.
 */
class IntegerInputRescaleTest {

	static Stream<Arguments> cases() {
		QuantizationSpec int8Activations = Schemes.preset("fiq_int8").toBuilder()
				.activations(new TensorSpec(QuantType.INT8, Symmetry.ASYMMETRIC, Granularity.PER_TENSOR)).build();
		return Stream.of(Schemes.preset("fiq_uint8"), Schemes.preset("fiq_int8"), int8Activations)
				.flatMap(spec -> Stream.of(Arguments.of(spec, "Mul", 2f, 1.0), Arguments.of(spec, "Div", 255f, 255.0),
						// lowered to a DequantizeLinear of the input's codes with the scale × α (then an Add of β)
						Arguments.of(spec, "HardSigmoid", 0f, 4.0)));
	}

	@ParameterizedTest(name = "{0} {1} {2}")
	@MethodSource("cases")
	void theIntegerInputIsFedWithTheScaleTheModelComputesWith(QuantizationSpec spec, String op, float constant, double hi) {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String scaled = t.node(op, op.equals("HardSigmoid") ? List.of("x") : List.of("x", t.scalar(constant)));
		String y = OpRulesTest.pointwise(t, t.node("Relu", List.of(OpRulesTest.conv(t, scaled, 3, 4))), 4, 4);
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, spec, t.calibration(0, hi));
		IoQuantization.Io in = IoQuantization.inputs(r.model()).get("x");
		IoQuantization.Io out = IoQuantization.outputs(r.model()).values().stream().findFirst().orElse(null);
		assertNotNull(in, "integer input: " + r.model().graph().nodes());
		assertNotNull(out, "integer output");
		// the input's range is [0, hi): its scale is hi / 255 whatever the op after it does
		assertEquals(hi / 255, in.scale(), hi / 255 * 1e-3, spec.name() + " " + op + ": the input's scale, as the model states it");
		QuantizedTensor recorded = r.tensors().stream().filter(q -> q.role() == QuantizedTensor.Role.INPUT && q.tensor().equals("x")).findFirst()
				.orElseThrow();
		assertEquals(recorded.params().scale(), in.scale(), 0, "the recorded input scale is the model's");
		assertEquals(recorded.params().zeroPoint(), in.zeroPoint(), "the recorded input zero point is the model's");
		assertEquals(r.integerInputs().get("x"), in, "the result's integer input is the model's");

		float[] xs = t.data(8, 0, hi);
		NdArray x = t.batch(xs);
		float[] expected = TinyGraph.run(model, x);
		byte[] codes = new byte[xs.length];
		for (int i = 0; i < xs.length; i++) {
			codes[i] = (byte) in.quantize(xs[i]);
		}
		float[] actualCodes = TinyGraph.run(r.model(), NdArray.ofBytes(in.type(), x.shape(), codes));
		double tolerance = 2 * r.tensors().stream().filter(q -> q.role() != QuantizedTensor.Role.WEIGHT && q.role() != QuantizedTensor.Role.BIAS)
				.mapToDouble(q -> q.params().scale()).sum();
		double worst = 0;
		for (int i = 0; i < expected.length; i++) {
			worst = Math.max(worst, Math.abs(expected[i] - out.dequantize((long) actualCodes[i])));
		}
		assertTrue(worst <= tolerance, spec.name() + " " + op + ": quantized output within " + tolerance + " of float, worst " + worst);
		assertFalse(r.model().graph().nodes().stream().anyMatch(n -> n.opType().equals(op)), op + " folded into a scale: " + r.model().graph().nodes());
	}
}
