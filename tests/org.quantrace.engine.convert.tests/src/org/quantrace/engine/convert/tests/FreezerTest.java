package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/**
 * Freezing the example CNN exported from PyTorch in training mode (BatchNormalization with its training
 * outputs, Dropout with training_mode = true) gives the eval-mode export's outputs on real images.
 */
class FreezerTest {

	private static final OnnxModel TRAINED = OnnxModel.load(TestData.example("model/fashion_cnn_trained.onnx"));
	private static final OnnxModel EVAL_EXPORT = OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
	private static final FashionMnist.Samples IMAGES = FashionMnist.folder(TestData.example("data/evaluation"),
			TestData.labelMap(TestData.example("data/labels.json")));
	private static final Dataset DATA = ModelAccuracy.dataset("evaluation images", IMAGES);

	/**
	 * The conversion reports as it goes: on a large model rewriting and checking take tens of seconds each (ConvNeXt-T at
	 * 224x224: 20 s and 25 s on 2 cores), and `quantize` said nothing for 45 s before its calibration's progress.
	 */
	@Test
	void theRewritingAndTheCheckOfTheOutputsReportTheirProgress() {
		List<String> reported = new java.util.ArrayList<>();
		org.quantrace.engine.Progress recording = (label, total, unit) -> new org.quantrace.engine.Progress.Task() {
			long done;

			@Override
			public void advance(long amount) {
				done += amount;
			}

			@Override
			public void close() {
				reported.add(label + ": " + done + "/" + total + " " + unit);
			}
		};
		FreezeResult r = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), DATA, recording);
		assertEquals(List.of("converting fashion_cnn_trained (training ops, constants, patterns): 1/1 model",
				"checking the converted model against the original: 64/64 samples"), reported);
		assertEquals(64, r.verificationSamples());
		reported.clear();
		Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), null, recording);
		assertEquals("checking the converted model against the original: 8/8 samples", reported.get(1), "8 seeded random inputs without data");
	}

	@Test
	void trainingOperationsAreRemovedAndListed() {
		FreezeResult r = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), DATA);
		Set<String> ops = r.model().graph().nodes().stream().map(Node::opType).collect(Collectors.toSet());
		assertEquals(Set.of("Conv", "Relu", "MaxPool", "Flatten", "Gemm"), ops, "what remains is the inference network");

		FreezeResult.Elimination dropout = r.eliminations().get(TrainingOperation.DROPOUT);
		assertEquals(EliminationStatus.REMOVED, dropout.status());
		assertEquals(List.of("/classifier/classifier.2/Dropout (ratio 0.25)"), dropout.nodes());
		FreezeResult.Elimination bn = r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION);
		assertEquals(EliminationStatus.REMOVED, bn.status());
		assertEquals(List.of("/features/features.1/BatchNormalization (folded into /features/features.0/Conv)",
				"/features/features.5/BatchNormalization (folded into /features/features.4/Conv)"), bn.nodes());
		for (TrainingOperation op : List.of(TrainingOperation.GRADIENT_CLIPPING, TrainingOperation.LEARNING_RATE_SCHEDULING,
				TrainingOperation.WEIGHT_REGULARIZATION)) {
			assertEquals(EliminationStatus.NOT_PRESENT, r.eliminations().get(op).status(), op.toString());
		}
		assertTrue(r.trainingArtifacts().stream().anyMatch(a -> a.contains("training_mode = true")), r.trainingArtifacts().toString());
		assertTrue(r.trainingArtifacts().stream().anyMatch(a -> a.contains("training outputs")), r.trainingArtifacts().toString());
		assertTrue(r.trainingArtifacts().stream().anyMatch(a -> a.contains("mask output")), r.trainingArtifacts().toString());
		assertTrue(r.maxAbsDifference() <= 1e-4, "frozen vs original in inference mode: " + r.maxAbsDifference());
		assertEquals(64, r.verificationSamples());
	}

	@Test
	void frozenModelMatchesTheEvalModeExportOnRealImages() {
		OnnxModel frozen = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), null).model();
		NdArray x = NdArray.ofFloats(new long[] { IMAGES.count(), 1, 28, 28 }, IMAGES.pixels());
		float[] expected = run(EVAL_EXPORT, x);
		float[] actual = run(frozen, x);
		double max = 0;
		for (int i = 0; i < expected.length; i++) {
			max = Math.max(max, Math.abs(expected[i] - actual[i]));
		}
		assertTrue(max <= 1e-4, "max |frozen - eval export| over 1000 images = " + max);
		assertEquals(ModelAccuracy.top1(EVAL_EXPORT, IMAGES), ModelAccuracy.top1(frozen, IMAGES), 0);
	}

	@Test
	void standaloneBatchNormBecomesMulAndAdd() {
		OnnxModel model = OnnxModel.load(TestData.data("models/standalone_bn.onnx"));
		FreezeResult r = Freezer.freeze(model, "standalone_bn", FreezeOptions.defaults(), null);
		assertEquals(List.of("Mul", "Add", "Relu"), r.model().graph().nodes().stream().map(Node::opType).toList());
		assertEquals(List.of("bn (made a per-channel Mul and Add)"), r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION).nodes());
		assertTrue(r.maxAbsDifference() <= 1e-5, "difference " + r.maxAbsDifference());
	}

	/**
	 * The example's training-mode export holds a Dropout with training_mode true: a random op to RandomOps (no seed), which the
	 * conversion makes an inference-mode one, removed or kept, so that nothing of the converted model draws; the original as the
	 * runner evaluates it (its inference view) draws nothing either.
	 */
	@Test
	void aTrainingModeDropoutIsRandomUntilFrozenRemovedOrKept() {
		assertEquals(List.of("/classifier/classifier.2/Dropout"), org.quantrace.engine.onnx.RandomOps.unseeded(TRAINED).stream().map(Node::name).toList());
		for (FreezeOptions options : List.of(FreezeOptions.defaults(), new FreezeOptions(Set.of(TrainingOperation.BATCH_NORMALIZATION), true, 0))) {
			FreezeResult r = Freezer.freeze(TRAINED, "fashion_cnn_trained", options, null);
			assertEquals(List.of(), org.quantrace.engine.onnx.RandomOps.unseeded(r.model()), options.toString());
		}
		assertEquals(List.of(), org.quantrace.engine.onnx.RandomOps.unseeded(Freezer.inferenceView(TRAINED)));
	}

	@Test
	void keptOperationsStayInInferenceForm() {
		FreezeOptions keepBn = new FreezeOptions(Set.of(TrainingOperation.DROPOUT), true, 0);
		FreezeResult r = Freezer.freeze(TRAINED, "fashion_cnn_trained", keepBn, null);
		assertEquals(EliminationStatus.KEPT, r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION).status());
		assertTrue(r.model().graph().nodes().stream().filter(n -> n.opType().equals("BatchNormalization")).allMatch(n -> n.outputs().size() == 1),
				"kept BatchNormalization loses its training outputs");
		assertTrue(r.maxAbsDifference() <= 1e-4);
	}

	/** Its trace record is the runner's (TraceRecordsTest). */
	@Test
	void conversionIsDeterministic() {
		FreezeResult a = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), DATA);
		FreezeResult b = Freezer.freeze(TRAINED, "fashion_cnn_trained", FreezeOptions.defaults(), DATA);
		assertArrayEquals(a.model().toBytes(), b.model().toBytes());
		assertEquals(5, a.eliminations().size());
		assertTrue(a.maxAbsDifference() <= 1e-4);
		assertEquals(64, a.verificationSamples());
	}

	private static float[] run(OnnxModel model, NdArray x) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "model")) {
			return s.run(x).floats();
		}
	}

	/**
	 * An empty Optional built from no inputs (an If's else branch) is no constant to fold: no initializer holds an optional
	 * value, and running it to fold it crashed the JVM inside ONNX Runtime (SIGSEGV, `convert` exit 134, make_seq2.py's
	 * "optional"). The conversion keeps it and the converted model computes what the original does.
	 */
	@Test
	void anOptionalBuiltFromNoInputsIsNotFolded() {
		OnnxModel model = OnnxModel.of(org.quantrace.testing.TestModels.optionalThroughIf());
		OnnxModel converted = Freezer.freeze(model, "optional", FreezeOptions.defaults(), null).model();
		assertTrue(converted.graph().allNodes().stream().anyMatch(n -> n.name().equals("none") && n.opType().equals("Optional")));
		NdArray x = NdArray.ofFloats(new long[] { 1, 4 }, new float[] { -1, 2, -3, 4 });
		try (InferenceSession s = InferenceSession.open(converted, SessionSettings.defaults(), "converted")) {
			assertArrayEquals(new float[] { -0f, -2, -0f, -4 }, s.run(java.util.Map.of("x", x)).get("y").floats());
		}
	}
}
