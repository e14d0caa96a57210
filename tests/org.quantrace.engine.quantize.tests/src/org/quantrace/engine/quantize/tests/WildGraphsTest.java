package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.NodeNames;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/** Graphs as hand-written tools and old exporters write them (tests/data/wild, make_wild2.py): Gemm attributes, nodes without names. */
class WildGraphsTest {

	/**
	 * A Gemm with transB=0, α = 0.5 and β = 2 (old exporters, hand-written graphs; make_wild2.py "einsum"): ONNX Runtime
	 * fuses QGemm only at α = 1, and β ≠ 1 left the bias float, so it ran in float between DequantizeLinear and
	 * QuantizeLinear while the result (and the trace, which verify then contradicted) called it quantized. α and β are
	 * folded into the weight and the bias first: QGemm runs and the outputs follow the float model's.
	 */
	@Test
	void aGemmWithBetaNotOneRunsAsQGemm() {
		TinyGraph t = new TinyGraph(16);
		String y = t.node("Gemm", List.of("x", t.weight(0.5, 16, 8), t.weight(0.5, 8)), TinyGraph.attr("alpha", 0.5f), TinyGraph.attr("beta", 2f),
				TinyGraph.attr("transB", 0L));
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		assertTrue(r.layers().stream().allMatch(QuantizationResult.Layer::quantized), r.floatLayers().toString());
		List<String> ops = TinyGraph.optimizedOps(r.model());
		assertTrue(ops.contains("com.microsoft.QGemm"), "ONNX Runtime runs the Gemm on integers: " + ops);
		float[] x = t.data(8, -1, 1);
		float[] expected = TinyGraph.run(model, t.batch(x));
		float[] actual = TinyGraph.run(r.model(), t.batch(x));
		double worst = 0;
		double scale = 0;
		for (int i = 0; i < expected.length; i++) {
			worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
			scale = Math.max(scale, Math.abs(expected[i]));
		}
		assertTrue(worst < 0.05 * scale, "quantized outputs follow the float ones: max error " + worst + " of " + scale);
	}

