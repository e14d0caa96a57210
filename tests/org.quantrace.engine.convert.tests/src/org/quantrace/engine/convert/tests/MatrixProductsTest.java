package org.quantrace.engine.convert.tests;

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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.convert.Rewrite;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestData;

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
 * Matrix products other exporters write in forms no integer kernel reads (tests/data/wild make_wild5.py: einsum_attn,
 * weightfirst, gemm_wa): `convert` rewrites them into MatMul and Gemm with the weight second and no transA, records what
 * it rewrote (and what it left, with the reason), and the rewritten model computes what the original computes. Then the
 * quantizers read the weights and ONNX Runtime runs integer kernels.
 */
class MatrixProductsTest {

	// ------------------------------------------------------------------ Einsum

	/**
	 * Einsums that are (batched) matrix products, over two activations (the second is x·c) or an activation and a constant
	 * (sample shape, then the constant's shape; "-" for x·c): each becomes MatMul with Transposes where the axes are in
	 * another order, and computes the same. Before, Einsum stayed as it was (float in every scheme: "no rule"). Those that
	 * contract several indices (bilinear pooling's nchw,ndhw->ncd over h and w, make_unseen13's bilinear; a dense layer over
	 * c, h and w) merge them into one axis by Reshapes first; before unseen13 they were left ("contracts 2 indices (h, w), a
	 * MatMul contracts one").
	 */
	@ParameterizedTest
	@CsvSource(delimiter = ';', value = { "bqd,bkd->bqk; 6x8; -", "bqk,bkd->bqd; 6x6; -", "ij,jk->ik; 8; 8x5", "bij,jk->bik; 6x8; 8x5",
			"nchw,wk->nchk; 2x3x8; 8x5", "ij,jk; 8; 8x5", "...ij,jk->...ik; 6x8; 8x5", "bij,kj->bik; 6x8; 5x8", "bkd,bqd->bqk; 6x8; -",
			"bij,jk->bki; 6x8; 8x5", "jk,bij->bik; 6x8; 8x5", "bqd , bkd -> bqk; 6x8; -", "...ij,...jk->...ik; 8x8; -", "...ij,...jk; 8x8; -",
			"...ij,...kj->...ki; 2x8x8; -", "nchw,ndhw->ncd; 3x4x5; -", "nchw,dhw->ncd; 3x4x5; 6x4x5", "nchw,kchw->nk; 3x4x5; 7x3x4x5",
			"nchw,ndhw->ndc; 3x4x5; -" })
	void anEinsumThatIsAMatrixProductBecomesMatMul(String equation, String sample, String constant) {
		boolean constantFirst = equation.startsWith("jk,");
		Graph t = new Graph(dims(sample));
		String other = constant.equals("-") ? t.node("Mul", List.of("x", t.random(dims(sample)[dims(sample).length - 1]))) : t.random(dims(constant));
		String y = t.node("Einsum", constantFirst ? List.of(other, "x") : List.of("x", other), str("equation", equation));
		FreezeResult f = check(t.model(y), "Einsum that is a matrix product", "Einsum", "einsum" + (constant.equals("-") ? 2 : 1));
		if (!constant.equals("-")) {
			Node mm = f.model().graph().nodes().stream().filter(n -> n.opType().equals("MatMul")).findFirst().orElseThrow();
			assertTrue(f.model().graph().initializer(mm.input(1)) != null, "the constant is MatMul's second input, its weights: " + mm);
		}
	}

