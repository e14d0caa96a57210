package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import com.google.protobuf.ByteString;

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
 * make_unseen32's skllr_nozipmap (skl2onnx's StandardScaler + LogisticRegression: ai.onnx.ml Scaler, LinearClassifier, Normalizer)
 * quantized 0 of 4 layers: no ai.onnx.ml op has an integer form. The conversion writes the linear ones as the standard ops that
 * compute them (engine.convert.MlLinearOps), ONNX Runtime's kernels op for op: the labels identical, the scores within float
 * rounding, each ml node listed as removed for that reason; what has no exact standard form is left with its reason.
 */
class MlLinearOpsTest {

	private static final int FEATURES = 6;

	/** skl2onnx's graph: x [N, 6] float; each node in ai.onnx.ml unless it is a standard op. */
	private static final class Skl {
		final GraphProto.Builder g = GraphProto.newBuilder().setName("skl");
		final Random rnd = new Random(5);

		Skl() {
			g.addInput(value("x", TensorProto.DataType.FLOAT, 2));
		}

		void node(String op, String in, List<String> out, AttributeProto... attributes) {
			NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + g.getNodeCount()).addInput(in).addAllOutput(out);
			if (!List.of("Cast", "Identity").contains(op)) {
				n.setDomain("ai.onnx.ml");
			}
			List.of(attributes).forEach(n::addAttribute);
			g.addNode(n);
		}

		float[] uniform(int n) {
			float[] v = new float[n];
			for (int i = 0; i < n; i++) {
				v[i] = rnd.nextFloat() * 2 - 1;
			}
			return v;
		}

