package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.FrameworkClause;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A recipe's framework clause that the model file's producer contradicts (assessor59's finding 1): the logs alone printed
 * "Warning: the recipe declares ...", while the run printed nothing, results.json said no warning and report.html named none.
 * Now it is a run warning (model-framework) on the clause's line, recorded and shown as every printed warning is, and verify
 * derives it again from the recipe and the file's producer: struck from the trace, or added where the producer agrees, is named.
 */
class ModelFrameworkWarningTest {

	private static final String CODE = "model-framework";

	@Test
	void aContradictingVersionIsWarnedOnItsClauseRecordedEverywhereAndReDerived() throws IOException {
		Path dir = tiny("framework-contradicted");
		// the clause on the declaration's second line: the warning is the model's all the same
		Path recipe = Runs.recipe(dir, "r.qr", recipe("PyTorch 2.0.1"));
		Path out = dir.resolve("out");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		String message = "model m (\"tiny.onnx\") declares framework \"PyTorch 2.0.1\", but its ONNX producer metadata says pytorch 2.1.0: correct the"
				+ " framework clause to the version the model was exported from, or re-export the model";
		var printed = o.diagnostics().stream().filter(d -> CODE.equals(d.code())).toList();
		assertEquals(1, printed.size(), o.diagnostics().toString());
		assertEquals(4, printed.get(0).line(), "the framework clause's line");
		assertEquals(message, printed.get(0).message());

		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		RunWarning w = trace.getWarnings().stream().filter(x -> CODE.equals(x.getCode())).findFirst().orElseThrow();
		assertEquals("m", w.getModel(), "on model m's declaration");
		String line = "r.qr:4:" + printed.get(0).column() + ": warning [model-framework] model m";
		assertTrue(Files.readString(out.resolve("results.json")).contains("\"code\" : \"model-framework\""), "results.json lists it");
		assertTrue(flat(out.resolve("report.html")).contains("[model-framework] model m"), "report.html names it");
		for (String log : List.of("logs/PhIMT0002-m.md", "logs/PhIMT0003-m.md")) {
			String text = flat(out.resolve(log));
			assertTrue(text.contains(line) && text.contains("producer metadata says pytorch 2.1.0"), log + " prints it as the run printed it");
			assertFalse(text.contains("Warning: the recipe declares"), log + ": no second, log-only wording");
		}
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		List<Verification.Problem> struck = Tampering.traceForged(out, "struck", t -> t.getWarnings().removeIf(x -> CODE.equals(x.getCode())));
		assertTrue(struck.stream().anyMatch(p -> p.what().contains("warning [model-framework] of model m: not recorded, but the recipe declares framework"
				+ " \"PyTorch 2.0.1\", tiny.onnx's producer is pytorch 2.1.0")), struck.toString());
		List<Verification.Problem> reworded = Tampering.traceForged(out, "reworded", t -> t.getWarnings().stream().filter(x -> CODE.equals(x.getCode()))
				.forEach(x -> x.setMessage(x.getMessage().replace("pytorch 2.1.0", "pytorch 2.0.1"))));
		assertTrue(reworded.stream().anyMatch(p -> p.what().contains("warning [model-framework] of model m: says")), reworded.toString());
	}

	@Test
	void anAgreeingProducerIsNotWarnedAndAWarningAddedIsNamed() throws IOException {
		Path dir = tiny("framework-agreed");
		Path recipe = Runs.recipe(dir, "r.qr", recipe("PyTorch 2.1"));
		Path out = dir.resolve("out");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		assertTrue(o.diagnostics().stream().noneMatch(d -> CODE.equals(d.code())), o.diagnostics().toString());
		assertFalse(Files.readString(out.resolve("trace.xmi")).contains(CODE));

		List<Verification.Problem> added = Tampering.traceForged(out, "added", t -> {
			RunWarning w = org.quantrace.model.trace.TraceFactory.eINSTANCE.createRunWarning();
			w.setSeverity("warning");
			w.setCode(CODE);
			w.setFile("r.qr");
			w.setLine(4);
			w.setColumn(3);
			w.setModel("m");
			w.setMessage("model m (\"tiny.onnx\") declares framework \"PyTorch 2.1\", but its ONNX producer metadata says pytorch 1.0");
			t.getWarnings().add(w);
		});
		assertTrue(added.stream().anyMatch(p -> p.what().contains("warning [model-framework] of model m: recorded, but the recipe declares framework"
				+ " \"PyTorch 2.1\", tiny.onnx's producer is pytorch 2.1.0, which do not contradict each other")), added.toString());
	}

	/** The rule itself: an exporter's name (tf2onnx, skl2onnx) is no training framework, so nothing contradicts the clause. */
	@Test
	void anExporterIsNotHeldAgainstTheTrainingFramework() {
		assertNull(FrameworkClause.warning("m", "m.onnx", "TensorFlow 2.x (tf2onnx, opset 11)", "tf2onnx", "1.9.3"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "scikit-learn 1.2", "skl2onnx", "1.13"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "Keras 2.4", "keras2onnx", "1.7.0"), "the exporter's own version, not Keras's");
		assertNull(FrameworkClause.warning("m", "m.onnx", "PaddlePaddle 2.5", "PaddlePaddle", "0.9.2"), "Paddle2ONNX's own version under Paddle's name");
		assertTrue(FrameworkClause.warning("m", "m.onnx", "PyTorch 2.1", "PaddlePaddle", "0.9.2").contains("another training framework"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "PyTorch 1.13.0", "pytorch", "1.13.0"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "PyTorch 1.13", "pytorch", "1.13.0"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "TensorFlow 2.x", "tensorflow", "2.12.0"));
		assertNull(FrameworkClause.warning("m", "m.onnx", "PyTorch 1.13.0", "", ""), "a file that names no producer");
		assertTrue(FrameworkClause.warning("m", "m.onnx", "PyTorch 1.13.1", "pytorch", "1.13.0").contains("producer metadata says pytorch 1.13.0"));
		assertTrue(FrameworkClause.warning("m", "m.onnx", "TensorFlow 2.12", "pytorch", "2.1.0").contains("another training framework"));
	}

	private static String recipe(String framework) {
		return "recipe r \"a framework clause\" {\n\tresponsible \"test\"\n\tmodel m \"tiny.onnx\" id M version 1\n\t\tframework \"" + framework + "\"\n"
				+ "\tdataset calib \"x.npy\" labels \"y.npy\" role calibration format npy\n"
				+ "\tdataset eval \"x.npy\" labels \"y.npy\" role evaluation format npy\n"
				+ "\tconvert { eliminate dropout }\n\tschemes unquantized, fiq_int8\n\tevaluate on eval metrics accuracy\n}\n";
	}

	/** x [N, 32] -> MatMul -> Add -> y [N, 4], its producer "pytorch" 2.1.0 as torch.onnx writes it, with 24 samples. */
	private static Path tiny(String name) throws IOException {
		Path dir = TestData.tempDir(name);
		Files.createDirectories(dir);
		Random r = new Random(61);
		ModelProto m = TestModels.graph(List.of(TestModels.node("MatMul", "fc", List.of("x", "w"), "h"), TestModels.node("Add", "fc_bias", List.of("h", "b"), "y")),
				List.of(TestModels.uniform("w", r, -0.5, 0.5, 32, 4), TestModels.uniform("b", r, -0.1, 0.1, 4)), TestModels.tensor("x", 1, 32),
				TestModels.tensor("y", 1, 4));
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
		for (ai.onnx.proto.OnnxMl.ValueInfoProto.Builder v : List.of(g.getInputBuilder(0), g.getOutputBuilder(0))) {
			v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clearDimValue().setDimParam("N");
		}
		TestModels.write(dir.resolve("tiny.onnx"), m.toBuilder().setGraph(g).setProducerName("pytorch").setProducerVersion("2.1.0").build());
		float[] x = new float[24 * 32];
		for (int i = 0; i < x.length; i++) {
			x[i] = r.nextFloat() * 2 - 1;
		}
		long[] y = new long[24];
		for (int i = 0; i < y.length; i++) {
			y[i] = i % 4;
		}
		NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { 24, 32 }, x));
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { 24 }, y));
		return dir;
	}

	private static String flat(Path file) throws IOException {
		return Files.readString(file).replaceAll("\\s+", " ");
	}
}
