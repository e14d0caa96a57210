package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * The model-trained-codes warning on a model that arrives quantized, against what the file holds (issue 13, branch hostile7):
 * a QAT export that fake-quantizes its input alone was said to be evaluated "on the integer codes it holds" (it holds no weight
 * codes), and a dynamic-range model's weight-only Gemm (int8 codes through Cast and Mul) was in no list. verify re-derives the
 * warning by the same check, so an honest run of each is clean.
 */
class ArrivedQuantizedWarningTest {

	private static final long[] SCALAR = {};

	@Test
	void aFakeQuantOnTheInputAloneIsNotSaidToHoldIntegerCodes() throws IOException {
		String message = warningOfARunThatVerifies("inputonly", inputOnly());

		assertTrue(message.endsWith("is quantized already (1 QuantizeLinear, 1 DequantizeLinear: a quantization-aware-trained export or a model quantized"
				+ " before): scheme 'unquantized' evaluates it as it is, its activations rounded by its pairs, on the float weights it holds (it holds no"
				+ " weight codes), neither calibrated nor quantized by this run; the variant named 'unquantized' is that model with its pairs' rounding,"
				+ " not the float model without them"), message);
	}

	/** The Gemm on int8 codes computes in float: the variant is not called "that integer model" (hostile7's mixed_qop, lstm_dynq). */
	@Test
	void aWeightOnlyGemmBesideDynamicKernelsIsListed() throws IOException {
		String message = warningOfARunThatVerifies("dyn", dynamicWithWeightOnlyGemm());

		assertTrue(message.contains("is quantized already (1 DynamicQuantizeLinear, 1 MatMulInteger, 1 Gemm on stored integer weight codes (Cast, Mul:"
				+ " weight-only), in ONNX Runtime's dynamic-range form: activations quantized at run time by DynamicQuantizeLinear, integer kernels in"
				+ " the file; quantized before): scheme 'unquantized' evaluates it as it is, on the integer codes and scales the tool that quantized it chose,"
				+ " neither calibrated nor quantized by this run; the variant named 'unquantized' is that model, 1 of its 2 Conv/MatMul/Gemm/recurrent layers"
				+ " in integer kernels (1 MatMulInteger) and 1 in float (1 Gemm; weight-only codes counted as float)"), message);
	}

	/** The one model-trained-codes warning a recipe run of {@code model} under scheme unquantized records, after verify found no mismatch. */
	private static String warningOfARunThatVerifies(String name, ModelProto model) throws IOException {
		Path dir = Runs.exampleCopy("arrived-" + name);
		Files.write(dir.resolve("model/" + name + ".onnx"), model.toByteArray());
		String recipe = Runs.exampleRecipe(dir, name, "model/" + name + ".onnx", "unquantized").lines()
				.filter(l -> !l.trim().startsWith("accept ") && !l.trim().startsWith("debug ")).reduce("", (a, b) -> a + b + "\n");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, name + ".qr", recipe), out).exitCode());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		var warnings = org.quantrace.testing.TestData.json(out.resolve("results.json")).get("warnings");
		assertTrue(warnings.size() == 1 && warnings.get(0).get("code").asText().equals("model-trained-codes"), warnings.toString());
		return warnings.get(0).get("message").asText();
	}

	/** x [N, 1, 28, 28] -> QuantizeLinear -> DequantizeLinear (uint8, scale 1/255) -> Flatten -> Gemm with float weights [784, 10] -> y. */
	private static ModelProto inputOnly() {
		List<TensorProto> weights = List.of(TestModels.floats("s", SCALAR, 1 / 255f), TestModels.ints("z", TensorProto.DataType.UINT8_VALUE, SCALAR, 0),
				TestModels.floats("w", new long[] { 784, 10 }, values(784 * 10, 0.01f)), TestModels.floats("b", new long[] { 10 }, values(10, 0.1f)));
		return TestModels.graph(List.of(TestModels.node("QuantizeLinear", "x_q", List.of("x", "s", "z"), "xq"),
				TestModels.node("DequantizeLinear", "x_dq", List.of("xq", "s", "z"), "xd"), TestModels.node("Flatten", "flat", List.of("xd"), "f"),
				TestModels.node("Gemm", "fc", List.of("f", "w", "b"), "y")), weights, TestModels.tensor("x", 1, 1, 28, 28), TestModels.tensor("y", 1, 10));
	}

	/**
	 * quantize_dynamic's two forms in one model: x -> Flatten -> DynamicQuantizeLinear -> MatMulInteger with int8 weights [784, 16]
	 * -> Cast -> Mul by the input's scale -> Mul by the weights' -> h; then a Gemm on int8 codes [16, 10] through Cast and Mul -> y.
	 */
	private static ModelProto dynamicWithWeightOnlyGemm() {
		List<TensorProto> weights = List.of(TestModels.ints("w", TensorProto.DataType.INT8_VALUE, new long[] { 784, 16 }, codes(784 * 16)),
				TestModels.ints("wz", TensorProto.DataType.INT8_VALUE, SCALAR, 0), TestModels.floats("ws", SCALAR, 0.01f),
				TestModels.ints("g", TensorProto.DataType.INT8_VALUE, new long[] { 16, 10 }, codes(16 * 10)), TestModels.floats("gs", SCALAR, 0.02f));
		NodeProto quantize = NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").setName("f_quantize").addInput("f").addOutput("fq")
				.addOutput("fs").addOutput("fz").build();
		return TestModels.graph(List.of(TestModels.node("Flatten", "flat", List.of("x"), "f"), quantize,
				TestModels.node("MatMulInteger", "mm", List.of("fq", "w", "fz", "wz"), "acc"), toFloat("acc", "accf"),
				TestModels.node("Mul", "mm_in_scale", List.of("accf", "fs"), "t"), TestModels.node("Mul", "mm_w_scale", List.of("t", "ws"), "h"),
				toFloat("g", "gi"), TestModels.node("Mul", "g_scale", List.of("gi", "gs"), "gw"), TestModels.node("Gemm", "fc", List.of("h", "gw"), "y")),
				weights, TestModels.tensor("x", 1, 1, 28, 28), TestModels.tensor("y", 1, 10));
	}

	private static NodeProto toFloat(String in, String out) {
		return TestModels.node("Cast", out + "_cast", List.of(in), out).toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)).build();
	}

	private static float[] values(int n, float step) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = (i % 7 - 3) * step;
		}
		return v;
	}

	private static int[] codes(int n) {
		int[] v = new int[n];
		for (int i = 0; i < n; i++) {
			v[i] = i % 11 - 5;
		}
		return v;
	}
}