	/**
	 * Round 28's lambdanet: its position lambdas are Einsum('nmk,bvm->bnkv', E, v) with a learned E [n, m, k] whose indices n
	 * and k are both its own, which EinsumProduct refuses ("both operands have more than one index of their own in the
	 * output"; it stayed float, "Einsum has no rule"). A constant's own axes merge for free: E stored as [m, (n k)], the
	 * product MatMul(v, E') and a Reshape (+ a Transpose where the own indices are not in place) give the same numbers, and
	 * after full-integer quantization ONNX Runtime runs an integer product, no Einsum and no float MatMul.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = ';', value = { "nmk,bvm->bnkv; 5x7x4", "bvm,nmk->bnkv; 5x7x4", "nmk,bvm->bnvk; 5x7x4", "bvm,kmn->bvnk; 4x7x5" })
	void anEinsumWhoseConstantHasSeveralOwnIndicesBecomesMatMulOfTheConstantMerged(String equation, String constant) {
		Graph t = new Graph(6, 7);
		String e = t.random(dims(constant));
		OnnxModel model = t.model(t.node("Einsum", equation.startsWith("b") ? List.of("x", e) : List.of(e, "x"), str("equation", equation)));
		FreezeResult f = check(model, "several indices of its own", "Einsum", "einsum1");
		Node mm = f.model().graph().nodes().stream().filter(n -> n.opType().equals("MatMul")).findFirst().orElseThrow();
		assertEquals(List.of(7L, 20L), java.util.Arrays.stream(f.model().graph().initializer(mm.input(1)).dims()).boxed().toList(),
				"E merged as [m, (n k)], MatMul's weights: " + mm);
		Preprocessing.Outcome pre = Preprocessing.of(model, "lambda", null, true);
		QuantizationResult q = Quantizer.quantize(pre.model(model), "lambda", Schemes.preset("fiq_float32"), t.calibration(), Progress.NONE);
		List<String> kernels = optimizedOps(q.model());
		assertTrue(kernels.stream().anyMatch(k -> k.equals("QLinearMatMul") || k.equals("com.microsoft.MatMulIntegerToFloat")), "an integer product: " + kernels);
		assertTrue(kernels.stream().noneMatch(k -> k.equals("MatMul") || k.equals("Einsum") || k.equals("com.microsoft.FusedMatMul")), "no float product: " + kernels);
	}

	/**
	 * Einsums that are no plain product of one index are left as they are, each with its reason in the record, and the
	 * conversion gains nothing from them (quantize takes the model as it is). The operands after x: "xc" is x·c (an
	 * activation of x's shape), dimensions a constant.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = ';', value = { "bii,bij->bij; 4x4; xc; repeats in operand 1 (a diagonal)", "bij,bjk->bi; 4x4; xc; which only operand 2 has",
			"bij,bij->b; 4x4; xc; contracts 2 indices (i, j)", "bij,bik->bijk; 4x4; xc; contracts no index", "ij,j->i; 4; 4; has no index of its own",
			"bij,bjk,bkl->bil; 4x4; xc xc; 3 operands" })
	void anEinsumThatIsNoPlainProductIsLeftWithItsReason(String equation, String sample, String others, String reason) {
		Graph t = new Graph(dims(sample));
		List<String> operands = new ArrayList<>(List.of("x"));
		for (String o : others.trim().split(" ")) {
			operands.add(o.equals("xc") ? t.node("Mul", List.of("x", t.random(dims(sample)[dims(sample).length - 1]))) : t.random(dims(o)));
		}
		OnnxModel model = t.model(t.node("Einsum", operands, str("equation", equation)));
		FreezeResult r = Freezer.freeze(model, "einsum", FreezeOptions.defaults(), null);
		assertTrue(ops(r.model()).contains("Einsum"), "left as it is: " + ops(r.model()));
		Rewrite w = r.rewrites().stream().filter(x -> x.kind().equals(Rewrite.MATRIX_PRODUCTS)).findFirst().orElseThrow(() -> new AssertionError(r.rewrites()));
		assertFalse(w.made(), w.toString());
		assertTrue(w.description().contains(reason) && w.description().contains(equation), w.toString());
		assertTrue(Preprocessing.of(model, "einsum", null, true).gains().isEmpty(), "nothing gained: quantize takes the model as it is");
	}

	// ------------------------------------------------------------------ MatMul(W, x)

	/**
	 * weightfirst's layer: h = Relu(W · xᵀ + b) with b [64, 1], read transposed by a Gemm with transA=1. The MatMul becomes
	 * MatMul(x, Wᵀ), the Transposes move past the Add (b stored as a row [64]) and the Relu and cancel with the model's
	 * Transpose of x and the Gemm's transA: no Transpose is left, and it computes the same.
	 */
	@Test
	void aWeightFirstMatMulBecomesMatMulWithTheWeightSecondAndTheTransposesCancel() {
		Graph t = new Graph(16);
		String xt = t.node("Transpose", List.of("x"), ints("perm", 1, 0));
		String h = t.node("MatMul", List.of(t.random(12, 16), xt));
		String r = t.node("Relu", List.of(t.node("Add", List.of(h, t.random(12, 1)))));
		String y = t.node("Gemm", List.of(r, t.random(5, 12), t.random(5)), ints("transA", 1), ints("transB", 1));
		FreezeResult f = check(t.model(y), "MatMul(W, x) with the weight first", "MatMul", "transpose0");
		assertEquals(List.of("MatMul", "Add", "Relu", "Gemm"), ops(f.model()), "nothing but the product, its bias, Relu and the classifier");
		Node gemm = f.model().graph().nodes().get(3);
		assertEquals(0, gemm.intAttribute("transA", 0));
		assertTrue(record(f).contains("Gemm with transA=1 on an activation") && record(f).contains("'transpose0'"), record(f));
	}

