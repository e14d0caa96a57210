package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Ops of opsets 16 to 20 whose form changed before 21 (int16 activations need opset 21): tests/data/wild make_wild3.py new18
 * and new19, GroupNormalization-18 as torch 2.x writes it, were refused by `convert --opset 21` and by the A16W8 schemes
 * ("Quantrace does not know whether GroupNormalization changed between opset 18 and 21", exit 2).
 */
class NewOpsetsTest {

	/** GroupNormalization-18: scale and bias per group; from 21 per channel. */
	@Test
	void groupNormalization18IsRaisedTo21WithPerChannelScaleAndBias() {
		OldOpsetsTest.Old t = new OldOpsetsTest.Old(18, 4, 3, 3);
		String y = t.node("GroupNormalization", List.of("x", t.floats(new long[] { 2 }, 1.5f, -1f), t.floats(new long[] { 2 }, 0.1f, -0.3f)),
				WildConversionTest.intAttr("num_groups", 2), OldOpsetsTest.floatAttr("epsilon", 1e-5f));
		OnnxModel model = ir(t.model(y), 8);
		OnnxModel raised = model.copy();
		OpsetUpgrade.upgrade(raised, 21, "gn18", Map.of());
		assertEquals(21, raised.opset());
		NdArray x = WildConversionTest.random(3, 4, 3, 3);
		assertArrayEquals(WildConversionTest.run(model, x), WildConversionTest.run(raised, x), 1e-5f);

		FreezeResult r = Freezer.freeze(model, "gn18", new FreezeOptions(FreezeOptions.defaults().eliminate(), true, 21), null);
		assertEquals(21, r.model().opset());
		assertTrue(r.maxAbsDifference() < 1e-5, "difference " + r.maxAbsDifference());
	}

	/** GridSample-20 calls GridSample-16's bilinear and bicubic linear and cubic. */
	@Test
	void gridSample16ModesAreRenamedAt20() {
		for (String mode : List.of("bilinear", "bicubic")) {
			OldOpsetsTest.Old t = new OldOpsetsTest.Old(16, 1, 4, 4);
			String grid = t.floats(new long[] { 1, 3, 3, 2 }, -0.9f, 0.31f);
			OnnxModel model = ir(t.model(t.node("GridSample", List.of("x", grid), OldOpsetsTest.stringAttr("mode", mode))), 8);
			OnnxModel raised = model.copy();
			OpsetUpgrade.upgrade(raised, 21, "grid16", Map.of());
			assertEquals(mode.equals("bilinear") ? "linear" : "cubic", raised.graph().nodes().get(0).stringAttribute("mode", ""));
			NdArray x = WildConversionTest.random(1, 1, 4, 4);
			assertArrayEquals(WildConversionTest.run(model, x), WildConversionTest.run(raised, x), 1e-6f);
		}
	}

	/** The graph at IR {@code version} with its initializers no longer listed as inputs. */
	private static OnnxModel ir(OnnxModel model, int version) {
		ModelProto.Builder b = model.toProto().toBuilder().setIrVersion(version);
		List<String> initializers = b.getGraph().getInitializerList().stream().map(TensorProto::getName).toList();
		var inputs = b.getGraph().getInputList().stream().filter(v -> !initializers.contains(v.getName())).toList();
		b.getGraphBuilder().clearInput().addAllInput(inputs);
		return OnnxModel.of(b.build());
	}
}
