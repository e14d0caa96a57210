package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Tensor sequences between nodes, as a TorchScript export of a loop over torch.split writes them (round 18's seqops:
 * SplitToSequence, a Loop, ConcatFromSequence). The shape probe exposes every node output; before it requested the tensor
 * outputs only, ONNX Runtime's sequence value reached a cast to a tensor and `quantrace inspect` stopped with an internal
 * error (ClassCastException: OnnxSequence cannot be cast to OnnxTensor).
 */
class SequenceValuesTest {

	/** x [2, 4] -> Relu -> r -> SplitToSequence (axis 1, pieces of 1) -> s -> ConcatFromSequence (axis 1) -> y [2, 4]. */
	private static ModelProto splitAndJoin() {
		NodeProto split = NodeProto.newBuilder().setOpType("SplitToSequence").setName("split").addInput("r").addOutput("s")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		NodeProto join = NodeProto.newBuilder().setOpType("ConcatFromSequence").setName("join").addInput("s").addOutput("y")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		return TestModels.graph(List.of(TestModels.node("Relu", "relu", List.of("x"), "r"), split, join), List.of(), TestModels.tensor("x", 2, 4),
				TestModels.tensor("y", 2, 4));
	}

	@Test
	void theProbeGivesTheTensorsShapesAndLeavesTheSequenceOut() {
		Map<String, TensorInfo> shapes = ShapeProbe.probe(OnnxModel.of(splitAndJoin()), "seq");
		assertEquals(List.of("2", "4"), shapes.get("r").shape(), "the Relu's output, at the model's fixed batch 2");
		assertEquals(List.of("2", "4"), shapes.get("y").shape());
		assertFalse(shapes.containsKey("s"), "a sequence has no tensor shape: " + shapes.keySet());
		ShapeProbe.Probed withBodies = ShapeProbe.probeWithBodies(OnnxModel.of(splitAndJoin()), "seq"); // what inspect runs
		assertEquals(List.of("2", "4"), withBodies.tensors().get("r").shape());
		assertFalse(withBodies.tensors().containsKey("s"));
	}

	@Test
	void theSequenceRunsBetweenNodesAndTheOutputIsComputed() {
		try (InferenceSession session = InferenceSession.open(OnnxModel.of(splitAndJoin()), SessionSettings.defaults().withThreads(1), "seq")) {
			NdArray y = session.run(Map.of("x", NdArray.ofFloats(new long[] { 2, 4 }, new float[] { -1, 2, -3, 4, 5, -6, 7, -8 }))).get("y");
			assertArrayEquals(new float[] { 0, 2, 0, 4, 5, 0, 7, 0 }, y.floats());
		}
	}

	/** A model whose output is the sequence itself: a clear refusal (exit 2 at the command line), no ClassCastException. */
	@Test
	void aSequenceOutputIsRefusedByName() {
		ModelProto m = splitAndJoin();
		ValueInfoProto seq = ValueInfoProto.newBuilder().setName("s").setType(TypeProto.newBuilder()
				.setSequenceType(TypeProto.Sequence.newBuilder().setElemType(TestModels.tensor("e", 2, 1).getType()))).build();
		ModelProto withSequenceOutput = m.toBuilder().setGraph(m.getGraph().toBuilder().addOutput(seq)).build();
		try (InferenceSession session = InferenceSession.open(OnnxModel.of(withSequenceOutput), SessionSettings.defaults().withThreads(1), "seq")) {
			assertEquals(List.of("y"), List.copyOf(session.tensorOutputs()));
			InvalidInputException e = assertThrows(InvalidInputException.class,
					() -> session.run(Map.of("x", NdArray.ofFloats(new long[] { 2, 4 }, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }))));
			assertTrue(e.getMessage().contains("output 's' is a sequence, not a tensor"), e.getMessage());
		}
	}

	/**
	 * The body of a Loop over a SplitToSequence's pieces carries a tensor sequence, so it cannot run on its own; its tensors are
	 * typed by ONNX Runtime's inference when it loads the body. They were UNKNOWN, and the trace's and report's inventory of
	 * seqops said 8 UNKNOWN where verify's recount, by ONNX's type rules, found those tensors FLOAT32.
	 */
	@Test
	void aLoopBodyReadingASequenceIsTypedByOnnxRuntimesLoad() {
		org.quantrace.engine.inspect.Inspection in = org.quantrace.engine.inspect.ModelInspector.inspect(OnnxModel.of(TestModels.loopOverSplit()), "loop",
				0, "", true);
		Map<String, String> types = new java.util.TreeMap<>();
		in.tensors().forEach(t -> types.put(t.name(), t.type()));
		// the sequences (s, acc, out, a2) are no tensors: UNKNOWN; the body's piece p and its negation q were UNKNOWN too
		assertEquals(new java.util.TreeMap<>(Map.ofEntries(Map.entry("x", "FLOAT32"), Map.entry("go", "BOOL"), Map.entry("r", "FLOAT32"),
				Map.entry("s", "UNKNOWN"), Map.entry("n", "INT64"), Map.entry("acc", "UNKNOWN"), Map.entry("out", "UNKNOWN"), Map.entry("y", "FLOAT32"),
				Map.entry("p", "FLOAT32"), Map.entry("q", "FLOAT32"), Map.entry("a2", "UNKNOWN"), Map.entry("c2", "BOOL"))), types);
		assertTrue(in.notes().stream().anyMatch(n -> n.contains("shapes of Loop 'loop' body 'body' unknown") && n.contains("element types are ONNX Runtime's")),
				in.notes().toString());
		assertTrue(in.notes().contains("4 values have no element type (UNKNOWN): tensor sequences or optional values, which are no tensors, or tensors inside subgraphs or unused"),
				in.notes().toString());
	}
}
