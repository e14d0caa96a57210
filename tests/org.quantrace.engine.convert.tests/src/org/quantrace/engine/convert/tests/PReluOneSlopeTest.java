package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * make_unseen29's convtasnet: torch's nn.PReLU() (one slope for all channels, exported as a [1] slope) after each Conv1d of its
 * TCN blocks, 17 PRelus. ONNX Runtime (CPU) has no integer PRelu, so the quantized model ran each in float between a
 * DequantizeLinear and a QuantizeLinear and took 1.22-1.24x fp32's CPU time at batch 1. A PRelu of one slope is LeakyRelu(alpha
 * a), which ONNX Runtime runs as QLinearLeakyRelu; a slope whose shape would widen the output (a [1, 1, 1, 1] slope on a 3-D
 * input broadcasts it to 4-D) is left.
 */
class PReluOneSlopeTest {

	@Test
	void aPReluOfOneSlopeBecomesALeakyRelu() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(4, 12);
		String c1 = t.node("Conv", List.of("x", t.floats(new long[] { 4, 4, 3 }, 0.2f)), intsAttr("pads", 1, 1));
		String p1 = t.node("PRelu", List.of(c1, t.floats(new long[] { 1 }, 0.25f)));
		String c2 = t.node("Conv", List.of(p1, t.floats(new long[] { 4, 4, 1 }, -0.3f)));
		String p2 = t.node("PRelu", List.of(c2, t.floats(new long[] { 1, 1, 1, 1 }, 0.1f))); // [N, 4, 12] -> [1, N, 4, 12]: left
		OnnxModel model = t.model(p2);

		FreezeResult r = Freezer.freeze(model, "convtasnet", FreezeOptions.defaults(), null);

		List<Node> nodes = r.model().graph().nodes();
		assertEquals(List.of("Conv", "LeakyRelu", "Conv", "PRelu"), nodes.stream().map(Node::opType).toList());
		assertEquals(p1.replace("_out", ""), nodes.get(1).name()); // the PRelu's name and output kept
		assertEquals(p1, nodes.get(1).output(0));
		assertEquals(0.25f, nodes.get(1).floatAttribute("alpha", Float.NaN));
		assertArrayEquals(run(model, random(2, 4, 12)), run(r.model(), random(2, 4, 12)), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("activations")
				&& w.description().startsWith("1 PRelu of one slope a for all channels written as LeakyRelu(alpha a)")), r.rewrites().toString());
		assertTrue(r.removedNodes().stream().noneMatch(n -> n.startsWith("prelu")), r.removedNodes().toString());
	}
}
