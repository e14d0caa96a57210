package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.intAttr;
import static org.quantrace.engine.convert.tests.WildConversionTest.intsAttr;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.runtime.NdArray;

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
 * Models at opset 7 and 8, as PyTorch's opset_version 7/8 and the early model zoo wrote them (tests/data/wild
 * make_wild3.py: old7, old8, old7_zoo): Quantrace refused them ("opset 8 is too old to upgrade (Quantrace upgrades from
 * opset 9)", exit 2 from quantize). {@code convert} now raises them to opset 13, rewriting the ops whose form changed
 * before 9, and checks the result against the original in ONNX Runtime (which runs opset 7).
 */
class OldOpsetsTest {

	/**
	 * ImageScaler, BatchNormalization-7 with spatial = 0 (per-activation statistics), Upsample-7 (scales as an attribute),
	 * Dropout-7 with its mask output, Gemm; initializers also listed as graph inputs (IR 3).
	 */
	@Test
	void opset7ModelIsRaisedTo13AndComputesWhatTheOriginalDoes() {
		Old t = new Old(7, 2, 3, 3);
		String scaled = t.node("ImageScaler", List.of("x"), floatAttr("scale", 2f), floatsAttr("bias", -0.5f, 0.25f));
		String bn = t.node("BatchNormalization",
				List.of(scaled, t.floats(new long[] { 2, 3, 3 }, 1.5f, 0.1f), t.floats(new long[] { 2, 3, 3 }, 0.2f, -0.05f),
						t.floats(new long[] { 2, 3, 3 }, 0.1f, 0.03f), t.floats(new long[] { 2, 3, 3 }, 0.8f, 0.1f)),
				intAttr("spatial", 0), floatAttr("epsilon", 1e-3f));
		String up = t.node("Upsample", List.of(bn), floatsAttr("scales", 1, 1, 2, 2), stringAttr("mode", "nearest"));
		String dropped = t.dropoutWithMask(up, 0.3f);
		String flat = t.node("Flatten", List.of(dropped));
		OnnxModel model = t.model(t.node("Gemm", List.of(flat, t.floats(new long[] { 4, 72 }, 0.01f, 0.003f), t.floats(new long[] { 4 }, 0.1f, 0.2f)),
				intAttr("transB", 1)));

		FreezeResult r = Freezer.freeze(model, "old7", FreezeOptions.defaults(), null);

		assertEquals(13, r.model().opset());
		Set<String> ops = new java.util.HashSet<>(r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		assertTrue(ops.stream().noneMatch(Set.of("ImageScaler", "BatchNormalization", "Upsample", "Dropout")::contains), ops.toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.toString().startsWith("opset: default-domain opset 7 -> 13")
				&& w.toString().contains("ImageScaler 'imagescaler0'") && w.toString().contains("Upsample 'upsample")), r.rewrites().toString());
		// what verify re-derives from the two files: the BatchNormalization is gone (listed, and eliminated), and nothing the
		// upgrade wrote (its epsilon Add and Sqrt, folded) is listed as a node the original lost
		assertTrue(r.removedNodes().stream().anyMatch(n -> n.matches("batchnormalization\\d+")), r.removedNodes().toString());
		assertTrue(r.removedNodes().stream().noneMatch(n -> n.matches("batchnormalization\\d+_.*")), r.removedNodes().toString());
		assertEquals(org.quantrace.model.trace.EliminationStatus.REMOVED,
				r.eliminations().get(org.quantrace.model.recipe.TrainingOperation.BATCH_NORMALIZATION).status());
		assertTrue(r.maxAbsDifference() < 1e-5, "difference " + r.maxAbsDifference());
		NdArray x = WildConversionTest.random(3, 2, 3, 3);
		assertArrayEquals(WildConversionTest.run(model, x), WildConversionTest.run(r.model(), x), 1e-5f);
	}

