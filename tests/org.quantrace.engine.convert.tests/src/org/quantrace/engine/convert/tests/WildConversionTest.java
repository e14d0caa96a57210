package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

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
 * Tiny graphs of what exporters write in models Quantrace was not built on (issue 13, "models in the wild"), each
 * converted and compared with the original in ONNX Runtime.
 */
class WildConversionTest {

	/**
	 * ShuffleNet's channel shuffle as torch exports it: a Reshape whose target is computed at run time (ONNX Runtime then
	 * cannot infer the rank of its output and reports no dimensions, as for a scalar), and a Shape of that output feeding
	 * the next Reshape. The Shape used to be folded into an empty vector: `convert` failed inside ONNX Runtime (exit 3).
	 */
	@Test
	void shapeOfATensorOfUnknownRankIsNotFoldedToAnEmptyVector() {
		Tiny t = new Tiny(8);
		String s = t.node("Shape", "x");
		String n = t.node("Gather", List.of(s, t.longs(0)), intAttr("axis", 0));
		String target = t.node("Concat", List.of(t.node("Unsqueeze", List.of(n, t.longs(new long[] { 0 }))), t.longs(new long[] { 2 }), t.longs(new long[] { 4 })),
				intAttr("axis", 0));
		String y = t.node("Relu", t.node("Reshape", List.of("x", target)));
		String d = t.node("Gather", List.of(t.node("Shape", y), t.longs(2)), intAttr("axis", 0));
		String target2 = t.node("Concat", List.of(t.longs(new long[] { -1 }), t.node("Unsqueeze", List.of(d, t.longs(new long[] { 0 })))), intAttr("axis", 0));
		OnnxModel model = t.model(t.node("Reshape", List.of(y, target2)));

		FreezeResult r = Freezer.freeze(model, "channel_shuffle", FreezeOptions.defaults(), null);

		NdArray x = random(5, 8);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
		assertTrue(r.maxAbsDifference() == 0, "difference " + r.maxAbsDifference());
	}

	// ------------------------------------------------------------------ helpers

	static AttributeProto intAttr(String name, long v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
	}

	static NdArray random(int batch, int features) {
		Random r = new Random(3);
		float[] v = new float[batch * features];
		for (int i = 0; i < v.length; i++) {
			v[i] = r.nextFloat() * 2 - 1;
		}
		return NdArray.ofFloats(new long[] { batch, features }, v);
	}

	static float[] run(OnnxModel m, NdArray x) {
		try (InferenceSession s = InferenceSession.open(m, SessionSettings.defaults().withThreads(1), "tiny")) {
			return s.run(Map.of("x", x)).values().iterator().next().floats();
		}
	}

	/** A graph with one float input x [N, features] and one float output of unknown shape, built node by node. */
	static final class Tiny {
		private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
		private int names;

		Tiny(long features) {
			g.addInput(value("x", TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
					.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(features))));
		}

		String node(String op, String input, AttributeProto... attributes) {
			return node(op, List.of(input), attributes);
		}

		String node(String op, List<String> inputs, AttributeProto... attributes) {
			String name = op.toLowerCase() + names++;
			NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name + "_out");
			for (AttributeProto a : attributes) {
				n.addAttribute(a);
			}
			g.addNode(n);
			return name + "_out";
		}

		/** An int64 scalar initializer. */
		String longs(long v) {
			return longs(new long[] { v }, true);
		}

		/** An int64 vector initializer. */
		String longs(long[] v) {
			return longs(v, false);
		}

		private String longs(long[] v, boolean scalar) {
			String name = "c" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
			if (!scalar) {
				t.addDims(v.length);
			}
			for (long e : v) {
				t.addInt64Data(e);
			}
			g.addInitializer(t);
			return name;
		}

		OnnxModel model(String output) {
			g.addOutput(ValueInfoProto.newBuilder().setName(output)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("tiny")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());
		}

		private static ValueInfoProto value(String name, TensorShapeProto.Builder shape) {
			return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
					.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
		}
	}
}
