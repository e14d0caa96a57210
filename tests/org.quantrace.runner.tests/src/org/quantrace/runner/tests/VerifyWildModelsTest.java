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
import org.quantrace.testing.TestData;

/**
 * verify on a fresh output of models Quantrace was not built on: the zoo's ViT (PyTorch, opset 17, shape
 * arithmetic the converter folds) and its MobileNetV3 with weights in Constant nodes (opset 11), converted and
 * quantized with weight-only DRQ and FIQ int8. The rows checked here were wrong on these models (issue 12):
 * PhIMT0002's folded constants and in-place folded inputs, the technique of a weight-only DRQ model, and the
 * worked example of a per-channel weight (channel 0 printed with the whole tensor's range).
 */
class VerifyWildModelsTest {

	private static final String RECIPE = """
			recipe zoo_wild "Zoo models from other exporters" {
				responsible "tests"
				conversion-id CONV-ZOO-1
				optimization-id OPT-ZOO-1
				model vit "vit.onnx" id VIT version 1
				model mnv3 "mobilenetv3_constants_opset11.onnx" id MNV3 version 1
				dataset calib "calib300-images-idx3-ubyte.gz" role calibration format idx labels "calib300-labels-idx1-ubyte.gz"
				preprocess {
					scale 1/255
					layout NCHW
					dtype float32
				}
				convert {
					eliminate dropout, batch-normalization
				}
				schemes drq, fiq_int8
				evaluate on calib metrics accuracy
				accept when accuracy drop < 2 pt for drq, fiq_int8
			}
			""";

	@Test
	void conversionTechniqueAndWorkedExampleRowsAgreeWithTheFiles() throws IOException {
		Path dir = TestData.tempDir("verify-wild");
		Path zoo = TestData.data("zoo");
		for (String f : List.of("vit.onnx", "mobilenetv3_constants_opset11.onnx")) {
			Files.copy(zoo.resolve(f), dir.resolve(f));
		}
		for (String f : List.of("calib300-images-idx3-ubyte.gz", "calib300-labels-idx1-ubyte.gz")) {
			Files.copy(zoo.resolve("data").resolve(f), dir.resolve(f));
		}
		Files.writeString(dir.resolve("zoo.qr"), RECIPE);
		assertEquals(0, Runs.run(dir.resolve("zoo.qr"), dir.resolve("out")).exitCode());

		Verification.Result r = Verification.verify(dir.resolve("out"));
		List<Problem> rows = r.problems().stream()
				.filter(p -> p.what().contains("Model conversion information") || p.what().contains("nodes removed or folded")
						|| p.what().contains("Quantization technique") || p.what().contains("worked example"))
				.toList();
		assertTrue(rows.isEmpty(), rows.toString());
		// what verify still finds on these models is listed in the note (biases of MatMul+Add layers,
		// per-layer outputs of Add/MatMul, the HardSwish constants' precision, the PDF's evaluation table)
		System.out.println("VerifyWildModelsTest: " + r.problems().size() + " other mismatches on the zoo's ViT and MobileNetV3");
	}
}
