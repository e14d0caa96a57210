package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A recipe that prunes and factorizes and declares no scheme (prune10's leftover): the run wrote the pruned and factorized
 * models, but the trace held pruning and factorization only inside the optimization records it makes per scheme, so trace.xmi,
 * PhIMT0003 and verify said nothing of how the models were made. The float chain's last stage now gets its own optimization
 * record, as {@code schemes unquantized} gives one, and verify holds it as it holds a scheme's (and names it struck out).
 */
class NoSchemesPruningTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe noschemes {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert { eliminate dropout, batch-normalization }
				prune { pattern channel sparsity 30 % exclude "/features/features.0/*" }
				factorize { dense energy 95 % }
				evaluate on eval metrics accuracy tolerance 0.5 pt
			}
			""";

	private static final String RECORD = "noschemes-optimization/cnn/factorized";

	private static Path out;

	static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("no-schemes-prune");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "noschemes.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	@Test
	void theFloatChainIsRecordedAndVerifies() throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out().resolve("trace.xmi"));
		assertEquals(1, trace.getOptimizations().size(), "one record of the model's pruning and factorization");
		OptimizationRecord o = trace.getOptimizations().get(0);
		assertEquals(RECORD, o.getId());
		assertEquals("factorized", o.getScheme());
		assertNotNull(o.getPruning());
		assertNotNull(o.getFactorization());
		assertNull(o.getQuantization());
		assertEquals("cnn/converted", o.getInput().getId(), "the model the pruning read");
		assertEquals("cnn/factorized", o.getOutput().getId(), "the stage's own file, no copy of it");
		assertEquals("models/cnn/factorized.onnx", o.getOutput().getPath());
		String log = Files.readString(out().resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("Model optimization information (" + RECORD + ")") && log.contains("Pruning per layer") && log.contains("factoriz"), log);
		assertTrue(Files.readString(out().resolve("report.html")).contains("PhIMT0003-cnn.html"), "the report links the log");
		Verification.Result verified = Verification.verify(out());
		assertEquals(List.of(), verified.problems());
	}

	/** The record struck out of the trace, every document and list made again from it: the folder's models say nothing then. */
	@Test
	void aStruckOutRecordIsNamed() {
		List<Problem> problems = Tampering.traceForged(out(), "no-schemes-struck", t -> t.getOptimizations().clear());
		assertTrue(problems.stream().anyMatch(p -> p.what().startsWith("model cnn: no optimization record " + RECORD + ", where the recipe prunes and factorizes it")
				&& p.what().contains("models/cnn/factorized.onnx")), problems.toString());
	}

	/** Its target sparsity edited (30 % to 20 %, every document made again): held against the recipe as a scheme's record is. */
	@Test
	void anEditedRecordIsNamed() {
		List<Problem> problems = Tampering.traceForged(out(), "no-schemes-sparsity", t -> t.getOptimizations().get(0).getPruning().setTargetSparsity(20));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("optimization " + RECORD + " pruning target sparsity (%): says 20.0, the recipe declares 30.0")),
				problems.toString());
	}

	/** The record said to have made the converted model (its output re-pointed): named against the trace's links. */
	@Test
	void aRecordOfAnotherModelIsNamed() {
		List<Problem> problems = Tampering.traceForged(out(), "no-schemes-output", t -> t.getOptimizations().get(0).setOutput(
				t.getArtifacts().stream().filter(a -> a.getId().equals("cnn/pruned")).findFirst().orElseThrow()));
		assertTrue(problems.stream().anyMatch(p -> p.what().equals("optimization " + RECORD + " output model: says cnn/pruned, where its factorized model is"
				+ " cnn/factorized (edited after the run?)")), problems.toString());
	}
}
