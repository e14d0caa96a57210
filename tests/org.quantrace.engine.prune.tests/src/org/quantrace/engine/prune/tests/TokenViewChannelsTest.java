package org.quantrace.engine.prune.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * convert computes a transformer's projection and its bias on a 2-D view of the tokens (Reshape [N, T, K] → [N·T, K], MatMul,
 * Add, Reshape back to [N, T, M]), so that ONNX Runtime runs it as one (Q)Gemm. Such a view keeps the channels whole on the
 * last axis: channel pruning of a converted ViT's feed-forward blocks went on through them (speed63: before, every MLP was
 * "not pruned: its channels reach '.../mlp.0/Add/view_back' (Reshape), which does not keep channels apart"). One tiny graph of
 * two projections of 6 tokens, 8 → 16 → 4, each on its view, Relu between.
 */
class TokenViewChannelsTest {

	@Test
	void theViewsOfAProjectionKeepItsChannelsAndTheirTargetsFollowThePruning() {
		PruningResult r = Pruner.prune(model(), "views", PruningSpec.of(PruningPattern.CHANNEL, 50, ThresholdScope.LOCAL, List.of()));
		Graph g = r.model().graph();
		assertFalse(r.notPruned().containsKey("a"), r.notPruned().toString());
		assertArrayEquals(new long[] { 8, 8 }, weight(g, "a"), "a loses half of its 16 columns");
		assertArrayEquals(new long[] { 8, 4 }, weight(g, "b"), "b the same rows");
		assertArrayEquals(new long[] { -1, 6, 8 }, target(g, "back_a"), "the view back holds the 8 channels left");
		assertArrayEquals(new long[] { -1, 8 }, target(g, "view_b"), "and so does the next product's view");
		assertEquals(2 * 6 * 4, PrunerTest.run(r.model(), PrunerTest.random(2, 6, 8)).length, "the pruned model runs");
	}

	private static OnnxModel model() {
		Random random = new Random(5);
		List<NodeProto> nodes = List.of(TestModels.node("Reshape", "view_a", List.of("x", "flat8"), "xa"), TestModels.node("MatMul", "a", List.of("xa", "wa"), "ma"),
				TestModels.node("Add", "bias_a", List.of("ma", "ba"), "sa"), TestModels.node("Reshape", "back_a", List.of("sa", "tokens16"), "ya"),
				TestModels.node("Relu", "relu", List.of("ya"), "za"), TestModels.node("Reshape", "view_b", List.of("za", "flat16"), "xb"),
				TestModels.node("MatMul", "b", List.of("xb", "wb"), "mb"), TestModels.node("Add", "bias_b", List.of("mb", "bb"), "sb"),
				TestModels.node("Reshape", "back_b", List.of("sb", "tokens4"), "out"));
		List<TensorProto> constants = List.of(TestModels.uniform("wa", random, -1, 1, 8, 16), TestModels.uniform("ba", random, -1, 1, 16),
				TestModels.uniform("wb", random, -1, 1, 16, 4), TestModels.uniform("bb", random, -1, 1, 4), shape("flat8", -1, 8), shape("tokens16", -1, 6, 16),
				shape("flat16", -1, 16), shape("tokens4", -1, 6, 4));
		return OnnxModel.of(TestModels.graph(nodes, constants, TestModels.tensor("x", 2, 6, 8), TestModels.tensor("out", 2, 6, 4)));
	}

	private static TensorProto shape(String name, int... values) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length);
		for (int v : values) {
			t.addInt64Data(v);
		}
		return t.build();
	}

	private static long[] weight(Graph g, String node) {
		return g.initializer(node(g, node).input(1)).dims();
	}

	private static long[] target(Graph g, String node) {
		return g.initializer(node(g, node).input(1)).toLongArray();
	}

	private static Node node(Graph g, String name) {
		return g.nodes().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
	}
}
