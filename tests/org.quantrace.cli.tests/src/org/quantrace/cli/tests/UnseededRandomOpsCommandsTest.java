package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A model with a noise layer left on at inference (make_unseen17.py "noisy": RandomNormalLike in the exported graph), which
 * ONNX Runtime seeds from the clock in every process. Before: `quantize --scheme fiq-int8` wrote another file in every run
 * (two runs of noisy.onnx, two SHA-256), and a recipe run measured figures no second run derives again (the same model with
 * the noise scaled to 3 evaluated at 0.5860 and 0.5960 in two processes) while `verify` said "0 mismatches". Now quantize,
 * debug and a recipe refuse it with exit 2 before any work, on the model's line for a recipe, and evaluate warns; a seeded copy runs.
 */
class UnseededRandomOpsCommandsTest {

	/** The example CNN with x + 0.1 RandomNormalLike(x) in front of its first layer, {@code seeded} or not. */
	private static void writeNoisy(Path source, Path target, boolean seeded) throws IOException {
		ModelProto cnn = ModelProto.parseFrom(Files.readAllBytes(source));
		String input = cnn.getGraph().getInput(0).getName();
		GraphProto.Builder g = cnn.getGraph().toBuilder().clearNode();
		NodeProto.Builder draw = NodeProto.newBuilder().setOpType("RandomNormalLike").setName("noise").addInput(input).addOutput("noise_out");
		if (seeded) {
			draw.addAttribute(AttributeProto.newBuilder().setName("seed").setType(AttributeProto.AttributeType.FLOAT).setF(7f));
		}
		g.addNode(draw);
		g.addNode(NodeProto.newBuilder().setOpType("Mul").setName("noise_scale").addInput("noise_out").addInput("c01").addOutput("noise_scaled"));
		g.addNode(NodeProto.newBuilder().setOpType("Add").setName("noisy_input").addInput(input).addInput("noise_scaled").addOutput("x_noisy"));
		g.addInitializer(TensorProto.newBuilder().setName("c01").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(0.1f));
		for (NodeProto n : cnn.getGraph().getNodeList()) {
			NodeProto.Builder b = n.toBuilder();
			for (int i = 0; i < b.getInputCount(); i++) {
				if (b.getInput(i).equals(input)) {
					b.setInput(i, "x_noisy");
				}
			}
			g.addNode(b);
		}
		Files.write(target, cnn.toBuilder().setGraph(g).build().toByteArray());
	}

	@Test
	void quantizeAndDebugRefuseAnUnseededRandomOp() throws IOException {
		Path dir = TestData.tempDir("unseeded-quantize");
		Path noisy = dir.resolve("noisy.onnx");
		writeNoisy(TestData.example("model/fashion_cnn_trained.onnx"), noisy, false);
		String calibration = TestData.example("data/calibration").toString();
		String labels = TestData.example("data/labels.json").toString();

		Cli q = Cli.run("quantize", noisy.toString(), "--scheme", "fiq-int8", "--data", calibration, "--labels", labels, "-o", dir.resolve("q.onnx").toString());

		assertEquals(2, q.exitCode(), q.err());
		assertTrue(q.err().startsWith("quantrace: error: " + noisy + " holds 1 random op without a seed (the first: RandomNormalLike 'noise'): ONNX"
				+ " Runtime seeds it from the clock"), q.err());
		assertTrue(q.err().contains("quantrace: hint: remove it from the inference graph"), q.err());
		assertFalse(q.err().contains("calibrating"), "before any work: " + q.err());
		assertFalse(Files.exists(dir.resolve("q.onnx")));

		Cli debug = Cli.run("debug", noisy.toString(), TestData.example("model/fashion_cnn_trained.onnx").toString(), "--data", calibration, "--labels", labels,
				"-o", dir.resolve("debug").toString());
		assertEquals(2, debug.exitCode(), debug.err());
		// the example's training-mode export also holds a Dropout with training_mode true, which draws in the debugger (it reads every tensor)
		assertTrue(debug.err().startsWith("quantrace: error: " + noisy + " holds 2 random ops without a seed (the first: RandomNormalLike 'noise')"),
				debug.err());
		assertFalse(Files.exists(dir.resolve("debug")));

		Path seeded = dir.resolve("seeded.onnx");
		writeNoisy(TestData.example("model/fashion_cnn_trained.onnx"), seeded, true);
		Cli s = Cli.run("quantize", seeded.toString(), "--scheme", "fiq-int8", "--data", calibration, "--labels", labels, "-o", dir.resolve("s.onnx").toString());
		assertEquals(0, s.exitCode(), s.err());

		// evaluate still gives its figures, but says that another process prints others; not for the seeded copy
		Cli e = Cli.run("evaluate", noisy.toString(), seeded.toString(), "--data", calibration, "--labels", labels);
		assertEquals(0, e.exitCode(), e.err());
		assertTrue(e.err().contains("quantrace: warning: " + noisy + " holds 1 random op without a seed (the first: RandomNormalLike 'noise'): ONNX"
				+ " Runtime seeds it from the clock, so the model's outputs differ from process to process, and so do its figures below"), e.err());
		assertFalse(e.err().contains(seeded + " holds"), e.err());
	}

	@Test
	void aRecipeOfAnUnseededRandomOpIsRefusedOnTheModelsLine() throws IOException {
		Path example = TestData.exampleCopy("unseeded-run");
		Path model = example.resolve("model/fashion_cnn_trained.onnx");
		writeNoisy(model, model, false);
		Path recipe = example.resolve("fashion_cnn.qr");
		Path out = example.resolve("out");
		String error = recipe + ":14:2: error [model-random] model cnn (\"model/fashion_cnn_trained.onnx\") holds 1 random op without a seed (the first:"
				+ " RandomNormalLike 'noise')";

		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());

		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains(error), run.out());
		assertFalse(run.err().contains("converting"), "nothing run: " + run.err());
		assertFalse(Files.exists(out));
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(error), validate.out());
	}
}
