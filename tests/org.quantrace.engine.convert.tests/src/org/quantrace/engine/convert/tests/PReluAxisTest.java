package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * PReluForms writes a PRelu of one slope per channel as products and a sum. The slope's shape alone does not say which axis it
 * lies on: broadcast aligns its last axis with the input's, so a [2, 1, 1] slope on a 5-D [N, 2, 2, 3, 3] input holds one value per
 * index of axis 2. That one was rewritten and listed as "of a per-channel slope" (newuser pass, pr_5d.onnx); it is left now, and
 * a [2, 1, 1, 1] slope on the same input (axis 1) is still rewritten, both computing the original.
 */
class PReluAxisTest {

	private static OnnxModel prelu5d(long[] slope) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(2, 2, 3, 3);
		String y = t.node("PRelu", List.of("x", t.floats(slope, new float[] { -0.4f, 1.6f })));
		return t.model(y);
	}

	private static List<String> ops(OnnxModel m) {
		return m.graph().nodes().stream().map(Node::opType).toList();
	}

	@Test
	void aSlopeOnAxisTwoOfAFiveDimensionalInputIsNotPerChannel() {
		FreezeResult r = Freezer.freeze(prelu5d(new long[] { 2, 1, 1 }), "axis2", FreezeOptions.defaults(), null);

		assertEquals(List.of("PRelu"), ops(r.model()));
		assertTrue(r.rewrites().stream().noneMatch(w -> w.toString().contains("PRelu")), r.rewrites().toString());
		assertTrue(r.maxAbsDifference() <= 1e-6, "difference " + r.maxAbsDifference());
	}

	@Test
	void aSlopeOnAxisOneOfAFiveDimensionalInputIsStillWritten() {
		FreezeResult r = Freezer.freeze(prelu5d(new long[] { 2, 1, 1, 1 }), "axis1", FreezeOptions.defaults(), null);

		assertTrue(!ops(r.model()).contains("PRelu"), ops(r.model()).toString());
		assertTrue(r.maxAbsDifference() <= 1e-5, "difference " + r.maxAbsDifference());
	}
}