	/**
	 * Nodes without names (ONNX allows them; make_wild2.py "nested_if" builds its graph with onnx.helper and names none): the
	 * result listed every layer as "", so the trace, the logs and verify could not tell them apart (289 verify mismatches
	 * on a fresh run). The quantizer names them {@code <OpType>_<first output>}, and a reader of the raw model (verify) names
	 * them the same way with {@link NodeNames#filled}.
	 */
	@Test
	void unnamedNodesGetTheNamesAReaderOfTheFileDerives() {
		TinyGraph t = new TinyGraph(1, 8, 8);
		String c = t.node("Conv", List.of("x", t.weight(0.5, 4, 1, 3, 3), t.weight(0.1, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String r = t.node("Relu", List.of(c));
		String y = t.node("GlobalAveragePool", List.of(r));
		ModelProto.Builder unnamed = t.model(y).toProto().toBuilder();
		GraphProto.Builder g = unnamed.getGraphBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			g.setNode(i, g.getNode(i).toBuilder().clearName());
		}
		OnnxModel model = OnnxModel.of(unnamed.build());
		ModelProto named = NodeNames.filled(model.toProto());
		List<String> names = named.getGraph().getNodeList().stream().map(NodeProto::getName).toList();
		assertEquals(List.of("Conv_" + c, "Relu_" + r, "GlobalAveragePool_" + y), names);

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(0, 1));
		Set<String> layers = new HashSet<>();
		for (QuantizationResult.Layer l : q.layers()) {
			assertFalse(l.node().isEmpty(), "layer " + l.index() + " (" + l.opType() + ") has a name");
			assertTrue(layers.add(l.node()), "one layer per name: " + l.node());
		}
		assertTrue(layers.containsAll(names), layers + " are the names a reader of the float model derives: " + names);
	}

	/**
	 * PoolFormer's token mixer after a GroupNorm (make_unseen9.py "poolformer": GroupNorm(1) is InstanceNormalization,
	 * Reshape, Mul, Add in float; then AveragePool and Sub): the AveragePool and the Sub stay float for reasons of their own
	 * (a slow integer kernel, no integer kernel), and their log lines said "its input is dequantized once" although they
	 * read the float island's tensors directly, no DequantizeLinear before them (the written model: the pool reads the
	 * float op before it). They now say where their inputs come from; an op that does read a DequantizeLinear (the Exp
	 * after the integer Conv) keeps the words.
	 */
	@Test
	void aFloatOpInsideAFloatIslandIsNotSaidToReadItsInputDequantized() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		String c = t.node("Conv", List.of("x", t.weight(0.5, 8, 4, 3, 3), t.weight(0.1, 8)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String e = t.node("Exp", List.of(c));
		String p = t.node("AveragePool", List.of(e), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("pads", 1, 1, 1, 1),
				TinyGraph.attr("count_include_pad", 1L));
		String d = t.node("Sub", List.of(p, e));
		String y = t.node("Conv", List.of(d, t.weight(0.5, 8, 8, 1, 1), t.weight(0.1, 8)));
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		java.util.Map<String, QuantizationResult.Layer> byOp = new java.util.HashMap<>();
		r.layers().forEach(l -> byOp.put(l.opType(), l));
		assertTrue(!byOp.get("Exp").quantized() && byOp.get("Exp").reason().contains("its input is dequantized once"), byOp.get("Exp").reason());
		for (String op : List.of("AveragePool", "Sub")) {
			QuantizationResult.Layer l = byOp.get(op);
			assertFalse(l.quantized(), op);
			assertFalse(l.reason().contains("dequantized once"), op + ": " + l.reason());
			assertTrue(l.reason().endsWith("it runs in float, in the float island its inputs come from (no DequantizeLinear before it); its output is"
					+ " quantized only where an integer op reads it"), op + ": " + l.reason());
		}
		// what the file says: the pool and the Sub read no DequantizeLinear
		GraphProto g = r.model().toProto().getGraph();
		java.util.Map<String, String> producer = new java.util.HashMap<>();
		g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n.getOpType())));
		for (NodeProto n : g.getNodeList()) {
			if (n.getOpType().equals("AveragePool") || n.getOpType().equals("Sub")) {
				assertTrue(n.getInputList().stream().noneMatch(i -> "DequantizeLinear".equals(producer.get(i))), n.toString());
			}
		}
	}

	/**
	 * Swin's window partition (make_unseen9.py "swin": a LayerNorm's output reshaped to [N, 2, 7, 2, 7, C] and permuted,
	 * a rank-6 tensor): calibration's min-max reduces each tensor per channel with GlobalMaxPool first, which ONNX Runtime
	 * runs for one to three spatial axes only ("Unsupported pooling size"): quantize fiq-int8 and fiq-uint8 exited 3 on the
	 * model. A tensor of rank 6 or more is reduced by ReduceMax alone. Here the window partition of an [N, 4, 8, 8] input
	 * into 2x2 windows, calibrated directly, then the model with a Conv after it quantized whole.
	 */
	@Test
	void aRankSixWindowPartitionIsCalibrated() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		String e = t.node("Exp", List.of("x"));
		String w = t.node("Reshape", List.of(e, t.longs(-1, 4, 2, 4, 2, 4)));
		String p = t.node("Transpose", List.of(w), TinyGraph.ints("perm", 0, 1, 2, 4, 3, 5));
		String back = t.node("Reshape", List.of(p, t.longs(-1, 4, 8, 8)));
		String y = t.node("Conv", List.of(back, t.weight(0.5, 4, 4, 1, 1), t.weight(0.1, 4)));
		OnnxModel model = t.model(y);
		org.quantrace.engine.calibrate.Range r = org.quantrace.engine.calibrate.Calibrator.calibrate(model, "windows", List.of(p, back),
				t.calibration(-1, 1), org.quantrace.engine.calibrate.CalibrationSettings.minMax(), org.quantrace.engine.Progress.NONE).ranges().get(p);
		assertTrue(r.max() > 2.0 && r.max() <= Math.E + 1e-6, "max of exp(x) for x in [-1, 1): " + r);
		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		assertTrue(q.layers().stream().anyMatch(l -> l.opType().equals("Conv") && l.quantized()), q.layers().toString());
	}
}
