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
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Removal;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * make_exporters30's paddle10seg: Paddle2ONNX writes a pad2d (Pad of zeros, opset 10's pads attribute) before each stride-2
 * depthwise Conv. ONNX Runtime folds it into the float Conv itself, but the quantized model held it on integer codes between two
 * QLinearConvs, a separate uint8 kernel ONNX Runtime cannot fold: fiq-int8 ran 1.47-1.51x the converted fp32's CPU time at batch
 * 64, 0.86-0.96x with the Pads in the Convs' pads. The conversion writes such a Pad into the Conv's pads, exactly.
 */
class PadIntoConvTest {

	private static final Random RND = new Random(5);

	private static String conv(WildConversionTest.Tiny t, String x, int in, int out, int group, AttributeProto... more) {
		AttributeProto[] attrs = new AttributeProto[more.length + 2];
		attrs[0] = intsAttr("kernel_shape", 3, 3);
		attrs[1] = intAttr("group", group);
		System.arraycopy(more, 0, attrs, 2, more.length);
		return t.node("Conv", List.of(x, t.floats(new long[] { out, in / group, 3, 3 }, uniform(RND, out * in / group * 9)),
				t.floats(new long[] { out }, uniform(RND, out))), attrs);
	}

	@Test
	void aPadOfZerosThatOnlyAConvReadsIsWrittenIntoItsPads() {
		// opset 10, Paddle2ONNX's form: pads attribute, before a stride-2 depthwise Conv
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(4, 9, 9);
		String a = t.node("Relu", List.of(conv(t, "x", 4, 8, 1, intsAttr("pads", 1, 1, 1, 1))));
		String p = t.node("Pad", List.of(a), AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING)
				.setS(com.google.protobuf.ByteString.copyFromUtf8("constant")).build(), intsAttr("pads", 0, 0, 1, 1, 0, 0, 1, 1));
		OnnxModel model = t.model(conv(t, p, 8, 8, 8, intsAttr("strides", 2, 2)), 10);
		FreezeResult r = Freezer.freeze(model, "paddle", FreezeOptions.defaults(), null);
		List<Node> nodes = r.model().graph().nodes();
		assertEquals(List.of("Conv", "Relu", "Conv"), nodes.stream().map(Node::opType).toList());
		assertEquals(List.of(1L, 1L, 1L, 1L), nodes.get(2).intsAttribute("pads"));
		assertArrayEquals(run(model, random(2, 4, 9, 9)), run(r.model(), random(2, 4, 9, 9)), 1e-5f);
		// its own reason: "pattern-fused"'s words, "part of a decomposed operation, fused into one op", were said of it (assessor59)
		assertEquals(new Removal(Removal.Reason.PAD_FOLDED), r.removalReasons().get(p.replace("_out", "")), r.removalReasons().toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("fusion") && w.description().startsWith("Pad of zeros on the spatial axes"
				+ " -> the Conv that alone reads it, its padding written into the Conv's pads (a Conv pads with zeros), 1 time ('conv")), r.rewrites().toString());

		// opset 13: pads and a zero value as inputs, uneven on every side, added to the Conv's own pads
		WildConversionTest.Tiny u = new WildConversionTest.Tiny(4, 9, 9);
		String q = u.node("Pad", List.of("x", u.longs(new long[] { 0, 0, 0, 1, 0, 0, 2, 0 }), u.floats(new long[0], 0f)));
		OnnxModel model13 = u.model(conv(u, q, 4, 6, 1, intsAttr("pads", 1, 0, 0, 1)));
		FreezeResult r13 = Freezer.freeze(model13, "pads13", FreezeOptions.defaults(), null);
		assertEquals(List.of("Conv"), r13.model().graph().nodes().stream().map(Node::opType).toList());
		assertEquals(List.of(1L, 1L, 2L, 1L), r13.model().graph().nodes().get(0).intsAttribute("pads"));
		assertArrayEquals(run(model13, random(2, 4, 9, 9)), run(r13.model(), random(2, 4, 9, 9)), 1e-5f);
	}

	/** A Pad of another value, of the channels, reflecting, or read by another node too is left: the Conv's pads would not be it. */
	@Test
	void aPadOfAnotherValueModeOrAxisOrReadTwiceIsLeft() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(4, 6, 6);
		String half = t.node("Pad", List.of("x", t.longs(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }), t.floats(new long[0], 0.5f)));
		String channels = t.node("Pad", List.of(conv(t, half, 4, 4, 1), t.longs(new long[] { 0, 1, 0, 0, 0, 1, 0, 0 })));
		String reflect = t.node("Pad", List.of(conv(t, channels, 6, 4, 1), t.longs(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 })),
				AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("reflect")).build());
		String twice = t.node("Pad", List.of(conv(t, reflect, 4, 4, 1), t.longs(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 })));
		String y = t.node("Add", List.of(conv(t, twice, 4, 4, 1, intsAttr("pads", 0, 0, 0, 0)),
				t.node("Slice", List.of(twice, t.longs(new long[] { 1, 1 }), t.longs(new long[] { 5, 5 }), t.longs(new long[] { 2, 3 })))));
		OnnxModel model = t.model(y);
		FreezeResult r = Freezer.freeze(model, "left", FreezeOptions.defaults(), null);
		assertEquals(4, r.model().graph().nodes().stream().filter(n -> n.opType().equals("Pad")).count(), r.model().graph().nodes().toString());
		assertArrayEquals(run(model, random(2, 4, 6, 6)), run(r.model(), random(2, 4, 6, 6)), 1e-5f);
	}
}