	/** A batched x [N, 6, 8] behind the weight [5, 6]: xᵀ and the product's Transpose swap the last two axes. */
	@Test
	void aWeightFirstMatMulOverABatchSwapsTheLastTwoAxes() {
		Graph t = new Graph(6, 8);
		String y = t.node("MatMul", List.of(t.random(5, 6), "x"));
		FreezeResult f = check(t.model(y), "MatMul(W, x) with the weight first", "MatMul");
		assertEquals(List.of("Transpose", "MatMul", "Transpose"), ops(f.model()));
	}

	/**
	 * One weight first under two products (make_unseen16's gcn: relu(A·H·W) twice with one fixed adjacency A [49, 49]):
	 * Wᵀ is stored once and both MatMuls read it, as both read W before. Before, each product stored its own copy ('w0_t',
	 * 'w0_t_1'), the converted gcn 9.5 kB larger than the export and its fiq-int8 file holding A's codes twice.
	 */
	@Test
	void aWeightFirstUnderTwoProductsIsStoredTransposedOnce() {
		Graph t = new Graph(6, 8);
		String w = t.random(6, 6);
		String h = t.node("Relu", List.of(t.node("MatMul", List.of(w, "x"))));
		String y = t.node("MatMul", List.of(w, t.node("Add", List.of(h, "x"))));
		FreezeResult f = check(t.model(y), "MatMul(W, x) with the weight first", "MatMul");
		List<String> weights = f.model().graph().nodes().stream().filter(n -> n.opType().equals("MatMul")).map(n -> n.input(1)).toList();
		assertEquals(2, weights.size(), ops(f.model()).toString());
		assertEquals(weights.get(0), weights.get(1), "both products read one stored Wᵀ: " + record(f));
		assertEquals(1, f.model().graph().initializers().size(), "W itself is gone, Wᵀ stored once");
	}

