package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/**
 * The deck's four schemes on the Fashion-MNIST CNN, calibrated on 300 training images and evaluated on
 * the 10,000 test images, against the fp32 model (top-1 0.8575; torch's own int8 PTQ: 0.8569-0.8582).
 */
class FashionCnnQuantizationTest {

	@Test
	void fp32BaselineIsTheRecordedOne() {
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(Fixtures.CNN, Fixtures.TEST_SET), 1e-9);
	}

	@ParameterizedTest
	@ValueSource(strings = { "fiq_float32", "fiq_int8", "fiq_uint8" })
	void fullIntegerStaysWithinThreeTenthsOfAPoint(String scheme) {
		QuantizationResult r = Fixtures.quantize(scheme);
		double top1 = ModelAccuracy.top1(r.model(), Fixtures.TEST_SET);
		assertEquals(Fixtures.FP32_TOP1, top1, 0.003, scheme + " top-1 " + top1);
		// under fiq_int8 the one-channel stem and its Relu read the int8 input's codes and compute in float (PooledStemTest)
		List<String> keptFloat = scheme.equals("fiq_int8") ? List.of("/c1/Conv", "/r1/Relu") : List.of();
		assertEquals(keptFloat, r.floatLayers().stream().map(QuantizationResult.Layer::node).toList(), "every other layer of this CNN is quantized: " + r.floatLayers());
		assertTrue(r.floatLayers().stream().allMatch(l -> l.reason().startsWith("kept float: ")), r.floatLayers().toString());
		// every activation's values span many steps of its min-max scale: no range is named far wider than its values
		assertEquals(r.calibration().ranges().keySet(), r.calibration().rms().keySet(), "an RMS measured for every calibrated tensor");
		assertEquals(List.of(), r.wideRanges().stream().map(w -> w.describe()).toList());
	}

	/**
	 * DRQ by default keeps int8 weights and computes in float where ONNX Runtime's dynamic kernels are slower
	 * (ConvInteger, the small Gemm), and takes the dynamic kernel for the 1568x128 Gemm.
	 */
	@Test
	void dynamicRangeStaysWithinATenthOfAPoint() {
		QuantizationResult r = Fixtures.quantize("drq");
		double top1 = ModelAccuracy.top1(r.model(), Fixtures.TEST_SET);
		assertEquals(Fixtures.FP32_TOP1, top1, 0.001, "DRQ top-1 " + top1);
		assertTrue(r.model().graph().nodes().stream().noneMatch(n -> n.opType().equals("ConvInteger")));
		assertEquals(List.of("/c1/Conv", "/c2/Conv", "/l2/Gemm"), r.weightOnlyLayers().stream().map(QuantizationResult.Layer::node).toList());
		assertTrue(r.weightOnlyLayers().stream().allMatch(l -> l.reason().contains("int8 weights, dequantized to float once")), r.weightOnlyLayers().toString());
		QuantizationResult.Layer large = r.layers().stream().filter(l -> l.node().equals("/l1/Gemm")).findFirst().orElseThrow();
		assertTrue(large.quantized() && large.reason().contains("MatMulInteger"), large.reason());
		assertTrue(r.calibration() == null, "DRQ needs no data");
		assertEquals(List.of(), r.warnings());
	}

	@Test
	void dynamicKernelsWhenAskedForAndAWarningWhereTheyAreSlower() {
		QuantizationResult r = Fixtures.quantize(Fixtures.CNN, Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.DYNAMIC).build());
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(r.model(), Fixtures.TEST_SET), 0.001);
		assertTrue(r.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("MatMulInteger")));
		assertTrue(r.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("ConvInteger")));
		assertEquals(1, r.warnings().size(), r.warnings().toString());
		assertTrue(r.warnings().get(0).contains("slower than float") && r.warnings().get(0).contains("kernels auto"), r.warnings().get(0));
		assertTrue(r.layers().stream().filter(l -> l.opType().equals("Conv")).allMatch(l -> l.quantized() && l.reason().contains("ConvInteger")));
	}

	@ParameterizedTest
	@ValueSource(strings = { "drq", "fiq_float32", "fiq_int8" })
	void int8ModelsAreAtMost27PercentOfTheFloatSize(String scheme) {
		double ratio = Fixtures.quantize(scheme).model().toBytes().length / (double) Fixtures.CNN.toBytes().length;
		// fiq_int8 holds one QuantizeLinear/DequantizeLinear pair more than the others at its int8 output (its last Gemm writes
		// uint8 codes, requantized after it, so that ONNX Runtime runs QGemm): 0.2706 of this small model's size
		assertTrue(ratio <= (scheme.equals("fiq_int8") ? 0.271 : 0.27), scheme + " size ratio " + ratio);
	}

	@Test
	void integerIoModelsExposeTheirScaleAndZeroPoint() {
		OnnxModel int8 = Fixtures.quantize("fiq_int8").model();
		IoQuantization.Io in = IoQuantization.inputs(int8).get("input");
		assertEquals(DataType.INT8, in.type());
		assertEquals(1f / 255, in.scale(), 1e-6, "inputs are pixel/255 in [0, 1]");
		assertEquals(-128, in.zeroPoint());
		IoQuantization.Io out = IoQuantization.outputs(int8).values().iterator().next();
		assertEquals(DataType.INT8, out.type());
		OnnxModel uint8 = Fixtures.quantize("fiq_uint8").model();
		assertEquals(0, IoQuantization.inputs(uint8).get("input").zeroPoint());
		assertEquals(DataType.UINT8, IoQuantization.outputs(uint8).values().iterator().next().type());
		assertTrue(IoQuantization.inputs(Fixtures.quantize("fiq_float32").model()).isEmpty(), "float32 I/O stays float");
	}

	@Test
	void onnxRuntimeFusesTheQdqGroupsIntoIntegerKernels() {
		Path optimized = TestData.tempDir("fused").resolve("optimized.onnx");
		OnnxModel q = Fixtures.quantize("fiq_float32").model();
		try (InferenceSession s = InferenceSession.open(q, SessionSettings.defaults().withOptimizedModelPath(optimized), "fiq_float32")) {
			s.inputs();
		}
		Map<String, Integer> ops = new TreeMap<>();
		for (Node n : OnnxModel.load(optimized).graph().nodes()) {
			ops.merge(n.opType(), 1, Integer::sum);
		}
		assertEquals(2, ops.getOrDefault("QLinearConv", 0), "both convolutions run as QLinearConv: " + ops);
		assertTrue(ops.getOrDefault("QGemm", 0) + ops.getOrDefault("QLinearMatMul", 0) >= 2, "both dense layers run integer: " + ops);
		assertTrue(!ops.containsKey("Conv") && !ops.containsKey("Gemm") && !ops.containsKey("FusedConv"), "no float conv or dense left: " + ops);
	}

	@Test
	void sameInputsGiveByteIdenticalModels() {
		for (String scheme : List.of("drq", "fiq_int8")) {
			assertArrayEquals(Fixtures.quantize(scheme).model().toBytes(), Fixtures.quantize(scheme).model().toBytes(), scheme);
		}
	}
}
