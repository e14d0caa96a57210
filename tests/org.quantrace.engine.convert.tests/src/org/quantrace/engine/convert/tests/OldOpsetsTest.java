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

	@Test
	void opset6IsStillRefusedNamingTheOldestUpgradable() {
		Old t = new Old(6, 2);
		OnnxModel model = t.model(t.node("Relu", List.of("x")));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> OpsetUpgrade.upgrade(model, 13, "relu6.onnx", Map.of()));
		assertTrue(e.getMessage().startsWith("relu6.onnx: opset 6 is too old to upgrade (Quantrace upgrades from opset 7"), e.getMessage());
		assertTrue(e.hint().contains("re-export"), e.hint());
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
