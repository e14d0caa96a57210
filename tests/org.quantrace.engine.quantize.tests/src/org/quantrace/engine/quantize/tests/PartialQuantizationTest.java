package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.model.recipe.ExclusionKind;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.LayerOverride;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.recipe.TensorQuantization;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.testing.ModelAccuracy;

/** Exclusions, per-layer overrides and the other options of a scheme change exactly what they say. */
class PartialQuantizationTest {

	private static final RecipeFactory F = RecipeFactory.eINSTANCE;

	private static QuantizationConfig fiq() {
		QuantizationConfig c = F.createQuantizationConfig();
		c.setName("custom");
		c.setBase(Schemes.preset("fiq_float32"));
		return c;
	}

	@Test
	void excludedOpTypesStayFloatWithTheirReason() {
		QuantizationConfig c = fiq();
		var e = F.createExclusion();
		e.setKind(ExclusionKind.OP_TYPE);
		e.setPattern("Gemm");
		e.setReason("dense layers kept float for the safety case");
		c.getExclusions().add(e);
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, c);
		List<QuantizationResult.Layer> gemms = r.layers().stream().filter(l -> l.opType().equals("Gemm")).toList();
		assertEquals(2, gemms.size());
		gemms.forEach(l -> {
			assertFalse(l.quantized());
			assertEquals("dense layers kept float for the safety case", l.reason());
		});
		assertTrue(r.model().graph().nodes().stream().filter(n -> n.opType().equals("Gemm"))
				.allMatch(n -> r.model().graph().initializer(n.input(1)).dataType() == DataType.FLOAT), "Gemm weights stay float");
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(r.model(), Fixtures.TEST_SET), 0.003);
	}

	@Test
	void excludedNodeByNameStaysFloat() {
		QuantizationConfig c = fiq();
		var e = F.createExclusion();
		e.setKind(ExclusionKind.NODE);
		String secondConv = Fixtures.CNN.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).skip(1).findFirst().orElseThrow().name();
		e.setPattern(secondConv);
		c.getExclusions().add(e);
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, c);
		List<QuantizationResult.Layer> floats = r.floatLayers();
		assertEquals(secondConv, floats.get(0).node());
		assertTrue(floats.get(0).reason().startsWith("excluded by the recipe (node " + secondConv + ")"), floats.get(0).reason());
		// what only passes its float output on (Relu, MaxPool, Flatten) stays float too, and says why
		assertEquals(List.of("Relu", "MaxPool", "Flatten"), floats.stream().skip(1).map(QuantizationResult.Layer::opType).toList());
		floats.stream().skip(1).forEach(l -> assertTrue(l.reason().startsWith("its input is not quantized"), l.reason()));
		assertTrue(r.layers().stream().filter(l -> l.opType().equals("Gemm")).allMatch(QuantizationResult.Layer::quantized),
				"the dense layers after it are quantized again");
	}

	@Test
	void perLayerOverrideChangesOnlyThatLayer() {
		QuantizationConfig c = fiq();
		LayerOverride o = F.createLayerOverride();
		String firstConv = Fixtures.CNN.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow().name();
		o.setLayer(firstConv);
		TensorQuantization w = F.createTensorQuantization();
		w.setGranularity(Granularity.PER_TENSOR);
		w.setPrecision(Precision.UINT8);
		w.setScheme(QuantizationScheme.ASYMMETRIC);
		o.setWeights(w);
		c.getOverrides().add(o);
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, c);
		List<QuantizedTensor> weights = r.tensors().stream().filter(t -> t.role() == TensorRole.WEIGHT).toList();
		QuantizedTensor overridden = weights.stream().filter(t -> t.node().equals(firstConv)).findFirst().orElseThrow();
		assertFalse(overridden.params().perChannel());
		assertEquals(DataType.UINT8, overridden.params().type().dataType());
		assertTrue(weights.stream().filter(t -> !t.node().equals(firstConv)).allMatch(t -> t.params().perChannel()), "others keep per-channel int8");
	}

	@Test
	void forcedOutputRangeIsUsedInsteadOfTheCalibratedOne() {
		QuantizationConfig c = fiq();
		LayerOverride o = F.createLayerOverride();
		String firstConv = Fixtures.CNN.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow().name();
		o.setLayer(firstConv);
		o.setRangeMin(0);
		o.setRangeMax(0.05);
		c.getOverrides().add(o);
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, c);
		QuantizedTensor relu = r.tensors().stream().filter(t -> t.role() == TensorRole.ACTIVATION && t.range() != null && t.range().max() == 0.05)
				.findFirst().orElseThrow(() -> new AssertionError("no tensor with the forced range: " + r.tensors()));
		assertTrue(relu.observed().max() > 0.5, "the calibrated range was much wider: " + relu.observed());
		assertEquals(0.05f / 255, relu.params().scale(), 1e-9);
		assertTrue(ModelAccuracy.top1(r.model(), Fixtures.TEST_SET) < Fixtures.FP32_TOP1 - 0.05, "a too-narrow range costs accuracy");
	}

	@Test
	void symmetricUint8AndInt16VariantsWork() {
		QuantizationConfig sym = fiq();
		TensorQuantization a = F.createTensorQuantization();
		a.setScheme(QuantizationScheme.SYMMETRIC);
		sym.setActivations(a);
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(Fixtures.quantize(Fixtures.CNN, sym).model(), Fixtures.TEST_SET), 0.005);

		QuantizationConfig u8 = fiq();
		TensorQuantization ua = F.createTensorQuantization();
		ua.setPrecision(Precision.UINT8);
		u8.setActivations(ua);
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(Fixtures.quantize(Fixtures.CNN, u8).model(), Fixtures.TEST_SET), 0.003);

		QuantizationConfig i16 = fiq();
		TensorQuantization wa = F.createTensorQuantization();
		wa.setPrecision(Precision.INT16);
		i16.setActivations(wa);
		QuantizationResult r16 = Fixtures.quantize(Fixtures.CNN, i16);
		assertEquals(21, r16.model().opset(), "int16 QuantizeLinear needs opset 21");
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(r16.model(), Fixtures.TEST_SET), 0.002);
		var inputQ = r16.model().graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear") && n.input(0).equals("input")).findFirst()
				.orElseThrow();
		assertEquals(DataType.INT16, r16.model().graph().initializer(inputQ.input(2)).dataType());
	}

	@Test
	void reduceRangeUsesSevenBitWeights() {
		QuantizationConfig c = fiq();
		c.setReduceRange(true);
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, c);
		assertTrue(r.tensors().stream().filter(t -> t.role() == TensorRole.WEIGHT).allMatch(t -> t.params().qmax() == 63));
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(r.model(), Fixtures.TEST_SET), 0.01);
	}
}
