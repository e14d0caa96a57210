package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;

/**
 * An attention's 1/√d Mul after Q·Kᵀ (a BERT block as torch exports it), folded by the conversion into Q's projection and listed
 * removed "attention-scale-folded": the honest run verifies clean; the converted model's folded weights and bias forged to twice
 * the factor, every hash recomputed, is named: the original against the converted model differs from the recorded difference, and
 * the quantized model's codes are no longer the float weights quantized.
 */
class VerifyAttentionScaleTest {

	private static final String SCALE = "scale";

	@Test
	void aFoldedScaleVerifiesAndAWrongFactorIsNamed() throws IOException {
		Path dir = TestData.tempDir("attention-scale");
		write(dir);
		Path out = run(dir);
		ConversionRecord c = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi")).getConversions().get(0);
		int i = c.getRemovedNodes().indexOf(SCALE);
		assertTrue(i >= 0, c.getRemovedNodes().toString());
		assertEquals("attention-scale-folded", c.getRemovedNodeReasons().get(i));
		assertTrue(c.getRewrites().stream().anyMatch(p -> p.getKey().equals("attention scales") && p.getValue().contains("'scale' (Mul by 0.353553) into 'q'")),
				c.getRewrites().stream().map(p -> p.getKey() + ": " + p.getValue()).toList().toString());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		Path forged = Runs.copy(out, out.resolveSibling("out-twice"));
		String converted;
		try (Stream<Path> files = Files.walk(forged.resolve("models"))) {
			converted = forged.relativize(files.filter(f -> f.getFileName().toString().equals("converted.onnx")).findFirst().orElseThrow()).toString();
		}
		for (String t : List.of("wq_scaled", "bq_scaled")) {
			Tampering.editInitializer(forged, converted, t, p -> {
				Tensor w = Tensor.of(p);
				float[] v = w.toFloatArray();
				for (int k = 0; k < v.length; k++) {
					v[k] *= 2;
				}
				return Tensor.ofFloats(p.getName(), w.dims(), v).proto();
			});
		}
		List<Verification.Problem> problems = Verification.verify(forged).problems();
		assertFalse(problems.isEmpty());
		// the original against the converted model on the run's samples, and the quantized weights against the float ones
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("maxAbsDifference") && p.what().contains("the converted model is not the one the run checked")),
				problems.toString());
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("tensor wq_scaled (weight) codes")), problems.toString());
		// and Appendix A's removal reason: the replacement (Q's scaled projection through Q·Kᵀ) run against the Mul it replaced;
		// before forge67 that cone read the graph's input, which had no shape in the probe's, and nothing was run
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("compute s_scaled from [k_ht, x] otherwise than the verified model's")), problems.toString());
	}

	private static Path run(Path dir) {
		Path recipe = Runs.recipe(dir, "r.qr", """
				recipe r "An attention's scale folded into Q's projection" {
					responsible "test"
					model m "bert.onnx" id M version 1
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

	/**
	 * bert.onnx: x [N, 6, 16] -> q, k, v Linears (MatMul + bias Add) -> two heads of 8 (Reshape, Transpose) -> Q·Kᵀ 'scores' ->
	 * Mul 'scale' by 1/√8 -> Softmax -> ·V -> heads merged -> mean over the tokens -> MatMul [16, 3] -> y [N, 3]; 24 samples.
	 */
	private static void write(Path dir) {
		Random rnd = new Random(3);
		List<NodeProto> nodes = new ArrayList<>();
		List<TensorProto> weights = new ArrayList<>();
		weights.add(longs("heads", 0, 0, 2, 8));
		weights.add(longs("merged", 0, 0, 16));
		weights.add(TensorProto.newBuilder().setName("c").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData((float) (1 / Math.sqrt(8))).build());
		String[] perm = { "0 2 1 3", "0 2 3 1", "0 2 1 3" };
		String[] names = { "q", "k", "v" };
		for (int i = 0; i < 3; i++) {
			String n = names[i];
			weights.add(TestModels.uniform("w" + n, rnd, -0.3, 0.3, 16, 16));
			weights.add(TestModels.uniform("b" + n, rnd, -0.2, 0.2, 16));
			nodes.add(TestModels.node("MatMul", n, List.of("x", "w" + n), n + "_p"));
			nodes.add(TestModels.node("Add", n + "_add", List.of(n + "_p", "b" + n), n + "_y"));
			nodes.add(TestModels.node("Reshape", n + "_heads", List.of(n + "_y", "heads"), n + "_h"));
			nodes.add(transpose(n + "_t", n + "_h", n + "_ht", perm[i]));
		}
		nodes.add(TestModels.node("MatMul", "scores", List.of("q_ht", "k_ht"), "s"));
		nodes.add(TestModels.node("Mul", SCALE, List.of("s", "c"), "s_scaled"));
		nodes.add(TestModels.node("Softmax", "softmax", List.of("s_scaled"), "a").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)).build());
		nodes.add(TestModels.node("MatMul", "attend", List.of("a", "v_ht"), "o"));
		nodes.add(transpose("o_t", "o", "o_tt", "0 2 1 3"));
		nodes.add(TestModels.node("Reshape", "o_merge", List.of("o_tt", "merged"), "o_m"));
		nodes.add(TestModels.node("ReduceMean", "mean", List.of("o_m"), "pooled").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build());
		weights.add(TestModels.uniform("wh", rnd, -0.5, 0.5, 16, 3));
		nodes.add(TestModels.node("MatMul", "head", List.of("pooled", "wh"), "y"));
		ModelProto m = TestModels.graph(nodes, weights, batched(TestModels.tensor("x", 6, 16)), batched(TestModels.tensor("y", 3)));
		float[] x = new float[24 * 6 * 16];
		for (int i = 0; i < x.length; i++) {
			x[i] = rnd.nextFloat() * 2 - 1;
		}
		long[] y = new long[24];
		for (int i = 0; i < y.length; i++) {
			y[i] = i % 3;
		}
		try {
			Files.createDirectories(dir);
			TestModels.write(dir.resolve("bert.onnx"), m);
			NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { 24, 6, 16 }, x));
			NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { 24 }, y));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static TensorProto longs(String name, long... v) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length);
		for (long d : v) {
			t.addInt64Data(d);
		}
		return t.build();
	}

	private static NodeProto transpose(String name, String in, String out, String perm) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
		for (String p : perm.split(" ")) {
			a.addInts(Long.parseLong(p));
		}
		return TestModels.node("Transpose", name, List.of(in), out).toBuilder().addAttribute(a).build();
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
