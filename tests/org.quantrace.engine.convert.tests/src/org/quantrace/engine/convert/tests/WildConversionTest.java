package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

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
 * Tiny graphs of what exporters write in models Quantrace was not built on (issue 13, "models in the wild"), each
 * converted and compared with the original in ONNX Runtime.
 */
class WildConversionTest {

	/**
	 * ShuffleNet's channel shuffle as torch exports it: a Reshape whose target is computed at run time (ONNX Runtime then
	 * cannot infer the rank of its output and reports no dimensions, as for a scalar), and a Shape of that output feeding
	 * the next Reshape. The Shape used to be folded into an empty vector: `convert` failed inside ONNX Runtime (exit 3).
	 */
	@Test
	void shapeOfATensorOfUnknownRankIsNotFoldedToAnEmptyVector() {
		Tiny t = new Tiny(8);
		String s = t.node("Shape", "x");
		String n = t.node("Gather", List.of(s, t.longs(0)), intAttr("axis", 0));
		String target = t.node("Concat", List.of(t.node("Unsqueeze", List.of(n, t.longs(new long[] { 0 }))), t.longs(new long[] { 2 }), t.longs(new long[] { 4 })),
				intAttr("axis", 0));
		String y = t.node("Relu", t.node("Reshape", List.of("x", target)));
		String d = t.node("Gather", List.of(t.node("Shape", y), t.longs(2)), intAttr("axis", 0));
		String target2 = t.node("Concat", List.of(t.longs(new long[] { -1 }), t.node("Unsqueeze", List.of(d, t.longs(new long[] { 0 })))), intAttr("axis", 0));
		OnnxModel model = t.model(t.node("Reshape", List.of(y, target2)));

		FreezeResult r = Freezer.freeze(model, "channel_shuffle", FreezeOptions.defaults(), null);

		NdArray x = random(5, 8);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
		assertTrue(r.maxAbsDifference() == 0, "difference " + r.maxAbsDifference());
	}

