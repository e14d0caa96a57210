package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;
import static org.quantrace.engine.convert.tests.WildConversionTest.uniform;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.convert.tests.WildConversionTest.Tiny;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * tf2onnx's NHWC class head (make_exporters30.py tf9cls): the last Conv's Transpose(0,2,3,1), then Relu6 as Clip, a Slice of
 * the channels, ReduceMean over H and W (keepdims 1) and Squeeze of H and W, then the Dense layer. No Transpose undoes the
 * first, so the layout pass left it: the quantizer ran it on codes between the Conv and a float Clip, Slice and ReduceMean
 * (tf9cls fiq-int8 1.22-1.25x fp32's CPU time). The Squeeze leaves [N, C] in either layout, so the Transpose moves down to
 * it and goes: the Clip, the Slice (axis 3 → 1) and the ReduceMean (axes 1, 2 → 2, 3, then GlobalAveragePool) work on
 * NCHW, and after full-integer quantization ONNX Runtime runs the Clip inside the QLinearConv, QLinearGlobalAveragePool and
 * no Transpose but the input's.
 */
class NhwcHeadLayoutTest {

	private static final AttributeProto TO_NCHW = intsAttr("perm", 0, 3, 1, 2);
	private static final AttributeProto TO_NHWC = intsAttr("perm", 0, 2, 3, 1);

	/** Opset 9's attribute forms (Clip min/max, Slice starts/ends/axes, Squeeze axes) and opset 13's inputs. */
	@ParameterizedTest
	@ValueSource(ints = { 9, 13 })
	void theHeadsTransposeMovesDownToTheSqueezeAndGoes(int opset) {
		Tiny t = new Tiny(6, 6, 3);
		String h = head(t, opset, 1, 2);
		String squeezed = opset < 13 ? t.node("Squeeze", List.of(h), intsAttr("axes", 1, 2)) : t.node("Squeeze", List.of(h, t.longs(new long[] { 1, 2 })));
		OnnxModel model = t.model(dense(t, squeezed), opset);

		FreezeResult r = Freezer.freeze(model, "tf_nhwc_head" + opset, FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(List.of("Transpose", "Conv", "Clip", "Slice", "GlobalAveragePool", "Squeeze", "MatMul", "Add"), ops, "only the input's Transpose stays");
		NdArray x = random(2, 6, 6, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("1 Transpose moved down to a Squeeze or reduction that removes the axes it moved")
				&& w.description().contains("'transpose4' to 'squeeze")), r.rewrites().toString());

		Preprocessing.Outcome pre = Preprocessing.of(model, "head", null, true);
		QuantizationResult q = Quantizer.quantize(pre.model(model), "head", Schemes.preset("fiq_int8"), calibration(), Progress.NONE);
		List<String> kernels = MatrixProductsTest.optimizedOps(q.model());
		assertEquals(1, kernels.stream().filter(k -> k.equals("Transpose")).count(), "the input's Transpose alone: " + kernels);
		assertTrue(kernels.contains("com.microsoft.QLinearGlobalAveragePool"), "the mean on codes: " + kernels);
		assertTrue(kernels.stream().noneMatch(k -> k.equals("Clip") || k.equals("ReduceMean") || k.equals("GlobalAveragePool")), "no float head: " + kernels);
	}

	/**
	 * A reduction with keepdims 0 ends the move as a Squeeze does; a Squeeze after which the axes left would be in another
	 * order (H of NHWC dropped: N, W, C against N, C, W) keeps the Transpose.
	 */
	@Test
	void aReductionNotKeptEndsTheMoveAndASqueezeThatReordersDoesNot() {
		Tiny t = new Tiny(6, 6, 3);
		String mean = t.node("ReduceMean", List.of(head(t, 13, 1, 2)), intsAttr("axes", 1, 2), intAttr("keepdims", 0));
		OnnxModel model = t.model(dense(t, mean), 13);
		FreezeResult r = Freezer.freeze(model, "tf_nhwc_mean", FreezeOptions.defaults(), null);
		assertEquals(1, transposes(r), r.model().graph().nodes().toString());
		NdArray x = random(2, 6, 6, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);

		Tiny u = new Tiny(6, 6, 3);
		String rows = u.node("ReduceMean", List.of(head(u, 13, 1, 1)), intsAttr("axes", 1), intAttr("keepdims", 0)); // [N, W, C]
		OnnxModel kept = u.model(rows, 13);
		FreezeResult k = Freezer.freeze(kept, "tf_nhwc_rows", FreezeOptions.defaults(), null);
		assertEquals(2, transposes(k), "the Transpose stays: " + k.model().graph().nodes());
		assertArrayEquals(run(kept, x), run(k.model(), x), 1e-5f);
	}

	/**
	 * x NHWC → Transpose → Conv 3 → 8 → Transpose(0,2,3,1) → Clip(0, 6) → Slice of the channels → ReduceMean over the
	 * axes {@code keptFrom..keptTo} of NHWC, kept.
	 */
	private static String head(Tiny t, int opset, long keptFrom, long keptTo) {
		Random rnd = new Random(21);
		String conv = t.node("Conv", List.of(t.node("Transpose", List.of("x"), TO_NCHW), t.floats(new long[] { 8, 3, 3, 3 }, uniform(rnd, 216)),
				t.floats(new long[] { 8 }, uniform(rnd, 8))), intsAttr("pads", 1, 1, 1, 1));
		String nhwc = t.node("Transpose", List.of(conv), TO_NHWC);
		String clipped;
		String sliced;
		if (opset < 11) {
			clipped = t.node("Clip", List.of(nhwc), floatAttr("min", 0f), floatAttr("max", 6f));
			sliced = t.node("Slice", List.of(clipped), intsAttr("starts", 0), intsAttr("ends", Long.MAX_VALUE), intsAttr("axes", 3));
		} else {
			clipped = t.node("Clip", List.of(nhwc, t.floats(new long[0], 0f), t.floats(new long[0], 6f)));
			sliced = t.node("Slice", List.of(clipped, t.longs(new long[] { 0 }), t.longs(new long[] { Long.MAX_VALUE }), t.longs(new long[] { -1 })));
		}
		long[] axes = java.util.stream.LongStream.rangeClosed(keptFrom, keptTo).toArray();
		return t.node("ReduceMean", List.of(sliced), intsAttr("axes", axes), intAttr("keepdims", 1));
	}

	private static String dense(Tiny t, String features) {
		Random rnd = new Random(22);
		return t.node("Add", List.of(t.node("MatMul", List.of(features, t.floats(new long[] { 8, 5 }, uniform(rnd, 40)))), t.floats(new long[] { 5 }, uniform(rnd, 5))));
	}

	private static AttributeProto floatAttr(String name, float v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
	}

	private static long transposes(FreezeResult r) {
		return r.model().graph().nodes().stream().filter(n -> n.opType().equals("Transpose")).count();
	}

	/** 64 random NHWC images in [0, 1). */
	private static ArrayDataset calibration() {
		Random rnd = new Random(23);
		float[] v = new float[64 * 6 * 6 * 3];
		for (int i = 0; i < v.length; i++) {
			v[i] = rnd.nextFloat();
		}
		return new ArrayDataset("random", v, new long[] { 6, 6, 3 }, null);
	}
}