	/**
	 * Without constant folding (`convert --no-fold`, a recipe's `fold-constants no`; torch's do_constant_folding=False
	 * exports weights as Constant nodes) the weight-first MatMul reads its weight from a Constant node: Wᵀ is stored all the
	 * same and the Constant node, read by nothing then, is removed.
	 */
	@Test
	void aWeightFirstMatMulReadingAConstantNodeIsRewrittenWithoutFolding() {
		Graph t = new Graph(16);
		String w = t.constantNode(12, 16);
		String y = t.node("Transpose", List.of(t.node("MatMul", List.of(w, t.node("Transpose", List.of("x"), ints("perm", 1, 0))))), ints("perm", 1, 0));
		OnnxModel model = t.model(y);
		FreezeResult f = Freezer.freeze(model, "nofold", new FreezeOptions(FreezeOptions.defaults().eliminate(), false, 0), null);
		assertEquals(List.of("MatMul"), ops(f.model()), record(f));
		NdArray x = input(model, 5);
		float[] expected = WildConversionTest.run(model, x);
		float[] actual = WildConversionTest.run(f.model(), x);
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 1e-5f * Math.max(1, Math.abs(expected[i])));
		}
	}

	/** A weight of rank 3 first ([2, 5, 6] · x [N, 2, 6, 8]) is left: the rewrite takes 2-D weights only. */
	@Test
	void aWeightFirstMatMulOfRankThreeIsLeftWithItsReason() {
		Graph t = new Graph(2, 6, 8);
		String y = t.node("MatMul", List.of(t.random(2, 5, 6), "x"));
		FreezeResult f = Freezer.freeze(t.model(y), "w3", FreezeOptions.defaults(), null);
		assertEquals(List.of("MatMul"), ops(f.model()));
		assertTrue(f.rewrites().stream().anyMatch(w -> !w.made() && w.description().contains("weights of rank 3")), f.rewrites().toString());
	}

	// ------------------------------------------------------------------ Gemm

	/**
	 * gemm_wa's classifier: Gemm(W [5, 16], x [N, 16], C [5, 1], transB=1) -> [5, N], then Transpose. It becomes Gemm(x, W,
	 * C' [5], transB=1) and the model's Transpose cancels with the product's: the Gemm writes the graph output itself.
	 * Also with α and β (kept: the quantizer folds them) and with transB=0 (x read through a Transpose that cancels).
	 */
	@ParameterizedTest
	@CsvSource({ "1, 1, 1", "1, 0.5, 2", "0, 1, 1" })
	void aGemmWithItsWeightAsABecomesGemmWithTheWeightAsB(int transB, float alpha, float beta) {
		Graph t = new Graph(16);
		String b = transB == 1 ? "x" : t.node("Transpose", List.of("x"), ints("perm", 1, 0));
		String yt = t.node("Gemm", List.of(t.random(5, 16), b, t.random(5, 1)), ints("transB", transB), flt("alpha", alpha), flt("beta", beta));
		String y = t.node("Transpose", List.of(yt), ints("perm", 1, 0));
		FreezeResult f = check(t.model(y), "Gemm with its weight as A", "Gemm");
		assertEquals(List.of("Gemm"), ops(f.model()), "the Transposes cancel");
		Node gemm = f.model().graph().nodes().get(0);
		assertEquals("x", gemm.input(0));
		assertEquals(1, gemm.intAttribute("transB", 0));
		assertEquals(List.of(5L), f.model().graph().initializer(gemm.input(2)).shape(), "C as the bias vector QGemm takes");
		assertEquals(alpha, gemm.floatAttribute("alpha", 1f));
	}

	/** A Gemm with transA=1 on an activation that is no Transpose reads a Transpose of it with transA=0. */
	@Test
	void aGemmWithTransAOnAnActivationReadsATransposeOfIt() {
		Graph t = new Graph(16);
		String a = t.node("Relu", List.of(t.node("Transpose", List.of("x"), ints("perm", 1, 0))));
		String y = t.node("Gemm", List.of(a, t.random(5, 16), t.random(5)), ints("transA", 1), ints("transB", 1));
		FreezeResult f = check(t.model(y), "Gemm with transA=1 on an activation", "Gemm");
		Node gemm = f.model().graph().nodes().stream().filter(n -> n.opType().equals("Gemm")).findFirst().orElseThrow();
		assertEquals(0, gemm.intAttribute("transA", 0));
	}

	// ------------------------------------------------------------------ quantized: integer kernels

	/**
	 * After the rewrites, full-integer quantization (float I/O: the product is the model's last layer, and ONNX Runtime fuses
	 * none into an int8 output QuantizeLinear after uint8 activations, docs/build-notes.md) quantizes each product's weights and
	 * ONNX Runtime fuses integer kernels for them: no float MatMul, Gemm or Einsum is left in its optimized graph. Before, the
	 * Einsum and the weight-first MatMul ran in float and the Gemm with its weight as A stayed float.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = ';', value = { "einsum", "weightfirst", "gemm_wa", "gemm_wa_scaled", "bilinear" })
	void theRewrittenProductsRunIntegerKernelsAfterFullIntegerQuantization(String which) {
		Graph t = new Graph(which.equals("einsum") ? new long[] { 6, 32 } : which.equals("bilinear") ? new long[] { 8, 4, 4 } : new long[] { 32 });
		String y = switch (which) {
		case "einsum" -> t.node("Einsum", List.of("x", t.random(32, 16)), str("equation", "bij,jk->bik"));
		case "bilinear" -> t.node("Einsum", List.of("x", t.node("Mul", List.of("x", t.random(4)))), str("equation", "nchw,ndhw->ncd")); // two indices
		case "weightfirst" -> t.node("Transpose", List.of(t.node("MatMul", List.of(t.random(16, 32), t.node("Transpose", List.of("x"), ints("perm", 1, 0))))),
				ints("perm", 1, 0));
		case "gemm_wa" -> t.node("Transpose", List.of(t.node("Gemm", List.of(t.random(16, 32), "x", t.random(16, 1)), ints("transB", 1))), ints("perm", 1, 0));
		default -> t.node("Transpose", List.of(t.node("Gemm", List.of(t.random(16, 32), "x", t.random(16, 1)), ints("transB", 1), flt("alpha", 0.5f),
				flt("beta", 2f))), ints("perm", 1, 0)); // α and β kept by the rewrite, folded by the quantizer: QGemm needs α = β = 1
		};
		OnnxModel model = t.model(y);
		Preprocessing.Outcome pre = Preprocessing.of(model, which, null, true);
		assertTrue(pre.applied(), pre.reason() + " " + pre.gains());
		QuantizationResult q = Quantizer.quantize(pre.model(model), which, Schemes.preset("fiq_float32"), t.calibration(), Progress.NONE);
		List<String> kernels = optimizedOps(q.model());
		assertTrue(kernels.stream().anyMatch(k -> k.equals("com.microsoft.QGemm") || k.equals("QLinearMatMul") || k.equals("com.microsoft.MatMulIntegerToFloat")),
				"an integer product: " + kernels);
		assertTrue(kernels.stream().noneMatch(k -> k.equals("MatMul") || k.equals("Gemm") || k.equals("Einsum") || k.equals("com.microsoft.FusedMatMul")),
				"no float product left: " + kernels);
		assertTrue(q.layers().stream().filter(l -> l.opType().equals("MatMul") || l.opType().equals("Gemm")).allMatch(QuantizationResult.Layer::quantized),
				q.layers().toString());
	}

	/**
	 * weightfirst under dynamic-range quantization: the weight-first MatMul was left entirely float (the drq file as large as
	 * the original); rewritten, its weight [256, 128] is int8 per output channel and ONNX Runtime runs DynamicQuantizeMatMul.
	 */
	@Test
	void aWeightFirstMatMulRunsDynamicQuantizeMatMulAfterDynamicRangeQuantization() {
		Graph t = new Graph(128);
		// the product reads a Relu of the input, not the [N, F] model input itself: drq keeps a layer on a tabular model input
		// weight-only with one scale per feature (DrqRawFeaturesTest), and this test is about the rewrite's dynamic kernel
		String xt = t.node("Transpose", List.of(t.node("Relu", List.of("x"))), ints("perm", 1, 0));
		String h = t.node("MatMul", List.of(t.random(256, 128), xt));
		String y = t.node("Transpose", List.of(t.node("Relu", List.of(h))), ints("perm", 1, 0));
		OnnxModel model = t.model(y);
		Preprocessing.Outcome pre = Preprocessing.of(model, "wf", null, true);
		assertTrue(pre.applied(), pre.reason());
		QuantizationResult q = Quantizer.quantize(pre.model(model), "wf", Schemes.preset("drq"), t.calibration(), Progress.NONE);
		List<String> kernels = optimizedOps(q.model());
		assertTrue(kernels.contains("com.microsoft.DynamicQuantizeMatMul"), kernels.toString());
		assertTrue(q.model().toProto().getSerializedSize() < model.toProto().getSerializedSize() / 2,
				"int8 weights: " + q.model().toProto().getSerializedSize() + " of " + model.toProto().getSerializedSize() + " bytes");
	}

	// ------------------------------------------------------------------ MatMul + bias of tokens on a 2-D view

	/**
	 * A transformer's projections: MatMul of tokens [N, 6, 8] by W [8, 16], its bias Add, Relu, then a second projection. ONNX
	 * Runtime fuses MatMul and Add into a Gemm only in 2-D, so quantized they ran as MatMulIntegerToFloat (float output) with
	 * the bias Add and a QuantizeLinear in float after it (the zoo ViT's int8: 0.77 of fp32's CPU time at batch 64). Converted,
	 * each is computed on a 2-D view (Reshape to [-1, K] and back), computes the same, and after full-integer quantization
	 * ONNX Runtime runs both as QGemm: integer bias, requantized output, no MatMulIntegerToFloat, no float Add.
	 */
	@Test
	void aProjectionOfTokensWithItsBiasIsComputedOnA2DViewAndRunsAsQGemm() {
		Graph t = new Graph(6, 8);
		String h = t.node("Relu", List.of(t.node("Add", List.of(t.node("MatMul", List.of("x", t.random(8, 16))), t.random(16)))));
		String y = t.node("Add", List.of(t.random(4), t.node("MatMul", List.of(h, t.random(16, 4))))); // the bias first, as torch exports it
		OnnxModel model = t.model(y);
		FreezeResult f = check(model, "2-D view", "", "matmul1", "add3", "matmul7", "add8");
		// a view per product, the Relu on the first one's view: its Reshape back and the second's view cancel (2-D both)
		assertEquals(List.of("Reshape", "MatMul", "Add", "Relu", "MatMul", "Add", "Reshape"), ops(f.model()));
		assertTrue(f.removedNodes().isEmpty(), "no node of the original removed: " + f.removedNodes());
		Preprocessing.Outcome pre = Preprocessing.of(model, "tokens", null, true);
		assertTrue(pre.applied(), pre.reason() + " " + pre.gains());
		QuantizationResult q = Quantizer.quantize(pre.model(model), "tokens", Schemes.preset("fiq_float32"), t.calibration(), Progress.NONE);
		List<String> kernels = optimizedOps(q.model());
		assertEquals(2, kernels.stream().filter(k -> k.equals("com.microsoft.QGemm")).count(), "both products a QGemm: " + kernels);
		assertTrue(kernels.stream().noneMatch(k -> k.equals("com.microsoft.MatMulIntegerToFloat") || k.equals("Add") || k.equals("MatMul")),
				"no float-output product, no float bias Add: " + kernels);
	}

	/**
	 * A text model's tokens [N, T, 8], T of any length (text65): the view's Reshape back reads its target from the activation's
	 * Shape at run time (Shape with end -1 from opset 15, Shape + Slice before), one target shared by the products of one input.
	 * The converted model computes the original's values at 7 and 19 tokens, and quantized ONNX Runtime runs both products as
	 * QGemm. Before, such a product got no view and ran as MatMulIntegerToFloat + float Add.
	 */
	@ParameterizedTest
	@CsvSource({ "13", "17" })
	void aProjectionOfTokensOfAnyLengthIsComputedOnA2DViewAndRunsAsQGemm(int opset) {
		Graph t = new Graph(new String[] { "T" }, 8);
		String h = t.node("Relu", List.of(t.node("Add", List.of(t.node("MatMul", List.of("x", t.random(8, 16))), t.random(16)))));
		String q = t.node("Add", List.of(t.random(4), t.node("MatMul", List.of(h, t.random(16, 4))))); // the bias first, as torch exports it
		String k = t.node("Add", List.of(t.node("MatMul", List.of(h, t.random(16, 4))), t.random(4)));
		OnnxModel model = t.model(t.node("Mul", List.of(q, k)), opset);
		FreezeResult f = Freezer.freeze(model, "tiny", FreezeOptions.defaults(), null);
		assertTrue(record(f).contains("2-D view") && record(f).contains("Shape reads them at run time"), record(f));
		for (String n : List.of("matmul1", "add3", "matmul7", "add8", "matmul10", "add12")) {
			assertTrue(record(f).contains("'" + n + "'"), record(f));
		}
		List<String> ops = ops(f.model());
		// x's view, the Reshape back of each product of h; the first's back (the Relu on its view) and h's views cancel, 2-D both,
		// the targets back of h's products taking x's leading axes: one Shape, no Reshape read only for its shape
		assertEquals(3, ops.stream().filter(o -> o.equals("Reshape")).count(), ops.toString());
		assertEquals(1, ops.stream().filter(o -> o.equals("Shape")).count(), ops.toString());
		assertEquals(opset >= 15 ? 0 : 1, ops.stream().filter(o -> o.equals("Slice")).count(), ops.toString());
		assertTrue(f.removedNodes().isEmpty(), "no node of the original removed: " + f.removedNodes());
		for (int tokens : new int[] { 7, 19 }) {
			NdArray x = random(new long[] { 3, tokens, 8 });
			float[] expected = WildConversionTest.run(model, x);
			float[] actual = WildConversionTest.run(f.model(), x);
			assertEquals(3 * tokens * 4, actual.length);
			for (int i = 0; i < expected.length; i++) {
				assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), tokens + " tokens, element " + i);
			}
		}
		Preprocessing.Outcome pre = Preprocessing.of(model, "tokens", null, true);
		assertTrue(pre.applied(), pre.reason() + " " + pre.gains());
		QuantizationResult quantized = Quantizer.quantize(pre.model(model), "tokens", Schemes.preset("fiq_float32"), t.calibration(), Progress.NONE);
		List<String> kernels = optimizedOps(quantized.model());
		assertEquals(3, kernels.stream().filter(o -> o.equals("com.microsoft.QGemm")).count(), "every product a QGemm: " + kernels);
		assertTrue(kernels.stream().noneMatch(o -> o.equals("com.microsoft.MatMulIntegerToFloat") || o.equals("Add") || o.equals("MatMul")),
				"no float-output product, no float bias Add: " + kernels);
		assertFalse(kernels.contains("Relu"), "the Relu stays on the view, after its product, where the output quantization clamps instead: " + kernels);
		assertEquals(3 * 19 * 4, WildConversionTest.run(quantized.model(), random(new long[] { 3, 19, 8 })).length);
	}

	/** A product of 2-D activations is a Gemm for ONNX Runtime already, and one without a constant bias has no Add to fuse: both left as they are. */
	@Test
	void aProductOf2DActivationsOrWithoutABiasIsLeftAsItIs() {
		Graph t = new Graph(8);
		OnnxModel flat = t.model(t.node("Add", List.of(t.node("MatMul", List.of("x", t.random(8, 16))), t.random(16))));
		Graph u = new Graph(6, 8);
		OnnxModel noBias = u.model(u.node("Relu", List.of(u.node("MatMul", List.of("x", u.random(8, 16))))));
		for (OnnxModel m : List.of(flat, noBias)) {
			FreezeResult f = Freezer.freeze(m, "tiny", FreezeOptions.defaults(), null);
			assertFalse(ops(f.model()).contains("Reshape"), ops(f.model()).toString());
		}
	}

	// ------------------------------------------------------------------ helpers

	/**
	 * Converts {@code model}, checks that ONNX Runtime computes the same on random inputs, that no {@code gone} op is left, and
	 * that a made rewrite of the matrix-product kind names {@code what} and the node; returns the conversion.
	 */
	private static FreezeResult check(OnnxModel model, String what, String gone, String... nodes) {
		FreezeResult f = Freezer.freeze(model, "tiny", FreezeOptions.defaults(), null);
		assertTrue(f.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals(Rewrite.MATRIX_PRODUCTS) && w.description().contains(what)),
				f.rewrites().toString());
		if (gone.equals("Einsum")) {
			assertFalse(ops(f.model()).contains("Einsum"), ops(f.model()).toString());
		}
		for (String n : nodes) {
			assertTrue(record(f).contains("'" + n + "'"), record(f));
		}
		NdArray x = input(model, 5);
		float[] expected = WildConversionTest.run(model, x);
		float[] actual = WildConversionTest.run(f.model(), x);
		assertEquals(expected.length, actual.length);
		double worst = 0;
		double scale = 0;
		for (int i = 0; i < expected.length; i++) {
			worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
			scale = Math.max(scale, Math.abs(expected[i]));
		}
		assertTrue(worst <= 1e-5 * Math.max(1, scale), "the same outputs: max difference " + worst + " of " + scale);
		assertTrue(f.maxAbsDifference() <= 1e-5 * Math.max(1, scale), "the conversion's own check: " + f.maxAbsDifference());
		return f;
	}

	private static String record(FreezeResult f) {
		return String.join("\n", f.rewrites().stream().map(Rewrite::toString).toList());
	}

	private static List<String> ops(OnnxModel m) {
		return m.graph().nodes().stream().map(Node::opType).toList();
	}

	private static NdArray random(long[] shape) {
		int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
		float[] v = new float[n];
		Random r = new Random(5);
		for (int i = 0; i < n; i++) {
			v[i] = (float) (r.nextDouble() * 2 - 1);
		}
		return NdArray.ofFloats(shape, v);
	}

	private static NdArray input(OnnxModel model, int batch) {
		List<Long> shape = new ArrayList<>();
		shape.add((long) batch);
		model.graph().inputs().get(0).getType().getTensorType().getShape().getDimList().stream().skip(1).forEach(d -> shape.add(d.getDimValue()));
		long[] s = shape.stream().mapToLong(Long::longValue).toArray();
		int n = (int) shape.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
		float[] v = new float[n];
		Random r = new Random(3);
		for (int i = 0; i < n; i++) {
			v[i] = (float) (r.nextDouble() * 2 - 1);
		}
		return NdArray.ofFloats(s, v);
	}

	/** The op types of the graph ONNX Runtime makes of {@code model} (level EXTENDED: its QDQ fusions), domain-qualified outside ai.onnx. */
	static List<String> optimizedOps(OnnxModel model) {
		Path file = TestData.tempDir("optimized").resolve("optimized.onnx");
		try (InferenceSession s = InferenceSession.open(model,
				SessionSettings.defaults().withThreads(1).withOptimization(SessionSettings.Optimization.EXTENDED).withOptimizedModelPath(file), "tiny")) {
			s.inputs();
		}
		try {
			return ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList().stream()
					.map(n -> n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType()).toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static long[] dims(String s) {
		return java.util.Arrays.stream(s.trim().split("x")).mapToLong(Long::parseLong).toArray();
	}

	private static AttributeProto str(String name, String value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value))
				.build();
	}

	private static AttributeProto ints(String name, long... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
		if (name.equals("perm")) {
			a.setType(AttributeProto.AttributeType.INTS);
			for (long v : values) {
				a.addInts(v);
			}
		} else {
			a.setType(AttributeProto.AttributeType.INT).setI(values[0]);
		}
		return a.build();
	}

	private static AttributeProto flt(String name, float value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
	}

	/** A graph with one float input x [N, sample...] and seeded random constants; nodes are named op + counter. */
	static final class Graph {
		private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
		private final long[] sample;
		private final Random random = new Random(11);
		private int names;

		Graph(long... sample) {
			this(new String[0], sample);
		}

		/**
		 * Input x [N, symbols..., fixed...]: the symbols are axes of any length (calibrated at 6 each), as a text model's
		 * sequence axis.
		 */
		Graph(String[] symbols, long... fixed) {
			this.sample = new long[symbols.length + fixed.length];
			java.util.Arrays.fill(sample, 0, symbols.length, 6);
			System.arraycopy(fixed, 0, sample, symbols.length, fixed.length);
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
			for (String d : symbols) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(d));
			}
			for (long d : fixed) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			g.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
					.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
		}

		String node(String op, List<String> inputs, AttributeProto... attributes) {
			String name = op.toLowerCase() + names++;
			NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name + "_out");
			for (AttributeProto a : attributes) {
				n.addAttribute(a);
			}
			g.addNode(n);
			return name + "_out";
		}

		/** A float initializer of seeded random values in [-1, 1). */
		String random(long... dims) {
			String name = "w" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
			long n = 1;
			for (long d : dims) {
				t.addDims(d);
				n *= d;
			}
			for (long i = 0; i < n; i++) {
				t.addFloatData((float) (random.nextDouble() * 2 - 1));
			}
			g.addInitializer(t);
			return name;
		}

		/** A Constant node holding seeded random values in [-1, 1); returns its output. */
		String constantNode(long... dims) {
			String values = random(dims);
			TensorProto.Builder t = null;
			for (int i = 0; i < g.getInitializerCount(); i++) {
				if (g.getInitializer(i).getName().equals(values)) {
					t = g.getInitializer(i).toBuilder();
					g.removeInitializer(i);
					break;
				}
			}
			return node("Constant", List.of(), AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
					.setT(t.setName("")).build());
		}

		/** 64 samples uniform in [-1, 1). */
		ArrayDataset calibration() {
			int size = 64;
			for (long d : sample) {
				size *= (int) d;
			}
			float[] v = new float[size];
			for (int i = 0; i < size; i++) {
				v[i] = (float) (random.nextDouble() * 2 - 1);
			}
			return new ArrayDataset("random", v, sample, null);
		}

		OnnxModel model(String output) {
			return model(output, 13);
		}

		OnnxModel model(String output, int opset) {
			GraphProto.Builder b = g.clone().addOutput(ValueInfoProto.newBuilder().setName(output)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("tiny")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(b).build());
		}
	}
}
