package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A recipe run over the example CNN with its classifier written as other exporters write it (tests/data/wild
 * make_wild5.py): the first dense layer as an Einsum "nk,jk->nj" plus the bias, the last as gemm_wa's Gemm(W, x, C [10, 1],
 * transB=1) then Transpose. The conversion rewrites both into products the quantizers read, records the rewrites in the
 * trace and PhIMT0002, every scheme quantizes both layers, and verify finds the run consistent.
 */
class MatrixProductsRunTest {

	@Test
	void aRunRewritesTheProductsRecordsThemAndVerifiesClean() throws IOException {
		Path dir = Runs.exampleCopy("matrix-products-run");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		Files.write(dir.resolve("model/products.onnx"), withExportersProducts(example).toByteArray());
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "products.qr", Runs.exampleRecipe(dir, "products", "model/products.onnx", "drq, fiq_int8, fiq_uint8")), out)
				.exitCode());

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("matrix products") && trace.contains("Einsum that is a matrix product") && trace.contains("Gemm with its weight as A"),
				"the rewrites are in the trace");
		String log = Files.readString(out.resolve("logs/PhIMT0002-products.md"));
		assertTrue(log.contains("Einsum that is a matrix product") && log.contains("'einsum_fc1'") && log.contains("'gemm_fc2'"), "and in PhIMT0002");
		assertTrue(!trace.contains("Einsum has no rule") && !trace.contains("are computed at run time"), "no product left float");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** classifier.1 → Einsum("nk,jk->nj", x, W) + Add(b); classifier.4 → Gemm(W, x, b as [10, 1], transB=1) → Transpose → logits. */
	private static ModelProto withExportersProducts(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getName().equals("/classifier/classifier.1/Gemm")) {
				b.addNode(NodeProto.newBuilder().setOpType("Einsum").setName("einsum_fc1").addInput(n.getInput(0)).addInput(n.getInput(1)).addOutput("fc1_product")
						.addAttribute(AttributeProto.newBuilder().setName("equation").setType(AttributeProto.AttributeType.STRING)
								.setS(com.google.protobuf.ByteString.copyFromUtf8("nk,jk->nj"))));
				b.addNode(NodeProto.newBuilder().setOpType("Add").setName("bias_fc1").addInput("fc1_product").addInput(n.getInput(2)).addOutput(n.getOutput(0)));
			} else if (n.getName().equals("/classifier/classifier.4/Gemm")) {
				b.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("gemm_fc2").addInput(n.getInput(1)).addInput(n.getInput(0)).addInput("fc2_bias_column")
						.addOutput("logits_t").addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)));
				b.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("transpose_logits").addInput("logits_t").addOutput(n.getOutput(0))
						.addAttribute(AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0)));
			} else {
				b.addNode(n);
			}
		}
		TensorProto bias = m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("classifier.4.bias")).findFirst().orElseThrow();
		b.addInitializer(bias.toBuilder().setName("fc2_bias_column").clearDims().addDims(bias.getDims(0)).addDims(1));
		return m.toBuilder().setGraph(b).build();
	}
}
