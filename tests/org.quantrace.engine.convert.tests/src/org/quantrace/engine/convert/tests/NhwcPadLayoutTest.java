package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;
import static org.quantrace.engine.convert.tests.WildConversionTest.uniform;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.tests.WildConversionTest.Tiny;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * tf2onnx's ZeroPadding2D before a stride-2 Conv (make_exporters30.py tf9cls/tf11cls): Conv, Transpose(0,2,3,1), a Pad in
 * NHWC, Transpose(0,3,1,2), Conv. The layout pass did not move a Transpose past the Pad, so the pair stayed and the
 * quantizer ran it on codes with Q/DQ hops around it (tf9cls fiq-int8 2.1x slower than fp32). The Transpose now moves past
 * the Pad with its pads permuted onto NCHW, and the pair cancels: the pads as opset 11's input (with a pad value) and as
 * opset 10's attribute (reflect mode), uneven on every side so that a wrong permutation changes the outputs.
 */
class NhwcPadLayoutTest {

	private static final AttributeProto TO_NCHW = intsAttr("perm", 0, 3, 1, 2);
	private static final AttributeProto TO_NHWC = intsAttr("perm", 0, 2, 3, 1);

	@ParameterizedTest
	@ValueSource(ints = { 10, 13 })
	void aTransposePairAroundAnNhwcPadCancels(int opset) {
		Tiny t = new Tiny(6, 6, 3);
		Random rnd = new Random(11);
		String c1 = nhwcConv(t, rnd);
		long[] nhwcPads = { 0, 1, 2, 0, 0, 2, 1, 0 }; // H begins 1 and ends 2, W begins 2 and ends 1
		String padded;
		if (opset < 11) {
			padded = t.node("Pad", List.of(c1), intsAttr("pads", nhwcPads),
					AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("reflect")).build());
		} else {
			padded = t.node("Pad", List.of(c1, t.longs(nhwcPads), t.floats(new long[0], 0.5f)));
		}
		String c2 = t.node("Conv", List.of(t.node("Transpose", List.of(padded), TO_NCHW), t.floats(new long[] { 4, 1, 3, 3 }, uniform(rnd, 36))),
				intAttr("group", 4), intsAttr("strides", 2, 2));
		OnnxModel model = t.model(t.node("Transpose", List.of(c2), TO_NHWC), opset);
		assertEquals(4, transposes(model));

		FreezeResult r = Freezer.freeze(model, "tf_nhwc_pad" + opset, FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(2, transposes(r.model()), "the input's and the output's Transposes stay: " + ops);
		assertEquals(List.of("Transpose", "Conv", "Pad", "Conv", "Transpose"), ops);
		NdArray x = random(2, 6, 6, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("1 of them past a Pad (its pads permuted)")), r.rewrites().toString());
	}

	/**
	 * tf9cls's second block: the channels split in NHWC (axis -1, uneven pieces), an activation on each, concatenated on the
	 * same axis, padded, back to NCHW. The Transpose moves past the Split, both branches and the Concat (axis 3 becomes 1); it
 * failed without it: the pair stayed.
	 */
	@Test
	void aTransposePairAroundAnNhwcSplitAndConcatCancels() {
		Tiny t = new Tiny(6, 6, 3);
		Random rnd = new Random(12);
		String c1 = nhwcConv(t, rnd);
		t.g.addNode(NodeProto.newBuilder().setOpType("Split").setName("split").addInput(c1).addInput(t.longs(new long[] { 1, 3 }))
				.addAllOutput(List.of("piece0", "piece1")).addAttribute(intAttr("axis", -1)));
		String concat = t.node("Concat", List.of(t.node("Relu", "piece0"), t.node("Sigmoid", "piece1")), intAttr("axis", -1));
		String padded = t.node("Pad", List.of(concat, t.longs(new long[] { 0, 1, 2, 0, 0, 2, 1, 0 })));
		String c2 = t.node("Conv", List.of(t.node("Transpose", List.of(padded), TO_NCHW), t.floats(new long[] { 4, 1, 3, 3 }, uniform(rnd, 36))),
				intAttr("group", 4), intsAttr("strides", 2, 2));
		OnnxModel model = t.model(t.node("Transpose", List.of(c2), TO_NHWC));
		assertEquals(4, transposes(model));

		FreezeResult r = Freezer.freeze(model, "tf_nhwc_split", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		// in NCHW the Split of the Conv's channels then becomes one Conv per piece (ConvAcrossChannels), and the Pad of zeros,
		// now in NCHW before the depthwise Conv, goes into its pads (PadIntoConv): NHWC pads [1, 2, 2, 1] as top, left, bottom, right
		assertEquals(List.of("Transpose", "Conv", "Conv", "Relu", "Sigmoid", "Concat", "Conv", "Transpose"), ops);
		assertEquals(List.of(1L, 2L, 2L, 1L), r.model().graph().nodes().get(6).intsAttribute("pads"));
		NdArray x = random(2, 6, 6, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("1 of them past a Split and the Concat of its pieces")), r.rewrites().toString());
	}

	/** tf2onnx's NHWC Conv: x to NCHW, a 3x3 Conv 3 -> 4, back to NHWC. */
	private static String nhwcConv(Tiny t, Random rnd) {
		return t.node("Transpose", List.of(t.node("Conv", List.of(t.node("Transpose", List.of("x"), TO_NCHW), t.floats(new long[] { 4, 3, 3, 3 }, uniform(rnd, 108))),
				intsAttr("pads", 1, 1, 1, 1))), TO_NHWC);
	}

	private static long transposes(OnnxModel m) {
		return new ArrayList<>(m.graph().nodes()).stream().filter(n -> n.opType().equals("Transpose")).count();
	}
}
