package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;
import static org.quantrace.engine.convert.tests.WildConversionTest.uniform;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Removal;
import org.quantrace.engine.convert.Rewrite;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * An attention's 1/√d (issue 13, transformers): the scalar Mul after MatMul(Q, Kᵀ) (a ViT, a BERT), or the Div on Q after its
 * heads' Reshape and Transpose (PyTorch's nn.MultiheadAttention), ran in float between a DequantizeLinear and a QuantizeLinear
 * once quantized (~15 % of text65_bert's int8 time). The conversion folds it into Q's projection (only Q's columns of a fused
 * QKV projection) and removes it; the converted model computes the same on ONNX Runtime.
 */
class AttentionScalesTest {

	private static final Random RND = new Random(7);
	private static final long D = 8;

	/** x [N, T, 8] times [8, m] plus a bias, as an exporter writes a Linear on tokens; the MatMul's name is {@link #product}. */
	private static String linear(WildConversionTest.Tiny t, String x, long m) {
		String p = t.node("MatMul", List.of(x, t.floats(new long[] { D, m }, uniform(RND, (int) (D * m)))));
		return t.node("Add", List.of(t.floats(new long[] { m }, uniform(RND, (int) m)), p));
	}

	/** The MatMul of the {@link #linear} that wrote {@code out}. */
	private static String product(OnnxModel model, String out) {
		Node add = model.graph().producer(out).orElseThrow();
		return model.graph().producer(add.input(1)).orElseThrow().name();
	}

	/** [N, T, 8] -> [N, 2, T, 4] (perm) by two heads. */
	private static String heads(WildConversionTest.Tiny t, String x, long... perm) {
		return t.node("Transpose", t.node("Reshape", List.of(x, t.longs(new long[] { 0, 0, 2, 4 }))), intsAttr("perm", perm));
	}

	/** softmax(s)·v with v [N, 2, T, 4], heads merged back to [N, T, 8]. */
	private static String attend(WildConversionTest.Tiny t, String s, String v) {
		String a = t.node("MatMul", List.of(t.node("Softmax", s, intAttr("axis", -1)), v));
		return t.node("Reshape", List.of(t.node("Transpose", a, intsAttr("perm", 0, 2, 1, 3)), t.longs(new long[] { 0, 0, D })));
	}

	private static FreezeResult converted(OnnxModel model, int... tokens) {
		FreezeResult r = Freezer.freeze(model, "attention", FreezeOptions.defaults(), null);
		for (int n : tokens) {
			assertArrayEquals(run(model, random(3, n, D)), run(r.model(), random(3, n, D)), 1e-5f, "the same outputs at " + n + " tokens");
		}
		return r;
	}

	private static List<String> ops(FreezeResult r) {
		return r.model().graph().nodes().stream().map(Node::opType).toList();
	}

	private static String said(FreezeResult r) {
		return r.rewrites().stream().filter(w -> w.made() && w.kind().equals(Rewrite.ATTENTION_SCALES)).map(Rewrite::description).findFirst().orElse("");
	}

	@Test
	void aScalarMulAfterQTimesKIsFoldedIntoQsProjection() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(6, D);
		String qp = linear(t, "x", D);
		String q = heads(t, qp, 0, 2, 1, 3);
		String k = heads(t, linear(t, "x", D), 0, 2, 3, 1);
		String v = heads(t, linear(t, "x", D), 0, 2, 1, 3);
		String scores = t.node("MatMul", List.of(q, k));
		String mul = t.node("Mul", List.of(scores, t.floats(new long[0], 0.5f)));
		OnnxModel model = t.model(attend(t, mul, v));
		FreezeResult r = converted(model, 6);
		assertFalse(ops(r).contains("Mul"), ops(r).toString());
		assertEquals(new Removal(Removal.Reason.ATTENTION_SCALE_FOLDED), r.removalReasons().get(mul.replace("_out", "")), r.removalReasons().toString());
		assertTrue(said(r).contains("'" + mul.replace("_out", "") + "' (Mul by 0.500000) into '" + product(model, qp) + "'"), r.rewrites().toString());
		assertFalse(said(r).contains("columns"), "all of Q's projection: " + said(r));
		// the tensors whose values changed are no tensors of the original any more
		assertFalse(r.model().graph().tensorNames().contains(scores) || r.model().graph().tensorNames().contains(q), r.model().graph().tensorNames().toString());
	}

	/** nn.MultiheadAttention's form: one in_proj, Slices of Q, K and V, Q divided by √(d/h) after its heads, any sequence length. */
	@Test
	void aDivOnQAfterItsHeadsScalesOnlyQsColumnsOfAFusedProjection() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny("T", "8");
		String qkv = linear(t, "x", 3 * D);
		String[] part = new String[3];
		for (int i = 0; i < 3; i++) {
			part[i] = t.node("Slice", List.of(qkv, t.longs(new long[] { i * D }), t.longs(new long[] { (i + 1) * D }), t.longs(new long[] { -1 })));
		}
		String q = t.node("Div", List.of(heads(t, part[0], 0, 2, 1, 3), t.floats(new long[0], 2f)));
		String scores = t.node("MatMul", List.of(q, heads(t, part[1], 0, 2, 3, 1)));
		OnnxModel model = t.model(attend(t, scores, heads(t, part[2], 0, 2, 1, 3)), 14);
		FreezeResult r = converted(model, 6, 9);
		assertFalse(ops(r).contains("Div"), ops(r).toString());
		assertTrue(said(r).contains("(Div by 2.00000) into '" + product(model, qkv) + "', 8 of its 24 columns"), said(r));
		assertEquals(new Removal(Removal.Reason.ATTENTION_SCALE_FOLDED), r.removalReasons().get(q.replace("_out", "")), r.removalReasons().toString());
	}

	/** A ViT's fused qkv: one Reshape to [N, T, 3, heads, d], a Transpose and Gathers of Q, K, V; the Mul after Q·Kᵀ. */
	@Test
	void aFusedQkvSplitByGathersHasOnlyQsColumnsScaled() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(6, D);
		String qkv = linear(t, "x", 3 * D);
		String split = t.node("Transpose", t.node("Reshape", List.of(qkv, t.longs(new long[] { -1, 6, 3, 2, 4 }))), intsAttr("perm", 2, 0, 3, 1, 4));
		String q = t.node("Gather", List.of(split, t.longs(0)), intAttr("axis", 0));
		String k = t.node("Transpose", t.node("Gather", List.of(split, t.longs(1)), intAttr("axis", 0)), intsAttr("perm", 0, 1, 3, 2));
		String v = t.node("Gather", List.of(split, t.longs(2)), intAttr("axis", 0));
		String mul = t.node("Mul", List.of(t.node("MatMul", List.of(q, k)), t.floats(new long[0], 0.5f)));
		OnnxModel model = t.model(attend(t, mul, v));
		FreezeResult r = converted(model, 6);
		assertFalse(ops(r).contains("Mul"), ops(r).toString());
		assertTrue(said(r).contains("(Mul by 0.500000) into '" + product(model, qkv) + "', 8 of its 24 columns"), said(r));
	}

	/**
	 * A per-key Mul (not a scalar), and a scale whose Q and K projections a residual also reads: not folded (with K's read only by
	 * Q·Kᵀ, the scale goes into K's projection: c·(Q·Kᵀ) = Q·(c·K)ᵀ).
	 */
	@Test
	void aScaleThatIsNotScalarOrWhoseProjectionIsReadElsewhereIsLeft() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(6, D);
		String q = heads(t, linear(t, "x", D), 0, 2, 1, 3);
		String k = heads(t, linear(t, "x", D), 0, 2, 3, 1);
		String perKey = t.node("Mul", List.of(t.node("MatMul", List.of(q, k)), t.floats(new long[] { 6 }, uniform(RND, 6))));
		String out = attend(t, perKey, heads(t, linear(t, "x", D), 0, 2, 1, 3));
		FreezeResult r = converted(t.model(out), 6);
		assertTrue(ops(r).contains("Mul") && said(r).isEmpty(), ops(r) + " " + said(r));

		WildConversionTest.Tiny u = new WildConversionTest.Tiny(6, D);
		String qp = linear(u, "x", D);
		String kp = linear(u, "x", D);
		String scores = u.node("MatMul", List.of(heads(u, qp, 0, 2, 1, 3), heads(u, kp, 0, 2, 3, 1)));
		String scaled = u.node("Mul", List.of(scores, u.floats(new long[0], 0.5f)));
		String attended = attend(u, scaled, heads(u, linear(u, "x", D), 0, 2, 1, 3));
		OnnxModel residual = u.model(u.node("Add", List.of(u.node("Add", List.of(attended, qp)), kp)));
		FreezeResult s = converted(residual, 6);
		assertTrue(ops(s).contains("Mul") && said(s).isEmpty(), ops(s) + " " + said(s));
		// the same with K's projection read by Q·Kᵀ alone: into K's
		WildConversionTest.Tiny w = new WildConversionTest.Tiny(6, D);
		String wq = linear(w, "x", D);
		String wk = linear(w, "x", D);
		String wScores = w.node("Mul", List.of(w.node("MatMul", List.of(heads(w, wq, 0, 2, 1, 3), heads(w, wk, 0, 2, 3, 1))), w.floats(new long[0], 0.5f)));
		OnnxModel onK = w.model(w.node("Add", List.of(attend(w, wScores, heads(w, linear(w, "x", D), 0, 2, 1, 3)), wq)));
		FreezeResult k2 = converted(onK, 6);
		assertTrue(said(k2).contains("into '" + product(onK, wk) + "'"), said(k2));
	}

	/** A scalar Mul after a Linear that goes on to no Q·Kᵀ is not an attention's scale: the rewrite leaves it (its words say 1/√d). */
	@Test
	void aScalarMulAfterALinearOutsideAnAttentionIsLeft() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(6, D);
		String scaled = t.node("Mul", List.of(linear(t, "x", D), t.floats(new long[0], 0.5f)));
		FreezeResult r = converted(t.model(t.node("Relu", scaled)), 6);
		assertTrue(ops(r).contains("Mul") && said(r).isEmpty(), ops(r) + " " + said(r));
	}
}
