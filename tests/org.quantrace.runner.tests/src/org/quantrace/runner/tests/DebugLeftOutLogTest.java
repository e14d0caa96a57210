package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LeftOutTensor;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Round 34's detnms (unseen58, "found, not fixed"): the debugger leaves out a tensor whose size the values decide (the boxes a
 * NonMaxSuppression keeps: 3,632 values in fp32, 3,592 on codes) and said so on the console only; the trace's debug record,
 * report.html and PhIMT0003 listed the compared tensors as if they were all. Tiny graph: Fashion-MNIST images through a 1x1 Conv
 * (0.7 x + 0.01) to c, a Gemm head on c (logits), and the values of c above 0.50125 kept by Greater, NonZero, Transpose and
 * GatherND (output kept). In float a pixel of 179/255 gives 0.50137 and is kept; fiq_int8 writes c as codes of step 0.71/255,
 * where it is 0.50118 and is not: kept holds fewer values on codes in every batch with such a pixel.
 */
class DebugLeftOutLogTest {

	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Runs.exampleCopy("debug-left-out");
		Files.write(dir.resolve("model/kept.onnx"), kept().toByteArray());
		out = dir.resolve("out");
		String recipe = Runs.exampleRecipe(dir, "kept", "model/kept.onnx", "fiq_int8").replaceAll("(?s)\tconvert \\{.*?\n\t\\}\n", "");
		assertTrue(recipe.contains("debug fiq_int8"), recipe);
		assertEquals(0, Runs.run(Runs.recipe(dir, "kept.qr", recipe), out).exitCode());
	}

	private static ValueInfoProto batched(String name, long... dims) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : dims) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
				.build();
	}

	static ModelProto kept() {
		List<TensorProto> weights = List.of(TestModels.floats("w", new long[] { 1, 1, 1, 1 }, 0.7f), TestModels.floats("b", new long[] { 1 }, 0.01f),
				TestModels.floats("above", new long[0], 0.50125f), TestModels.uniform("g", new java.util.Random(0), -0.05, 0.05, 784, 10),
				TestModels.floats("gb", new long[] { 10 }, new float[10]));
		List<NodeProto> nodes = List.of(TestModels.node("Conv", "/c/Conv", List.of("input", "w", "b"), "c"), TestModels.node("Flatten", "/f/Flatten", List.of("c"), "f"),
				TestModels.node("Gemm", "/head/Gemm", List.of("f", "g", "gb"), "logits"), TestModels.node("Greater", "/keep/Greater", List.of("c", "above"), "mask"),
				TestModels.node("NonZero", "/keep/NonZero", List.of("mask"), "where"),
				TestModels.node("Transpose", "/keep/Transpose", List.of("where"), "indices").toBuilder()
						.addAttribute(AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0)).build(),
				TestModels.node("GatherND", "/keep/GatherND", List.of("c", "indices"), "kept"));
		ModelProto m = TestModels.graph(nodes, weights, batched("input", 1, 28, 28), batched("logits", 10));
		ValueInfoProto keptOut = ValueInfoProto.newBuilder().setName("kept").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)
				.setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("K"))))).build();
		return m.toBuilder().setGraph(m.getGraph().toBuilder().addOutput(keptOut)).build();
	}

	private static DebugRecord record(org.quantrace.model.trace.TraceModel trace) {
		return trace.getDebugRecords().get(0);
	}

	@Test
	void theTensorLeftOutIsRecordedAndStatedInEveryDocument() throws IOException {
		DebugRecord d = record(org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi")));
		assertEquals(1, d.getLeftOut().size(), d.getLeftOut().toString());
		LeftOutTensor l = d.getLeftOut().get(0);
		assertEquals("kept", l.getTensor());
		assertTrue(l.getFloatValues() > l.getQuantizedValues(), l.getFloatValues() + " / " + l.getQuantizedValues());
		assertTrue(d.getLayers().stream().noneMatch(r -> r.getTensor().equals("kept")), "no figures of values without counterparts");
		String said = String.format(java.util.Locale.ROOT, "'kept' (%,d values in the float model, %,d in the quantized one, samples %d-%d)", l.getFloatValues(),
				l.getQuantizedValues(), l.getFromSample(), l.getToSample());
		String md = Files.readString(out.resolve("logs/PhIMT0003-kept.md"));
		assertTrue(md.contains("Not compared by the quantization debugger of kept / fiq_int8") && md.contains(said), md);
		assertTrue(Files.readString(out.resolve("report.html")).contains(said.replace("'", "&#39;")) || Files.readString(out.resolve("report.html")).contains(said),
				"report.html");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** A compared tensor said left out (every document made again from the trace): it has rows, and no NonZero makes it. */
	@Test
	void aComparedTensorSaidLeftOutIsNamed() {
		List<Problem> problems = Tampering.traceForged(out, "left-out-logits", t -> record(t).getLeftOut().get(0).setTensor("logits"));
		Tampering.foundInTrace(problems, "left out 'logits'", "compared: a row of");
		Tampering.foundInTrace(problems, "left out 'logits', why its size differs");
	}

	/** Two equal sizes stated (documents made again from the trace): the statement that they differ is false, and named. */
	@Test
	void twoEqualSizesAreNamed() {
		List<Problem> problems = Tampering.traceForged(out, "left-out-sizes", t -> {
			LeftOutTensor l = record(t).getLeftOut().get(0);
			l.setQuantizedValues(l.getFloatValues());
		});
		Tampering.foundInTrace(problems, "left out 'kept' sizes", "two different sizes");
	}
}
