package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;

/**
 * Conversion's check on random inputs of a model whose inputs declare every dimension (newuser pass, 2026-12-05). A
 * [1, 1, 28, 28] model runs one sample, but the conversion log said "on 8 samples (8 random inputs ...)"; one that ONNX Runtime
 * cannot run on its own declared shapes got the hint "the model's dynamic dimensions were set to 8", though it has none.
 */
class FixedShapeVerificationTest {

	/** x [N, 1, 28, 28] -> Reshape to {@code target} -> Gemm 10, the input's batch then fixed at {@code batch} (0: left N). */
	private static OnnxModel reshaped(long[] target, long batch) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(1, 28, 28);
		String flat = t.node("Reshape", List.of("x", t.longs(target)));
		String y = t.node("Gemm", List.of(flat, t.floats(new long[] { 10, target[1] }, 0.01f), t.floats(new long[] { 10 }, 0.1f)),
				WildConversionTest.intAttr("transB", 1));
		OnnxModel model = t.model(y);
		if (batch == 0) {
			return model;
		}
		ModelProto.Builder b = model.toProto().toBuilder();
		b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
				TensorShapeProto.Dimension.newBuilder().setDimValue(batch));
		return OnnxModel.of(b.build());
	}

	@Test
	void aFixedBatchOfOneIsCheckedOnOneSampleAndSaysSo() {
		FreezeResult r = Freezer.freeze(reshaped(new long[] { 1, 784 }, 1), "fixed", FreezeOptions.defaults(), null);

		assertEquals(1, r.verificationSamples());
		assertTrue(r.verificationData().startsWith("1 random input, uniform in [0, 1)"), r.verificationData());
	}

	@Test
	void aDynamicBatchIsStillCheckedOnEight() {
		FreezeResult r = Freezer.freeze(reshaped(new long[] { -1, 784 }, 0), "dynamic", FreezeOptions.defaults(), null);

		assertEquals(8, r.verificationSamples());
		assertTrue(r.verificationData().startsWith("8 random inputs, uniform in [0, 1)"), r.verificationData());
	}

	@Test
	void aModelThatDoesNotRunOnItsOwnFixedShapesIsNotToldOfDynamicDimensions() {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> Freezer.freeze(reshaped(new long[] { 1, 1024 }, 1), "fixed", FreezeOptions.defaults(), null));

		assertTrue(e.getMessage().contains("does not run on the verification samples (1 random input"), e.getMessage());
		assertFalse(e.hint().contains("dynamic dimensions"), e.hint());
		assertTrue(e.hint().contains("every dimension of the model's inputs is fixed"), e.hint());
	}

	@Test
	void aModelThatFailsAtTheDynamicSizeIsToldItsDynamicDimensionsWereSetToEight() {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> Freezer.freeze(reshaped(new long[] { 1, 784 }, 0), "batch1", FreezeOptions.defaults(), null));

		assertTrue(e.hint().contains("the model's dynamic dimensions were set to 8"), e.hint());
	}
}
