package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.QuantizedOps;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A model that is quantized already, given to quantize again (found trying the CLI as a new user would: the output of a
 * first run fed back in). Before: a full-integer model failed in calibration with "samples are FLOAT32 but input 'x' is
 * INT8: preprocess the data to the model's input type", after progress lines; a fiq-float32 model (QDQ inside, float I/O)
 * was quantized again over its own QuantizeLinear/DequantizeLinear pairs, and the trace would have recorded it as the float
 * original. Now a model with QDQ pairs or integer kernels is refused before any work, naming what makes it quantized.
 */
class AlreadyQuantizedTest {

	private static OnnxModel cnn(TinyGraph t) {
		return t.model(OpRulesTest.pointwise(t, t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 4))), 4, 4));
	}

	@Test
	void aFullIntegerModelIsRefusedBeforeCalibration() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		QuantizationResult first = TinyGraph.quantize(cnn(t), Schemes.preset("fiq_int8"), t.calibration(0, 1));

		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> TinyGraph.quantize(first.model(), Schemes.preset("fiq_int8"), t.calibration(0, 1)));

		assertTrue(e.getMessage().startsWith("tiny is quantized already: it holds ") && e.getMessage().contains(" QuantizeLinear")
				&& e.getMessage().contains(" DequantizeLinear"), e.getMessage());
		assertTrue(e.hint().startsWith("quantize the float model it was made from"), e.hint());
	}

	/**
	 * torch's QAT export of Conv-BN (make_unseen14.py "qat"): Conv on dequantized input and weight, then Div and BatchNormalization
	 * before the activation's QuantizeLinear. ONNX Runtime cannot fuse that Conv into QLinearConv and runs all five of that model's
	 * Convs in float (the Profile client: "Conv 3x3" kernels, no QLinearConv), yet the refusal's hint said "a quantization-aware-trained
	 * export runs in integer kernels as it is". A QDQ Conv read by its QuantizeLinear keeps those words.
	 */
	@Test
	void aQatExportWhoseConvIsNotFollowedByItsQuantizeLinearIsNotSaidToRunOnIntegerKernels() {
		for (String between : new String[] { null, "Div" }) {
			TinyGraph t = new TinyGraph(3, 6, 6);
			String s = t.scalar(0.02f);
			String x = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", s)), s));
			String w = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(t.weight(1.0 / 27, 4, 3, 3, 3), s)), s));
			String y = t.node("Conv", List.of(x, w), TinyGraph.ints("pads", 1, 1, 1, 1));
			y = between == null ? y : t.node(between, List.of(y, t.scalar(2f)));
			OnnxModel qat = t.model(t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(y, s)), s)));

			InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(qat, "qat"));

			if (between == null) {
				assertEquals("quantize the float model it was made from; a quantization-aware-trained export runs in integer kernels as it is:"
						+ " evaluate it (quantrace evaluate FLOAT.onnx QUANTIZED.onnx compares the two), or run it in a recipe under scheme unquantized", e.hint());
			} else {
				assertEquals("quantize the float model it was made from, or evaluate this one as it is (quantrace evaluate FLOAT.onnx"
						+ " QUANTIZED.onnx compares the two); but 1 of its 1 Conv/MatMul/Gemm layers on dequantized values run in float in ONNX"
						+ " Runtime, not on integer kernels (the first: 'conv6', read by Div instead of a QuantizeLinear, which the integer kernel"
						+ " needs): `quantrace convert` (without --keep batch-normalization) folds a QAT export's Div, Add and BatchNormalization"
						+ " after a Conv, a Gemm or a MatMul of a matrix (made a Gemm) into its per-channel weight scales and an int32 bias, the trained codes kept, so that ONNX Runtime"
						+ " runs it as QLinearConv or QGemm, and refuses, naming the layer and why, where that cannot be exact; evaluate the converted model",
						e.hint());
			}
		}
	}

	/**
	 * A QDQ model another tool wrote without node names (branch hostile7's qdq_other: Conv -> Relu -> QuantizeLinear with zero
	 * point 128): the hint named its first float Conv "the first: ''". It names an unnamed layer by its op and output.
	 */
	@Test
	void anUnnamedLayerOnDequantizedValuesIsNamedByItsOutput() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String s = t.scalar(0.02f);
		String x = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", s)), s));
		String w = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(t.weight(1.0 / 27, 4, 3, 3, 3), s)), s));
		String y = t.node("Conv", List.of(x, w), TinyGraph.ints("pads", 1, 1, 1, 1));
		var proto = t.model(t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(t.node("Relu", List.of(y)), s)), s))).toProto().toBuilder();
		proto.getGraphBuilder().getNodeBuilderList().forEach(n -> n.clearName());

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(OnnxModel.of(proto.build()), "qdq"));

		assertTrue(e.hint().contains("(the first: 'Conv -> " + y + "', read by Relu instead of a QuantizeLinear"), e.hint());
	}

	/**
	 * A QAT export that fake-quantizes its input alone (branch hostile7's qat_inputonly): the hint said its Conv ran in float and
	 * that convert folds what follows it, which changes nothing here. It says that no weight is quantized and how to get the float model.
	 */
	@Test
	void aModelThatFakeQuantizesItsInputAloneIsNotSentToConvert() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String s = t.scalar(0.02f);
		String x = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", s)), s));
		OnnxModel inputOnly = t.model(t.node("Relu", List.of(OpRulesTest.conv(t, x, 3, 4))));

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(inputOnly, "qat"));

		assertEquals("none of its weights is quantized: its QuantizeLinear/DequantizeLinear pairs only round activations (the first: 'x'), as a QAT"
				+ " export that fake-quantizes its input alone writes, and every layer computes in float; quantize the float model it was made from"
				+ " (torch: export it before prepare_qat), or this one without the pairs (onnx: make each DequantizeLinear's readers read the"
				+ " QuantizeLinear's input, then drop both)", e.hint());
	}

	/**
	 * A QOperator model quantized in part (branch hostile7's mixed_qop: a QLinearConv, its DequantizeLinear read by a Relu, then a
	 * float Conv and Gemm; here a QLinearMatMul, a Relu and a float MatMul): the hint said
	 * it "runs in integer kernels as it is". It counts, from the file, the layers in integer kernels and those in float; a model
	 * whose every layer is an integer kernel keeps those words.
	 */
	@Test
	void aQOperatorModelQuantizedInPartIsNotSaidToRunInIntegerKernels() {
		ModelProto whole = TestModels.qoperatorMatMul();
		InvalidInputException allInteger = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(OnnxModel.of(whole), "qop"));
		assertTrue(allInteger.hint().contains("a model in ONNX Runtime's QOperator form (its quantizer's output) runs in integer kernels as it is: evaluate it"),
				allInteger.hint());

		ModelProto.Builder mixed = whole.toBuilder();
		mixed.getGraphBuilder().addInitializer(TestModels.floats("w2", new long[] { 3, 2 }, 1, 2, 3, 4, 5, 6))
				.addNode(TestModels.node("Relu", "relu", List.of("y"), "r")).addNode(TestModels.node("MatMul", "mm_float", List.of("r", "w2"), "z")).clearOutput().addOutput(TestModels.tensor("z", 1, 2));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(OnnxModel.of(mixed.build()), "mixed"));

		assertTrue(e.hint().contains("a model in ONNX Runtime's QOperator form (its quantizer's output) runs as it is, 1 of its 2 Conv/MatMul/Gemm/recurrent"
				+ " layers in integer kernels (1 QLinearMatMul) and 1 in float (1 MatMul): evaluate it"), e.hint());
	}

	/**
	 * quantize_dynamic of a model with an LSTM and a Gemm (branch hostile7's lstm_dynq): a DynamicQuantizeLSTM, which quantizes
	 * inside its kernel, and a Gemm on int8 codes through Cast and Mul. The form named a DynamicQuantizeLinear the file does not
	 * hold, and the Gemm's codes were in no list; the form names the op it holds, {@code held} both forms.
	 */
	@Test
	void aDynamicLstmAndAWeightOnlyGemmAreNamedAsTheFileHoldsThem() {
		long[] scalar = {};
		var weights = List.of(TestModels.ints("wq", TensorProto.DataType.INT8_VALUE, new long[] { 1, 8, 1 }, 1, 2, 3, 4, 5, 6, 7, 8),
				TestModels.ints("rq", TensorProto.DataType.INT8_VALUE, new long[] { 1, 8, 2 }, new int[16]),
				TestModels.ints("gq", TensorProto.DataType.INT8_VALUE, new long[] { 2, 2 }, 1, -1, 2, -2), TestModels.floats("gs", scalar, 0.1f));
		NodeProto cast = TestModels.node("Cast", "g_cast", List.of("gq"), "gi").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		NodeProto lstm = TestModels.node("DynamicQuantizeLSTM", "lstm", List.of("x", "wq", "rq"), "h").toBuilder().setDomain("com.microsoft").build();
		ModelProto proto = TestModels.graph(List.of(lstm, cast, TestModels.node("Mul", "g_mul", List.of("gi", "gs"), "gw"),
				TestModels.node("Gemm", "fc", List.of("h", "gw"), "y")), weights, TestModels.tensor("x", 1, 1, 1), TestModels.tensor("y", 1, 2));
		OnnxModel model = OnnxModel.of(proto);

		assertEquals("dynamic-range form: activations quantized at run time by DynamicQuantizeLSTM, integer kernels in the file",
				QuantizedOps.form(QuantizedOps.counts(model)));
		assertEquals("1 DynamicQuantizeLSTM, 1 Gemm on stored integer weight codes (Cast, Mul: weight-only)", QuantizedOps.held(model));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(model, "lstm"));
		assertTrue(e.hint().contains("runs as it is, 1 of its 2 Conv/MatMul/Gemm/recurrent layers in integer kernels (1 DynamicQuantizeLSTM) and 1 in"
				+ " float (1 Gemm; weight-only codes counted as float): evaluate it"), e.hint());
	}

	@Test
	void aModelWithDynamicKernelsIsRefusedForEveryQuantizedScheme() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel dynamic = TinyGraph.quantize(cnn(t), Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.DYNAMIC).build(), null).model();
		assertTrue(dynamic.graph().nodes().stream().anyMatch(n -> n.opType().equals("ConvInteger")), "the premise: " + dynamic.graph().nodes());

		for (String scheme : List.of("drq", "fiq_int8", "fiq_float32")) {
			InvalidInputException e = assertThrows(InvalidInputException.class,
					() -> TinyGraph.quantize(dynamic, Schemes.preset(scheme), t.calibration(0, 1)), scheme);
			assertTrue(e.getMessage().contains(" ConvInteger") && e.getMessage().contains(" DynamicQuantizeLinear"), e.getMessage());
		}
		// the unquantized scheme only evaluates the model as it is
		assertEquals(0, TinyGraph.quantize(dynamic, Schemes.preset("unquantized"), null).quantizedLayers());
	}

	/**
	 * Weight-only int8 storage (int8 initializers, a Cast and a Mul ONNX Runtime folds at load) computes in float: it is not
	 * refused (pre-processing folds its weights back into stored tensors before the quantizer sees them). But its weights are
	 * rounded again, and the model is recorded as the float original: the commands and the runner warn, in words from
	 * {@link Quantizer#weightOnlyWarning} (the hostile pass found it re-quantized without a word).
	 */
	@Test
	void weightOnlyStorageIsNoQuantizedModel() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel weightOnly = TinyGraph.quantize(cnn(t), Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.WEIGHT_ONLY).build(), null)
				.model();
		assertTrue(weightOnly.graph().initializers().stream().anyMatch(w -> w.dataType() == org.quantrace.engine.onnx.DataType.INT8), "the premise");

		QuantizationResult again = TinyGraph.quantize(weightOnly, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		assertEquals(weightOnly.graph().nodes().size(), again.layers().size(), again.layers().toString());
		long stored = weightOnly.graph().initializers().stream().filter(w -> w.dataType() == org.quantrace.engine.onnx.DataType.INT8).count();
		assertEquals("tiny is weight-only quantized: it stores " + stored + " int8 weights turned into float by Cast and Mul (a dynamic-range model);"
				+ " quantizing it rounds those weights again, to the new scheme's scales, and records the model as the float original: quantize the"
				+ " float model it was made from", Quantizer.weightOnlyWarning(weightOnly, "tiny"));
		assertEquals(2, stored, "the premise: both layers' weights");
	}

	/**
	 * ONNX Runtime's int4 weight-only form (com.microsoft.MatMulNBits, make_unseen33's int4rows) was read as a float model: no
	 * warning, the MatMulNBits a "custom-domain op" among float ones. It is weight-only as a drq output is, so it is treated alike:
	 * quantized with a warning that names each node with its bits, block size, zero points and K x N as the model holds them; its
	 * codes stay as they are (the same packed bytes), the float MatMul after it is quantized.
	 */
	@Test
	void theInt4MatMulNBitsFormIsWeightOnlyAndKeepsItsCodes() {
		OnnxModel int4 = OnnxModel.of(TestModels.nBitsMatMul());
		assertEquals("tiny is weight-only quantized: it holds 1 com.microsoft.MatMulNBits on stored 4-bit weight codes in blocks of 16 along K, zero points"
				+ " stored ('fc_Q4' K 32 x N 16), which ONNX Runtime dequantizes inside the kernel, computing in float; quantizing it leaves them on those"
				+ " codes (no scheme quantizes them), quantizes the rest, and records the model as the float original: quantize the float model it was"
				+ " made from", Quantizer.weightOnlyWarning(int4, "tiny"));
		TinyGraph t = new TinyGraph(32);
		QuantizationResult q = TinyGraph.quantize(int4, Schemes.preset("fiq_int8"), t.calibration(0, 1));
		assertTrue(q.layers().stream().anyMatch(l -> l.node().equals("head") && l.quantized()), q.layers().toString());
		assertTrue(q.layers().stream().anyMatch(l -> l.node().equals("fc_Q4") && !l.quantized()), q.layers().toString());
		assertEquals(int4.graph().initializer("fc_Q4_B").proto().getRawData(), q.model().graph().initializer("fc_Q4_B").proto().getRawData(), "the codes as they were");
		assertNull(Quantizer.weightOnlyWarning(cnn(new TinyGraph(3, 6, 6)), "tiny"), "a float model holds none");
	}

	@Test
	void aFloatOrAFullIntegerModelIsNoWeightOnlyModel() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel model = cnn(t);
		assertNull(Quantizer.weightOnlyWarning(model, "tiny"));
		// int8 weights read by DequantizeLinear: quantized already, refused by requireFloat rather than warned about
		assertNull(Quantizer.weightOnlyWarning(TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)).model(), "tiny"));
	}

	/**
	 * Round 34's int4qdq (tests/data/wild/README.md, unseen58): weight-only int4 as ONNX Runtime's MatMul4BitsQuantizer writes it
	 * with quant_format QDQ (UINT4 codes, DequantizeLinear-21 axis 0 block_size 32 before each MatMul, no QuantizeLinear). The
	 * refusal's hint said its MatMuls "run in float ... not on integer kernels" and sent the user to convert, which folds a QAT
	 * export's Div and BatchNormalization: nothing to fold here, and no activation codes to run integer kernels on. It says
	 * the model is weight-only, of which codes, and what to do instead.
	 */
	@Test
	void aWeightOnlyInt4QdqModelIsNotSentToConvert() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String y = t.node("MatMul", List.of("x", "w_dq"));
		ModelProto.Builder m = t.model(y).toProto().toBuilder();
		m.getGraphBuilder().addInitializer(TensorProto.newBuilder().setName("w_q4").setDataType(21).addDims(6).addDims(4)
				.setRawData(com.google.protobuf.ByteString.copyFrom(new byte[12])))
				.addInitializer(TensorProto.newBuilder().setName("w_zp").setDataType(21).addDims(2).addDims(4)
						.setRawData(com.google.protobuf.ByteString.copyFrom(new byte[4])))
				.addInitializer(TensorProto.newBuilder().setName("w_scale").setDataType(1).addDims(2).addDims(4)
						.addAllFloatData(java.util.Collections.nCopies(8, 0.1f)))
				.addNode(0, NodeProto.newBuilder().setOpType("DequantizeLinear").setName("w_DQ").addInput("w_q4").addInput("w_scale").addInput("w_zp")
						.addOutput("w_dq").addAttribute(TinyGraph.attr("axis", 0)).addAttribute(TinyGraph.attr("block_size", 4)));
		OnnxModel int4 = OnnxModel.of(m.build());

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(int4, "int4qdq"));

		assertTrue(e.getMessage().startsWith("int4qdq is quantized already: it holds 1 DequantizeLinear (the first: 'w_DQ')"), e.getMessage());
		assertEquals("it is quantized weight-only: all 1 of its DequantizeLinear read stored weight codes (UINT4 in blocks of 4 along axis 0) and no"
				+ " activation is quantized (no QuantizeLinear), so its layers (MatMul) compute in float on the dequantized weights, as weight-only"
				+ " quantization (ONNX Runtime's MatMul4BitsQuantizer with quant_format QDQ, int4 and int8 weight-only exports) means them to; quantize"
				+ " the float model it was made from, or evaluate this one as it is (quantrace evaluate FLOAT.onnx QUANTIZED.onnx compares the two), or"
				+ " run it in a recipe under scheme unquantized", e.hint());
	}

	/**
	 * Round 34's fp8qdq (unseen58): FP8 E4M3 post-training quantized as NVIDIA ModelOpt's ONNX export writes it (QuantizeLinear ->
	 * DequantizeLinear of FLOAT8E4M3FN codes before each Conv, float8 weights read by DequantizeLinear). The hint sent the user to
	 * convert's QAT folds "so that ONNX Runtime runs it as QLinearConv": there is no float8 integer kernel to run it on.
	 */
	@Test
	void aFloat8ModelIsNotSentToConvert() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String s = t.scalar(0.02f);
		String x = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", s, "zp8")), s, "zp8"));
		String y = t.node("Conv", List.of(x, t.weight(1.0 / 27, 4, 3, 3, 3)), TinyGraph.ints("pads", 1, 1, 1, 1));
		ModelProto.Builder m = t.model(t.node("Relu", List.of(y))).toProto().toBuilder();
		m.getGraphBuilder().addInitializer(TensorProto.newBuilder().setName("zp8").setDataType(17).setRawData(com.google.protobuf.ByteString.copyFrom(new byte[1])));

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Quantizer.requireFloat(OnnxModel.of(m.build()), "fp8qdq"));

		assertEquals("its codes are float8 (FLOAT8E4M3FN), as FP8 post-training quantization (NVIDIA ModelOpt, TensorRT) writes them, and ONNX"
				+ " Runtime's CPU has no float8 kernel: its layers compute in float on the dequantized values; quantize the float model it was made"
				+ " from (to int8), or evaluate this one as it is (quantrace evaluate FLOAT.onnx QUANTIZED.onnx compares the two)", e.hint());
	}
}
