package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Old exporters list every initializer as a graph input too (IR 3; torch's keep_initializers_as_inputs=True, the default
 * at opset 7/8): tests/data/wild make_wild3.py old7/old8. Quantizing replaced the float weights by their quantized forms
 * but left their names among the graph inputs, now without a value: the drq model of old7 had 5 inputs, the fiq ones 9,
 * and evaluate refused them ("the model has 5 inputs; datasets feed models with one input", exit 2).
 */
class InitializerInputsTest {

	@Test
	void quantizedModelsHaveOnlyTheRealInput() {
		TinyGraph t = new TinyGraph(2, 6, 6);
		String conv = t.node("Conv", List.of("x", t.weight(0.3, 4, 2, 3, 3), t.weight(0.05, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String flat = t.node("Flatten", List.of(t.node("Relu", List.of(conv))));
		OnnxModel model = initializersAsInputs(t.model(t.node("Gemm", List.of(flat, t.weight(0.1, 5, 144), t.weight(0.05, 5)),
				TinyGraph.attr("transB", 1L))));
		assertEquals(5, model.graph().inputs().size());
		ArrayDataset calibration = t.calibration(0, 1);
		NdArray x = t.batch(t.data(4, 0, 1));
		float[] expected = TinyGraph.run(model, x);
		for (String scheme : List.of("drq", "fiq_float32")) {
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset(scheme), calibration);
			assertEquals(List.of("x"), r.model().graph().inputs().stream().map(ValueInfoProto::getName).toList(), scheme);
			float[] actual = TinyGraph.run(r.model(), x);
			for (int i = 0; i < expected.length; i++) {
				assertTrue(Math.abs(expected[i] - actual[i]) < 0.1, scheme + ": output " + i + ": " + actual[i] + " vs " + expected[i]);
			}
		}
	}

	/** The model with each initializer also declared as a graph input, as IR 3 required. */
	static OnnxModel initializersAsInputs(OnnxModel model) {
		ModelProto.Builder b = model.toProto().toBuilder();
		for (TensorProto w : b.getGraph().getInitializerList()) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
			w.getDimsList().forEach(d -> shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d)));
			b.getGraphBuilder().addInput(ValueInfoProto.newBuilder().setName(w.getName())
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(w.getDataType()).setShape(shape))));
		}
		return OnnxModel.of(b.build());
	}
}
