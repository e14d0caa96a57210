package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.evaluate.DebugFindings;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.testing.TestData;

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
 * Round 34's detnms (tests/data/wild/README.md, unseen58): the boxes a NonMaxSuppression keeps are a model output whose size the
 * values decide, and the int8 model keeps other ones: the debugger paired the two arrays value by value and failed with an
 * ArrayIndexOutOfBoundsException (exit 70 from `quantrace debug` and from a recipe's debug step). Tiny pair: the float model keeps
 * the pixels above 0.52 (Greater, NonZero, Transpose, GatherND) as output "kept"; its QDQ version reads the image through codes of
 * scale 0.1, where a pixel of 0.53 is 0.5 and no longer kept, and writes "kept" as uint8 codes of the same scale.
 */
class ValueSizedTensorDebugTest {

	private static final float ABOVE = 0.52f;
	private static final float SCALE = 0.1f;

	@Test
	void aTensorWhoseSizeTheValuesDecideIsLeftOutAndSaidSo() {
		DebugReport r = QuantizationDebugger.debug(kept(false), "float", kept(true), "qdq", Models.CALIBRATION, 64, DebugMetric.RMSE_OVER_SCALE, 0.5,
				Progress.NONE);

		float[] pixels = Models.CALIBRATION.limit(64).read(0, 32).inputs().toFloats(); // the debugger's first batch (of its 64-sample subset)
		long inFloat = 0;
		long onCodes = 0;
		for (float p : pixels) {
			inFloat += p > ABOVE ? 1 : 0;
			onCodes += Math.min(255, Math.rint(p / SCALE)) * SCALE > ABOVE ? 1 : 0;
		}
		assertTrue(inFloat > onCodes, "the premise: pixels in (0.52, 0.55) are kept in float only");
		assertEquals(List.of(new DebugReport.SizeDiffers("kept", 1, 32, inFloat, onCodes)), r.leftOut());
		assertTrue(r.tensors().stream().noneMatch(t -> t.tensor().equals("kept")), "no figures of values without counterparts");
		assertTrue(r.tensors().stream().anyMatch(t -> t.tensor().equals("x")), "the other tensors are compared as before");
		// the console's words are the documents' (PhIMT0003, report.html: one function), which name both causes of a size that differs:
		// it said "their size depends on the values" also of a depthwise Conv the quantizer widened with zero channels (logs63)
		String line = String.format(Locale.ROOT, "Not compared by the quantization debugger, their sizes differ between the float and the quantized"
				+ " model (an op such as NonMaxSuppression, NonZero, Unique or Compress before them decides how many elements they hold on the values,"
				+ " or the quantizer added zero channels to a layer they are made from), so no value of one has its counterpart in the other: 'kept'"
				+ " (%,d values in the float model, %,d in the quantized one, samples 1-32). Compare them by the evaluation's metric instead.", inFloat, onCodes);
		assertTrue(DebugFindings.of(r).contains(line), DebugFindings.of(r).toString());
	}

	@Test
	void aModelWithoutSuchATensorLeavesNothingOut() {
		OnnxModel cnn = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));
		DebugReport r = QuantizationDebugger.debug(cnn, "cnn", Models.quantize(cnn, "fiq_int8"), "fiq_int8", Models.CALIBRATION, 64,
				DebugMetric.RMSE_OVER_SCALE, 0.5, Progress.NONE);
		assertTrue(r.leftOut().isEmpty());
		assertFalse(DebugFindings.of(r).stream().anyMatch(l -> l.startsWith("Not compared")));
	}

	/** x [N, 1, 28, 28] -> (QDQ of scale 0.1) -> the pixels above 0.52 -> "kept" [K] (uint8 codes of scale 0.1 in the QDQ model). */
	private static OnnxModel kept(boolean qdq) {
		List<NodeProto> nodes = new ArrayList<>();
		String x = "x";
		if (qdq) {
			nodes.add(node("QuantizeLinear", List.of("x", "s", "z"), "x_q"));
			nodes.add(node("DequantizeLinear", List.of("x_q", "s", "z"), "x_dq"));
			x = "x_dq";
		}
		nodes.add(node("Greater", List.of(x, "above"), "is_above"));
		nodes.add(node("NonZero", List.of("is_above"), "where"));
		nodes.add(node("Transpose", List.of("where"), "at").toBuilder().addAttribute(AttributeProto.newBuilder().setName("perm")
				.setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0)).build());
		nodes.add(node("GatherND", List.of(x, "at"), qdq ? "kept_f" : "kept"));
		if (qdq) {
			nodes.add(node("QuantizeLinear", List.of("kept_f", "s", "z"), "kept"));
		}
		TensorShapeProto.Builder image = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : new long[] { 1, 28, 28 }) {
			image.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		GraphProto g = GraphProto.newBuilder().setName("kept").addAllNode(nodes)
				.addInitializer(TensorProto.newBuilder().setName("above").setDataType(1).addFloatData(ABOVE))
				.addInitializer(TensorProto.newBuilder().setName("s").setDataType(1).addFloatData(SCALE))
				.addInitializer(TensorProto.newBuilder().setName("z").setDataType(2).addInt32Data(0))
				.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)
						.setShape(image))))
				.addOutput(ValueInfoProto.newBuilder().setName("kept").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
						.setElemType(qdq ? 2 : 1).setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("K"))))))
				.build();
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());
	}

	private static NodeProto node(String op, List<String> inputs, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output).build();
	}
}
