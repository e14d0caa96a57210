package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.ShapeProbe;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Half-precision models (tests/data/wild make_half.py: what {@code model.half()} and onnxconverter-common's float16
 * conversion export). Before: the model's float16 input could not be fed ("input 'x' is of type FLOAT16, which quantrace
 * cannot feed"), convert failed inside ONNX Runtime (exit 3: its BatchNormalization folding wrote float32 constants next
 * to float16 ones), and quantize skipped the pre-processing and left BatchNormalization and Dropout float. Now a
 * half-precision model is converted from its exact float32 widening, and the Casts at float32 inputs and outputs that the
 * widening leaves with nothing to do are removed.
 */
class HalfPrecisionTest {

	@Test
	void aFloat16ModelIsConvertedInFloat32AndComputesWhatItComputed() {
		OnnxModel model = model(TensorProto.DataType.FLOAT16_VALUE, false);

		FreezeResult r = Freezer.freeze(model, "half", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertFalse(ops.contains("BatchNormalization"), "folded into the Conv: " + ops);
		assertFalse(ops.contains("Dropout"), ops.toString());
		assertTrue(r.model().graph().initializers().stream().allMatch(t -> t.dataType() == DataType.FLOAT), "every weight float32");
		assertEquals(DataType.FLOAT, TensorInfo.of(r.model().graph().inputs().get(0)).type());
		assertEquals(DataType.FLOAT, TensorInfo.of(r.model().graph().outputs().get(0)).type());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.toString().startsWith("precision: float16 -> float32: 6 initializers, input 'x', output 'y'")),
				r.rewrites().toString());
		assertTrue(r.maxAbsDifference() < 1e-5, "checked against the exact widening: " + r.maxAbsDifference());
		// and against the float16 original itself, fed the same float samples (rounded to float16 on the way in)
		NdArray x = WildConversionTest.random(4, 3, 6, 6);
		float[] half = WildConversionTest.run(model, x);
		float[] wide = WildConversionTest.run(r.model(), x);
		for (int i = 0; i < half.length; i++) {
			assertEquals(half[i], wide[i], 2e-2 + 2e-3 * Math.abs(half[i]), "output " + i + ": float16 rounding only");
		}
	}

	@Test
	void theCastsAtFloat32InputsAndOutputsOfAFloat16ModelAreRemoved() {
		for (int type : List.of(TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE)) {
			OnnxModel model = model(type, true);

			FreezeResult r = Freezer.freeze(model, "half", FreezeOptions.defaults(), null);

			List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
			assertFalse(ops.contains("Cast"), type + ": " + ops);
			assertEquals("y", r.model().graph().outputs().get(0).getName(), "the model's output keeps its name");
			assertTrue(r.removedNodes().containsAll(List.of("in_cast", "out_cast")), r.removedNodes().toString());
			assertTrue(r.rewrites().stream().anyMatch(w -> w.toString().equals("no-op casts: removed 2 Casts to the type the input already has (in_cast, out_cast)")),
					r.rewrites().toString());
			assertTrue(r.maxAbsDifference() < 1e-5, type + ": " + r.maxAbsDifference());
		}
	}

	@Test
	void aFloat32ModelsCastToFloatIsAGainOfPreprocessing() {
		OnnxModel model = model(TensorProto.DataType.FLOAT_VALUE, true); // torch's x.float() on a float tensor

		Preprocessing.Outcome p = Preprocessing.of(model, "casts", null, true);

		assertTrue(p.applied(), p.reason());
		assertTrue(p.gains().stream().anyMatch(g -> g.startsWith("no-op casts: removed 2 Casts")), p.gains().toString());
		assertTrue(p.gains().stream().noneMatch(g -> g.startsWith("precision")), "a float32 model is not widened: " + p.gains());
	}

	@Test
	void theShapeProbeReportsHalfPrecisionTensorsAsSuch() {
		OnnxModel model = model(TensorProto.DataType.FLOAT16_VALUE, false);

		Map<String, TensorInfo> types = ShapeProbe.probe(model, "half");

		assertEquals(DataType.FLOAT16, types.get("conv").type(), types.toString());
		assertEquals(DataType.FLOAT16, types.get("y").type());
		assertEquals(4, types.get("conv").shape().size(), types.get("conv").toString());
	}

	/**
	 * x [N, 3, 6, 6] -> Conv(4) -> BatchNormalization -> Dropout -> Relu -> y, every weight of {@code type} (fixed values
	 * exactly representable in every type); with {@code castAtEnds} the model reads and writes float32 through Casts
	 * (onnxconverter-common's keep_io_types), else it reads and writes {@code type}.
	 */
	static OnnxModel model(int type, boolean castAtEnds) {
		GraphProto.Builder g = GraphProto.newBuilder().setName("half");
		int io = castAtEnds ? TensorProto.DataType.FLOAT_VALUE : type;
		g.addInput(value("x", io, 3, 6, 6));
		g.addOutput(value("y", io, 4, 6, 6));
		String x = "x";
		if (castAtEnds) {
			g.addNode(node("Cast", "in_cast", List.of("x"), "x_half", AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
					.setI(type).build()));
			x = "x_half";
		}
		float[] w = new float[4 * 3 * 3 * 3];
		for (int i = 0; i < w.length; i++) {
			w[i] = ((i * 7) % 17 - 8) / 32f;
		}
		g.addInitializer(tensor("w", type, w, 4, 3, 3, 3));
		g.addInitializer(tensor("b", type, new float[] { 0.25f, -0.5f, 0.125f, 0 }, 4));
		g.addInitializer(tensor("gamma", type, new float[] { 1, 0.5f, 2, 1.5f }, 4));
		g.addInitializer(tensor("beta", type, new float[] { 0, 0.25f, -0.25f, 0.5f }, 4));
		g.addInitializer(tensor("mean", type, new float[] { 0.5f, -0.25f, 0, 1 }, 4));
		g.addInitializer(tensor("var", type, new float[] { 1, 2, 0.5f, 4 }, 4));
		g.addNode(node("Conv", "conv", List.of(x, "w", "b"), "conv", AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
				.addAllInts(List.of(1L, 1L, 1L, 1L)).build()));
		g.addNode(node("BatchNormalization", "bn", List.of("conv", "gamma", "beta", "mean", "var"), "bn"));
		g.addNode(node("Dropout", "dropout", List.of("bn"), "dropped"));
		g.addNode(node("Relu", "relu", List.of("dropped"), castAtEnds ? "y_half" : "y"));
		if (castAtEnds) {
			g.addNode(node("Cast", "out_cast", List.of("y_half"), "y", AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
					.setI(TensorProto.DataType.FLOAT_VALUE).build()));
		}
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
				.setProducerName("test").setGraph(g).build());
	}

	private static NodeProto node(String op, String name, List<String> inputs, String output, AttributeProto... attributes) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes)).build();
	}

	private static ValueInfoProto value(String name, int type, long... sample) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : sample) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type)
				.setShape(shape))).build();
	}

	/** Values stored as {@code type}: float32 as floats, float16 and bfloat16 as their 16 bits in int32_data (ONNX's layout). */
	static TensorProto tensor(String name, int type, float[] values, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
		for (long d : dims) {
			t.addDims(d);
		}
		List<Integer> bits = new ArrayList<>();
		for (float v : values) {
			if (type == TensorProto.DataType.FLOAT_VALUE) {
				t.addFloatData(v);
			} else {
				// the test values need at most 8 significant bits: exact in both half types, no rounding to decide
				bits.add(type == TensorProto.DataType.FLOAT16_VALUE ? Float.floatToFloat16(v) & 0xFFFF : Float.floatToRawIntBits(v) >>> 16);
			}
		}
		t.addAllInt32Data(bits);
		return t.build();
	}
}
