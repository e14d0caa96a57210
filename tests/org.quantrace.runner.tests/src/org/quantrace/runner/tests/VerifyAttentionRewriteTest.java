package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.Parameter;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;

/**
 * make_unseen32's ortvit, small: ONNX Runtime's transformers optimizer leaves com.microsoft.Attention, which the conversion
 * writes as standard ops, keeping the node's name (nothing is listed removed, so Appendix A's checks do not reach it). verify
 * holds the rewrite's line against the two models: a count or a node forged in the trace, every document made again, is named.
 */
class VerifyAttentionRewriteTest {

	@Test
	void anAttentionWrittenAsStandardOpsVerifiesAndAForgedCountIsNamed() throws IOException {
		Path dir = TestData.tempDir("attention-rewrite");
		write(dir);
		Path recipe = Runs.recipe(dir, "r.qr", """
				recipe r "An Attention as ONNX Runtime's optimizer writes it" {
					responsible "test"
					model m "vit.onnx" id M version 1
					dataset calib "x.npy" labels "y.npy" role calibration format npy
					dataset eval "x.npy" labels "y.npy" role evaluation format npy
					convert { eliminate dropout }
					schemes unquantized, fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		String said = "1 of ONNX Runtime's attention ops (com.microsoft Attention, MultiHeadAttention";
		assertTrue(Tampering.read(out.resolve("trace.xmi")).contains(said), "in the trace");
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		List<Verification.Problem> count = Tampering.traceForged(out, "count", t -> rewrite(t).setValue(rewrite(t).getValue().replace("1 of ONNX", "2 of ONNX")));
		assertFalse(count.isEmpty());
		assertTrue(count.stream().allMatch(p -> p.what().contains("ONNX Runtime's attention ops written as standard ops: says 2, re-derived 1")), count.toString());
		List<Verification.Problem> node = Tampering.traceForged(out, "node", t -> rewrite(t).setValue(rewrite(t).getValue().replace("'attention' (Attention", "'head' (Attention")));
		assertTrue(node.stream().anyMatch(p -> p.what().contains("'head'") && p.what().contains("a MatMul in the verified model")), node.toString());
	}

	private static Parameter rewrite(org.quantrace.model.trace.TraceModel t) {
		return t.getConversions().get(0).getRewrites().stream().filter(p -> p.getValue().contains("of ONNX Runtime's attention ops")).findFirst().orElseThrow();
	}

	/**
	 * vit.onnx: x [N, 4, 256] -> Attention (num_heads 4, weights [256, 768], bias [768]; above 192, the hidden size the rewrite is made
	 * from) -> MatMul [256, 3] 'head' -> ReduceMean over the tokens -> y [N, 3]; 24 samples x.npy and labels y.npy (classes 0-2).
	 */
	private static void write(Path dir) {
		Random rnd = new Random(3);
		NodeProto attention = NodeProto.newBuilder().setOpType("Attention").setDomain("com.microsoft").setName("attention").addInput("x").addInput("wqkv")
				.addInput("bqkv").addOutput("a").addAttribute(AttributeProto.newBuilder().setName("num_heads").setType(AttributeProto.AttributeType.INT).setI(4)).build();
		NodeProto mean = NodeProto.newBuilder().setOpType("ReduceMean").setName("mean").addInput("h").addOutput("y")
				.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build();
		ModelProto m = TestModels.graph(List.of(attention, TestModels.node("MatMul", "head", List.of("a", "wh"), "h"), mean),
				List.of(TestModels.uniform("wqkv", rnd, -0.1, 0.1, 256, 768), TestModels.uniform("bqkv", rnd, -0.2, 0.2, 768),
						TestModels.uniform("wh", rnd, -0.1, 0.1, 256, 3)),
				batched(TestModels.tensor("x", 4, 256)), batched(TestModels.tensor("y", 3)));
		m = m.toBuilder().setProducerName("onnxruntime.transformers").addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).build();
		float[] x = new float[24 * 4 * 256];
		for (int i = 0; i < x.length; i++) {
			x[i] = rnd.nextFloat() * 2 - 1;
		}
		long[] y = new long[24];
		for (int i = 0; i < y.length; i++) {
			y[i] = i % 3;
		}
		try {
			Files.createDirectories(dir);
			TestModels.write(dir.resolve("vit.onnx"), m);
			NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { 24, 4, 256 }, x));
			NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { 24 }, y));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** {@code v} with a symbolic batch axis N before its dimensions. */
	private static ai.onnx.proto.OnnxMl.ValueInfoProto batched(ai.onnx.proto.OnnxMl.ValueInfoProto v) {
		var b = v.toBuilder();
		TensorShapeProto.Builder shape = b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
		List<TensorShapeProto.Dimension> dims = List.copyOf(shape.getDimList());
		shape.clearDim().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N")).addAllDim(dims);
		return b.build();
	}
}
