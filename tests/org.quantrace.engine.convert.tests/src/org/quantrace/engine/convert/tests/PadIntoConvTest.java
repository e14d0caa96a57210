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
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * tf2onnx's ZeroPadding2D before a stride-2 depthwise Conv (make_exporters30.py tf9cls, once the layout pass has put it on
 * NCHW): a Pad of zeros, uneven (TensorFlow's 'same' padding at stride 2), then the Conv. ONNX Runtime folds it into a float
 * Conv when it loads the model, but a quantized Conv reads the Pad through a DequantizeLinear, and the Pad ran on the codes
 * as an op of its own. Folded into the Conv's pads by the conversion (also quantize's pre-processing), exactly.
 */
class PadIntoConvTest {

	/** Opset 10's pads attribute and opset 13's pads input with a pad value of 0. */
	@ParameterizedTest
	@ValueSource(ints = { 10, 13 })
	void aPadOfZerosBeforeAConvGoesIntoItsPads(int opset) {
		Tiny t = new Tiny(3, 7, 7);
		long[] pads = { 0, 0, 0, 1, 0, 0, 1, 2 }; // H 0 before and 1 after, W 1 before and 2 after, on top of the Conv's own 1
		String padded = opset < 11 ? t.node("Pad", List.of(stem(t)), intsAttr("pads", pads))
				: t.node("Pad", List.of(stem(t), t.longs(pads), t.floats(new long[0], 0f)));
		OnnxModel model = t.model(depthwise(t, padded), opset);

		FreezeResult r = Freezer.freeze(model, "pad_conv" + opset, FreezeOptions.defaults(), null);

		assertEquals(List.of("Conv", "Relu", "Conv"), ops(r.model()));
		Node dw = r.model().graph().nodes().get(2);
		assertEquals(List.of(1L, 2L, 2L, 3L), dw.intsAttribute("pads"), "its own 1 on each side plus the Pad's");
		NdArray x = random(2, 3, 7, 7);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("Pad of zeros folded into the Conv that reads it")), r.rewrites().toString());

		Preprocessing.Outcome pre = Preprocessing.of(model, "pad_conv", null, true);
		QuantizationResult q = Quantizer.quantize(pre.model(model), "pad_conv", Schemes.preset("fiq_int8"), calibration(), Progress.NONE);
		List<String> kernels = MatrixProductsTest.optimizedOps(q.model());
		assertTrue(kernels.stream().noneMatch(k -> k.equals("Pad")), "no Pad on the codes: " + kernels);
		assertEquals(2, kernels.stream().filter(k -> k.equals("QLinearConv")).count(), kernels.toString());
	}

	/** A reflect Pad, a Pad of another value and a Pad of the channels are no zero padding of the Conv: they stay. */
	@Test
	void otherPadsStay() {
		NdArray x = random(2, 3, 7, 7);
		for (int which = 0; which < 3; which++) {
			Tiny t = new Tiny(3, 7, 7);
			String padded = switch (which) {
			case 0 -> t.node("Pad", List.of(stem(t), t.longs(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 })),
					AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("reflect")).build());
			case 1 -> t.node("Pad", List.of(stem(t), t.longs(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }), t.floats(new long[0], 0.5f)));
			default -> t.node("Pad", List.of(stem(t), t.longs(new long[] { 0, 0, 0, 0, 0, 4, 0, 0 })));
			};
			OnnxModel model = t.model(which == 2 ? t.node("Conv", List.of(padded, t.floats(new long[] { 2, 8, 1, 1 }, uniform(new Random(3), 16))))
					: depthwise(t, padded), 13);
			FreezeResult r = Freezer.freeze(model, "pad_kept" + which, FreezeOptions.defaults(), null);
			assertEquals(List.of("Conv", "Relu", "Pad", "Conv"), ops(r.model()), "case " + which);
			assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		}
	}

	/** A 3x3 Conv 3 → 4 with a Relu. */
	private static String stem(Tiny t) {
		return t.node("Relu", List.of(t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 3, 3 }, uniform(new Random(1), 108))), intsAttr("pads", 1, 1, 1, 1))));
	}

	/** A depthwise 3x3 Conv of 4 channels, stride 2, padded 1 on each side. */
	private static String depthwise(Tiny t, String in) {
		return t.node("Conv", List.of(in, t.floats(new long[] { 4, 1, 3, 3 }, uniform(new Random(2), 36))), intAttr("group", 4), intsAttr("strides", 2, 2),
				intsAttr("pads", 1, 1, 1, 1));
	}

	private static List<String> ops(OnnxModel m) {
		return m.graph().nodes().stream().map(Node::opType).toList();
	}

	private static ArrayDataset calibration() {
		Random rnd = new Random(4);
		float[] v = new float[64 * 3 * 7 * 7];
		for (int i = 0; i < v.length; i++) {
			v[i] = rnd.nextFloat();
		}
		return new ArrayDataset("random", v, new long[] { 3, 7, 7 }, null);
	}
}
