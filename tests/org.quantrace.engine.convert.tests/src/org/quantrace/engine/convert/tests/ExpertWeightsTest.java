package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.BatchNormAfterActivationTest.values;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * make_unseen29's crossnet (DCN-V2 with 4 low-rank experts): x0 [N, 1, 1, 196] times the experts' V [4, 196, 16], a MatMul
 * broadcast over the experts whose weights of rank 3 no quantizer reads, so its int8 model ran 1.26-1.41x fp32's CPU time.
 * convert writes it as one MatMul by the weights side by side [196, 64] + a Reshape to [N, 4, 1, 16] (a Transpose too where
 * each sample has several rows); a product whose activation has the experts' axis itself (each expert its own rows, crossnet's
 * C and U) is left.
 */
class ExpertWeightsTest {

	private static final int EXPERTS = 3;
	private static final int D = 6;
	private static final int R = 4;

	@Test
	void oneRowPerSampleBecomesOneMatMulAndAReshape() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(1, 1, D);
		String v = t.node("MatMul", List.of("x", t.floats(new long[] { EXPERTS, D, R }, values(EXPERTS * D * R, 1))));
		String h = t.node("Tanh", v);
		String c = t.node("MatMul", List.of(h, t.floats(new long[] { EXPERTS, R, R }, values(EXPERTS * R * R, 2)))); // [N, E, 1, R]: per expert, left
		OnnxModel model = t.model(c);

		FreezeResult r = Freezer.freeze(model, "crossnet", FreezeOptions.defaults(), null);

		Graph g = r.model().graph();
		assertEquals(List.of("MatMul", "Reshape", "Tanh", "MatMul"), g.nodes().stream().map(Node::opType).toList());
		assertArrayEquals(new long[] { D, EXPERTS * R }, g.constant(g.nodes().get(0).input(1)).dims());
		assertArrayEquals(new long[] { EXPERTS, R, R }, g.constant(g.nodes().get(3).input(1)).dims());
		assertArrayEquals(run(model, random(5, 1, 1, D)), run(r.model(), random(5, 1, 1, D)), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("matrix products")
				&& w.description().startsWith("MatMul of an activation broadcast over E experts by their weights [E, d, r] -> one MatMul by the weights side by side")
				&& w.description().contains("[3, 6, 4] stored as")), r.rewrites().toString());
	}

	@Test
	void severalRowsPerSampleAreTransposedToTheExpertsAxis() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(2, 1, 3, D);
		String v = t.node("MatMul", List.of("x", t.floats(new long[] { EXPERTS, D, R }, values(EXPERTS * D * R, 3))));
		OnnxModel model = t.model(t.node("Relu", v));

		FreezeResult r = Freezer.freeze(model, "crossnet rows", FreezeOptions.defaults(), null);

		Graph g = r.model().graph();
		assertEquals(List.of("MatMul", "Reshape", "Relu", "Transpose"), g.nodes().stream().map(Node::opType).toList()); // the Transpose moved past the Relu
		assertArrayEquals(new long[] { D, EXPERTS * R }, g.constant(g.nodes().get(0).input(1)).dims());
		assertArrayEquals(run(model, random(2, 2, 1, 3, D)), run(r.model(), random(2, 2, 1, 3, D)), 1e-5f);
	}
}
