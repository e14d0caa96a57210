package org.quantrace.engine.prune.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A Pad of the spatial axes only keeps the channels apart (assessor16: tf9cls's `prune { pattern channel sparsity 20 % }` pruned
 * nothing, every layer "reaches '.../zero_padding2d/Pad' (Pad), which does not keep channels apart", Keras ZeroPadding2D before
 * each strided depthwise Conv). One tiny graph: a (3x3, 8 filters) → Relu → Pad → depthwise d (stride 2) → c (1x1) → head h.
 */
class PadChannelsTest {

	@Test
	void aPadOfTheSpatialAxesPassesTheChannels() {
		PruningResult r = Pruner.prune(model(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }), "pad", PruningSpec.of(PruningPattern.CHANNEL, 50, ThresholdScope.LOCAL, List.of()));
		Graph g = r.model().graph();
		assertTrue(!r.notPruned().containsKey("a"), r.notPruned().toString());
		assertArrayEquals(new long[] { 4, 3, 3, 3 }, weight(g, "a"), "a loses half its filters");
		assertArrayEquals(new long[] { 4, 1, 3, 3 }, weight(g, "d"), "the depthwise conv after the Pad loses the same channels");
		assertEquals(4, g.nodes().stream().filter(n -> n.name().equals("d")).findFirst().orElseThrow().intAttribute("group", 1));
		assertEquals(2 * 4 * 2 * 2, PrunerTest.run(r.model(), PrunerTest.random(2, 3, 6, 6)).length, "the pruned model runs");
	}

	/** A Pad that adds channels (pads on axis 1) still stops the walk, with the reason. */
	@Test
	void aPadOfTheChannelAxisDoesNot() {
		PruningResult r = Pruner.prune(model(new long[] { 0, 1, 1, 1, 0, 0, 1, 1 }), "pad", PruningSpec.of(PruningPattern.CHANNEL, 50, ThresholdScope.LOCAL, List.of()));
		assertEquals("its channels reach 'pad' (Pad), which does not keep channels apart", r.notPruned().get("a"));
	}

	private static OnnxModel model(long[] pads) {
		Random random = new Random(3);
		int channelsAfterPad = 8 + (int) (pads[1] + pads[5]);
		NodeProto pad = TestModels.node("Pad", "pad", List.of("za", "pads"), "p");
		NodeProto d = TestModels.node("Conv", "d", List.of("p", "wd"), "yd").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(channelsAfterPad))
				.addAttribute(AttributeProto.newBuilder().setName("strides").setType(AttributeProto.AttributeType.INTS).addInts(2).addInts(2)).build();
		List<NodeProto> nodes = List.of(TestModels.node("Conv", "a", List.of("x", "wa"), "ya"), TestModels.node("Relu", "ra", List.of("ya"), "za"), pad, d,
				TestModels.node("Conv", "c", List.of("yd", "wc"), "yc"), TestModels.node("Relu", "rc", List.of("yc"), "zc"),
				TestModels.node("Conv", "h", List.of("zc", "wh"), "out"));
		TensorProto.Builder p = TensorProto.newBuilder().setName("pads").setDataType(TensorProto.DataType.INT64_VALUE).addDims(8);
		for (long v : pads) {
			p.addInt64Data(v);
		}
		return OnnxModel.of(TestModels.graph(nodes, List.of(TestModels.uniform("wa", random, -1, 1, 8, 3, 3, 3), p.build(),
				TestModels.uniform("wd", random, -1, 1, channelsAfterPad, 1, 3, 3), TestModels.uniform("wc", random, -1, 1, 8, channelsAfterPad, 1, 1),
				TestModels.uniform("wh", random, -1, 1, 4, 8, 1, 1)), TestModels.tensor("x", 2, 3, 6, 6), TestModels.tensor("out", 2, 4, 2, 2)));
	}

	private static long[] weight(Graph g, String node) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElseThrow();
		return g.initializer(n.input(1)).dims();
	}
}
