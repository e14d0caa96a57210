package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * What the example's PhIMT0002/PhIMT0003 say is float, and whose version a package row prints, read against the files
 * (issue 13, an assessor's reading of 2026-12-05). Before: fiq_int8's "layers left in float32: 2 of 10" counted the stem's
 * Relu, which the file does not hold (the stem's output QuantizeLinear clamps in its place); the Packages row printed the
 * file's exporter "pytorch 1.13.0" and the recipe's "PyTorch 1.13.1" under names that did not say which is which;
 * fiq_float32's granularity row said "inputs: per-tensor" of an input the file holds in float32.
 */
class ExampleFloatRowsTest {

	private static final String RECIPE = """
			recipe floatrows {
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1 framework "PyTorch 1.13.1"
				dataset calib "data/calibration" role calibration labels "data/labels.json"
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert { }
				schemes fiq_float32, fiq_int8
				evaluate on eval
			}
			""";

	private static final String STEM_RELU = "/features/features.2/Relu";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("floatrows");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "floatrows.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	/** The fiq_int8 model's nodes, as ONNX reads its file. */
	private static List<NodeProto> nodes(Path out, String variant) throws IOException {
		return ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/cnn/" + variant + ".onnx"))).getGraph().getNodeList();
	}

	@Test
	void theFloatLayersAreThoseTheFileHolds() throws IOException {
		Path out = out();
		List<NodeProto> nodes = nodes(out, "fiq_int8");
		// the file: no Relu of the stem; the stem Conv reads the int8 input's DequantizeLinear and computes in float
		assertTrue(nodes.stream().noneMatch(n -> n.getName().equals(STEM_RELU)), "the stem's Relu is in no node");
		assertTrue(nodes.stream().anyMatch(n -> n.getName().equals("/features/features.0/Conv") && n.getOpType().equals("Conv")), "the float stem");
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("layers left in float32: 1 of 10 (named in the per-layer appendix); in no node of the model: " + STEM_RELU
				+ " (folded into the output quantization of the layer before, which clamps like it)"), precisionRows(log).toString());
		Verification.Result verified = Verification.verify(out);
		assertTrue(verified.passed(), verified.problems().toString());

		// the figure of before (the folded Relu counted as float), every hash recomputed: verify re-derives 1 from the files
		Path forged = Runs.copy(out, out.resolveSibling("out-forged-floats"));
		Tampering.replaceInLogs(forged, "layers left in float32: 1 of 10", "layers left in float32: 2 of 10");
		// and the Markdown's folded Relu left out (a PDF breaks that clause's lines)
		Tampering.replace(forged.resolve("logs/PhIMT0003-cnn.md"), "; in no node of the model: " + STEM_RELU
				+ " (folded into the output quantization of the layer before, which clamps like it)", "");
		Tampering.rehashAll(forged);
		List<Problem> rows = Tampering.rowChecks(Verification.verify(forged).problems(), "logs/PhIMT0003-cnn.md");
		assertTrue(rows.stream().anyMatch(p -> p.what().contains("layers left in float32: says 2 of 10, re-derived 1 of 10")), rows.toString());
		assertTrue(rows.stream().anyMatch(p -> p.what().contains("layers in no node of the model") && p.what().contains(STEM_RELU)), rows.toString());
	}

	@Test
	void thePackagesRowSaysWhoseVersionItPrints() throws IOException {
		Path out = out();
		ModelProto verified = ModelProto.parseFrom(Files.readAllBytes(out.resolve("../model/fashion_cnn_trained.onnx")));
		String producer = verified.getProducerName() + " " + verified.getProducerVersion();
		assertEquals("pytorch 1.13.0", producer, "the example model's exporter as its file names it");
		String log = Files.readString(out.resolve("logs/PhIMT0002-cnn.md"));
		String exporter = "exporter that wrote the verified model's file (its producer_name and producer_version): " + producer;
		assertTrue(log.contains(exporter), packagesRow(log));
		assertTrue(log.contains("training framework the recipe declares for the verified model: PyTorch 1.13.1"), packagesRow(log));

		// this recipe declares 1.13.1, which the file's producer contradicts: the run warns (model-framework), and the warning quotes
		// the producer in one piece in the PDF (the row wraps it)
		assertTrue(log.contains("[model-framework] model cnn"), "the contradiction is the run's warning");
		// the exporter's version forged (the row and the warning that quotes it): verify reads it from the verified model's file
		Path forged = Runs.copy(out, out.resolveSibling("out-forged-exporter"));
		Tampering.replaceInLogs(forged, producer, "pytorch 1.13.1");
		Tampering.rehashAll(forged);
		List<Problem> rows = Tampering.rowChecks(Verification.verify(forged).problems(), "logs/PhIMT0002-cnn.md");
		assertTrue(rows.stream().anyMatch(p -> p.what().contains("exporter of the verified model") && p.what().contains("1.13.1")), rows.toString());
	}

	@Test
	void aFloatInputIsSaidToStayFloat() throws IOException {
		Path out = out();
		ModelProto model = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/cnn/fiq_float32.onnx")));
		assertEquals(TensorProto.DataType.FLOAT_VALUE, model.getGraph().getInput(0).getType().getTensorType().getElemType(), "fiq_float32's input");
		assertTrue(model.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("QuantizeLinear") && n.getInput(0).equals(model.getGraph().getInput(0).getName())),
				"a QuantizeLinear reads the input");
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		String inside = "inputs: per-tensor, by a QuantizeLinear inside the model (the model input stays float32)";
		Matcher granularity = Pattern.compile("\\| Quantization granularity \\| ([^|]*) \\|").matcher(log);
		assertTrue(granularity.find(), "fiq_float32's granularity row");
		assertTrue(granularity.group(1).contains(inside), granularity.group(1));
		assertTrue(granularity.find(), "fiq_int8's granularity row");
		assertTrue(granularity.group(1).contains("inputs: per-tensor<br>"), "fiq_int8's input is int8: " + granularity.group(1));

		// the words of before, every hash recomputed: verify reads the input's type from the file
		Path forged = Runs.copy(out, out.resolveSibling("out-forged-inputs"));
		Tampering.replaceInLogs(forged, inside, "inputs: per-tensor");
		Tampering.rehashAll(forged);
		List<Problem> rows = Tampering.rowChecks(Verification.verify(forged).problems(), "logs/PhIMT0003-cnn.md");
		assertTrue(rows.stream().anyMatch(p -> p.what().startsWith("Table 2") || p.what().contains("Quantization granularity, inputs")), rows.toString());
	}

	private static List<String> precisionRows(String log) {
		return log.lines().filter(l -> l.startsWith("| Quantization precision")).toList();
	}

	private static String packagesRow(String log) {
		return log.lines().filter(l -> l.startsWith("| Packages and version")).findFirst().orElse("no Packages row");
	}
}