	/** The same at opset 8, torch's training-mode export: BatchNormalization with its five outputs, Dropout, MaxPool-8. */
	@Test
	void opset8TrainingExportIsFrozenAtOpset13() {
		Old t = new Old(8, 2, 4, 4);
		String bn = t.node("BatchNormalization", List.of("x", t.floats(new long[] { 2 }, 1.2f, 0.3f), t.floats(new long[] { 2 }, 0.1f, 0.1f),
				t.floats(new long[] { 2 }, 0.3f, 0.1f), t.floats(new long[] { 2 }, 0.9f, 0.2f)), 5, floatAttr("momentum", 0.9f)).get(0);
		String pooled = t.node("MaxPool", List.of(bn), intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2));
		OnnxModel model = t.model(t.node("Max", List.of(t.dropoutWithMask(pooled, 0.5f), t.floats(new long[] { 2, 2, 2 }, 0.1f, 0f))));

		FreezeResult r = Freezer.freeze(model, "old8_train", FreezeOptions.defaults(), null);

		assertEquals(13, r.model().opset());
		assertTrue(r.maxAbsDifference() < 1e-5, "difference " + r.maxAbsDifference());
	}

	/**
	 * Caffe2's legacy broadcast (opsets 1-6): Add with broadcast = 1 and axis = 1 adds a [C] bias along axis 1 of [N, C, K],
	 * where numpy broadcasting (from 7) would line it up with the last axis. make_unseen35's caffe6 was refused ("opset 6 is
	 * too old to upgrade", re-export it). Expected values computed here from the operator's definition, not by a session.
	 */
	@Test
	void opset6LegacyBroadcastAtAxis1AddsPerChannel() {
		Old t = new Old(6, 2, 3);
		String bias = t.floats(new long[] { 2 }, 0.5f, -1f); // 0.5, -0.5
		OnnxModel model = t.model(t.node("Add", List.of("x", bias), intAttr("broadcast", 1), intAttr("axis", 1)));
		OnnxModel raised = model.copy();
		List<OpsetUpgrade.RewrittenNode> nodes = OpsetUpgrade.upgrade(raised, 13, "caffe6", Map.of());
		assertEquals(13, raised.opset());
		assertEquals(List.of("Add"), nodes.stream().map(OpsetUpgrade.RewrittenNode::opType).toList());
		assertEquals(List.of("Unsqueeze", "Add"), raised.graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray x = WildConversionTest.random(2, 2, 3);
		float[] in = x.floats();
		float[] out = WildConversionTest.run(raised, x);
		for (int i = 0; i < in.length; i++) {
			assertEquals(in[i] + ((i / 3) % 2 == 0 ? 0.5f : -0.5f), out[i], 1e-6f, "element " + i);
		}
	}

	/**
	 * An opset-6 model as Caffe2 exported the zoo's (every weight a graph input, IR 3): consumed_inputs, is_test on
	 * BatchNormalization and Dropout, Gemm's broadcast, a bias Add at axis 1, Sum of three. ONNX Runtime has no opset-6
	 * kernel, so its sessions run the original raised to 7 (the rewrite says that this step is not checked by the comparison;
	 * the values are checked here against the operators' definitions) and the conversion reaches opset 13.
	 */
	@Test
	void opset6CaffeModelIsConverted() {
		Old t = new Old(6, 2, 3, 3);
		String scaled = t.node("Mul", List.of("x", t.floats(new long[] { 1 }, 2f, 0f)), intAttr("broadcast", 1));
		String biased = t.node("Add", List.of(scaled, t.floats(new long[] { 2 }, 0.1f, 0.2f)), intAttr("broadcast", 1), intAttr("axis", 1));
		String bn = t.node("BatchNormalization", List.of(biased, t.floats(new long[] { 2 }, 1.2f, 0.3f), t.floats(new long[] { 2 }, 0.1f, 0.1f),
				t.floats(new long[] { 2 }, 0.3f, 0.1f), t.floats(new long[] { 2 }, 0.9f, 0.2f)), intAttr("is_test", 1), intsAttr("consumed_inputs", 0, 0, 0, 1, 1));
		String relu = t.node("Relu", List.of(bn), intsAttr("consumed_inputs", 0));
		String dropped = t.node("Dropout", List.of(relu), intAttr("is_test", 1), floatAttr("ratio", 0.5f));
		String flat = t.node("Flatten", List.of(dropped));
		String fc = t.node("Gemm", List.of(flat, t.floats(new long[] { 4, 18 }, 0.01f, 0.003f), t.floats(new long[] { 4 }, 0.1f, 0.2f)),
				intAttr("transB", 1), intAttr("broadcast", 1));
		String fc2 = t.node("Gemm", List.of(flat, t.floats(new long[] { 4, 18 }, -0.02f, 0.005f), t.floats(new long[] { 4 }, 0f, 0.1f)),
				intAttr("transB", 1), intAttr("broadcast", 1));
		OnnxModel model = t.model(t.node("Sum", List.of(fc, fc2, fc), intsAttr("consumed_inputs", 0, 0, 0)));

		FreezeResult r = Freezer.freeze(model, "caffe6", FreezeOptions.defaults(), null);

		assertEquals(13, r.model().opset());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.toString().startsWith("opset: default-domain opset 6 -> 13")
				&& w.toString().contains("Add 'add") && w.toString().contains("BatchNormalization 'batchnormalization")
				&& w.toString().contains("the original itself runs raised to it by the same rewrite")), r.rewrites().toString());
		// the Unsqueeze the legacy broadcast wrote is no node of the original: not listed as rewritten, nor as removed
		String opset = r.rewrites().stream().map(Object::toString).filter(w -> w.startsWith("opset:")).findFirst().orElseThrow();
		assertTrue(opset.contains("rewritten: Mul 'mul1', Add 'add3', BatchNormalization 'batchnormalization8', Relu 'relu9', Dropout 'dropout10',"
				+ " Gemm 'gemm14', Gemm 'gemm17', Sum 'sum18' (checked"), opset); // each once, and no Unsqueeze
		assertTrue(r.removedNodes().stream().noneMatch(n -> n.contains("align")), r.removedNodes().toString());
		// nor counted as a node of the original that constant folding evaluated (it was: "1 node ... (Unsqueeze)"), but said apart
		List<String> folding = r.rewrites().stream().map(Object::toString).filter(w -> w.startsWith("constant folding:")).toList();
		assertTrue(folding.stream().anyMatch(w -> w.contains("no node of the original folded; 1 node the conversion itself wrote (Unsqueeze) had only constant inputs")), folding.toString());
		assertTrue(folding.stream().noneMatch(w -> w.substring(0, w.indexOf("the conversion itself wrote") < 0 ? w.length() : w.indexOf("the conversion itself wrote"))
				.contains("Unsqueeze")), folding.toString());
		assertTrue(r.maxAbsDifference() < 1e-5, "difference " + r.maxAbsDifference());
		// the same figure verify derives again from the two files
		assertTrue(Freezer.difference(model, r.model(), "caffe6", null) < 1e-5);
		// what the original computes, from the operators' definitions: x * 2 + bias[c], BatchNormalization, Relu, Gemm twice, summed
		NdArray x = WildConversionTest.random(2, 2, 3, 3);
		float[] in = x.floats();
		float[] out = WildConversionTest.run(r.model(), x);
		float[] h = new float[18];
		for (int n = 0; n < 2; n++) {
			for (int i = 0; i < 18; i++) {
				int c = i / 9;
				float v = in[n * 18 + i] * 2f + (0.1f + 0.2f * c);
				float scale = 1.2f + 0.3f * c, b = 0.1f + 0.1f * c, mean = 0.3f + 0.1f * c, var = 0.9f + 0.2f * c;
				h[i] = Math.max(0f, (float) ((v - mean) / Math.sqrt(var + 1e-5f) * scale + b));
			}
			for (int o = 0; o < 4; o++) {
				double a = 0.1f + 0.2f * o, a2 = 0.1f * o;
				for (int i = 0; i < 18; i++) {
					a += h[i] * (0.01f + 0.003f * ((o * 18 + i) % 7));
					a2 += h[i] * (-0.02f + 0.005f * ((o * 18 + i) % 7));
				}
				assertEquals(2 * a + a2, out[n * 4 + o], 1e-4, "sample " + n + " output " + o);
			}
		}
	}

	/** An op whose form changed otherwise before 7 (Pad-1's paddings) is refused naming it and how to go on. */
	@Test
	void opset6OpOfAnotherFormIsRefusedNamingIt() {
		Old t = new Old(6, 2);
		OnnxModel model = t.model(t.node("Pad", List.of("x"), intsAttr("paddings", 0, 1, 0, 1)));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OpsetUpgrade.upgrade(model, 13, "pad6.onnx", Map.of()));
		assertTrue(e.getMessage().startsWith("pad6.onnx: cannot upgrade node 'pad0' (Pad) from opset 6 to 7: Quantrace does not know how Pad changed"),
				e.getMessage());
		assertTrue(e.hint().contains("onnx.version_converter"), e.hint());
	}

	/**
	 * Before 13, Softmax at axis 1 of [N, C, H, W] normalizes over C*H*W (the input flattened to 2-D at the axis): the zoo's
	 * SqueezeNet 1.1 (opset 7) ends so over [1, 1000, 1, 1], an FCN over its score map. The upgrade refused it ("axis 1 of a
	 * rank-4 input means something else from opset 13 on"); it writes Flatten, Softmax, Reshape now, as ONNX's version converter.
	 */
	@Test
	void softmaxAtAxis1OfA4dInputKeepsItsMeaningAtOpset13() {
		for (Map<String, Integer> ranks : List.of(Map.of("x", 4), Map.<String, Integer>of())) {
			Old t = new Old(9, 2, 3, 3);
			OnnxModel model = t.model(t.node("Softmax", List.of("x"), intAttr("axis", 1)));
			OnnxModel raised = model.copy();
			OpsetUpgrade.upgrade(raised, 13, "seg9", ranks);
			assertEquals(List.of("Shape", "Flatten", "Softmax", "Reshape"), raised.graph().nodes().stream().map(n -> n.opType()).toList());
			NdArray x = WildConversionTest.random(2, 2, 3, 3);
			float[] out = WildConversionTest.run(raised, x);
			float[] in = x.floats();
			for (int n = 0; n < 2; n++) { // normalized over the sample's 18 values
				double sum = 0;
				for (int i = 0; i < 18; i++) {
					sum += Math.exp(in[n * 18 + i]);
				}
				for (int i = 0; i < 18; i++) {
					assertEquals(Math.exp(in[n * 18 + i]) / sum, out[n * 18 + i], 1e-6, "sample " + n + " value " + i);
				}
			}
			assertArrayEquals(WildConversionTest.run(model, x), out, 1e-6f);
		}
	}

	/** The zoo's SqueezeNet end at opset 7: Softmax over [N, C, 1, 1]; convert raises it to 13 and checks it. */
	@Test
	void squeezeNetSoftmaxOverPooledMapIsConverted() {
		Old t = new Old(7, 3, 2, 2);
		String pooled = t.node("GlobalAveragePool", List.of("x"));
		OnnxModel model = t.model(t.node("Softmax", List.of(pooled)));
		FreezeResult r = Freezer.freeze(model, "squeeze7", FreezeOptions.defaults(), null);
		assertEquals(13, r.model().opset());
		assertTrue(r.maxAbsDifference() < 1e-6, "difference " + r.maxAbsDifference());
	}

	/** Scan-8 has a batch axis that Scan-9 lacks: refused, naming the node, rather than rewritten into something else. */
	@Test
	void scan8IsRefusedNamingTheNode() {
		Old t = new Old(8, 3, 2);
		GraphProto body = GraphProto.newBuilder().setName("body")
				.addNode(NodeProto.newBuilder().setOpType("Add").addInput("s_in").addInput("x_t").addOutput("s_out"))
				.addNode(NodeProto.newBuilder().setOpType("Identity").addInput("s_out").addOutput("y_t"))
				.addInput(Old.value("s_in", 2)).addInput(Old.value("x_t", 2)).addOutput(Old.value("s_out", 2)).addOutput(Old.value("y_t", 2)).build();
		String init = t.floats(new long[] { 1, 2 }, 0f, 0f);
		String scan = t.node("Scan", List.of("", init, "x"), AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH)
				.setG(body).build(), intAttr("num_scan_inputs", 1));
		OnnxModel model = t.model(scan);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OpsetUpgrade.upgrade(model, 13, "scan8.onnx", Map.of()));
		assertTrue(e.getMessage().startsWith("scan8.onnx: cannot upgrade node 'scan"), e.getMessage());
		assertTrue(e.getMessage().contains("Scan-8 runs its body once per element of a leading batch axis"), e.getMessage());
	}

	/** Dropout-7's mask is of the data's type and holds zeros at inference in ONNX Runtime; Dropout-12's is bool and all true. */
	@Test
	void dropout7WhoseMaskIsReadIsRefused() {
		Old t = new Old(7, 2);
		NodeProto.Builder d = NodeProto.newBuilder().setOpType("Dropout").setName("drop").addInput("x").addOutput("y").addOutput("mask");
		t.g.addNode(d);
		OnnxModel model = t.model(t.node("Add", List.of("y", "mask")));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OpsetUpgrade.upgrade(model, 13, "mask7.onnx", Map.of()));
		assertTrue(e.getMessage().startsWith("mask7.onnx: cannot upgrade node 'drop' (Dropout) from opset 7 to 13: its mask output 'mask' is read"),
				e.getMessage());
	}

	/** Upsample-7 raised to opset 9 stays an Upsample, its scales an input; raised to 10 it is a Resize-10. */
	@Test
	void upsample7ToOpset9And10() {
		for (int target : new int[] { 9, 10 }) {
			Old t = new Old(7, 1, 2, 2);
			OnnxModel model = t.model(t.node("Upsample", List.of("x"), floatsAttr("scales", 1, 1, 2, 3)));
			OnnxModel raised = model.copy();
			OpsetUpgrade.upgrade(raised, target, "up7", Map.of());
			var n = raised.graph().nodes().get(0);
			assertEquals(target == 9 ? "Upsample" : "Resize", n.opType());
			assertEquals(2, n.inputs().size());
			assertTrue(n.attribute("scales").isEmpty());
			NdArray x = WildConversionTest.random(2, 1, 2, 2);
			assertArrayEquals(WildConversionTest.run(model, x), WildConversionTest.run(raised, x), 0f);
		}
	}

	static AttributeProto floatAttr(String name, float v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
	}

	static AttributeProto floatsAttr(String name, float... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
		for (float e : v) {
			a.addFloats(e);
		}
		return a.build();
	}

	static AttributeProto stringAttr(String name, String v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
				.setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
	}

	/** A graph at an old opset, IR 3: every initializer is also a graph input, as exporters then wrote them. */
	static final class Old {
		final GraphProto.Builder g = GraphProto.newBuilder().setName("old");
		private final int opset;
		private int names;

		/** Input x of shape [N, sample...]. */
		Old(int opset, long... sample) {
			this.opset = opset;
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
			for (long d : sample) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			g.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
					.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
		}

		String node(String op, List<String> inputs, AttributeProto... attributes) {
			return node(op, inputs, 1, attributes).get(0);
		}

		List<String> node(String op, List<String> inputs, int outputs, AttributeProto... attributes) {
			String name = op.toLowerCase() + names++;
			NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs);
			List<String> out = new ArrayList<>();
			for (int i = 0; i < outputs; i++) {
				out.add(name + "_out" + (i == 0 ? "" : i));
			}
			n.addAllOutput(out);
			for (AttributeProto a : attributes) {
				n.addAttribute(a);
			}
			g.addNode(n);
			return out;
		}

		/** Dropout-7 with both outputs (the mask unread), as torch writes it. */
		String dropoutWithMask(String input, float ratio) {
			return node("Dropout", List.of(input), 2, floatAttr("ratio", ratio)).get(0);
		}

		/** A float initializer (also a graph input) of {@code start}, {@code start + step}, ... */
		String floats(long[] dims, float start, float step) {
			String name = "w" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
			long n = 1;
			for (long d : dims) {
				t.addDims(d);
				n *= d;
			}
			for (long i = 0; i < n; i++) {
				t.addFloatData(start + step * (i % 7));
			}
			g.addInitializer(t);
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
			for (long d : dims) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			g.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
					.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
			return name;
		}

		OnnxModel model(String output) {
			g.addOutput(ValueInfoProto.newBuilder().setName(output)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(3).setProducerName("old")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g).build());
		}

		static ValueInfoProto value(String name, int rank) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
			for (int i = 0; i < rank; i++) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i));
			}
			return ValueInfoProto.newBuilder().setName(name)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
					.build();
		}
	}
}
