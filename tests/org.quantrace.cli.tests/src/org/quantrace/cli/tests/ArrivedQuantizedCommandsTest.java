package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Models that arrive quantized by ONNX Runtime's quantizer (tests/data/models' ort_qoperator_cnn.onnx, round 17's qop, and
 * ort_dynamic_cnn.onnx, round 18's dynq), as a user meets them: inspect names the form and whose codes they are; quantize refuses
 * them, exit 2, pointing to the float source; a recipe evaluates them as they are under `unquantized` and every record says so
 * (model-trained-codes: the dynamic-range model got no warning at all, the QOperator one a warning that counted its one
 * QuantizeLinear/DequantizeLinear pair as "a quantization-aware-trained export"); verify derives that warning again from the files.
 */
class ArrivedQuantizedCommandsTest {

	private static final String QOP = "ort_qoperator_cnn.onnx";
	private static final String DYNQ = "ort_dynamic_cnn.onnx";

	@Test
	void inspectNamesTheFormAndQuantizeRefusesItWithWhatToDo() {
		Cli qop = Cli.run("inspect", TestData.data("models/" + QOP).toString());
		assertEquals(0, qop.exitCode(), qop.err());
		assertTrue(qop.out().contains(QOP + " is quantized already, in ONNX Runtime's QOperator form: integer kernels in the file, on the codes and scales"
				+ " stored with them (1 DequantizeLinear, 2 QLinearAdd, 3 QLinearConv, 1 QLinearMatMul, 1 QuantizeLinear; producer onnx.quantize 0.1.0):"
				+ " its codes and scales are those the tool that quantized it chose, not a Quantrace calibration's"), qop.out());
		Cli dynq = Cli.run("inspect", TestData.data("models/" + DYNQ).toString());
		assertEquals(0, dynq.exitCode(), dynq.err());
		assertTrue(dynq.out().contains(DYNQ + " is quantized already, in ONNX Runtime's dynamic-range form: activations quantized at run time by"
				+ " DynamicQuantizeLinear, integer kernels in the file (2 ConvInteger, 3 DynamicQuantizeLinear, 1 MatMulInteger; producer onnx.quantize"
				+ " 0.1.0)"), dynq.out());

		Path out = TestData.tempDir("arrived-quantize").resolve("q.onnx");
		Cli quantize = Cli.run("quantize", TestData.data("models/" + DYNQ).toString(), "--scheme", "drq", "-o", out.toString());
		assertEquals(2, quantize.exitCode(), quantize.err());
		assertTrue(quantize.err().contains("is quantized already: it holds 2 ConvInteger, 3 DynamicQuantizeLinear, 1 MatMulInteger (the first:"
				+ " 'c1_QuantizeLinear')"), quantize.err());
		assertTrue(quantize.err().contains("quantrace: hint: quantize the float model it was made from; a model in ONNX Runtime's dynamic-range form (its"
				+ " quantizer's output) runs in integer kernels as it is: evaluate it (quantrace evaluate FLOAT.onnx QUANTIZED.onnx compares the two), or"
				+ " run it in a recipe under scheme unquantized"), quantize.err());
		assertFalse(quantize.err().contains("Exception"), quantize.err());
		assertFalse(Files.exists(out));
	}

	@Test
	void aRecipeEvaluatesThemAsTheyAreSaysWhoseCodesTheyAreAndVerifies() throws IOException {
		Path dir = TestData.tempDir("arrived-run");
		for (String m : List.of(QOP, DYNQ)) {
			Files.copy(TestData.data("models/" + m), dir.resolve(m));
		}
		Path recipe = dir.resolve("arrived.qr");
		Files.writeString(recipe, """
				recipe arrived "models quantized by ONNX Runtime's quantizer" {
					responsible "qop"
					model qop "%s" id QOP version 1 framework "onnx.quantize 0.1.0"
					model dynq "%s" id DYNQ version 1 framework "onnx.quantize 0.1.0"
					dataset eval "%s" role evaluation format idx labels "%s" samples 200
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""".formatted(QOP, DYNQ, TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"), TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")));
		Path out = dir.resolve("out");

		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());

		assertEquals(0, run.exitCode(), run.out() + run.err());
		List<String> trained = new ArrayList<>();
		for (JsonNode w : TestData.json(out.resolve("results.json")).get("warnings")) {
			if (w.get("code").asText().equals("model-trained-codes")) {
				trained.add(w.get("line").asInt() + " " + w.get("message").asText());
			}
		}
		assertEquals(List.of("3 model qop (\"" + QOP + "\") is quantized already (1 DequantizeLinear, 2 QLinearAdd, 3 QLinearConv, 1 QLinearMatMul,"
				+ " 1 QuantizeLinear, in ONNX Runtime's QOperator form: integer kernels in the file, on the codes and scales stored with them; quantized"
				+ " before, its producer onnx.quantize 0.1.0): scheme 'unquantized' evaluates it as it is, on the integer codes and scales the tool that"
				+ " quantized it chose, neither calibrated nor quantized by this run; the variant named 'unquantized' is that integer model, not a float one",
				"4 model dynq (\"" + DYNQ + "\") is quantized already (2 ConvInteger, 3 DynamicQuantizeLinear, 1 MatMulInteger, in ONNX Runtime's"
						+ " dynamic-range form: activations quantized at run time by DynamicQuantizeLinear, integer kernels in the file; quantized before,"
						+ " its producer onnx.quantize 0.1.0): scheme 'unquantized' evaluates it as it is, on the integer codes and scales the tool that"
						+ " quantized it chose, neither calibrated nor quantized by this run; the variant named 'unquantized' is that integer model, not a"
						+ " float one"), trained);
		assertTrue(Files.readString(out.resolve("report.html")).contains("warning [model-trained-codes] model dynq"), "report.html lists it");
		// ONNX Runtime ran both as they are: the variant is the model, so its accuracy is the original's (0.8545 and 0.8480 on 2,000)
		for (JsonNode m : TestData.json(out.resolve("results.json")).get("models")) {
			double original = m.get("variants").get(0).get("metrics").get("accuracy").asDouble();
			assertTrue(original > 0.8, m.toString());
			assertEquals(original, m.get("variants").get(1).get("metrics").get("accuracy").asDouble(), 0.0, m.get("name").asText());
		}

		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
		assertTrue(verify.out().contains(", 0 mismatches"), verify.out());
	}
}
