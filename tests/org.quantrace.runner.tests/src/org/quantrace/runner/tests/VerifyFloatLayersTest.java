package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A layer the quantized model runs in float is the float model's node, kept under its name: verify holds its op (in its domain),
 * what it reads, its attributes and the constants it reads against the layer's record and the float model, each hash recomputed
 * by the forger (and the model's size kept). Before (main 0e99974),
 * fcnarg's last ArgMax made an ArgMin passed plain verify with 0 mismatches; before this branch (main ea8fd9b), a contrib op
 * written in a float layer's place, an ArgMax made to read another tensor of the same shape, a Softmax's axis and a float Pow's
 * exponent changed passed plain verify too.
 */
class VerifyFloatLayersTest {

	private static Path copy;
	private static Path out;

	/**
	 * The example's CNN ending in Softmax 'softmax', Pow 'square' (by a constant exponent 2) and ArgMax 'argmax' (class indices,
	 * int64 [N]), all three float under fiq_int8; run once.
	 */
	@BeforeAll
	static void run() throws IOException {
		copy = Runs.exampleCopy("float-layers");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		g.addNode(NodeProto.newBuilder().setOpType("Softmax").setName("softmax").addInput(logits).addOutput("probs")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)));
		g.addNode(NodeProto.newBuilder().setOpType("Pow").setName("square").addInput("probs").addInput("exponent").addOutput("squares"));
		g.addInitializer(TensorProto.newBuilder().setName("exponent").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(2f));
		g.addNode(NodeProto.newBuilder().setOpType("ArgMax").setName("argmax").addInput("squares").addOutput("class")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
		g.clearOutput().addOutput(ValueInfoProto.newBuilder().setName("class").setType(TypeProto.newBuilder()
				.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE)
						.setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))))));
		Files.write(copy.resolve("model/argmax.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.fiqInt8Recipe(copy, "float.qr", "float_layers", "model/argmax.onnx");
		out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	@Test
	void aFloatLayersOpChangedAfterTheRunIsFound() throws IOException {
		Verification.Result r = forged("argmin", n -> {
			if (n.getName().equals("argmax")) {
				n.setOpType("ArgMin");
			}
		});
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer argmax (ArgMax) opType: says ArgMax,"
				+ " re-derived ArgMin (the model's node of that name, run in float)")), r.problems().toString());
	}

	/** ONNX Runtime's contrib ops are no excuse: only those the quantizer's writers put in a layer's place (ContribForms) pass. */
	@Test
	void aContribOpWrittenInAFloatLayersPlaceIsFound() throws IOException {
		Verification.Result r = forged("gelu", n -> {
			if (n.getName().equals("softmax")) {
				n.setDomain("com.microsoft").setOpType("Gelu").clearAttribute();
			}
		});
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer softmax (Softmax) opType: says Softmax,"
				+ " re-derived com.microsoft.Gelu (the model's node of that name, run in float; no writer of Quantrace puts that op in a Softmax's place)")),
				r.problems().toString());
	}

	/** A float layer's attribute: Softmax over the batch (axis 0) instead of the classes, the same output shape. */
	@Test
	void aFloatLayersAttributeChangedIsFound() throws IOException {
		Verification.Result r = forged("axis", n -> {
			if (n.getName().equals("softmax")) {
				n.clearAttribute().addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0));
			}
		});
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer softmax (Softmax) attributes: says [axis=i: 1 type: INT]")),
				r.problems().toString());
	}

	/**
	 * A quantized layer that moves codes is the float model's node too: the second MaxPool (uint8 codes in, the same codes out)
	 * made a 1x1 subsampling with its stride 2 kept (kernel_shape [1, 1]: the same output shape, other values). Before,
	 * verify held its record ("quantized", the scale it shares) and no attribute: the forged folder passed with the documents'
	 * hashes only (make_unseen16's restore: its rank-6 Transpose's perm swapped passed the same way).
	 */
	@Test
	void aQuantizedLayersAttributeThatMovesCodesChangedIsFound() throws IOException {
		Verification.Result r = forged("pool", n -> {
			if (n.getName().equals("/features/features.7/MaxPool")) {
				n.getAttributeBuilderList().stream().filter(a -> a.getName().equals("kernel_shape")).forEach(a -> a.setInts(0, 1).setInts(1, 1));
			}
		});
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer /features/features.7/MaxPool (MaxPool) attributes: says")
				&& p.what().contains("kernel_shape=ints: 2 ints: 2")), r.problems().toString());
	}

	/** A constant a float layer reads: the Pow's exponent 2 made 3 in the quantized model (the float model's stays 2). */
	@Test
	void aConstantAFloatLayerReadsChangedIsFound() throws IOException {
		Path edited = Runs.copy(out, copy.resolve("exponent"));
		String model = "models/cnn/fiq_int8.onnx";
		long size = Files.size(edited.resolve(model));
		Tampering.editInitializer(edited, model, "exponent", t -> t.getRawData().size() == 4
				? t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, 3f).array())).build()
				: t.toBuilder().setFloatData(0, 3f).build());
		assertEquals(size, Files.size(edited.resolve(model)), "the edit keeps the model's size");
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "a float layer's constant edited");
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer square (Pow) input 1: says exponent as the float"
				+ " model stores it (FLOAT32 []), re-derived exponent holds other values")), r.problems().toString());
	}

	/** The float tail's wiring: ArgMax made to read the logits Softmax reads (the same shape) instead of the squares. */
	@Test
	void aFloatLayerMadeToReadAnotherTensorIsFound() throws IOException {
		String[] softmaxInput = new String[1];
		Verification.Result r = forged("rewired", n -> {
			if (n.getName().equals("softmax")) {
				softmaxInput[0] = n.getInput(0);
			}
		}, n -> {
			if (n.getName().equals("argmax")) {
				n.setInput(0, softmaxInput[0]);
			}
		});
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer argmax (ArgMax) input 0: says squares")),
				r.problems().toString());
	}

	/**
	 * The edited model's bytes, its graph's name (which no document prints) padded so that the file keeps its size: every figure the documents print
	 * about the model (size included) stays true, so only the checks of the layers' op and wiring can find the edit.
	 */
	private static byte[] sized(ModelProto.Builder b, long size) {
		for (int pad = 0; pad < 256; pad++) {
			b.getGraphBuilder().setName("g".repeat(pad));
			byte[] bytes = b.build().toByteArray();
			if (bytes.length == size) {
				return bytes;
			}
		}
		throw new AssertionError("no padding keeps the model's size " + size);
	}

	/** A copy of the honest folder whose fiq_int8 model had each edit applied to every node in turn (its size kept, every hash recomputed); verified. */
	@SafeVarargs
	private static Verification.Result forged(String name, Consumer<NodeProto.Builder>... edits) throws IOException {
		Path edited = Runs.copy(out, copy.resolve(name));
		Path model = edited.resolve("models/cnn/fiq_int8.onnx");
		ModelProto.Builder b = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
		assertTrue(b.getGraph().getNodeList().stream().anyMatch(n -> n.getName().equals("softmax") && n.getOpType().equals("Softmax")),
				"the Softmax is kept, in float, under its name");
		assertTrue(b.getGraph().getNodeList().stream().anyMatch(n -> n.getName().equals("argmax") && n.getOpType().equals("ArgMax")),
				"the ArgMax is kept, in float, under its name");
		for (Consumer<NodeProto.Builder> edit : edits) {
			b.getGraphBuilder().getNodeBuilderList().forEach(edit);
		}
		Tampering.replaceModel(edited, "models/cnn/fiq_int8.onnx", sized(b, Files.size(model)));
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), name + ": the forged folder passed");
		return r;
	}
}
