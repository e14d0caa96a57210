package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantMath;
import org.quantrace.engine.quantize.QuantParams;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Our quantize/dequantize arithmetic reproduces the ONNX conformance cases exactly, and ONNX Runtime
 * passes the integer-kernel cases the quantized models rely on.
 */
class QuantMathConformanceTest {

	private static Tensor pb(String testCase, String file) throws IOException {
		Path p = TestData.data("onnx-conformance/" + testCase + "/test_data_set_0/" + file);
		return Tensor.of(TensorProto.parseFrom(Files.readAllBytes(p)));
	}

	private static Node node(String testCase) {
		return OnnxModel.load(TestData.data("onnx-conformance/" + testCase + "/model.onnx")).graph().nodes().get(0);
	}

	private static QuantParams params(Node node, Tensor scale, Tensor zero) {
		QuantType type = zero.dataType() == DataType.UINT8 ? QuantType.UINT8 : QuantType.INT8;
		float[] scales = scale.toFloatArray();
		long[] zeros = zero.toLongArray();
		int axis = scales.length == 1 ? -1 : (int) node.intAttribute("axis", 1);
		return new QuantParams(type, scales, zeros, axis, false);
	}

	@ParameterizedTest
	@ValueSource(strings = { "test_quantizelinear", "test_quantizelinear_axis" })
	void quantizeLinear(String testCase) throws IOException {
		Tensor x = pb(testCase, "input_0.pb");
		Tensor expected = pb(testCase, "output_0.pb");
		QuantParams p = params(node(testCase), pb(testCase, "input_1.pb"), pb(testCase, "input_2.pb"));
		assertArrayEquals(expected.toLongArray(), QuantMath.quantize(x.toFloatArray(), x.dims(), p));
	}

	@ParameterizedTest
	@ValueSource(strings = { "test_dequantizelinear", "test_dequantizelinear_axis" })
	void dequantizeLinear(String testCase) throws IOException {
		Tensor q = pb(testCase, "input_0.pb");
		Tensor expected = pb(testCase, "output_0.pb");
		QuantParams p = params(node(testCase), pb(testCase, "input_1.pb"), pb(testCase, "input_2.pb"));
		assertArrayEquals(expected.toFloatArray(), QuantMath.dequantize(q.toLongArray(), q.dims(), p), 0f);
	}

	@ParameterizedTest
	@ValueSource(strings = { "test_qlinearconv", "test_qlinearmatmul_2D", "test_matmulinteger", "test_basic_convinteger" })
	void onnxRuntimeRunsTheIntegerKernels(String testCase) throws IOException {
		OnnxModel model = OnnxModel.load(TestData.data("onnx-conformance/" + testCase + "/model.onnx"));
		Map<String, NdArray> inputs = new java.util.LinkedHashMap<>();
		for (int i = 0; i < model.graph().runtimeInputs().size(); i++) {
			inputs.put(model.graph().runtimeInputs().get(i).getName(), toNd(pb(testCase, "input_" + i + ".pb")));
		}
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), testCase)) {
			NdArray out = s.run(inputs).values().iterator().next();
			Tensor expected = pb(testCase, "output_0.pb");
			assertArrayEquals(expected.toFloatArray(), out.toFloats(), 0f);
		}
	}

	@Test
	void scalesFollowTheDocumentedFormulas() {
		var r = new org.quantrace.engine.calibrate.Range(-1.0, 3.0);
		QuantParams asym = QuantMath.params(r, QuantType.UINT8, org.quantrace.engine.quantize.QuantizationSpec.Symmetry.ASYMMETRIC, false);
		assertEquals(4.0f / 255, asym.scale(), 1e-9);
		assertEquals(64, asym.zeroPoint()); // round(0 - (-1) / (4/255)) = round(63.75)
		QuantParams sym = QuantMath.params(r, QuantType.INT8, org.quantrace.engine.quantize.QuantizationSpec.Symmetry.SYMMETRIC, false);
		assertEquals(3.0f / 127, sym.scale(), 1e-9);
		assertEquals(0, sym.zeroPoint());
		QuantParams reduced = QuantMath.params(r, QuantType.INT8, org.quantrace.engine.quantize.QuantizationSpec.Symmetry.SYMMETRIC, true);
		assertEquals(3.0f / 63, reduced.scale(), 1e-9);
		assertEquals(-64, reduced.qmin());
		assertEquals(63, reduced.qmax());
	}

	private static NdArray toNd(Tensor t) {
		long[] dims = t.dims();
		long[] values = t.dataType() == DataType.FLOAT ? null : t.toLongArray();
		return switch (t.dataType()) {
		case FLOAT -> NdArray.ofFloats(dims, t.toFloatArray());
		case UINT8, INT8 -> {
			byte[] b = new byte[values.length];
			for (int i = 0; i < b.length; i++) {
				b[i] = (byte) values[i];
			}
			yield NdArray.ofBytes(t.dataType(), dims, b);
		}
		case INT32 -> NdArray.ofInts(dims, java.util.Arrays.stream(values).mapToInt(v -> (int) v).toArray());
		default -> throw new IllegalArgumentException(t.dataType().toString());
		};
	}
}
