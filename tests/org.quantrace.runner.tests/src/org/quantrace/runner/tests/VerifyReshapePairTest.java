package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A view and the Reshape back (make_unseen31.py p4cnn's, once its BatchNorm3d is folded) removed by the conversion: the second
 * Reshape's reason "reshape-removed" (a Reshape to the shape its input has, once the pair is one Reshape) is checked against
 * the verified model, which must hold a Reshape by that name; the first goes as unread. Built from the example's model: after
 * its first MaxPool [N, 16, 14, 14], Reshape 'view' [0, 4, 4, 14, 14] and Reshape 'back' to [N, 16, 14, 14] with N read by Shape
 * and Gather at run time (as p4cnn's), read by the second Conv. Its target is first folded in place ("back (target)"), then the
 * Reshape goes whole: only the Reshape's own row may say so (the in-place row named a node the converted model no longer held:
 * p4cnn's run gave 36 mismatches).
 */
class VerifyReshapePairTest {

	private static final String FIRST_POOL = "/features/features.3/MaxPool_output_0";
	private static final String BN = "/features/features.1/BatchNormalization";

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-reshape-pair");
			ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
			Files.write(dir.resolve("model/pair.onnx"), withReshapePair(example).toByteArray());
			out = dir.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(dir, "pair.qr", Runs.exampleRecipe(dir, "pair", "model/pair.onnx", "fiq_int8")), out).exitCode());
		}
		return out;
	}

	@Test
	void theHonestRunVerifiesClean() throws IOException {
		String trace = Files.readString(out().resolve("trace.xmi"));
		assertTrue(trace.contains("reshape-removed") && trace.contains("unread: back"), "the pair's reasons are recorded");
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** A BatchNormalization's reason relabelled as a removed Reshape: the verified model holds a BatchNormalization there. */
	@Test
	void aBatchNormalizationSaidARemovedReshapeIsFound() throws IOException {
		List<Problem> problems = Tampering.traceForged(out(), "bn-as-reshape", t -> {
			ConversionRecord c = t.getConversions().get(0);
			c.getRemovedNodeReasons().set(c.getRemovedNodes().indexOf(BN), "reshape-removed");
		});
		assertTrue(problems.stream().anyMatch(p -> p.file().contains("PhIMT0002") && p.what().contains("why " + BN)
				&& p.what().contains("a BatchNormalization in the verified model, not a Reshape")), problems.toString());
	}

	/** The example's model with the pair after its first MaxPool, the second Conv reading the Reshape back. */
	private static ModelProto withReshapePair(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getInputList().contains(FIRST_POOL)) {
				n = n.toBuilder().setInput(n.getInputList().indexOf(FIRST_POOL), "backed").build();
			}
			b.addNode(n);
			if (n.getOutputList().contains(FIRST_POOL)) {
				b.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("view").addInput(FIRST_POOL).addInput("view_shape").addOutput("viewed"));
				// the batch of the target back read at run time, as torch exports x.view(x.shape[0], ...): folded in place first
				b.addNode(NodeProto.newBuilder().setOpType("Shape").setName("shape").addInput(FIRST_POOL).addOutput("dims"));
				b.addNode(NodeProto.newBuilder().setOpType("Gather").setName("gather").addInput("dims").addInput("zero").addOutput("batch"));
				b.addNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName("unsqueeze").addInput("batch").addInput("axis0").addOutput("batch1"));
				b.addNode(NodeProto.newBuilder().setOpType("Concat").setName("concat").addInput("batch1").addInput("rest").addOutput("back_shape")
						.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)));
				b.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("back").addInput("viewed").addInput("back_shape").addOutput("backed"));
			}
		}
		b.addInitializer(shape("view_shape", 0, 4, 4, 14, 14)).addInitializer(shape("rest", 16, 14, 14)).addInitializer(shape("axis0", 0))
				.addInitializer(TensorProto.newBuilder().setName("zero").setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(0));
		return m.toBuilder().setGraph(b).build();
	}

	private static TensorProto shape(String name, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(dims.length);
		for (long d : dims) {
			t.addInt64Data(d);
		}
		return t.build();
	}
}
