package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.runner.Verification.Problem;

/**
 * A layer's reason that it stays float because a constant it reads holds a value no quantization scale can represent (where38's
 * UnrepresentableConstants: a causal mask's −inf fill) is held against that constant's values: before, the reason was the
 * quantizer's word alone, and a float layer claimed so over finite weights, every document made again, passed verify.
 */
class VerifyUnrepresentableConstantTest {

	private static final String STEM = "/features/features.0/Conv";
	/** The stem Conv's weights in the converted model the quantizer read (its BatchNormalization folded in): 16 x 1 x 3 x 3 finite values. */
	private static final String WEIGHTS = "features.0.weight_bn_folded";

	@Test
	void aFloatReasonClaimedForAFiniteConstantIsNamed() {
		Path out = Runs.fiqInt8Run("float-constant");
		String claimed = "its constant input '" + WEIGHTS + "' holds −inf, which no quantization scale can represent (its scale would be infinite or NaN): it runs in float";
		List<Problem> problems = Tampering.traceForged(out, "float-constant", t -> t.getOptimizations().stream().filter(o -> o.getQuantization() != null)
				.flatMap(o -> o.getQuantization().getLayers().stream()).filter(l -> l.getNode().equals(STEM)).forEach((LayerQuantizationRecord l) -> {
					assertTrue(!l.isQuantized(), "the example's stem runs in float under fiq_int8: " + l.getReason());
					l.setReason(claimed);
				}));
		assertEquals(1, problems.size(), problems.toString());
		String what = problems.get(0).what();
		assertTrue(what.contains("layer " + STEM + " (Conv) constant '" + WEIGHTS + "' (the reason it stays float)") && what.contains("holds −inf")
				&& what.contains("holds only values a scale can represent (144 finite values within ±1.7014117E38)"), what);

		// the claim's name must be a constant the layer reads: a name of no input of it is named as such
		problems = Tampering.traceForged(out, "float-constant-name", t -> t.getOptimizations().stream().filter(o -> o.getQuantization() != null)
				.flatMap(o -> o.getQuantization().getLayers().stream()).filter(l -> l.getNode().equals(STEM))
				.forEach(l -> l.setReason("its constant input 'mask' holds NaN, which no quantization scale can represent (its scale would be infinite or NaN): it runs in float")));
		assertEquals(1, problems.size(), problems.toString());
		assertTrue(problems.get(0).what().contains("no input 'mask' of the node " + STEM), problems.toString());
	}
}
