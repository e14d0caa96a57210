package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * assessor59: Appendix A gave "part of a decomposed operation, fused into one op (fusion)" (pattern-fused) to a Pad folded into its
 * Conv's pads, a ReduceMean written as GlobalAveragePool, a Conv1d's chain across the channels written as a 1x1 Conv and ONNX
 * Runtime's fused ops written as standard ops. Each has its own code and words now, and verify holds each against the files. The
 * example CNN with a Pad of zeros before its second Conv (that Conv's own pads moved into it: the same function) and a gate by
 * the mean of the last pooled map (x · Sigmoid(ReduceMean(x, [2, 3]))), converted and quantized fiq_int8: the honest run states
 * and verifies each reason; a reason set to another rewrite's, every document made again, is named.
 */
class VerifyRewriteCodesTest {

	private static final String PAD = "pad_before_conv4";
	private static final String MEAN = "gate_mean";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-rewrite-codes");
			try {
				ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
				Files.write(dir.resolve("model/padmean.onnx"), withPadAndMean(example).toByteArray());
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			out = dir.resolve("out");
			int exit = Runs.run(Runs.fiqInt8Recipe(dir, "padmean.qr", "padmean", "model/padmean.onnx"), out).exitCode();
			assertEquals(0, exit);
		}
		return out;
	}

	@Test
	void eachRewriteStatesItsOwnReasonAndVerifiesClean() throws IOException {
		ConversionRecord c = org.quantrace.model.QuantraceModel.loadTrace(out().resolve("trace.xmi")).getConversions().get(0);
		assertEquals("pad-folded", reason(c, PAD), c.getRemovedNodes() + " " + c.getRemovedNodeReasons());
		assertEquals("mean-as-global-pool", reason(c, MEAN), c.getRemovedNodes() + " " + c.getRemovedNodeReasons());
		String log = Files.readString(out().resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains("Pad of zeros on the spatial axes, folded into the padding of the Conv that alone reads it (fusion)"), "Appendix A's Pad row");
		assertTrue(log.contains("ReduceMean over every axis after the channels, written as GlobalAveragePool"), "Appendix A's ReduceMean row");
		assertTrue(!log.contains("part of a decomposed operation"), "no node of this model is part of a decomposition");
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** A node's reason set to another rewrite's: named by the op the node had, or by the op that computes what it wrote. */
	@ParameterizedTest
	@CsvSource({ PAD + ", mean-as-global-pool, a Pad in the verified model, not one of [ReduceMean]",
			PAD + ", pattern-fused, a Pad in the verified model, not one of",
			PAD + ", conv-across-channels, a Pad in the verified model, not one of [Squeeze, Transpose, Unsqueeze]",
			PAD + ", runtime-op-unfused, a Pad in the verified model, not one of [Attention, FusedConv",
			MEAN + ", pad-folded, a ReduceMean in the verified model, not one of [Pad]",
			MEAN + ", mean-as-conv, by [GlobalAveragePool], none of [Conv] that mean-as-conv writes",
			MEAN + ", pattern-fused, by [GlobalAveragePool], none of [Gelu, HardSigmoid, HardSwish, LayerNormalization] that pattern-fused writes" })
	void aReasonSetToAnotherRewritesIsNamed(String node, String reason, String named) {
		List<Problem> problems = Tampering.traceForged(out(), node + "-" + reason, t -> {
			ConversionRecord c = t.getConversions().get(0);
			int i = c.getRemovedNodes().indexOf(node);
			assertTrue(i >= 0, node + " not removed: " + c.getRemovedNodes());
			c.getRemovedNodeReasons().set(i, reason);
		});
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith("PhIMT0002-cnn.md") && p.what().contains("why " + node) && p.what().contains(named)),
				named + " not found: " + problems);
	}

	private static String reason(ConversionRecord c, String node) {
		int i = c.getRemovedNodes().indexOf(node);
		return i < 0 ? null : c.getRemovedNodeReasons().get(i).split(": ")[0];
	}

	/**
	 * The example CNN with a Pad of zeros (1 on each spatial side) before /features/features.4/Conv, whose own pads become 0, and
	 * the last pooled map x gated as x · Sigmoid(ReduceMean(x, axes [2, 3], kept)) before the Flatten.
	 */
	static ModelProto withPadAndMean(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		List<NodeProto> nodes = new ArrayList<>();
		b.addInitializer(TensorProto.newBuilder().setName("pad_pads").setDataType(TensorProto.DataType.INT64_VALUE).addDims(8)
				.addAllInt64Data(List.of(0L, 0L, 1L, 1L, 0L, 0L, 1L, 1L)));
		b.addInitializer(TensorProto.newBuilder().setName("pad_zero").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(0f));
		for (NodeProto n : m.getGraph().getNodeList()) {
			switch (n.getName()) {
			case "/features/features.4/Conv" -> {
				nodes.add(node("Pad", PAD, List.of(n.getInput(0), "pad_pads", "pad_zero"), "padded"));
				NodeProto.Builder conv = n.toBuilder().setInput(0, "padded").clearAttribute();
				n.getAttributeList().stream().filter(a -> !a.getName().equals("pads")).forEach(conv::addAttribute);
				nodes.add(conv.addAttribute(ints("pads", 0, 0, 0, 0)).build());
			}
			case "/classifier/classifier.0/Flatten" -> {
				String x = n.getInput(0);
				nodes.add(node("ReduceMean", MEAN, List.of(x), "gate_m").toBuilder().addAttribute(ints("axes", 2, 3))
						.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(1)).build());
				nodes.add(node("Sigmoid", "gate_sigmoid", List.of("gate_m"), "gate_s"));
				nodes.add(node("Mul", "gate_mul", List.of(x, "gate_s"), "gated"));
				nodes.add(n.toBuilder().setInput(0, "gated").build());
			}
			default -> nodes.add(n);
			}
		}
		b.addAllNode(nodes);
		return m.toBuilder().setGraph(b).build();
	}

	private static NodeProto node(String op, String name, List<String> inputs, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
	}

	private static AttributeProto ints(String name, long... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long v : values) {
			a.addInts(v);
		}
		return a.build();
	}
}
