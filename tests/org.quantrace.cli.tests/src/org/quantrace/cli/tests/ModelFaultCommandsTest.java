package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A model at fault said as the model's fault (hostile14), on the iris MLP of hostile12's make_iris.py: without graph outputs, convert
 * removed every node and stopped at its own check, exit 3 "this is a Quantrace bug", and quantize --scheme drq wrote a model of no
 * outputs, exit 0; with its batch declared 0, evaluate blamed the graph for contradicting its declared input. And its table read
 * with one label column named twice.
 */
class ModelFaultCommandsTest {

	@TempDir
	Path dir;

	private Path iris(String name, java.util.function.Consumer<ModelProto.Builder> change) throws IOException {
		ModelProto.Builder m = OnnxModel.load(TestData.data("wild/hostile12/iris_mlp.onnx")).toProto().toBuilder();
		change.accept(m);
		Path file = dir.resolve(name);
		Files.write(file, m.build().toByteArray());
		return file;
	}

	@Test
	void aModelWithoutOutputsIsRefusedByEveryCommandThatRunsOrChangesIt() throws IOException {
		Path model = iris("noout.onnx", m -> m.getGraphBuilder().clearOutput());
		for (String[] args : new String[][] { { "convert", model.toString(), "-o", dir.resolve("c.onnx").toString() },
				{ "quantize", model.toString(), "--scheme", "drq", "-o", dir.resolve("q.onnx").toString() } }) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), args[0] + ": " + cli.err());
			assertTrue(cli.err().startsWith("quantrace: error: " + model + ": the graph declares no outputs"), cli.err());
			assertFalse(cli.err().contains("Quantrace bug"), cli.err());
		}
		assertFalse(Files.exists(dir.resolve("c.onnx")) || Files.exists(dir.resolve("q.onnx")), "nothing written");
		Cli inspect = Cli.run("inspect", model.toString());
		assertEquals(0, inspect.exitCode(), inspect.err());
		assertTrue(inspect.out().contains("Note: " + model + ": the graph declares no outputs, so running it computes nothing: every command that runs"
				+ " or changes it refuses it (exit 2)"), "inspect lists the model and says why nothing runs it: " + inspect.out());
	}

	/**
	 * The iris MLP's tail as skl2onnx writes a classifier's (unseen32's skllr): Softmax, ArgMax for output_label and ai.onnx.ml ZipMap
	 * for output_probability, a sequence of maps int64 to float. convert said "the original model does not run on the verification
	 * samples ... give real inputs", quantize "the graph contradicts its own declared input ... export the model again": neither is
	 * the fix. Refused before any work, naming the output, its kind, the ZipMap and skl2onnx's option; the graph the hint describes
	 * (the ZipMap's input as the output) converts.
	 */
	@Test
	void aZipMapOutputIsRefusedBeforeAnyWorkWithSkl2onnxsOption() throws IOException {
		java.util.function.Consumer<ModelProto.Builder> sklearnTail = m -> {
			var g = m.getGraphBuilder();
			m.addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1));
			g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Softmax").setName("Softmax").addInput("logits").addOutput("probabilities"));
			g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("ArgMax").setName("ArgMax").addInput("probabilities").addOutput("output_label")
					.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axis").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1))
					.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
			g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("ZipMap").setDomain("ai.onnx.ml").setName("ZipMap").addInput("probabilities")
					.addOutput("output_probability").addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("classlabels_int64s")
							.setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(0).addInts(1).addInts(2)));
			var type = ai.onnx.proto.OnnxMl.TypeProto.newBuilder();
			type.getSequenceTypeBuilder().getElemTypeBuilder().getMapTypeBuilder().setKeyType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE)
					.getValueTypeBuilder().getTensorTypeBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE);
			var label = ai.onnx.proto.OnnxMl.TypeProto.newBuilder();
			label.getTensorTypeBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE).getShapeBuilder().addDimBuilder().setDimParam("N");
			g.clearOutput().addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("output_label").setType(label))
					.addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("output_probability").setType(type));
		};
		Path model = iris("zipmap.onnx", sklearnTail);
		Path csv = TestData.data("wild/hostile12/iris.csv");
		String said = "quantrace: error: " + model + ": output 'output_probability' is a sequence of maps (int64 to float32), made by ai.onnx.ml ZipMap 'ZipMap'"
				+ " from tensor 'probabilities', not a tensor: Quantrace reads, calibrates and compares tensor outputs only\n"
				+ "quantrace: hint: convert the scikit-learn model with skl2onnx's ZipMap off (to_onnx(model, X, options={'zipmap': False})): its probabilities"
				+ " are then a float tensor [N, classes]; or make the ZipMap's input 'probabilities' the graph's output in its place\n";
		for (String[] args : new String[][] { { "convert", model.toString(), "-o", dir.resolve("c.onnx").toString() },
				{ "quantize", model.toString(), "--scheme", "fiq-int8", "--data", csv.toString(), "--label-columns", "species", "-o", dir.resolve("q.onnx").toString() },
				{ "evaluate", model.toString(), "--data", csv.toString(), "--label-columns", "species" } }) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), args[0] + ": " + cli.err());
			assertEquals(said, cli.err(), args[0]);
		}
		assertFalse(Files.exists(dir.resolve("c.onnx")) || Files.exists(dir.resolve("q.onnx")), "nothing written");
		Cli inspect = Cli.run("inspect", model.toString());
		assertEquals(0, inspect.exitCode(), inspect.err());
		assertTrue(inspect.out().contains("Note: " + model + ": output 'output_probability' is a sequence of maps (int64 to float32)"), inspect.out());
		ai.onnx.proto.OnnxMl.ValueInfoProto logits = OnnxModel.load(TestData.data("wild/hostile12/iris_mlp.onnx")).graph().outputs().get(0);
		Path fixed = iris("probabilities.onnx", sklearnTail.andThen(m -> m.getGraphBuilder().removeNode(m.getGraphBuilder().getNodeCount() - 1)
				.setOutput(1, logits.toBuilder().setName("probabilities"))));
		Cli convert = Cli.run("convert", fixed.toString(), "-o", dir.resolve("c.onnx").toString());
		assertEquals(0, convert.exitCode(), "the graph the hint describes converts: " + convert.err());
	}

	@Test
	void aBatchDeclaredOfSizeZeroIsTheModelsFault() throws IOException {
		Path model = iris("zerobatch.onnx", m -> m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
				.getDimBuilder(0).setDimValue(0));
		Cli cli = Cli.run("evaluate", model.toString(), "--data", TestData.data("wild/hostile12/iris.csv").toString(), "--label-columns", "species");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: " + model + ": input 'features' [0, 4] declares a dimension of size 0 (axis 0)"), cli.err());
		assertFalse(cli.err().contains("contradicts"), cli.err());
	}

	/**
	 * Float data for an INT64 input (the iris MLP reading int64 features through a Cast, as a token-id model reads its ids): quantize
	 * converted the model and started calibrating, then hinted "preprocess the data to the model's input type", which no step does.
	 */
	@Test
	void floatDataForAnInt64InputIsRefusedBeforeAnyWorkSayingWhatDataToGive() throws IOException {
		Path model = iris("ids.onnx", m -> {
			var g = m.getGraphBuilder();
			String input = g.getInput(0).getName();
			g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE);
			g.getNodeBuilderList().forEach(n -> {
				for (int i = 0; i < n.getInputCount(); i++) {
					if (n.getInput(i).equals(input)) {
						n.setInput(i, "as_float");
					}
				}
			});
			g.addNode(0, ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName("to_float").addInput(input).addOutput("as_float")
					.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("to").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT)
							.setI(ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE)));
		});
		Path csv = TestData.data("wild/hostile12/iris.csv");
		Path out = dir.resolve("q.onnx");
		Cli cli = Cli.run("quantize", model.toString(), "--data", csv.toString(), "--label-columns", "species", "--scheme", "fiq-int8", "-o", out.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("quantrace: error: " + csv + ": samples are FLOAT32 but input 'features' of " + model + " is INT64\n"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: input 'features' takes INT64 values (such as token ids or indices), which no --preprocess step makes"
				+ " from FLOAT32 samples: give the data as INT64 (an .npy of that type"), cli.err());
		assertFalse(cli.err().contains("converting") || cli.err().contains("calibrating"), "refused before any work: " + cli.err());
		assertFalse(Files.exists(out), "nothing written");
	}

	/** --label-columns species,species stopped with an internal error, exit 70 and a stack trace (the row's labels overrun). */
	@Test
	void aLabelColumnNamedTwiceIsBadInput() {
		Path csv = TestData.data("wild/hostile12/iris.csv");
		Cli cli = Cli.run("evaluate", TestData.data("wild/hostile12/iris_mlp.onnx").toString(), "--data", csv.toString(), "--label-columns", "species,species");
		assertEquals(2, cli.exitCode(), cli.err());
		assertEquals("quantrace: error: " + csv + ": label column 'species' is named twice (label columns species, species): each column is one label\n"
				+ "quantrace: hint: name each label column once (--label-columns species)\n", cli.err());
	}

	/** A recipe given for a model got the protobuf parser's "not an ONNX model" and the hint to re-export it (hostile14's find). */
	@Test
	void aRecipeGivenForAModelIsSaidToBeOne() throws IOException {
		Path recipe = dir.resolve("iris.qr");
		Files.writeString(recipe, "model iris { file \"iris_mlp.onnx\" }\n");
		for (String[] args : new String[][] { { "inspect", recipe.toString() }, { "quantize", recipe.toString(), "--scheme", "drq", "-o", dir.resolve("q.onnx").toString() } }) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), args[0] + ": " + cli.err());
			assertEquals("quantrace: error: " + recipe + ": is a recipe, not an ONNX model\nquantrace: hint: check it with quantrace validate " + recipe
					+ ", run it with quantrace run " + recipe + "; this command reads the .onnx model a recipe names\n", cli.err(), args[0]);
		}
		assertFalse(Files.exists(dir.resolve("q.onnx")), "nothing written");
	}

	/**
	 * A recipe's model without outputs was refused only by the start-up probe of a dataset that fits it (hostile14): a recipe of
	 * schemes alone validated with 0 errors and ran to exit 0, writing models of no outputs (drq's included) and logs about them.
	 */
	@Test
	void aRecipesModelWithoutOutputsIsAnErrorOnItsLineWhateverTheRest() throws IOException {
		iris("noout.onnx", m -> m.getGraphBuilder().clearOutput());
		Path recipe = dir.resolve("noout.qr");
		Files.writeString(recipe, "recipe noout {\n\tresponsible \"me\"\n\tmodel mlp \"noout.onnx\"\n\tschemes unquantized, drq\n}\n");
		Path out = dir.resolve("out");
		for (String[] args : new String[][] { { "validate", recipe.toString() }, { "run", recipe.toString(), "-o", out.toString() } }) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), args[0] + ": " + cli.out() + cli.err());
			assertTrue((cli.out() + cli.err()).contains(recipe + ":3:2: error [model-unrunnable] model mlp (\"noout.onnx\"): the graph declares no outputs,"
					+ " so running it computes nothing to evaluate, calibrate or keep: export the model again with its outputs"), args[0] + ": " + cli.out() + cli.err());
		}
		assertFalse(Files.exists(out), "nothing run, nothing written");
	}

	/** A BOOL input (a mask) fed float32 data got "preprocess the data to float32": no data quantrace reads feeds it, and that is said. */
	@Test
	void aBoolInputSaysNoDataQuantraceReadsFeedsIt() throws IOException {
		Path model = iris("boolin.onnx", m -> {
			ai.onnx.proto.OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
			String input = g.getInput(0).getName();
			g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.BOOL_VALUE);
			for (ai.onnx.proto.OnnxMl.NodeProto.Builder n : g.getNodeBuilderList()) {
				for (int i = 0; i < n.getInputCount(); i++) {
					if (n.getInput(i).equals(input)) {
						n.setInput(i, input + "_float");
					}
				}
			}
			g.addNode(0, ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName("mask_to_float").addInput(input).addOutput(input + "_float")
					.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("to").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1)));
		});
		String hint = "quantrace: hint: quantrace reads no boolean data (an .npy of bools is read as uint8): export the model with a float or integer input and"
				+ " cast it to bool inside the graph\n";
		Cli cli = Cli.run("evaluate", model.toString(), "--data", TestData.data("wild/hostile12/iris.csv").toString(), "--label-columns", "species");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().endsWith("reads BOOL input but the data is FLOAT32\n" + hint), cli.err());
		// quantize's calibration said "preprocess the data to the model's input type", which no preprocessing makes
		Cli quantize = Cli.run("quantize", model.toString(), "--scheme", "fiq-int8", "--data", TestData.data("wild/hostile12/iris.csv").toString(),
				"--label-columns", "species", "-o", dir.resolve("q.onnx").toString());
		assertEquals(2, quantize.exitCode(), quantize.err());
		assertTrue(quantize.err().endsWith("is BOOL\n" + hint), quantize.err());
	}
}
