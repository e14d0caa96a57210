package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/**
 * torch's nn.MultiheadAttention with a causal attn_mask and a key padding mask (tests/data/wild/masks33/mha.onnx, make_wild2.py mha,
 * trained on Fashion-MNIST rows as tokens) exports its masks as Where(padding or causal, −inf, ConstantOfShape 0) · 1 added to the
 * scores: a mask computed at run time, of −inf. Its Softmax runs on codes (the masked sum left out of calibration, its range the
 * scores' widened), the fiq-int8 model within 0.5 point of fp32 on the 10,000 test images. Main left that Softmax float.
 */
class CausalMaskTest {

	@Test
	void theSoftmaxOverScoresMaskedWithMinusInfinityFromAWhereRunsOnCodes() {
		OnnxModel fp32 = OnnxModel.load(TestData.data("wild/masks33/mha.onnx"));
		QuantizationResult r = Fixtures.quantize(fp32, Schemes.preset("fiq_int8"));

		QuantizationResult.Layer softmax = r.layers().stream().filter(l -> l.opType().equals("Softmax")).findFirst().orElseThrow();
		assertTrue(softmax.quantized() && softmax.reason().contains("of a mask computed at run time from the Where '/att/Where_1' between constants as 0"
				+ " and −inf") && softmax.reason().contains("the masked entries are −inf"), softmax.reason());
		List<String> ran = TinyGraph.optimizedOps(r.model());
		assertEquals(1, ran.stream().filter("com.microsoft.QLinearSoftmax"::equals).count(), ran.toString());

		double float32 = ModelAccuracy.top1(fp32, Fixtures.TEST_SET);
		double int8 = ModelAccuracy.top1(r.model(), Fixtures.TEST_SET);
		assertTrue(float32 > 0.75 && Math.abs(int8 - float32) <= 0.005, "fp32 " + float32 + ", fiq-int8 " + int8);
	}
}
