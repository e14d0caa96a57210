package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The logs an assessor signs off as they are (assessor59, 2026-12-07): a Keras model as tf2onnx exports it writes each
 * BatchNormalization as a per-channel Mul and Add after its Conv (make_exporters30.py tf11cls), and PhIMT0002's Batch
 * Normalization row read "Not present in the model: no BatchNormalization node in the graph." while the conversion folded
 * them, which only the Converter row's fusion line and Appendix A said; and a recipe whose document block declares no version
 * left the template's "Version" off both logs' title pages without a word, where an undeclared author reads "not declared".
 */
class AssessorSignOffTest {

	private static final String NO_VERSION = "Version not declared in the recipe's document block";

	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Runs.exampleCopy("assessor59");
		Files.write(dir.resolve("model/keras_bn.onnx"), keras(true).toByteArray());
		out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "keras.qr", recipe("model/keras_bn.onnx")), out).exitCode());
	}

	/** drq of {@code model} on 50 images, its document block without a version. */
	private static String recipe(String model) {
		return """
				recipe keras "a Keras CNN as tf2onnx writes it" {
					model m "%s"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes drq
					evaluate on eval metrics accuracy
					document d "no version declared" { project "Sign-off" author "A. Assessor" }
				}
				""".formatted(model);
	}

	@Test
	void theBatchNormRowSaysTheExportersMulAndAddWereFolded() throws IOException {
		String md = Files.readString(out.resolve("logs/PhIMT0002-m.md"));
		String row = md.substring(md.indexOf("| Batch Normalization |"), md.indexOf("| Gradient Clipping |"));
		assertTrue(row.contains("| Not present in the model: no BatchNormalization node in the graph; " + Freezer.AFFINE_BATCH_NORMS + ". |"), row);
		assertTrue(md.contains("| bn/batchnorm/mul_1 | per-channel Mul/Add after a Conv folded into its weights and bias (fusion) |"), "Appendix A names them");
		for (String format : List.of("html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0002-m." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("were folded into the Convs' weights and bias"), format + ": " + text);
		}
	}

	@Test
	void anUndeclaredVersionIsSaidOnTheTitlePages() throws IOException {
		for (String log : List.of("PhIMT0002-m", "PhIMT0003-m")) {
			assertTrue(Files.readString(out.resolve("logs/" + log + ".md")).contains("\n" + NO_VERSION + "\n"), log + ".md");
			for (String format : List.of("html", "docx", "pdf")) {
				String text = LogFormatsTest.text(out.resolve("logs/" + log + "." + format)).replaceAll("\\s+", " ");
				assertTrue(text.contains(NO_VERSION), log + "." + format + ": " + text);
			}
		}
	}

	@Test
	void theLogsVerifyClean() {
		List<Problem> problems = Verification.verify(out).problems();
		assertEquals(List.of(), problems);
	}

	/** The sentence struck from the trace's record, every document made again from it: the Mul/Add folded in Appendix A disagree. */
	@Test
	void theSentenceStruckFromTheRecordIsNamed() {
		List<Problem> problems = Tampering.traceForged(out, "bn-row", trace -> trace.getConversions().get(0).getEliminations().stream()
				.filter(e -> e.getOperation() == TrainingOperation.BATCH_NORMALIZATION).forEach(e -> e.setDetails("no BatchNormalization node in the graph")));
		assertTrue(problems.stream().anyMatch(p -> p.toString().contains("Batch Normalization") && p.toString().contains("no per-channel Mul/Add folded")
				&& p.toString().contains("2 Mul/Add nodes of the verified model folded so (Appendix A)")), problems.toString());
	}

	/** The sentence put into a record whose conversion folded no such node: a statement the files do not bear out. */
	@Test
	void theSentenceWhereNothingWasFoldedIsNamed() throws IOException {
		Path dir = Runs.exampleCopy("assessor59-plain");
		Files.write(dir.resolve("model/plain.onnx"), keras(false).toByteArray());
		Path plain = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "plain.qr", recipe("model/plain.onnx")), plain).exitCode());
		assertEquals(List.of(), Verification.verify(plain).problems(), "the honest run");
		List<Problem> problems = Tampering.traceForged(plain, "bn-row", trace -> trace.getConversions().get(0).getEliminations().stream()
				.filter(e -> e.getOperation() == TrainingOperation.BATCH_NORMALIZATION).forEach(e -> {
					e.setStatus(org.quantrace.model.trace.EliminationStatus.NOT_PRESENT);
					e.getNodes().clear();
					e.setDetails("no BatchNormalization node in the graph; " + Freezer.AFFINE_BATCH_NORMS);
				}));
		assertTrue(problems.stream().anyMatch(p -> p.toString().contains("Batch Normalization") && p.toString().contains("per-channel Mul/Add after Convs folded")
				&& p.toString().contains("0 Mul/Add nodes of the verified model folded so")), problems.toString());
	}

	/**
	 * x [N, 1, 28, 28] -> Conv 1 -> 4, 3x3, pads 1 -> Mul [4, 1, 1] ('bn/batchnorm/mul_1') -> Add [4, 1, 1] ('bn/batchnorm/add_1')
	 * -> Relu -> GlobalAveragePool -> Flatten -> Gemm 4 -> 10: a BatchNormalization as tf2onnx writes Keras' (untrained weights:
	 * its accuracy is no matter here); without {@code batchNorm} the Conv's Relu reads it directly.
	 */
	private static ModelProto keras(boolean batchNorm) {
		Random r = new Random(59);
		NodeProto conv = TestModels.node("Conv", "conv", List.of("input", "w", "b"), "c").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L))).build();
		NodeProto gemm = TestModels.node("Gemm", "dense", List.of("f", "fw", "fb"), "logits").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		List<NodeProto> nodes = new java.util.ArrayList<>(List.of(conv));
		List<TensorProto> weights = new java.util.ArrayList<>(List.of(TestModels.uniform("w", r, -0.5, 0.5, 4, 1, 3, 3), TestModels.uniform("b", r, -0.1, 0.1, 4),
				TestModels.uniform("fw", r, -1, 1, 10, 4), TestModels.uniform("fb", r, -0.1, 0.1, 10)));
		if (batchNorm) {
			nodes.add(TestModels.node("Mul", "bn/batchnorm/mul_1", List.of("c", "scale"), "m"));
			nodes.add(TestModels.node("Add", "bn/batchnorm/add_1", List.of("m", "shift"), "a"));
			weights.add(TestModels.uniform("scale", r, 0.5, 1.5, 4, 1, 1));
			weights.add(TestModels.uniform("shift", r, -0.2, 0.2, 4, 1, 1));
		}
		nodes.addAll(List.of(TestModels.node("Relu", "relu", List.of(batchNorm ? "a" : "c"), "rl"), TestModels.node("GlobalAveragePool", "gap", List.of("rl"), "g"),
				TestModels.node("Flatten", "flatten", List.of("g"), "f"), gemm));
		return TestModels.graph(nodes, weights, batched("input", 1, 28, 28), batched("logits", 10));
	}

	/** A float tensor of shape [N, sample...]. */
	private static ValueInfoProto batched(String name, long... sample) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : sample) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
				.build();
	}
}