		OnnxModel model(Map<String, TensorProto.DataType> outputs) {
			outputs.forEach((name, type) -> g.addOutput(value(name, type, name.startsWith("label") ? 1 : 2)));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("skl2onnx")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
					.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1)).setGraph(g).build());
		}

		private static ValueInfoProto value(String name, TensorProto.DataType type, int rank) {
			TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
			if (rank == 2) {
				s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(FEATURES));
			}
			return ValueInfoProto.newBuilder().setName(name)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s))).build();
		}
	}

	private static AttributeProto floats(String name, float... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
		for (float f : v) {
			a.addFloats(f);
		}
		return a.build();
	}

	private static AttributeProto ints(String name, long... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long x : v) {
			a.addInts(x);
		}
		return a.build();
	}

	private static AttributeProto text(String name, String value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build();
	}

	private static AttributeProto strings(String name, String... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
		for (String s : v) {
			a.addStrings(ByteString.copyFromUtf8(s));
		}
		return a.build();
	}

	private static AttributeProto one(String name, long v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
	}

	/** 64 rows of gaussian features (×3, past the Scaler's offsets), the last row all zeros (the Normalizer's zero divisor). */
	private static NdArray rows() {
		Random r = new Random(11);
		float[] v = new float[64 * FEATURES];
		for (int i = 0; i < 63 * FEATURES; i++) {
			v[i] = (float) (3 * r.nextGaussian());
		}
		return NdArray.ofFloats(new long[] { 64, FEATURES }, v);
	}

	private static Map<String, NdArray> run(OnnxModel m) {
		try (InferenceSession s = InferenceSession.open(m, SessionSettings.defaults().withThreads(1), "skl")) {
			return new LinkedHashMap<>(s.run(Map.of("x", rows())));
		}
	}

	private static void sameOutputs(OnnxModel original, OnnxModel converted, List<String> labels, List<String> scores) {
		Map<String, NdArray> a = run(original);
		Map<String, NdArray> b = run(converted);
		for (String l : labels) {
			assertArrayEquals((long[]) a.get(l).data(), (long[]) b.get(l).data(), l);
		}
		for (String s : scores) {
			assertArrayEquals(a.get(s).floats(), b.get(s).floats(), 1e-5f, s);
		}
	}

	@Test
	void aScaledLogisticRegressionAsSkl2onnxWritesItIsWrittenAsStandardOps() {
		Skl s = new Skl();
		s.node("Scaler", "x", List.of("variable"), floats("offset", s.uniform(FEATURES)), floats("scale", 0.5f, 1, 2, 3, 0.25f, 1.5f));
		// labels not 0..3: the label is a Gather of classlabels_ints by the first largest raw score
		s.node("LinearClassifier", "variable", List.of("label", "probability_tensor"), floats("coefficients", s.uniform(4 * FEATURES)),
				floats("intercepts", s.uniform(4)), ints("classlabels_ints", 2, 4, 6, 8), one("multi_class", 0), text("post_transform", "SOFTMAX"));
		s.node("Normalizer", "probability_tensor", List.of("probabilities"), text("norm", "L1"));
		s.node("Cast", "label", List.of("output_label"), one("to", TensorProto.DataType.INT64_VALUE));
		s.node("Identity", "probabilities", List.of("output_probability"));
		OnnxModel model = s.model(new LinkedHashMap<>(Map.of("output_label", TensorProto.DataType.INT64)));
		model = OnnxModel.of(model.toProto().toBuilder().setGraph(model.toProto().getGraph().toBuilder()
				.addOutput(Skl.value("output_probability", TensorProto.DataType.FLOAT, 2))).build());
		FreezeResult r = Freezer.freeze(model, "skllr_nozipmap", FreezeOptions.defaults(), null);
		List<Node> nodes = r.model().graph().nodes();
		assertTrue(nodes.stream().allMatch(Node::isStandard), nodes.toString());
		assertEquals(List.of("Sub", "Mul", "Gemm", "ArgMax", "Gather", "Softmax", "ReduceL1", "Equal", "Where", "Div"),
				nodes.stream().map(Node::opType).filter(o -> !o.equals("Cast") && !o.equals("Identity")).toList());
		assertEquals("ml-op-rewritten", r.removalReasons().get("Scaler0").code());
		assertEquals("ml-op-rewritten", r.removalReasons().get("LinearClassifier1").code());
		assertEquals("ml-op-rewritten", r.removalReasons().get("Normalizer2").code());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("3 ai.onnx.ml ops")
				&& w.description().contains("'LinearClassifier1' (LinearClassifier -> Gemm + ArgMax + Gather + Softmax)")), r.rewrites().toString());
		sameOutputs(model, r.model(), List.of("output_label"), List.of("output_probability"));
	}

	@Test
	void regressorsNormsAndLogisticScoresAreRewrittenAndWhatHasNoExactFormIsLeftWithItsReason() {
		Skl s = new Skl();
		s.node("LinearRegressor", "x", List.of("regression"), floats("coefficients", s.uniform(FEATURES * FEATURES)), floats("intercepts", s.uniform(FEATURES)),
				one("targets", FEATURES));
		s.node("Normalizer", "x", List.of("by_max"), text("norm", "MAX"));
		s.node("Normalizer", "x", List.of("by_l2"), text("norm", "L2"));
		s.node("LinearClassifier", "x", List.of("label_logistic", "logistic"), floats("coefficients", s.uniform(3 * FEATURES)), floats("intercepts", s.uniform(3)),
				ints("classlabels_ints", 0, 1, 2), text("post_transform", "LOGISTIC"));
		s.node("LinearClassifier", "x", List.of("label_binary", "binary"), floats("coefficients", s.uniform(FEATURES)), floats("intercepts", 0.1f),
				ints("classlabels_ints", 0, 1), text("post_transform", "LOGISTIC"));
		s.node("LinearClassifier", "x", List.of("label_text", "text_scores"), floats("coefficients", s.uniform(2 * FEATURES)), floats("intercepts", 0f, 0f),
				strings("classlabels_strings", "cat", "dog"));
		s.node("LinearClassifier", "x", List.of("label_probit", "probit"), floats("coefficients", s.uniform(2 * FEATURES)), floats("intercepts", 0f, 0f),
				ints("classlabels_ints", 0, 1), text("post_transform", "PROBIT"));
		Map<String, TensorProto.DataType> outputs = new LinkedHashMap<>();
		List.of("regression", "by_max", "by_l2", "logistic", "binary", "text_scores", "probit").forEach(o -> outputs.put(o, TensorProto.DataType.FLOAT));
		outputs.put("label_logistic", TensorProto.DataType.INT64);
		outputs.put("label_binary", TensorProto.DataType.INT64);
		OnnxModel model = s.model(outputs);
		FreezeResult r = Freezer.freeze(model, "sklmix", FreezeOptions.defaults(), null);
		List<String> ops = r.model().graph().nodes().stream().map(n -> n.domain().isEmpty() ? n.opType() : n.domain() + "." + n.opType()).toList();
		assertEquals(List.of("Gemm", "ReduceMax", "Equal", "Where", "Div", "ReduceL2", "Equal", "Where", "Div", "Gemm", "ArgMax", "Sigmoid",
				"ai.onnx.ml.LinearClassifier", "ai.onnx.ml.LinearClassifier", "ai.onnx.ml.LinearClassifier"), ops);
		assertTrue(r.rewrites().stream().anyMatch(w -> !w.made() && w.description().startsWith("3 ai.onnx.ml ops left as they are (they stay float): ")
				&& w.description().contains("binary (one coefficient row)") && w.description().contains("its class labels are strings")
				&& w.description().contains("post_transform PROBIT has no standard op")), r.rewrites().toString());
		sameOutputs(model, r.model(), List.of("label_logistic", "label_binary"), List.of("regression", "by_max", "by_l2", "logistic", "binary", "text_scores", "probit"));
	}
}
