package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Removal;
import org.quantrace.engine.convert.Rewrite;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

/**
 * Conversion on the models of issue 13 that `convert` used to leave half done or fail on: a MobileNetV3-style classifier
 * with every weight in Constant nodes (opset 11, as Paddle2ONNX and tf2onnx write it), CNNs inside If branches, and
 * exporter decompositions of HardSwish, HardSigmoid, GELU and LayerNorm (tests/data/make_conversion_models.py,
 * tests/data/zoo/make_zoo.py). Each converted model is checked against the original on real images.
 */
class ConversionModelsTest {

	private static final FashionMnist.Samples IMAGES = FashionMnist.folder(TestData.example("data/evaluation"),
			TestData.labelMap(TestData.example("data/labels.json")));
	private static final Dataset DATA = ModelAccuracy.dataset("evaluation images", IMAGES);

	@Test
	void batchNormWithParametersInConstantNodesIsFolded() {
		Zoo.Model zoo = Zoo.model("mobilenetv3_constants_opset11");
		OnnxModel original = OnnxModel.load(zoo.onnx());
		assertEquals(11, original.opset());
		long bn = count(original, "BatchNormalization");
		assertTrue(bn >= 10, "the zoo model keeps its BatchNormalization nodes: " + bn);
		assertTrue(count(original, "Constant") > 0, "its weights are in Constant nodes");

		FreezeResult r = Freezer.freeze(original, zoo.name(), FreezeOptions.defaults(), DATA);

		assertEquals(0, count(r.model(), "BatchNormalization"), "every BatchNormalization folded: " + ops(r.model()));
		assertEquals(0, count(r.model(), "Constant"), ops(r.model()).toString());
		FreezeResult.Elimination e = r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION);
		assertEquals(EliminationStatus.REMOVED, e.status());
		assertEquals(bn, e.nodes().size(), e.nodes().toString());
		assertTrue(e.nodes().stream().allMatch(n -> n.contains("folded into")), "folded into the Conv before, not Mul/Add: " + e.nodes());
		assertTrue(r.maxAbsDifference() <= 1e-3, "converted vs original on 64 real images: " + r.maxAbsDifference());
		assertEquals(64, r.verificationSamples());
		assertEquals(ModelAccuracy.top1(original, IMAGES), ModelAccuracy.top1(r.model(), IMAGES), 0.002, "top-1 on 1000 real images");
	}

	/** The case: the zoo's network inside If branches made ONNX Runtime fail inside `convert` (exit 3). */
	@Test
	void networkInsideIfBranchesConverts() {
		Zoo.Model zoo = Zoo.model("if_cnn");
		OnnxModel original = OnnxModel.load(zoo.onnx());
		assertTrue(count(original, "If") > 0);

		FreezeResult r = Freezer.freeze(original, zoo.name(), FreezeOptions.defaults(), DATA);

		assertTrue(r.maxAbsDifference() <= 1e-3, "converted vs original on 64 real images: " + r.maxAbsDifference());
		assertEquals(ModelAccuracy.top1(original, IMAGES), ModelAccuracy.top1(r.model(), IMAGES), 0.002, "top-1 on 1000 real images");
	}

	/** An If on a static input dimension (torch.jit.script) is inlined once the shape is folded; BN in the branch then folds. */
	@Test
	void ifOnAStaticShapeIsInlinedAndItsBatchNormFolded() {
		OnnxModel original = OnnxModel.load(TestData.data("models/conversion/if_shape_condition_opset9.onnx"));
		assertEquals(1, count(original, "If"));

		FreezeResult r = Freezer.freeze(original, "if_shape_condition_opset9", FreezeOptions.defaults(), DATA);

		assertEquals(0, count(r.model(), "If"), ops(r.model()).toString());
		assertEquals(0, count(r.model(), "BatchNormalization"), ops(r.model()).toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals(Rewrite.CONTROL_FLOW)), r.rewrites().toString());
		assertTrue(r.maxAbsDifference() <= 1e-3, "difference " + r.maxAbsDifference());
	}

	/** If-1 branches of different ranks do not load in ONNX Runtime at opset 9: conversion must not fail with an internal error. */
	@Test
	void ifWithBranchesOfDifferentRanksConverts() {
		OnnxModel original = OnnxModel.load(TestData.data("models/conversion/if_branch_ranks_opset9.onnx"));

		FreezeResult r = Freezer.freeze(original, "if_branch_ranks_opset9", FreezeOptions.defaults(), null);

		assertEquals(0, count(r.model(), "Constant"), ops(r.model()).toString());
		assertTrue(r.maxAbsDifference() <= 1e-4, "difference " + r.maxAbsDifference());
	}

	/** Decompositions become the fused ops of the model's opset (or a raised one) and the outputs stay the same. */
	@Test
	void decomposedActivationsAndLayerNormAreFused() {
		OnnxModel original = OnnxModel.load(TestData.data("models/conversion/decomposed_opset13.onnx"));
		assertEquals(0, count(original, "HardSwish") + count(original, "LayerNormalization"));

		FreezeResult r = Freezer.freeze(original, "decomposed_opset13", FreezeOptions.defaults(), DATA);

		Map<String, Long> ops = ops(r.model());
		assertTrue(count(r.model(), "HardSwish") >= 2, ops.toString());
		assertTrue(count(r.model(), "HardSigmoid") >= 1, ops.toString());
		assertEquals(2, count(r.model(), "LayerNormalization"), ops.toString());
		assertEquals(0, count(r.model(), "Erf") + count(r.model(), "Sqrt") + count(r.model(), "Pow") + count(r.model(), "Shape"), ops.toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals(Rewrite.FUSION)), r.rewrites().toString());
		assertTrue(r.maxAbsDifference() <= 1e-3, "difference " + r.maxAbsDifference());
	}

	/**
	 * Each removed node of an exporter's decomposed model comes with the pass that removed it (PhIMT0002 Appendix A states it):
	 * the Identities, the shape arithmetic folded or left unread, the GELU's Erf fused, and the GELU's divisor Constant, which went because the
	 * fused Div was all that read it.
	 */
	@Test
	void eachRemovedNodeHasTheReasonOfItsPass() {
		FreezeResult r = Freezer.freeze(OnnxModel.load(TestData.data("models/conversion/decomposed_opset13.onnx")), "decomposed_opset13",
				FreezeOptions.defaults(), DATA);

		Map<String, Removal> why = r.removalReasons();
		assertEquals(java.util.Set.copyOf(r.removedNodes()), why.keySet(), "a reason for every removed node");
		assertEquals(new Removal(Removal.Reason.IDENTITY), why.get("Identity_0"));
		assertEquals(new Removal(Removal.Reason.IDENTITY), why.get("Identity_1"));
		assertEquals(Removal.Reason.CONSTANT_FOLDED, why.get("/Gather_1").reason(), why.toString());
		// the Reshape's target made constant, the shape arithmetic that computed it was read by nothing: the Reshape stays
		assertEquals(new Removal(Removal.Reason.UNREAD, "/Reshape"), why.get("/Concat"), why.toString());
		assertEquals(new Removal(Removal.Reason.UNREAD, "/Unsqueeze"), why.get("/Gather"), why.toString());
		assertEquals(Removal.Reason.PATTERN_FUSED, why.get("/act/Erf").reason(), why.toString());
		assertEquals(new Removal(Removal.Reason.UNREAD, "/act/Div"), why.get("/act/Constant"), why.toString());
		assertEquals("unread: /act/Div", why.get("/act/Constant").code());
	}

	private static long count(OnnxModel m, String op) {
		return ops(m).getOrDefault(op, 0L);
	}

	/** Op counts over the graph and every subgraph. */
	private static Map<String, Long> ops(OnnxModel m) {
		Map<String, Long> ops = new TreeMap<>();
		for (Node n : m.graph().allNodes()) {
			ops.merge(n.opType(), 1L, Long::sum);
		}
		return ops;
	}
}
