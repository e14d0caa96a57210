package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestModels;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Round 34's fp8qdq (unseen58, "found, not fixed"): a model FP8-quantized as NVIDIA ModelOpt's ONNX export writes it, run as it
 * is ({@code schemes unquantized}). Its PhIMT0003 said "1 of its 3 Conv/MatMul/Gemm/recurrent layers on integer codes": the Conv
 * between float8 DequantizeLinears and a float8 QuantizeLinear was counted as ONNX Runtime's QDQ integer kernel, and verify counted
 * by the same rule. Float8 codes are no integers and ONNX Runtime's CPU has no float8 kernel: every layer computes in float. Tiny
 * graph: Fashion-MNIST images through float8 QDQ into a 3x3 Conv of float8 weights, float8 QDQ after it, Flatten, a Gemm of
 * float8 weights.
 */
class Float8LayersLogTest {

	private static final int FP8 = 17; // FLOAT8E4M3FN
	/** What the file holds: no layer on integer codes. */
	private static final String LAYERS = "layers: 0 of its 2 Conv/MatMul/Gemm/recurrent layers on integer codes, 2 in float";

	private static Path dir;
	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		dir = Runs.exampleCopy("fp8-layers");
		Files.write(dir.resolve("model/fp8.onnx"), fp8Cnn().toByteArray());
		String recipe = Runs.exampleRecipe(dir, "fp8", "model/fp8.onnx", "unquantized").replaceAll("(?s)\tconvert \\{.*?\n\t\\}\n", "").lines()
				.filter(l -> !l.trim().startsWith("debug ")).reduce("", (a, b) -> a + b + "\n");
		out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "fp8.qr", recipe), out).exitCode());
	}

	/** E4M3FN codes of 1, 0.5, -1, 0.25, 0, -0.5 in turn. */
	private static TensorProto codes(String name, long... dims) {
		int n = 1;
		for (long d : dims) {
			n *= (int) d;
		}
		byte[] w = new byte[n];
		for (int i = 0; i < n; i++) {
			w[i] = (byte) new int[] { 0x38, 0x30, 0xB8, 0x28, 0x00, 0xB0 }[i % 6];
		}
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FP8).setRawData(ByteString.copyFrom(w));
		for (long d : dims) {
			t.addDims(d);
		}
		return t.build();
	}

	private static ValueInfoProto batched(String name, long... dims) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : dims) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
				.build();
	}

	static ModelProto fp8Cnn() {
		List<TensorProto> weights = List.of(TestModels.floats("s", new long[0], 0.05f), TestModels.floats("ws", new long[0], 0.1f),
				TestModels.floats("gs", new long[0], 0.01f), TestModels.floats("gb", new long[] { 10 }, 0, 0.1f, -0.1f, 0.2f, 0, 0, 0.05f, 0, -0.05f, 0),
				TensorProto.newBuilder().setName("zp").setDataType(FP8).setRawData(ByteString.copyFrom(new byte[1])).build(), codes("w8", 2, 1, 3, 3),
				codes("g8", 1568, 10));
		NodeProto conv = TestModels.node("Conv", "conv", List.of("xd", "wd"), "c").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(1).addInts(1).addInts(1))
				.build();
		ModelProto m = TestModels.graph(List.of(TestModels.node("QuantizeLinear", "xq", List.of("input", "s", "zp"), "x8"),
				TestModels.node("DequantizeLinear", "xdq", List.of("x8", "s", "zp"), "xd"), TestModels.node("DequantizeLinear", "wdq", List.of("w8", "ws", "zp"), "wd"),
				conv, TestModels.node("QuantizeLinear", "cq", List.of("c", "s", "zp"), "c8"), TestModels.node("DequantizeLinear", "cdq", List.of("c8", "s", "zp"), "cd"),
				TestModels.node("Flatten", "flatten", List.of("cd"), "f"), TestModels.node("DequantizeLinear", "gdq", List.of("g8", "gs", "zp"), "gd"),
				TestModels.node("Gemm", "gemm", List.of("f", "gd", "gb"), "logits")), weights, batched("input", 1, 28, 28), batched("logits", 10));
		return m.toBuilder().setIrVersion(9).clearOpsetImport().addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(19)).build();
	}

	@Test
	void theLogSaysNoLayerRunsOnIntegerCodesAndVerifyAgrees() throws IOException {
		String md = Files.readString(out.resolve("logs/PhIMT0003-fp8.md"));
		assertTrue(md.contains(LAYERS), md);
		// the transformation function said "q = saturate(round(x / s) + z)": float8 codes are no rounded integers
		assertTrue(md.contains("q = saturate(x / s + z) rounded to the nearest FLOAT8E4M3FN value (float8 codes, no integers)"), md);
		// the model-trained-codes warning said "on the integer codes it holds ... is that integer model"
		assertTrue(md.contains("on the float8 codes it holds (FLOAT8E4M3FN; no integer kernel") && md.contains("is that float8-quantized model"), md);
		assertTrue(Files.readString(out.resolve("report.html")).contains("0 of its 2 Conv/MatMul/Gemm/recurrent layers on integer codes, 2 in float"), "report.html");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The statement an earlier build wrote (its float8 Conv on integer codes), trace and every document alike: verify counts the file again. */
	@Test
	void theFalseCountIsNamed() {
		// the trace's figure (0 is EMF's default, not written out) set to 1, every document made again from it
		List<Problem> remade = Tampering.traceForged(out, "forged-count", t -> t.getArtifacts().stream().filter(a -> a.getQuantizedForm() != null)
				.forEach(a -> a.setIntegerLayers(1)));
		Tampering.foundInTrace(remade, "integerLayers, floatLayers", "[1, 2]", "[0, 2]");
		Path md = Tampering.edited(out, dir.resolve("forged-md"), "logs/PhIMT0003-fp8.md", LAYERS, LAYERS.replace("0 of its 2", "1 of its 2").replace("2 in float", "1 in float"));
		List<Problem> problems = Verification.verify(md).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-fp8.md") && p.what().contains("layers")), problems.toString());
	}
}
