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
		write(dir, false);
		Path out = run(dir);
		String said = "1 of ONNX Runtime's attention ops (com.microsoft Attention, MultiHeadAttention";
		assertTrue(Tampering.read(out.resolve("trace.xmi")).contains(said), "in the trace");
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		List<Verification.Problem> count = Tampering.traceForged(out, "count", t -> rewrite(t).setValue(rewrite(t).getValue().replace("1 of ONNX", "2 of ONNX")));
		assertFalse(count.isEmpty());
		assertTrue(count.stream().allMatch(p -> p.what().contains("ONNX Runtime's attention ops written as standard ops: says 2, re-derived 1")), count.toString());
		List<Verification.Problem> node = Tampering.traceForged(out, "node", t -> rewrite(t).setValue(rewrite(t).getValue().replace("'attention' (Attention", "'head' (Attention")));
		assertTrue(node.stream().anyMatch(p -> p.what().contains("'head'") && p.what().contains("a MatMul in the verified model")), node.toString());

		// the node's list of standard ops with its Softmax struck, in the trace and every document made again from it
		String list = rewrite(org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"))).getValue();
		assertTrue(list.contains("'attention' (Attention -> MatMul + Add + Split") && list.contains(" + Softmax + "), list);
		List<Verification.Problem> ops = Tampering.traceForged(out, "ops", t -> rewrite(t).setValue(rewrite(t).getValue().replaceFirst(" \\+ Softmax", "")));
		assertFalse(ops.isEmpty());
		assertTrue(ops.stream().allMatch(p -> p.what().contains("'attention' replacement ops") && p.what().contains("Softmax")), ops.toString());
		// an op the replacement does not hold added to the list: no constant was folded in its place
		List<Verification.Problem> added = Tampering.traceForged(out, "added", t -> rewrite(t).setValue(rewrite(t).getValue().replaceFirst("\\+ Softmax", "+ Relu + Softmax")));
		assertTrue(added.stream().anyMatch(p -> p.what().contains("'attention' replacement ops") && p.what().contains("no constant the node read was folded")), added.toString());
	}

	/**
	 * A mask the model holds as a constant: the rewrite's Greater, Where and Reshape of it fold to one constant, so the converted
	 * model holds fewer ops than the line lists; that verifies (the mask is no longer read as such), a struck Softmax does not.
	 */
	@Test
	void aConstantMaskFoldedVerifiesAndAStruckOpIsNamed() throws IOException {
		Path dir = TestData.tempDir("attention-rewrite-mask");
		write(dir, true);
		Path out = run(dir);
		String list = rewrite(org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"))).getValue();
		assertTrue(list.contains(" + Greater + Where + "), list);
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
		List<Verification.Problem> ops = Tampering.traceForged(out, "ops", t -> rewrite(t).setValue(rewrite(t).getValue().replaceFirst(" \\+ Softmax", "")));
		assertFalse(ops.isEmpty());
		assertTrue(ops.stream().allMatch(p -> p.what().contains("'attention' replacement ops") && p.what().contains("Softmax")), ops.toString());
	}

	private static Path run(Path dir) {
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
		return out;
	}

	private static Parameter rewrite(org.quantrace.model.trace.TraceModel t) {
		return t.getConversions().get(0).getRewrites().stream().filter(p -> p.getValue().contains("of ONNX Runtime's attention ops")).findFirst().orElseThrow();
	}

	/**
	 * vit.onnx: x [N, 4, 256] -> Attention (num_heads 4, weights [256, 768], bias [768]; above 192, the hidden size the rewrite is made
	 * from) -> MatMul [256, 3] 'head' -> ReduceMean over the tokens -> y [N, 3]; 24 samples x.npy and labels y.npy (classes 0-2).
	 * {@code masked}: the batch fixed at 1 and a constant int32 mask [1, 4] (1, 1, 1, 0) the Attention reads.
	 */
	private static void write(Path dir, boolean masked) {
		Random rnd = new Random(3);
		NodeProto.Builder node = NodeProto.newBuilder().setOpType("Attention").setDomain("com.microsoft").setName("attention").addInput("x").addInput("wqkv")
				.addInput("bqkv");
		if (masked) {
			node.addInput("mask");
		}
		NodeProto attention = node.addOutput("a").addAttribute(AttributeProto.newBuilder().setName("num_heads").setType(AttributeProto.AttributeType.INT).setI(4)).build();
		NodeProto mean = NodeProto.newBuilder().setOpType("ReduceMean").setName("mean").addInput("h").addOutput("y")
				.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build();
		ModelProto m = TestModels.graph(List.of(attention, TestModels.node("MatMul", "head", List.of("a", "wh"), "h"), mean),
				List.of(TestModels.uniform("wqkv", rnd, -0.1, 0.1, 256, 768), TestModels.uniform("bqkv", rnd, -0.2, 0.2, 768),
						TestModels.uniform("wh", rnd, -0.1, 0.1, 256, 3)),
				masked ? TestModels.tensor("x", 1, 4, 256) : batched(TestModels.tensor("x", 4, 256)),
				masked ? TestModels.tensor("y", 1, 3) : batched(TestModels.tensor("y", 3)));
		if (masked) {
			m = m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName("mask")
					.setDataType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT32_VALUE).addDims(1).addDims(4).addAllInt32Data(List.of(1, 1, 1, 0)))).build();
		}
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
