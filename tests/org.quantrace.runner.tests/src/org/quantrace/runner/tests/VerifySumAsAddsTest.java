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

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * make_unseen35's caffe6 and seg9: the conversion writes a Sum of n inputs as n - 1 Adds ("sum-as-adds", Appendix A) so that the
 * quantized model runs it on integers. The example CNN with its last pooled map x summed as Sum(x, Sigmoid(x), Tanh(x)) before the
 * Flatten, converted and quantized fiq_int8: the honest run states the reason and verifies clean; the reason given to another
 * node, or another reason given to the Sum, every document made again, is named; and the converted model's Adds made to sum
 * something else, every hash recomputed, are named by the values they compute.
 */
class VerifySumAsAddsTest {

	private static final String SUM = "gate_sum";
	private static final String DROPOUT = "/classifier/classifier.2/Dropout";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-sum-as-adds");
			try {
				ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
				Files.write(dir.resolve("model/sum.onnx"), withSum(example).toByteArray());
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			out = dir.resolve("out");
			assertEquals(0, Runs.run(Runs.fiqInt8Recipe(dir, "sum.qr", "sum", "model/sum.onnx"), out).exitCode());
		}
		return out;
	}

	@Test
	void theSumIsListedWithItsReasonAndVerifiesClean() throws IOException {
		ConversionRecord c = org.quantrace.model.QuantraceModel.loadTrace(out().resolve("trace.xmi")).getConversions().get(0);
		int i = c.getRemovedNodes().indexOf(SUM);
		assertTrue(i >= 0, c.getRemovedNodes().toString());
		assertEquals("sum-as-adds", c.getRemovedNodeReasons().get(i));
		String log = Files.readString(out().resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains("Sum of n inputs written as n - 1 Adds, which ONNX Runtime runs on integers (sums)"), "Appendix A's Sum row");
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	@ParameterizedTest
	@CsvSource({ DROPOUT + ", sum-as-adds, a Dropout in the verified model, not a Sum",
			SUM + ", activation-rewritten, a Sum in the verified model, not one of [PRelu]",
			SUM + ", identity-removed, a Sum in the verified model, not an Identity" })
	void aReasonGivenToAnotherNodeIsNamed(String node, String reason, String named) {
		List<Problem> problems = Tampering.traceForged(out(), reason + "-" + node.replace('/', '_'), t -> {
			ConversionRecord c = t.getConversions().get(0);
			int i = c.getRemovedNodes().indexOf(node);
			assertTrue(i >= 0, node + " not removed: " + c.getRemovedNodes());
			c.getRemovedNodeReasons().set(i, reason);
		});
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith("PhIMT0002-cnn.md") && p.what().contains("why " + node) && p.what().contains(named)),
				named + " not found: " + problems);
	}

	/** The converted model's second Add reading the Sigmoid again instead of the Tanh: the sum's values are computed again. */
	@Test
	void addsSummingSomethingElseAreNamed() throws IOException {
		Path forged = Runs.copy(out(), out().resolveSibling("out-other-sum"));
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(forged.resolve("models/cnn/converted.onnx")));
		GraphProto.Builder g = m.getGraph().toBuilder();
		int adds = 0;
		for (int i = 0; i < g.getNodeCount(); i++) {
			if (g.getNode(i).getName().startsWith(SUM + "/add")) {
				adds++;
				if (g.getNode(i).getInputList().contains("gate_t")) {
					g.setNode(i, g.getNode(i).toBuilder().setInput(g.getNode(i).getInputList().indexOf("gate_t"), "gate_s"));
				}
			}
		}
		assertEquals(2, adds, g.getNodeList().stream().map(NodeProto::getName).toList().toString());
		Tampering.replaceModel(forged, "models/cnn/converted.onnx", m.toBuilder().setGraph(g).build().toByteArray());
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith("PhIMT0002-cnn.md") && p.what().contains("why " + SUM)
				&& p.what().contains("otherwise than the verified model's")), problems.toString());
	}

	/** The example CNN with the last pooled map x summed as Sum(x, Sigmoid(x), Tanh(x)) before the Flatten. */
	static ModelProto withSum(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		List<NodeProto> nodes = new ArrayList<>();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getName().equals("/classifier/classifier.0/Flatten")) {
				String x = n.getInput(0);
				nodes.add(node("Sigmoid", "gate_sigmoid", List.of(x), "gate_s"));
				nodes.add(node("Tanh", "gate_tanh", List.of(x), "gate_t"));
				nodes.add(node("Sum", SUM, List.of(x, "gate_s", "gate_t"), "summed"));
				nodes.add(n.toBuilder().setInput(0, "summed").build());
			} else {
				nodes.add(n);
			}
		}
		b.addAllNode(nodes);
		return m.toBuilder().setGraph(b).build();
	}

	private static NodeProto node(String op, String name, List<String> inputs, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
	}
}