	/**
	 * torchvision's ShuffleNetV2 channel shuffle: both Reshape targets take the batch from {@code x.size()} at run time, the
	 * second one the size of the tensor before the Transpose. Only the first target folded (its batch is its own input's,
	 * copied with 0); ONNX Runtime could not infer the rank after the second Reshape, so nothing after it folded and the
	 * quantizer listed 383 of 568 nodes (Shape, Gather, Unsqueeze, Concat, Div, Cast) as float layers. The Transpose keeps
	 * the batch at axis 0, so the second target's batch is its input's too.
	 */
	@Test
	void bothReshapesOfAChannelShuffleGetConstantTargets() {
		Tiny t = new Tiny(8, 4, 4);
		String batch = t.node("Unsqueeze", List.of(t.node("Gather", List.of(t.node("Shape", "x"), t.longs(0)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String grouped = t.node("Reshape", List.of("x", t.node("Concat", List.of(batch, t.longs(new long[] { 2 }), t.longs(new long[] { 4 }),
				t.longs(new long[] { 4 }), t.longs(new long[] { 4 })), intAttr("axis", 0))));
		String swapped = t.node("Transpose", List.of(grouped), intsAttr("perm", 0, 2, 1, 3, 4));
		String shuffled = t.node("Reshape", List.of(swapped, t.node("Concat", List.of(batch, t.longs(new long[] { -1 }), t.longs(new long[] { 4 }),
				t.longs(new long[] { 4 })), intAttr("axis", 0))));
		OnnxModel model = t.model(t.node("Relu", shuffled));

		FreezeResult r = Freezer.freeze(model, "channel_shuffle", FreezeOptions.defaults(), null);

		assertEquals(List.of("Reshape", "Transpose", "Reshape", "Relu"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray x = random(3, 8, 4, 4);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
	}

	/**
	 * nn.LocalResponseNorm as torch 1.13 exports it (opset 11-17, dynamic batch; make_unseen10's lrnnet): x², Unsqueeze to
	 * [N, 1, C, H, W], a Reshape to [x.shape[0], 1, C, H, -1] computed at run time, Pad and a [5, 1, 1] AveragePool over the
	 * channels, then {@code squeeze(1)} as an If on {@code Equal(shape[1], 1)}. The target's batch is dimension 0 of x, not of
	 * the Reshape's own input, and the target already holds a -1: it did not fold, so ONNX Runtime knew no shape after it,
	 * the If's condition stayed a run-time value, and the quantizer left the If and everything after it float (lrnnet: 20 of
	 * 54 layers integer, "control flow: the If itself runs in float"). The Unsqueeze and the Mul of x by itself carry x's
	 * batch to the Reshape's input, so it is copied with 0; then the condition folds and the If is inlined.
	 */
	@Test
	void localResponseNormsSqueezeIfIsInlinedOnceItsReshapeTargetFolds() {
		Tiny t = new Tiny(4, 5, 5);
		String dim0 = t.node("Unsqueeze", List.of(t.node("Gather", List.of(t.node("Shape", "x"), t.longs(0)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String dim1 = t.node("Unsqueeze", List.of(t.node("Gather", List.of(t.node("Shape", "x"), t.longs(1)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String dim2 = t.node("Unsqueeze", List.of(t.node("Gather", List.of(t.node("Shape", "x"), t.longs(2)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String squared = t.node("Unsqueeze", List.of(t.node("Mul", List.of("x", "x")), t.longs(new long[] { 1 })));
		String target = t.node("Concat", List.of(dim0, t.longs(new long[] { 1 }), dim1, dim2, t.longs(new long[] { -1 })), intAttr("axis", 0));
		String padded = t.node("Pad", List.of(t.node("Reshape", List.of(squared, target)), t.longs(new long[] { 0, 0, 2, 0, 0, 0, 0, 2, 0, 0 })));
		String pooled = t.node("AveragePool", List.of(padded), intsAttr("kernel_shape", 5, 1, 1));
		String one = t.node("Equal", List.of(t.node("Gather", List.of(t.node("Shape", pooled), t.longs(1)), intAttr("axis", 0)), t.longs(1)));
		String axes = t.longs(new long[] { 1 });
		String squeezed = t.node("If", List.of(one), branch("then_branch", "Squeeze", List.of(pooled, axes)), branch("else_branch", "Identity", List.of(pooled)));
		OnnxModel model = t.model(t.node("Div", List.of("x", t.node("Add", List.of(squeezed, t.floats(new long[0], 1f))))));

		FreezeResult r = Freezer.freeze(model, "lrn", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		// the Reshape, its target folded to [0, 1, 4, 5, -1], is then one to the shape the Unsqueeze wrote, and goes (ReshapeChainsTest)
		assertEquals(List.of("Mul", "Unsqueeze", "Pad", "AveragePool", "Squeeze", "Add", "Div"), ops);
		NdArray x = random(3, 4, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
	}

	/** An If branch of one node reading {@code inputs} from the enclosing graph, its output a float tensor of unknown shape. */
	private static AttributeProto branch(String name, String op, List<String> inputs) {
		GraphProto g = GraphProto.newBuilder().setName(name).addNode(NodeProto.newBuilder().setOpType(op).setName(name + "_" + op).addAllInput(inputs)
				.addOutput(name + "_out")).addOutput(ValueInfoProto.newBuilder().setName(name + "_out").setType(TypeProto.newBuilder()
						.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)))).build();
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(g).build();
	}

	/**
	 * nn.MultiheadAttention as torch 1.13 exports it (torchvision's VisionTransformer, dynamic batch): the head split reshapes
	 * [tokens, batch, dim] to [tokens, batch × heads, head dim] and back to [tokens × batch, dim], with batch × heads and
	 * tokens × batch computed by Mul nodes from {@code x.shape} at run time. ShapeFolding followed only element copies, so
	 * neither target folded and the quantizer listed 12 int64 Shape/Gather/Mul/Unsqueeze/Concat nodes per attention layer
	 * as float layers (48 of ViT's 96). A target with a single computed element is exact with -1 there.
	 */
	@Test
	void multiheadAttentionReshapesWithBatchTimesHeadsGetConstantTargets() {
		Tiny t = new Tiny(6, 8);
		String seq = t.node("Transpose", List.of("x"), intsAttr("perm", 1, 0, 2)); // [6, N, 8]
		String tokens = t.node("Gather", List.of(t.node("Shape", seq), t.longs(0)), intAttr("axis", 0));
		String batch = t.node("Gather", List.of(t.node("Shape", seq), t.longs(1)), intAttr("axis", 0));
		String batchHeads = t.node("Mul", List.of(batch, t.longs(2)));
		String split = t.node("Reshape", List.of(seq, t.node("Concat", List.of(t.node("Unsqueeze", List.of(tokens, t.longs(new long[] { 0 }))),
				t.node("Unsqueeze", List.of(batchHeads, t.longs(new long[] { 0 }))), t.longs(new long[] { 4 })), intAttr("axis", 0)))); // [6, 2N, 4]
		String heads = t.node("Transpose", List.of(t.node("Relu", t.node("Transpose", List.of(split), intsAttr("perm", 1, 0, 2)))), intsAttr("perm", 1, 0, 2));
		String tokensBatch = t.node("Mul", List.of(tokens, batch));
		String merged = t.node("Reshape", List.of(heads, t.node("Concat", List.of(t.node("Unsqueeze", List.of(tokensBatch, t.longs(new long[] { 0 }))),
				t.longs(new long[] { 8 })), intAttr("axis", 0)))); // [6N, 8]
		OnnxModel model = t.model(t.node("Relu", merged));

		FreezeResult r = Freezer.freeze(model, "attention", FreezeOptions.defaults(), null);

		// the two Transposes around the Relu undo each other and cancel (LayoutTransposes)
		assertEquals(List.of("Transpose", "Reshape", "Relu", "Reshape", "Relu"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray x = random(3, 6, 8);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
	}

	/**
	 * torchvision's VisionTransformer prepends its class token with {@code class_token.expand(n, -1, -1)}, exported (dynamic
	 * batch) as Expand to Where(Equal(sizes, -1), 1, sizes) with sizes [x.shape[0], -1, -1], then Concat with the patches
	 * and an Add of the position embedding. Nothing of it folded: the quantizer listed Shape, Gather, Unsqueeze, Concat,
	 * Reshape, Equal, Where, Expand and the Concat as float layers. It becomes Pad(x) and the Add of one constant holding
	 * class token + position embedding in the padded row, exactly.
	 */
	@Test
	void aClassTokenExpandedOverTheBatchBecomesAPadAndAConstant() {
		Tiny t = new Tiny(4, 3);
		String token = t.floats(new long[] { 1, 1, 3 }, new float[] { 0.3f, -1.7f, 2.9f });
		float[] positions = new float[5 * 3];
		for (int i = 0; i < positions.length; i++) {
			positions[i] = (i * 37 % 11) / 7f - 0.6f;
		}
		String embedding = t.floats(new long[] { 1, 5, 3 }, positions);
		String batch = t.node("Unsqueeze", List.of(t.node("Gather", List.of(t.node("Shape", "x"), t.longs(0)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String sizes = t.node("Reshape", List.of(t.node("Concat", List.of(batch, t.longs(new long[] { -1 }), t.longs(new long[] { -1 })), intAttr("axis", 0)),
				t.longs(new long[] { -1 })));
		String ones = t.node("ConstantOfShape", List.of(t.node("Shape", sizes)), AttributeProto.newBuilder().setName("value")
				.setType(AttributeProto.AttributeType.TENSOR).setT(TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE).addDims(1).addInt64Data(1))
				.build());
		String target = t.node("Where", List.of(t.node("Equal", List.of(sizes, t.node("Mul", List.of(ones, t.longs(-1))))), ones, sizes));
		String joined = t.node("Concat", List.of(t.node("Expand", List.of(token, target)), "x"), intAttr("axis", 1)); // [N, 5, 3]
		OnnxModel model = t.model(t.node("Relu", t.node("Add", List.of(joined, embedding))));

		FreezeResult r = Freezer.freeze(model, "class_token", FreezeOptions.defaults(), null);

		assertEquals(List.of("Pad", "Add", "Relu"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		List<String> before = model.graph().nodes().stream().map(n -> n.name()).toList();
		List<String> after = r.model().graph().nodes().stream().map(n -> n.name()).toList();
		assertEquals(before.stream().filter(n -> !after.contains(n)).sorted().toList(), r.removedNodes().stream().sorted().toList(),
				"PhIMT0002's Appendix A lists every node gone (verify re-derives it)");
		NdArray x = random(3, 4, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 0f);
	}

	/**
	 * torch.onnx.export writes one initializer for equal tensors and an Identity node for each other use (torchvision's
	 * SqueezeNet: 18 Conv biases, all zero at initialization, read through Identity nodes). The quantizer saw those biases
	 * as computed at run time and listed 18 Identity layers as left float; pre-processing did not run because dropping
	 * Identity nodes counted as no gain. An Identity on a stored tensor is now a gain: the pre-processed model reads the
	 * bias itself.
	 */
	@Test
	void identitiesOnStoredTensorsAreAGainOfPreprocessing() {
		Tiny t = new Tiny(2, 4, 4);
		String bias = t.floats(new long[] { 2 }, 0f);
		String shared = t.node("Identity", bias);
		String first = t.node("Conv", List.of("x", t.floats(new long[] { 2, 2, 1, 1 }, 0.5f), bias));
		OnnxModel model = t.model(t.node("Conv", List.of(t.node("Relu", first), t.floats(new long[] { 2, 2, 1, 1 }, 0.25f), shared)));

		Preprocessing.Outcome pre = Preprocessing.of(model, "shared_bias", null, true);

		assertTrue(pre.applied(), pre.reason() + " " + pre.gains());
		assertEquals(List.of("Identity on a stored tensor: 1 removed (its reader reads the stored tensor itself)"), pre.gains());
		assertTrue(pre.model(model).graph().nodes().stream().noneMatch(n -> n.opType().equals("Identity")));
		NdArray x = random(3, 2, 4, 4);
		assertArrayEquals(run(model, x), run(pre.model(model), x), 0f);
	}

	/**
	 * PyTorch's {@code x.mean([2, 3])} (EfficientNet's squeeze-excitation, ShuffleNet's and many classifiers' pooling) and
	 * a Conv1d model's {@code x.mean(2)} export as ReduceMean, for which ONNX Runtime has no integer kernel: the int8 model
	 * kept a float island (dequantize, ReduceMean, quantize) at each. They become GlobalAveragePool (QLinearGlobalAveragePool
	 * in int8), with a Flatten when the axes are not kept. A mean over other axes (a transformer's tokens) stays.
	 */
	@Test
	void reduceMeanOverTheSpatialAxesBecomesGlobalAveragePool() {
		Tiny t = new Tiny(4, 3, 5);
		String kept = t.node("ReduceMean", List.of("x"), intsAttr("axes", 2, 3));
		String dropped = t.node("ReduceMean", List.of("x"), intsAttr("axes", -1, -2), intAttr("keepdims", 0));
		String tokens = t.node("ReduceMean", List.of("x"), intsAttr("axes", 1), intAttr("keepdims", 0));
		String flat = t.node("Flatten", List.of(kept), intAttr("axis", 1));
		String both = t.node("Add", List.of(flat, dropped));
		OnnxModel model = t.model(t.node("Concat", List.of(both, t.node("Flatten", List.of(tokens), intAttr("axis", 1))), intAttr("axis", 1)));

		FreezeResult r = Freezer.freeze(model, "means", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(2, ops.stream().filter("GlobalAveragePool"::equals).count(), ops.toString());
		assertEquals(1, ops.stream().filter("ReduceMean"::equals).count(), "the mean over the channels stays: " + ops);
		NdArray x = random(6, 4, 3, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("ReduceMean -> GlobalAveragePool")), r.rewrites().toString());
	}

	/**
	 * The mean over the tokens of an image's channels-last token sequence, {@code x.flatten(2).transpose(1, 2).mean(1)}
	 * (make_unseen15.py hyper: the hypernetwork's input), is the mean over the pixels of each channel. It stayed a float
	 * ReduceMean behind a DequantizeLinear of the tokens; it becomes GlobalAveragePool of the image and a Flatten
	 * (QLinearGlobalAveragePool on the image's codes). The Transpose stays where a MatMul reads the tokens too and goes where only
	 * the mean did; a mean over tokens that no image's Reshape made stays (a mean over the tokens' channels, the last axis, was a
	 * GlobalAveragePool before).
	 */
	@Test
	void aMeanOverTheTokensOfAnImageBecomesGlobalAveragePool() {
		Tiny t = new Tiny(4, 3, 5);
		String tokens = t.node("Transpose", List.of(t.node("Reshape", List.of("x", t.longs(new long[] { 0, 4, -1 })))), intsAttr("perm", 0, 2, 1));
		String shared = t.node("ReduceMean", List.of(tokens), intsAttr("axes", 1), intAttr("keepdims", 0));
		String mixed = t.node("MatMul", List.of(tokens, t.floats(new long[] { 4, 2 }, new float[] { 0.5f, -1f, 0.25f, 2f, -0.75f, 1f, 1.5f, -0.5f })));
		String ofMixed = t.node("ReduceMean", List.of(mixed), intsAttr("axes", 1), intAttr("keepdims", 0)); // [N, 15, 2]: no image behind it
		String perToken = t.node("ReduceMean", List.of(tokens), intsAttr("axes", 2), intAttr("keepdims", 0)); // a Conv1d's x.mean(2), as before
		String alone = t.node("Transpose", List.of(t.node("Reshape", List.of(t.node("Relu", "x"), t.longs(new long[] { 0, 4, 15 })))), intsAttr("perm", 0, 2, 1));
		String onlyMean = t.node("ReduceMean", List.of(alone), intsAttr("axes", -2), intAttr("keepdims", 0));
		OnnxModel model = t.model(t.node("Concat", List.of(shared, ofMixed, perToken, onlyMean), intAttr("axis", 1)));

		FreezeResult r = Freezer.freeze(model, "tokens", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(3, ops.stream().filter("GlobalAveragePool"::equals).count(), ops.toString());
		assertEquals(1, ops.stream().filter("ReduceMean"::equals).count(), "the mean over the MatMul's tokens stays: " + ops);
		assertEquals(1, ops.stream().filter("Transpose"::equals).count(), "the MatMul's Transpose stays, the other goes: " + ops);
		assertEquals(2, r.model().graph().nodes().stream().filter(n -> n.opType().equals("GlobalAveragePool") && (n.input(0).equals("x")
				|| r.model().graph().producer(n.input(0)).orElseThrow().opType().equals("Relu"))).count(), "two pools read the images: " + ops);
		NdArray x = random(6, 4, 3, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("ReduceMean -> GlobalAveragePool and Flatten, 3 times")),
				r.rewrites().toString());
	}

	/**
	 * make_unseen13.py coordmod: the image concatenated with coordinate planes computed from its symbolic height and width
	 * (Range, Reshape, and an Expand to a shape torch computes through Equal and Where). ONNX Runtime's shape inference then
	 * reports no rank for anything after the Concat, so the final {@code mean((2, 3))} stayed a float ReduceMean. The rank a run
	 * of the model showed (a Conv's output: its weights' rank) lets it become GlobalAveragePool and Flatten.
	 */
	@Test
	void aMeanOverTheSpatialAxesWhoseRankOnlyARunShowsBecomesGlobalAveragePool() {
		Tiny t = new Tiny("1", "H", "W");
		String shape = t.node("Shape", "x");
		String h = t.node("Gather", List.of(shape, t.longs(2)), intAttr("axis", 0));
		String w = t.node("Gather", List.of(shape, t.longs(3)), intAttr("axis", 0));
		String plane = t.node("Cast", List.of(t.node("Range", List.of(t.longs(0), t.node("Mul", List.of(h, w)), t.longs(1)))), intAttr("to", 1));
		String hw = t.node("Concat", List.of(t.node("Unsqueeze", List.of(h, t.longs(new long[] { 0 }))), t.node("Unsqueeze", List.of(w, t.longs(new long[] { 0 })))),
				intAttr("axis", 0));
		String planes = t.node("Reshape", List.of(plane, t.node("Concat", List.of(t.longs(new long[] { 1, 1 }), hw), intAttr("axis", 0))));
		String n = t.node("Unsqueeze", List.of(t.node("Gather", List.of(shape, t.longs(0)), intAttr("axis", 0)), t.longs(new long[] { 0 })));
		String target = t.node("Reshape", List.of(t.node("Concat", List.of(n, t.longs(new long[] { 1 }), hw), intAttr("axis", 0)), t.longs(new long[] { -1 })));
		String expanded = t.node("Expand", List.of(planes, t.node("Where", List.of(t.node("Equal", List.of(target, t.longs(new long[] { -1, -1, -1, -1 }))),
				t.longs(new long[] { 1, 1, 1, 1 }), target))));
		String features = t.node("Relu", t.node("Conv", List.of(t.node("Concat", List.of("x", expanded), intAttr("axis", 1)),
				t.floats(new long[] { 3, 2, 1, 1 }, new float[] { 1f, -0.01f, -0.5f, 0.02f, 0.75f, 0.005f }))));
		OnnxModel model = t.model(t.node("ReduceMean", List.of(features), intsAttr("axes", 2, 3), intAttr("keepdims", 0)));

		FreezeResult r = Freezer.freeze(model, "coordinates", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n2 -> n2.opType()).toList();
		assertEquals(List.of("GlobalAveragePool", "Flatten"), ops.subList(ops.size() - 2, ops.size()), ops.toString());
		assertTrue(ops.contains("Expand"), "the coordinate planes are still computed at run time: " + ops);
		for (NdArray x : List.of(random(3, 1, 5, 7), random(2, 1, 4, 4))) {
			assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		}
		assertTrue(r.rewrites().stream().anyMatch(w2 -> w2.made() && w2.description().startsWith("ReduceMean -> GlobalAveragePool and Flatten, 1 time")),
				r.rewrites().toString());
	}

	/**
	 * A Keras NHWC model as tf2onnx writes it without its transpose optimizer (make_unseen11.py kerasnhwc): every Conv, MaxPool
	 * and the FusedBatchNormV3 wrapped in Transpose(0,3,1,2) ... Transpose(0,2,3,1), an unfused BatchNorm as Mul + Add of [C]
	 * over the last axis, Relu and a residual Add in NHWC. `convert` kept all 12 Transposes of kerasnhwc and made the wrapped
	 * BatchNormalization a depthwise Mul/Add instead of folding it into its Conv (the Transposes stood between them); the
	 * quantizer then wrote an integer Transpose pair around every layer. The pairs cancel: only the input's and the last
	 * pool's Transposes stay, the BatchNormalization folds into the Conv, and the Mul/Add constants become [C, 1, 1].
	 */
	@Test
	void transposePairsOfAnNhwcExportCancelAndTheWrappedBatchNormFolds() {
		Tiny t = new Tiny(6, 6, 3);
		Random rnd = new Random(5);
		java.util.function.IntFunction<float[]> values = n -> {
			float[] v = new float[n];
			for (int i = 0; i < n; i++) {
				v[i] = rnd.nextFloat() - 0.4f;
			}
			return v;
		};
		AttributeProto toNchw = intsAttr("perm", 0, 3, 1, 2);
		AttributeProto toNhwc = intsAttr("perm", 0, 2, 3, 1);
		String c1 = t.node("Transpose", List.of(t.node("Conv", List.of(t.node("Transpose", List.of("x"), toNchw), t.floats(new long[] { 4, 3, 3, 3 }, values.apply(108)),
				t.floats(new long[] { 4 }, values.apply(4))), intsAttr("pads", 1, 1, 1, 1))), toNhwc);
		String bn = t.node("BatchNormalization", List.of(t.node("Transpose", List.of(c1), toNchw), t.floats(new long[] { 4 }, new float[] { 1.5f, 0.5f, 2f, 1f }),
				t.floats(new long[] { 4 }, values.apply(4)), t.floats(new long[] { 4 }, values.apply(4)), t.floats(new long[] { 4 }, new float[] { 1f, 2f, 0.5f, 1.5f })));
		String r = t.node("Relu", List.of(t.node("Transpose", List.of(bn), toNhwc)));
		String p = t.node("Transpose", List.of(t.node("MaxPool", List.of(t.node("Transpose", List.of(r), toNchw)), intsAttr("kernel_shape", 2, 2),
				intsAttr("strides", 2, 2))), toNhwc);
		String c2 = t.node("Transpose", List.of(t.node("Conv", List.of(t.node("Transpose", List.of(p), toNchw), t.floats(new long[] { 4, 4, 3, 3 }, values.apply(144))),
				intsAttr("pads", 1, 1, 1, 1))), toNhwc);
		String affine = t.node("Add", List.of(t.node("Mul", List.of(c2, t.floats(new long[] { 4 }, values.apply(4)))), t.floats(new long[] { 4 }, values.apply(4))));
		String res = t.node("Relu", List.of(t.node("Add", List.of(affine, p))));
		String pooled = t.node("Transpose", List.of(t.node("MaxPool", List.of(t.node("Transpose", List.of(res), toNchw)), intsAttr("kernel_shape", 3, 3))), toNhwc);
		OnnxModel model = t.model(t.node("Reshape", List.of(pooled, t.longs(new long[] { -1, 4 }))));
		assertEquals(10, model.graph().nodes().stream().filter(n -> n.opType().equals("Transpose")).count());

		FreezeResult r2 = Freezer.freeze(model, "keras_nhwc", FreezeOptions.defaults(), null);

		List<String> ops = r2.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(2, ops.stream().filter("Transpose"::equals).count(), "the input's and the last pool's Transposes stay: " + ops);
		assertEquals(0, ops.stream().filter("BatchNormalization"::equals).count(), ops.toString());
		assertEquals(2, ops.stream().filter("Conv"::equals).count(), "the BatchNormalization folded into its Conv: " + ops);
		// the NHWC [C] scale and shift, stored for NCHW as [C, 1, 1], then read the Conv directly and fold into it
		assertEquals(0, ops.stream().filter("Mul"::equals).count(), ops.toString());
		// and the residual Add of the second Conv's own input merges into it (identity on its centre tap: ParallelConvs)
		assertEquals(0, ops.stream().filter("Add"::equals).count(), ops.toString());
		NdArray x = random(3, 6, 6, 3);
		assertArrayEquals(run(model, x), run(r2.model(), x), 1e-5f);
		assertTrue(r2.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("layout transposes") && w.description().startsWith("4 pairs of Transposes")),
				r2.rewrites().toString());
		assertTrue(r2.eliminations().toString().contains("folded into"), r2.eliminations().toString());
	}

	/**
	 * A BatchNormalization an exporter wrote as a per-channel Mul and Add after its Conv (tf2onnx's Keras FusedBatchNormV3,
	 * make_unseen11.py kerasnhwc: 'batchnorm/mul_1' and 'batchnorm/add_1'), a bias Add alone and a scale Mul alone: each is
	 * folded into the Conv's weights and bias (exact, padded or not). The quantizer ran each such pair as a depthwise 1x1
	 * QLinearConv of its own (kerasnhwc: 12 % of its int8 kernel time). A Mul by a per-position constant and a Conv whose
	 * output has another reader stay.
	 */
	@Test
	void aPerChannelMulAndAddAfterAConvFoldIntoItsWeightsAndBias() {
		Tiny t = new Tiny(3, 5, 5);
		Random rnd = new Random(7);
		java.util.function.IntFunction<float[]> values = n -> {
			float[] v = new float[n];
			for (int i = 0; i < n; i++) {
				v[i] = rnd.nextFloat() * 2 - 0.8f;
			}
			return v;
		};
		String c1 = t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 3, 3 }, values.apply(108)), t.floats(new long[] { 4 }, values.apply(4))),
				intsAttr("pads", 1, 1, 1, 1));
		String bn = t.node("Relu", t.node("Add", List.of(t.node("Mul", List.of(c1, t.floats(new long[] { 4, 1, 1 }, values.apply(4)))),
				t.floats(new long[] { 1, 4, 1, 1 }, values.apply(4)))));
		String bias = t.node("Add", List.of(t.floats(new long[] { 4, 1, 1 }, values.apply(4)), t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 1, 1 },
				values.apply(12))))));
		String scaled = t.node("Mul", List.of(t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 1, 1 }, values.apply(12)))), t.floats(new long[0], 0.5f)));
		String perPosition = t.node("Mul", List.of(t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 1, 1 }, values.apply(12)))),
				t.floats(new long[] { 1, 1, 5, 5 }, values.apply(25))));
		String shared = t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 1, 1 }, values.apply(12))));
		String twoReaders = t.node("Add", List.of(t.node("Mul", List.of(shared, t.floats(new long[] { 4, 1, 1 }, values.apply(4)))), t.node("Relu", shared)));
		OnnxModel model = t.model(t.node("Concat", List.of(bn, bias, scaled, perPosition, twoReaders), intAttr("axis", 1)));

		FreezeResult r = Freezer.freeze(model, "keras_batchnorm", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(5, ops.stream().filter("Conv"::equals).count(), ops.toString());
		assertEquals(2, ops.stream().filter("Mul"::equals).count(), "the per-position Mul and the Mul beside another reader stay: " + ops);
		assertEquals(1, ops.stream().filter("Add"::equals).count(), "the sum of the Conv's two readers stays: " + ops);
		NdArray x = random(2, 3, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("per-channel Mul/Add after a Conv folded into its weights and bias")
				&& w.description().contains(", 3 times: 'mul")), r.rewrites().toString());
		List<String> kept = r.model().graph().nodes().stream().map(n -> n.name()).toList();
		List<String> folded = model.graph().nodes().stream().filter(n -> (n.opType().equals("Mul") || n.opType().equals("Add")) && !kept.contains(n.name()))
				.map(n -> n.name()).toList();
		assertEquals(4, folded.size(), folded.toString());
		assertTrue(r.removedNodes().containsAll(folded), "the log names the folded nodes: " + r.removedNodes());
	}

	/**
	 * tf2onnx's NHWC Conv (make_exporters30.py tf9cls/tf11cls: Keras ZeroPadding2D before a stride-2 depthwise Conv, a Split
	 * of the channels): Transpose(0,3,1,2), Conv, Transpose(0,2,3,1), BatchNorm as Mul + Add of [C] over the last axis, then a
	 * Pad (or Split, Slice) in NHWC, past which the layout pass does not move the Transpose. The Mul/Add stayed, 3 of tf9cls's
	 * 5 BatchNorms, and the quantizer ran each as integer Mul and Add between Transposes (fiq-int8 3.4x slower than fp32).
	 * They fold through the Transpose into the Conv; a Transpose that moves the channels to the batch axis keeps its Mul.
	 */
	@Test
	void aPerChannelMulAndAddOverTheLastAxisFoldThroughTheNhwcTransposeIntoTheConv() {
		Tiny t = new Tiny(5, 5, 3);
		Random rnd = new Random(9);
		java.util.function.IntFunction<float[]> values = n -> uniform(rnd, n);
		AttributeProto toNchw = intsAttr("perm", 0, 3, 1, 2);
		String c1 = t.node("Transpose", List.of(t.node("Conv", List.of(t.node("Transpose", List.of("x"), toNchw), t.floats(new long[] { 4, 3, 3, 3 }, values.apply(108))),
				intsAttr("pads", 1, 1, 1, 1))), intsAttr("perm", 0, 2, 3, 1));
		String bn = t.node("Add", List.of(t.node("Mul", List.of(c1, t.floats(new long[] { 4 }, values.apply(4)))), t.floats(new long[] { 4 }, values.apply(4))));
		String padded = t.node("Pad", List.of(bn, t.longs(new long[] { 0, 1, 1, 0, 0, 1, 1, 0 })));
		String c2 = t.node("Transpose", List.of(t.node("Conv", List.of(t.node("Transpose", List.of(padded), toNchw), t.floats(new long[] { 4, 4, 1, 1 }, values.apply(16))))),
				intsAttr("perm", 1, 0, 2, 3));
		String batchFirst = t.node("Mul", List.of(c2, t.floats(new long[] { 4, 1, 1, 1 }, values.apply(4))));
		OnnxModel model = t.model(t.node("Reshape", List.of(batchFirst, t.longs(new long[] { -1 }))));

		FreezeResult r = Freezer.freeze(model, "tf_nhwc_pad", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(0, ops.stream().filter("Add"::equals).count(), "the NHWC BatchNorm's shift folded into the Conv's bias: " + ops);
		assertEquals(1, ops.stream().filter("Mul"::equals).count(), "only the Mul behind the channels-to-batch Transpose stays: " + ops);
		NdArray x = random(2, 5, 5, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("per-channel Mul/Add after a Conv folded into its weights and bias")
				&& w.description().contains(", 1 time: 'mul")), r.rewrites().toString());
	}

	/**
	 * CBAM's spatial attention (make_unseen11.py cbam9): the mean and the max over the channels, concatenated, then a 7x7 Conv.
	 * ONNX Runtime has no integer ReduceMean, so the quantizer left the ReduceMean and the Concat after it float in every
	 * attention block (cbam9: 3 ReduceMeans, 2 Concats, an Add and a GlobalAveragePool float). The mean over the channels alone is
	 * a 1x1 Conv from C channels to 1 with weights 1/C, which runs as QLinearConv; the mean over the pixels stays a
	 * GlobalAveragePool, and a mean over the channels without keepdims stays, and so do a normalization's statistics (the mean
	 * subtracted from its input, the mean of a square): as Convs they cost make_unseen8.py gatedmix's RMSNorm 7.1 pt.
	 */
	@Test
	void aMeanOverTheChannelsBecomesAOneByOneConv() {
		Tiny t = new Tiny(4, 3, 3);
		String mean = t.node("ReduceMean", List.of("x"), intsAttr("axes", 1), intAttr("keepdims", 1));
		String max = t.node("ReduceMax", List.of("x"), intsAttr("axes", 1), intAttr("keepdims", 1));
		String attention = t.node("Conv", List.of(t.node("Concat", List.of(mean, max), intAttr("axis", 1)), t.floats(new long[] { 1, 2, 3, 3 }, 0.1f)),
				intsAttr("pads", 1, 1, 1, 1));
		String flat = t.node("Flatten", List.of(t.node("Mul", List.of("x", t.node("Sigmoid", List.of(attention))))), intAttr("axis", 1));
		String unkept = t.node("ReduceMean", List.of("x"), intsAttr("axes", -3), intAttr("keepdims", 0));
		// a normalization over the channels (ConvNeXt's channels_first LayerNorm, RMSNorm): its statistics stay float
		String centred = t.node("Sub", List.of("x", t.node("ReduceMean", List.of("x"), intsAttr("axes", 1))));
		String meanSquare = t.node("ReduceMean", List.of(t.node("Pow", List.of(centred, t.floats(new long[0], 2f)))), intsAttr("axes", 1));
		String norm = t.node("Div", List.of(centred, t.node("Sqrt", List.of(t.node("Add", List.of(meanSquare, t.floats(new long[0], 1e-6f)))))));
		OnnxModel model = t.model(t.node("Concat", List.of(flat, t.node("Flatten", List.of(unkept), intAttr("axis", 1)), t.node("Flatten", List.of(norm),
				intAttr("axis", 1))), intAttr("axis", 1)));

		FreezeResult r = Freezer.freeze(model, "cbam", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(3, ops.stream().filter("ReduceMean"::equals).count(), "the mean without keepdims and the normalization's two stay: " + ops);
		org.quantrace.engine.onnx.Node conv = r.model().graph().nodes().stream().filter(n -> n.opType().equals("Conv") && n.name().endsWith("_conv"))
				.findFirst().orElseThrow(() -> new AssertionError(ops.toString()));
		assertArrayEquals(new long[] { 1, 4, 1, 1 }, r.model().graph().constant(conv.input(1)).dims());
		assertArrayEquals(new float[] { 0.25f, 0.25f, 0.25f, 0.25f }, r.model().graph().constant(conv.input(1)).toFloatArray(), 0f);
		NdArray x = random(3, 4, 3, 3);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("ReduceMean -> Conv, 1 time")), r.rewrites().toString());
	}

	/**
	 * A ConvLSTM's gates (make_unseen11's convlstm): one Conv computes all four and Slices cut them apart, and the unrolled
	 * steps share its weights; a GLU's halves come from a Split. Quantized, a Conv has one output scale, set by its widest
	 * piece, and a Slice passes the codes on at that scale (convlstm: 0.16-0.20 for the whole Conv, 0.08-0.17 per gate). So a
	 * Conv that only channel Slices or Splits read is written as one Conv per piece: the same products, the pieces' tensors,
	 * weights shared by the steps sliced once (the parameters stay the model's). A Conv something else reads too stays whole, and
	 * so does one whose Slices overlap (its shared channels would be computed twice).
	 */
	@Test
	void aConvReadOnlyByChannelSlicesOrASplitBecomesOneConvPerPiece() {
		Tiny t = new Tiny(2, 4, 4);
		float[] w = new float[8 * 2 * 9];
		float[] b = new float[8];
		Random random = new Random(5);
		for (int i = 0; i < w.length; i++) {
			w[i] = (random.nextFloat() - 0.5f) * (i < 4 * 18 ? 0.2f : 4f); // the first four output channels narrow, the last four wide
		}
		for (int i = 0; i < b.length; i++) {
			b[i] = random.nextFloat() - 0.5f;
		}
		String weights = t.floats(new long[] { 8, 2, 3, 3 }, w);
		String bias = t.floats(new long[] { 8 }, b);
		AttributeProto pads = intsAttr("pads", 1, 1, 1, 1);
		String gates = t.node("Conv", List.of("x", weights, bias), pads);
		String sig = t.node("Sigmoid", t.node("Slice", List.of(gates, t.longs(new long[] { 0 }), t.longs(new long[] { 4 }), t.longs(new long[] { 1 }))));
		String tanh = t.node("Tanh", t.node("Slice", List.of(gates, t.longs(new long[] { 4 }), t.longs(new long[] { 8 }), t.longs(new long[] { 1 }))));
		String h = t.node("Mul", List.of(sig, tanh));
		String h2 = t.node("Slice", List.of(h, t.longs(new long[] { 0 }), t.longs(new long[] { 2 }), t.longs(new long[] { 1 }))); // reads a Mul: stays
		String gates2 = t.node("Conv", List.of(h2, weights, bias), pads); // the next step: the same weights
		String split = t.node("Split", List.of(gates2, t.longs(new long[] { 4, 4 })), intAttr("axis", 1));
		String second = split.replace("_out", "_out2");
		String h3 = t.node("Mul", List.of(t.node("Sigmoid", split), t.node("Tanh", second)));
		String other = t.node("Conv", List.of("x", t.floats(new long[] { 4, 2, 1, 1 }, 0.3f)));
		String half = t.node("Sigmoid", t.node("Slice", List.of(other, t.longs(new long[] { 0 }), t.longs(new long[] { 2 }), t.longs(new long[] { 1 }))));
		String over = t.node("Conv", List.of("x", t.floats(new long[] { 4, 2, 1, 1 }, 0.2f))); // overlapping Slices: stays whole
		String both = t.node("Add", List.of(t.node("Slice", List.of(over, t.longs(new long[] { 0 }), t.longs(new long[] { 2 }), t.longs(new long[] { 1 }))),
				t.node("Slice", List.of(over, t.longs(new long[] { 1 }), t.longs(new long[] { 3 }), t.longs(new long[] { 1 })))));
		String y = t.node("Add", List.of(t.node("Add", List.of(t.node("Add", List.of(h3, t.node("Relu", other))), t.node("Concat", List.of(half, half),
				intAttr("axis", 1)))), t.node("Concat", List.of(both, both), intAttr("axis", 1))));
		OnnxModel model = withSecondOutput(t.model(y), split, second); // the Split writes two outputs

		FreezeResult r = Freezer.freeze(model, "cell", FreezeOptions.defaults(), null);

		List<org.quantrace.engine.onnx.Node> nodes = r.model().graph().nodes();
		List<String> ops = nodes.stream().map(n -> n.opType()).toList();
		assertEquals(6, ops.stream().filter("Conv"::equals).count(), "two Convs in two pieces each, the one a Relu reads too and the one of overlapping"
				+ " Slices whole: " + ops);
		assertEquals(0, ops.stream().filter("Split"::equals).count(), ops.toString());
		assertEquals(4, ops.stream().filter("Slice"::equals).count(), "the Slice of the Mul, the one beside the Relu and the overlapping two stay: " + ops);
		List<org.quantrace.engine.onnx.Node> pieces = nodes.stream().filter(n -> n.opType().equals("Conv") && n.name().contains("_channels_")).toList();
		assertEquals(4, pieces.size(), nodes.toString());
		assertEquals(2, pieces.stream().map(n -> n.input(1)).distinct().count(), "both steps read the same two weight slices: " + pieces);
		for (org.quantrace.engine.onnx.Node p : pieces) {
			assertArrayEquals(new long[] { 4, 2, 3, 3 }, r.model().graph().constant(p.input(1)).dims());
			assertArrayEquals(new long[] { 4 }, r.model().graph().constant(p.input(2)).dims());
		}
		long parameters = r.model().graph().initializers().stream().filter(i -> i.dataType() == org.quantrace.engine.onnx.DataType.FLOAT)
				.mapToLong(i -> i.elementCount()).sum();
		assertEquals(8 * 2 * 9 + 8 + 4 * 2 + 4 * 2, parameters, "the model's parameters, sliced once");
		NdArray x = random(3, 2, 4, 4);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(rw -> rw.made() && rw.kind().equals("channel pieces") && rw.description().startsWith("2 Convs read only by channel Slices or Splits")),
				r.rewrites().toString());
	}

	/** {@code model} with the Split writing {@code first} also writing {@code second}. */
	private static OnnxModel withSecondOutput(OnnxModel model, String first, String second) {
		ModelProto.Builder m = model.toProto().toBuilder();
		for (NodeProto.Builder n : m.getGraphBuilder().getNodeBuilderList()) {
			if (n.getOutputList().equals(List.of(first))) {
				n.addOutput(second);
			}
		}
		return OnnxModel.of(m.build());
	}

	/**
	 * MobileOne/RepVGG blocks exported as trained (tests/data/wild make_unseen12.py "mobileone"): three 3x3 depthwise
	 * Conv+BN branches, a 1x1 depthwise "scale" branch and an identity BatchNormalization of one input, summed by four
	 * Adds; then two 1x1 Convs and the input itself. Quantized as written, each branch output was quantized on its own and
	 * every Add requantized (mobileone fiq-int8 0.8175 against 0.8270 fp32 on 2,000 images). Conversion now merges each
	 * stage into one Conv, as RepVGG and MobileOne deploy them; a padded-off-centre Conv and a Conv of another input
	 * are left alone.
	 */
	@Test
	void parallelConvsOfOneInputSummedBecomeOneConv() {
		Tiny t = new Tiny(4, 5, 5);
		String sum = t.node("Conv", List.of("x", t.floats(new long[] { 4, 1, 3, 3 }, randoms(36, 1)), t.floats(new long[] { 4 }, randoms(4, 2))),
				intAttr("group", 4), intsAttr("pads", 1, 1, 1, 1));
		for (int b = 0; b < 2; b++) {
			sum = t.node("Add", List.of(sum, t.node("Conv", List.of("x", t.floats(new long[] { 4, 1, 3, 3 }, randoms(36, 3 + b))), intAttr("group", 4),
					intsAttr("pads", 1, 1, 1, 1))));
		}
		sum = t.node("Add", List.of(t.node("Conv", List.of("x", t.floats(new long[] { 4, 1, 1, 1 }, randoms(4, 5))), intAttr("group", 4)), sum));
		String bn = t.node("BatchNormalization", List.of("x", t.floats(new long[] { 4 }, new float[] { 1.5f, 0.5f, 2f, 1f }),
				t.floats(new long[] { 4 }, randoms(4, 6)), t.floats(new long[] { 4 }, randoms(4, 7)), t.floats(new long[] { 4 }, 1f)));
		String y = t.node("Relu", t.node("Add", List.of(sum, bn)));
		String pw = t.node("Add", List.of(t.node("Conv", List.of(y, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 8)))),
				t.node("Conv", List.of(y, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 9)), t.floats(new long[] { 4 }, randoms(4, 10))))));
		String z = t.node("Relu", t.node("Add", List.of(y, pw)));
		// left alone: a 3x3 Conv padded off its centre, and Convs of two different inputs
		String offCentre = t.node("Add", List.of(t.node("Conv", List.of(z, t.floats(new long[] { 4, 4, 3, 3 }, randoms(144, 11))), intsAttr("pads", 2, 2, 0, 0)),
				t.node("Conv", List.of(z, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 12))))));
		String two = t.node("Add", List.of(t.node("Conv", List.of(z, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 13)))),
				t.node("Conv", List.of(offCentre, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 14))))));
		OnnxModel model = t.model(two);

		FreezeResult r = Freezer.freeze(model, "mobileone", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		assertEquals(List.of("Conv", "Relu", "Conv", "Relu", "Conv", "Conv", "Add", "Conv", "Conv", "Add"), ops);
		assertArrayEquals(new long[] { 4, 1, 3, 3 }, r.model().graph().constant(r.model().graph().nodes().get(0).input(1)).dims());
		NdArray x = random(3, 4, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("parallel Convs of one input summed -> one Conv")
				&& w.description().contains(", 6 times (")), r.rewrites().toString());
		// removed: the original's nodes only (verify finds each in the original), not the Mul and Add the BatchNorm became
		java.util.Set<String> original = model.graph().nodes().stream().map(n -> n.name()).collect(java.util.stream.Collectors.toSet());
		assertTrue(r.removedNodes().stream().allMatch(original::contains), r.removedNodes().toString());
		assertEquals(11, r.removedNodes().size(), r.removedNodes().toString());
	}

	/**
	 * The per-channel term of a merge must broadcast onto the channels: x·s with s of shape [4, 1, 1, 1] scales the batch
	 * axis (with a batch of one it makes four samples), so Conv(x) + x·s is no Conv and stays as written; ParallelConvs had
	 * taken any [C, 1, 1, 1] as per channel and merged it, changing the output's shape. A scalar factor (x·0.5 + Conv(x)) is
	 * one value for every channel and merges.
	 */
	@Test
	void aMergedTermMustBroadcastOntoTheChannels() {
		Tiny t = new Tiny(4, 5, 5);
		String batchScaled = t.node("Add", List.of(t.node("Conv", List.of("x", t.floats(new long[] { 4, 1, 3, 3 }, randoms(36, 1))), intAttr("group", 4),
				intsAttr("pads", 1, 1, 1, 1)), t.node("Mul", List.of("x", t.floats(new long[] { 4, 1, 1, 1 }, randoms(4, 2))))));
		ModelProto.Builder one = t.model(batchScaled).toProto().toBuilder(); // a batch of one: [4, 1, 1, 1] broadcasts onto it
		one.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).setDimValue(1);
		OnnxModel model = OnnxModel.of(one.build());
		FreezeResult r = Freezer.freeze(model, "batchscaled", FreezeOptions.defaults(), null);
		assertEquals(List.of("Conv", "Mul", "Add"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray x = random(1, 4, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);

		Tiny u = new Tiny(4, 5, 5);
		String halved = u.node("Add", List.of(u.node("Mul", List.of("x", u.floats(new long[] {}, new float[] { 0.5f }))),
				u.node("Conv", List.of("x", u.floats(new long[] { 4, 1, 3, 3 }, randoms(36, 3))), intAttr("group", 4), intsAttr("pads", 1, 1, 1, 1))));
		OnnxModel scalar = u.model(halved);
		FreezeResult s = Freezer.freeze(scalar, "halved", FreezeOptions.defaults(), null);
		assertEquals(List.of("Conv"), s.model().graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray y = random(3, 4, 5, 5);
		assertArrayEquals(run(scalar, y), run(s.model(), y), 1e-5f);
	}

	/**
	 * MixNet's MixConv as torch exports it (tests/data/wild make_unseen28.py "mixeca"): a Split of the channels into uneven
	 * pieces, a depthwise Conv of another kernel on each, a Concat, a BatchNormalization. Converted as written, the
	 * BatchNormalization became a per-channel Mul and Add, and the int8 model ran four slow depthwise QLinearConvs (fast only
	 * for a multiple of 16 channels), the Split, the Concat and a 1x1 depthwise Conv for the Mul: 1.50-1.57x the float model's
	 * CPU time at batch 1. Conversion now writes one depthwise Conv of the largest kernel, the others zero-padded about their
	 * centre, with the BatchNormalization folded into it; pieces of different strides are left alone.
	 */
	@Test
	void aMixConvBecomesOneDepthwiseConv() {
		Tiny t = new Tiny(8, 6, 6);
		String[] pieces = { "p0", "p1", "p2" };
		t.g.addNode(NodeProto.newBuilder().setOpType("Split").setName("split").addInput("x").addInput(t.longs(new long[] { 3, 3, 2 }))
				.addAllOutput(List.of(pieces)).addAttribute(intAttr("axis", 1)));
		String a = t.node("Conv", List.of("p0", t.floats(new long[] { 3, 1, 3, 3 }, randoms(27, 31))), intAttr("group", 3), intsAttr("pads", 1, 1, 1, 1));
		String b = t.node("Conv", List.of("p1", t.floats(new long[] { 3, 1, 5, 5 }, randoms(75, 32)), t.floats(new long[] { 3 }, randoms(3, 33))),
				intAttr("group", 3), intsAttr("pads", 2, 2, 2, 2));
		String c = t.node("Conv", List.of("p2", t.floats(new long[] { 2, 1, 1, 1 }, randoms(2, 34))), intAttr("group", 2));
		String bn = t.node("BatchNormalization", List.of(t.node("Concat", List.of(a, b, c), intAttr("axis", 1)), t.floats(new long[] { 8 }, randoms(8, 35)),
				t.floats(new long[] { 8 }, randoms(8, 36)), t.floats(new long[] { 8 }, randoms(8, 37)), t.floats(new long[] { 8 }, 2f)));
		OnnxModel model = t.model(t.node("Relu", bn));

		FreezeResult r = Freezer.freeze(model, "mixeca", FreezeOptions.defaults(), null);

		assertEquals(List.of("Conv", "Relu"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		var conv = r.model().graph().nodes().get(0);
		assertArrayEquals(new long[] { 8, 1, 5, 5 }, r.model().graph().constant(conv.input(1)).dims());
		assertEquals(8, conv.intAttribute("group", 1));
		NdArray x = random(3, 8, 6, 6);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("channel Split -> depthwise Convs of different kernels")
				&& w.description().contains("1 time ('split')")), r.rewrites().toString());
		// PhIMT0002 Appendix A: the Split (and the Convs and Concat merged with it) went into the one Conv, said so, not unexplained
		assertEquals(new org.quantrace.engine.convert.Removal(org.quantrace.engine.convert.Removal.Reason.MIXED_DEPTHWISE), r.removalReasons().get("split"),
				r.removalReasons().toString());

		Tiny u = new Tiny(4, 6, 6); // the pieces concatenated in another order: the channels swapped, no one Conv: left alone
		u.g.addNode(NodeProto.newBuilder().setOpType("Split").setName("split").addInput("x").addAllOutput(List.of("q0", "q1")).addAttribute(intAttr("axis", 1)));
		String d = u.node("Conv", List.of("q0", u.floats(new long[] { 2, 1, 3, 3 }, randoms(18, 38))), intAttr("group", 2), intsAttr("pads", 1, 1, 1, 1));
		String e = u.node("Conv", List.of("q1", u.floats(new long[] { 2, 1, 5, 5 }, randoms(50, 39))), intAttr("group", 2), intsAttr("pads", 2, 2, 2, 2));
		OnnxModel swapped = u.model(u.node("Concat", List.of(e, d), intAttr("axis", 1)));
		FreezeResult s = Freezer.freeze(swapped, "swapped", FreezeOptions.defaults(), null);
		assertEquals(List.of("Split", "Conv", "Conv", "Concat"), s.model().graph().nodes().stream().map(n -> n.opType()).toList());
		NdArray y = random(2, 4, 6, 6);
		assertArrayEquals(run(swapped, y), run(s.model(), y), 1e-6f);
	}

	/**
	 * ECA channel attention as its reference code writes it (tests/data/wild make_unseen28.py "mixeca"): the pooled map
	 * [N, C, 1, 1] through Squeeze(-1), Transpose, a Conv1d of one channel across the C channels, Transpose, Unsqueeze(-1),
	 * then Sigmoid and Mul. Converted as written, the five ran as five small kernels (in int8 a one-channel QLinearConv between
	 * Transposes of codes); now they are one 1x1 Conv C → C with the kernel on bands, the same outputs (kernels of 3 centred
	 * with a bias, 5 dilated by 2, 3 padded on the left only). A Conv1d of stride 2 (half as many values) is left alone.
	 */
	@org.junit.jupiter.params.ParameterizedTest
	@org.junit.jupiter.params.provider.CsvSource({ "3, 1, 1, 1, true", "5, 2, 4, 4, false", "3, 1, 2, 0, false" })
	void aConv1dAcrossThePooledChannelsBecomesOne1x1Conv(int k, int dilation, int left, int right, boolean bias) {
		OnnxModel model = eca(k, dilation, left, right, bias, 1);
		FreezeResult r = Freezer.freeze(model, "eca", FreezeOptions.defaults(), null);
		assertEquals(List.of("GlobalAveragePool", "Conv", "Sigmoid", "Mul"), r.model().graph().nodes().stream().map(n -> n.opType()).toList());
		var conv = r.model().graph().nodes().get(1);
		assertArrayEquals(new long[] { 8, 8, 1, 1 }, r.model().graph().constant(conv.input(1)).dims());
		NdArray x = random(3, 8, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().contains("Conv1d across the channels") && w.description().contains("1 time ('conv")),
				r.rewrites().toString());
		assertEquals(new org.quantrace.engine.convert.Removal(org.quantrace.engine.convert.Removal.Reason.CONV_ACROSS_CHANNELS), r.removalReasons().get("squeeze2"),
				r.removalReasons().toString());

		OnnxModel strided = eca(k, dilation, left, right, bias, 2);
		FreezeResult s = Freezer.freeze(strided, "strided", FreezeOptions.defaults(), null);
		assertTrue(s.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("Squeeze")), "left alone: " + s.model().graph().nodes());
	}

	/** x [N, 8, 5, 5] · sigmoid(ECA's Conv1d across the channels of its average), the Conv1d of kernel k; strided, the Conv1d's result. */
	private static OnnxModel eca(int k, int dilation, int left, int right, boolean bias, int stride) {
		Tiny t = new Tiny(8, 5, 5);
		String pooled = t.node("GlobalAveragePool", "x");
		String squeezed = t.node("Squeeze", List.of(pooled, t.longs(new long[] { 3 })));
		String w = t.floats(new long[] { 1, 1, k }, randoms(k, 41));
		List<String> in = bias ? List.of(t.node("Transpose", squeezed, intsAttr("perm", 0, 2, 1)), w, t.floats(new long[] { 1 }, 0.25f))
				: List.of(t.node("Transpose", squeezed, intsAttr("perm", 0, 2, 1)), w);
		String c = t.node("Conv", in, intsAttr("pads", left, right), intsAttr("dilations", dilation), intsAttr("strides", stride));
		String back = t.node("Unsqueeze", List.of(t.node("Transpose", c, intsAttr("perm", 0, 2, 1)), t.longs(new long[] { -1 })));
		return stride == 1 ? t.model(t.node("Mul", List.of("x", t.node("Sigmoid", back)))) : t.model(back); // strided: C/2 values, no Mul of x
	}

	/**
	 * An export with keep_initializers_as_inputs=True (tests/data/wild make_unseen12.py "xcept9", opset 9, IR 4): every
	 * initializer is also a graph input, a default a caller may override, which ONNX Runtime does not optimize as a constant
	 * (its converted model ran the Convs outside the blocked NCHWc layout). Conversion kept all 29 of them as inputs; the
	 * inference model's weights are now fixed: only x is left an input, and the rewrite is listed.
	 */
	@Test
	void initializersListedAsInputsAreTakenOffTheInputs() {
		Tiny t = new Tiny(3, 4, 4);
		String y = t.node("Relu", t.node("Conv", List.of("x", t.floats(new long[] { 2, 3, 1, 1 }, randoms(6, 1)), t.floats(new long[] { 2 }, randoms(2, 2)))));
		ModelProto.Builder b = t.model(y).toProto().toBuilder().setIrVersion(4);
		for (TensorProto w : List.copyOf(b.getGraph().getInitializerList())) {
			b.getGraphBuilder().addInput(ValueInfoProto.newBuilder().setName(w.getName()).setType(TypeProto.newBuilder().setTensorType(
					TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
		}
		OnnxModel model = OnnxModel.of(b.build());

		FreezeResult r = Freezer.freeze(model, "xcept9", FreezeOptions.defaults(), null);

		assertEquals(List.of("x"), r.model().graph().inputs().stream().map(ValueInfoProto::getName).toList());
		assertEquals(2, r.model().graph().initializers().size());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.description().startsWith("2 initializers also listed as graph inputs")),
				r.rewrites().toString());
		NdArray x = random(2, 3, 4, 4);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-6f); // ONNX Runtime now fuses Conv and Relu: another rounding
	}

	/**
	 * make_unseen12's xcept9: per-channel PRelus, which ONNX Runtime (CPU) runs only in float (no integer kernel; its float
	 * kernel slower than the Convs). A PRelu of a per-channel constant slope a ([C, 1, 1] as torch exports it, and [1, C, 1, 1])
	 * becomes a·x + (1 - a)·Relu(x) (a·x + Relu((1 - a)·x) where every a <= 1), the same function, also one whose slope is computed
	 * from constants (folded first); one of a single slope for all channels becomes a LeakyRelu.
	 */
	@Test
	void aPerChannelPReluBecomesTwoChannelProductsAndASum() {
		Tiny t = new Tiny(3, 5, 5);
		String c = t.node("Conv", List.of("x", t.floats(new long[] { 4, 3, 3, 3 }, randoms(108, 21)), t.floats(new long[] { 4 }, randoms(4, 22))),
				intsAttr("pads", 1, 1, 1, 1));
		String p1 = t.node("PRelu", List.of(c, t.floats(new long[] { 4, 1, 1 }, new float[] { 0.25f, -0.5f, 1.5f, 0f })));
		String c2 = t.node("Conv", List.of(p1, t.floats(new long[] { 4, 4, 1, 1 }, randoms(16, 23))));
		String p2 = t.node("PRelu", List.of(c2, t.floats(new long[] { 1, 4, 1, 1 }, randoms(4, 24))));
		String p3 = t.node("PRelu", List.of(p2, t.floats(new long[] { 1 }, 0.1f))); // one slope for all: a LeakyRelu (PReluOneSlopeTest)
		String p4 = t.node("PRelu", List.of(p3, t.node("Sigmoid", t.floats(new long[] { 4, 1, 1 }, randoms(4, 25))))); // folded to a constant first
		OnnxModel model = t.model(p4);

		FreezeResult r = Freezer.freeze(model, "xcept9", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.opType()).toList();
		// a slope above 1 (1.5): Relu(x) then the product; slopes <= 1: Relu((1 - a)·x), the clamp after the product
		assertEquals(List.of("Conv", "Mul", "Relu", "Mul", "Add", "Conv", "Mul", "Mul", "Relu", "Add", "LeakyRelu", "Mul", "Mul", "Relu", "Add"), ops);
		NdArray x = random(3, 3, 5, 5);
		assertArrayEquals(run(model, x), run(r.model(), x), 1e-5f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("activations")
				&& w.description().startsWith("3 PRelus of a per-channel slope a written as a·x + (1 - a)·Relu(x)")), r.rewrites().toString());
		assertTrue(r.removedNodes().stream().noneMatch(n -> n.startsWith("prelu")), r.removedNodes().toString());
	}

	private static float[] randoms(int n, int seed) {
		Random r = new Random(seed);
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = r.nextFloat() * 2 - 1;
		}
		return v;
	}

	/**
	 * A model exported with a static batch of 1: `run` converts it and checks the result on 64 samples of the recipe's
	 * data, fed 8 at a time, which ONNX Runtime refused ("Got: 8 Expected: 1"), so every recipe with such a model failed.
	 * It is fed one sample at a time.
	 */
	@Test
	void aModelWithAFixedBatchIsVerifiedOnDataInBatchesOfThatSize() {
		Tiny t = new Tiny(3, 4, 4);
		OnnxModel model = withBatch(t.model(t.node("Relu", t.node("Conv", List.of("x", t.floats(new long[] { 2, 3, 1, 1 }, 0.5f))))), 1);
		float[] pixels = random(40, 3, 4, 4).floats();

		FreezeResult r = Freezer.freeze(model, "static_batch", FreezeOptions.defaults(), new ArrayDataset("images", pixels, new long[] { 3, 4, 4 }, null));

		assertEquals(40, r.verificationSamples());
		assertEquals(0, r.maxAbsDifference(), 1e-6);
	}

	/**
	 * A text model (tests/data/wild make_wild2.py "bert"): int64 token ids read by a Gather embedding and an unnamed Dropout.
	 * Without data, convert verified it on ids that were all 0 ("uniform in [0, 1)" cast to int64), so only row 0 of the
	 * table was ever compared; the ids are now drawn from the table's rows. And the unnamed Dropout it removes is listed by
	 * the name verify derives for it (Dropout_<output>), not as "".
	 */
	@Test
	void tokenIdsAreVerifiedOverTheTableAndUnnamedNodesAreListedByName() {
		Random random = new Random(3);
		float[] table = new float[40 * 4];
		for (int i = 0; i < table.length; i++) {
			table[i] = random.nextFloat();
		}
		GraphProto.Builder g = GraphProto.newBuilder().setName("tokens");
		g.addInput(ValueInfoProto.newBuilder().setName("ids").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
				.setElemType(TensorProto.DataType.INT64_VALUE).setShape(TensorShapeProto.newBuilder()
						.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N")).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(5))))));
		TensorProto.Builder t = TensorProto.newBuilder().setName("table").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(40).addDims(4);
		for (float f : table) {
			t.addFloatData(f);
		}
		g.addInitializer(t);
		g.addNode(NodeProto.newBuilder().setOpType("Gather").addInput("table").addInput("ids").addOutput("e"));
		g.addNode(NodeProto.newBuilder().setOpType("Dropout").addInput("e").addOutput("y"));
		g.addOutput(ValueInfoProto.newBuilder().setName("y").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
		OnnxModel model = OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());

		FreezeResult r = Freezer.freeze(model, "tokens", FreezeOptions.defaults(), null);

		assertTrue(r.verificationData().contains("ids uniform in [0, 40)"), r.verificationData());
		assertEquals(0, r.maxAbsDifference());
		assertEquals(List.of("Dropout_y"), r.eliminations().get(org.quantrace.model.recipe.TrainingOperation.DROPOUT).nodes());
	}

	private static OnnxModel withBatch(OnnxModel model, long batch) {
		ModelProto.Builder b = model.toProto().toBuilder();
		b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
				TensorShapeProto.Dimension.newBuilder().setDimValue(batch));
		return OnnxModel.of(b.build());
	}

	// ------------------------------------------------------------------ helpers

	static AttributeProto intAttr(String name, long v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
	}

	static AttributeProto intsAttr(String name, long... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long e : v) {
			a.addInts(e);
		}
		return a.build();
	}

	/** n values uniform in [-0.8, 1.2): weights and scales of either sign, most positive. */
	static float[] uniform(Random rnd, int n) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = rnd.nextFloat() * 2 - 0.8f;
		}
		return v;
	}

	static NdArray random(long... shape) {
		Random r = new Random(3);
		float[] v = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
		for (int i = 0; i < v.length; i++) {
			v[i] = r.nextFloat() * 2 - 1;
		}
		return NdArray.ofFloats(shape, v);
	}

	static float[] run(OnnxModel m, NdArray x) {
		try (InferenceSession s = InferenceSession.open(m, SessionSettings.defaults().withThreads(1), "tiny")) {
			return s.run(Map.of("x", x)).values().iterator().next().floats();
		}
	}

	/** A graph with one float input x [N, ...] and one float output of unknown shape, built node by node. */
	static final class Tiny {
		final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
		private int names;

		/** Input x of shape [N, sample...], each dimension a number or a symbol. */
		Tiny(String... sample) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
			for (String d : sample) {
				shape.addDim(d.chars().allMatch(Character::isDigit) ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d))
						: TensorShapeProto.Dimension.newBuilder().setDimParam(d));
			}
			g.addInput(value("x", shape));
		}

		/** Input x of shape [N, sample...]. */
		Tiny(long... sample) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
			for (long d : sample) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			g.addInput(value("x", shape));
		}

		String node(String op, String input, AttributeProto... attributes) {
			return node(op, List.of(input), attributes);
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

		/** A float initializer filled with {@code value}. */
		String floats(long[] dims, float value) {
			String name = "f" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
			long n = 1;
			for (long d : dims) {
				t.addDims(d);
				n *= d;
			}
			for (long i = 0; i < n; i++) {
				t.addFloatData(value);
			}
			g.addInitializer(t);
			return name;
		}

		/** A float initializer holding {@code values}. */
		String floats(long[] dims, float[] values) {
			String name = "f" + names++;
			g.addInitializer(org.quantrace.testing.TestModels.floats(name, dims, values));
			return name;
		}

		/** An integer initializer of type {@code dataType} (int8, uint8, int32: stored as int32_data) holding {@code values}. */
		String ints(int dataType, long[] dims, int... values) {
			String name = "i" + names++;
			g.addInitializer(org.quantrace.testing.TestModels.ints(name, dataType, dims, values));
			return name;
		}

		/** An int64 scalar initializer. */
		String longs(long v) {
			return longs(new long[] { v }, true);
		}

		/** An int64 vector initializer. */
		String longs(long[] v) {
			return longs(v, false);
		}

		private String longs(long[] v, boolean scalar) {
			String name = "c" + names++;
			TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
			if (!scalar) {
				t.addDims(v.length);
			}
			for (long e : v) {
				t.addInt64Data(e);
			}
			g.addInitializer(t);
			return name;
		}

		OnnxModel model(String output) {
			return model(output, 13);
		}

		OnnxModel model(String output, int opset) {
			g.addOutput(ValueInfoProto.newBuilder().setName(output)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
			return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("tiny")
					.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(g).build());
		}

		private static ValueInfoProto value(String name, TensorShapeProto.Builder shape) {
			return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
					.setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
		}
	}
}
