package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Full-integer quantization inside If branches (issue 13: the zoo's if_cnn ran 0 % of its MACs in integer kernels).
 * x → If(max(x) > 10) then Relu(x·W1)·V1 else Relu(x·W2)·V2, the weights outer-scope initializers, as torch.jit.script
 * exports a branch. Calibration observes the branch tensors through outputs added to the branches and the If; the
 * branch calibration took is quantized and ONNX Runtime fuses it into integer kernels; a branch no sample took stays float.
 */
class IfBranchQuantizationTest {

	private final TinyGraph t = new TinyGraph(64);
	private final String w1 = t.weight(1.0 / 8, 64, 32);
	private final String v1 = t.weight(1.0 / 4, 32, 16);
	private final String w2 = t.weight(1.0 / 8, 64, 32);
	private final String v2 = t.weight(1.0 / 4, 32, 16);
	private final OnnxModel model = ifModel();

	private OnnxModel ifModel() {
		String cond = t.node("Greater", List.of(t.node("ReduceMax", List.of("x"), TinyGraph.attr("keepdims", 0L)), t.scalar(10f)));
		String y = t.node("If", List.of(cond), TinyGraph.graph("then_branch", branch("then", w1, v1)), TinyGraph.graph("else_branch", branch("else", w2, v2)));
		return t.model(y);
	}

	private static GraphProto branch(String name, String w, String v) {
		return GraphProto.newBuilder().setName(name)
				.addNode(NodeProto.newBuilder().setOpType("MatMul").setName(name + "_matmul").addInput("x").addInput(w).addOutput(name + "_h"))
				.addNode(NodeProto.newBuilder().setOpType("Relu").setName(name + "_relu").addInput(name + "_h").addOutput(name + "_r"))
				.addNode(NodeProto.newBuilder().setOpType("MatMul").setName(name + "_matmul2").addInput(name + "_r").addInput(v).addOutput(name + "_y"))
				.addOutput(ValueInfoProto.newBuilder().setName(name + "_y").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))))
				.build();
	}

	/** The else branch as a model of its own (x → MatMul → Relu → MatMul): what its tensors' ranges must be. */
	private OnnxModel elseAlone() {
		ModelProto m = model.toProto();
		NodeProto ifNode = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("If")).findFirst().orElseThrow();
		GraphProto elseBranch = ifNode.getAttributeList().stream().filter(a -> a.getName().equals("else_branch")).findFirst().orElseThrow().getG();
		GraphProto.Builder g = m.getGraph().toBuilder().clearNode().clearOutput().addAllNode(elseBranch.getNodeList()).addAllOutput(elseBranch.getOutputList());
		return OnnxModel.of(m.toBuilder().setGraph(g).build());
	}

	/** Samples in [-1, 1) (every batch takes the else branch), then, when {@code both}, as many in [0, 20) (the then branch). */
	private ArrayDataset data(boolean both) {
		float[] small = t.data(32, -1, 1);
		if (!both) {
			return new ArrayDataset("small", small, new long[] { 64 }, null);
		}
		float[] large = t.data(32, 0, 20);
		float[] all = new float[small.length + large.length];
		System.arraycopy(small, 0, all, 0, small.length);
		System.arraycopy(large, 0, all, small.length, large.length);
		return new ArrayDataset("mixed", all, new long[] { 64 }, null);
	}

	/** A branch tensor's range is the one calibrating the branch as a model of its own gives, for every method. */
	@ParameterizedTest
	@EnumSource(Method.class)
	void branchTensorsCalibrateAsTheBranchAlone(Method method) {
		CalibrationSettings settings = CalibrationSettings.minMax().with(method).withBatchSize(8);
		List<String> tensors = List.of("else_h", "else_r", "else_y", "then_h");
		ArrayDataset data = data(false);
		CalibrationResult inIf = Calibrator.calibrate(model, "if", tensors, data, settings, Progress.NONE);
		CalibrationResult alone = Calibrator.calibrate(elseAlone(), "else", tensors.subList(0, 3), data, settings, Progress.NONE);
		for (String tensor : tensors.subList(0, 3)) {
			assertEquals(alone.ranges().get(tensor), inIf.ranges().get(tensor), tensor);
			assertEquals(alone.observed().get(tensor), inIf.observed().get(tensor), tensor);
		}
		assertFalse(inIf.ranges().containsKey("then_h"), "no sample took the then branch: no range");
	}

	/** Batches that take different branches each calibrate only their branch's tensors. */
	@Test
	void eachBatchCalibratesTheBranchItTook() {
		CalibrationSettings settings = CalibrationSettings.minMax().withBatchSize(32);
		CalibrationResult r = Calibrator.calibrate(model, "if", List.of("then_h", "else_h"), data(true), settings, Progress.NONE);
		assertTrue(r.observed().get("then_h").absMax() > 5 * r.observed().get("else_h").absMax(),
				"the then branch saw the samples in [0, 20), the else branch those in [-1, 1): " + r.observed());
	}

	@ParameterizedTest
	@ValueSource(strings = { "fiq_float32", "fiq_int8" })
	void theBranchCalibrationTookRunsInIntegerKernelsAndTheOtherStaysFloat(String scheme) {
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset(scheme), data(false));
		List<String> thenOps = new ArrayList<>();
		List<String> elseOps = new ArrayList<>();
		for (NodeProto n : TinyGraph.optimized(r.model()).getGraph().getNodeList()) {
			for (AttributeProto a : n.getAttributeList()) {
				if (a.hasG()) {
					(a.getName().equals("then_branch") ? thenOps : elseOps).addAll(TinyGraph.ops(a.getG()));
				}
			}
		}
		assertEquals(2, elseOps.stream().filter(op -> op.contains("MatMul")).count(), elseOps.toString());
		assertTrue(elseOps.stream().filter(op -> op.contains("MatMul")).allMatch(op -> op.equals("com.microsoft.MatMulIntegerToFloat") || op.equals("QLinearMatMul")),
				"the else branch's MatMuls in integer kernels: " + elseOps);
		assertTrue(thenOps.contains("MatMul") && thenOps.stream().noneMatch(op -> op.contains("Integer") || op.startsWith("QLinear")), thenOps.toString());
		QuantizationResult.Layer thenMatMul = r.layers().stream().filter(l -> l.node().equals("then_matmul")).findFirst().orElseThrow();
		assertFalse(thenMatMul.quantized());
		assertTrue(thenMatMul.reason().contains("no calibration sample took"), thenMatMul.reason());
		assertTrue(r.layers().stream().filter(l -> l.node().equals("else_matmul") || l.node().equals("else_matmul2")).allMatch(QuantizationResult.Layer::quantized),
				r.layers().toString());
		if (scheme.equals("fiq_float32")) { // the quantized model computes what the float one does, on the data it was calibrated for
			double worst = DynamicRangeTest.worst(t, model, r.model());
			assertTrue(worst < 0.05, "within " + worst);
		}
	}

	/** Calibration data that takes both branches quantizes both. */
	@Test
	void bothBranchesTakenBothQuantized() {
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), data(true));
		List<String> ops = new ArrayList<>();
		for (NodeProto n : TinyGraph.optimized(r.model()).getGraph().getNodeList()) {
			n.getAttributeList().stream().filter(AttributeProto::hasG).forEach(a -> ops.addAll(TinyGraph.ops(a.getG())));
		}
		assertEquals(4, ops.stream().filter(op -> op.equals("com.microsoft.MatMulIntegerToFloat") || op.equals("QLinearMatMul")).count(), ops.toString());
		assertFalse(ops.contains("MatMul"), ops.toString());
	}

	/** An If inside a branch: its tensors are exposed through both Ifs, and the innermost branch taken runs on integers. */
	@Test
	void nestedIfBranchesAreCalibratedThroughBothIfs() {
		TinyGraph n = new TinyGraph(64);
		String cond = n.node("Greater", List.of(n.node("ReduceMax", List.of("x"), TinyGraph.attr("keepdims", 0L)), n.scalar(10f)));
		GraphProto inner = GraphProto.newBuilder().setName("outer_then")
				.addNode(NodeProto.newBuilder().setOpType("If").setName("inner_if").addInput(cond).addOutput("inner_y")
						.addAttribute(TinyGraph.graph("then_branch", branch("tt", n.weight(1.0 / 8, 64, 32), n.weight(1.0 / 4, 32, 16))))
						.addAttribute(TinyGraph.graph("else_branch", branch("te", n.weight(1.0 / 8, 64, 32), n.weight(1.0 / 4, 32, 16)))))
				.addOutput(ValueInfoProto.newBuilder().setName("inner_y").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))))
				.build();
		String y = n.node("If", List.of(cond), TinyGraph.graph("then_branch", inner),
				TinyGraph.graph("else_branch", branch("else", n.weight(1.0 / 8, 64, 32), n.weight(1.0 / 4, 32, 16))));
		OnnxModel nested = n.model(y);
		ArrayDataset large = new ArrayDataset("large", n.data(32, 0, 20), new long[] { 64 }, null);
		CalibrationResult r = Calibrator.calibrate(nested, "nested", List.of("tt_h", "te_h", "else_h"), large, CalibrationSettings.minMax(), Progress.NONE);
		assertEquals(List.of("tt_h"), List.copyOf(r.ranges().keySet()), "only the branches every sample took: " + r.ranges());
		QuantizationResult q = TinyGraph.quantize(nested, Schemes.preset("fiq_float32"), large);
		List<String> ttOps = new ArrayList<>();
		for (NodeProto outer : TinyGraph.optimized(q.model()).getGraph().getNodeList()) {
			outer.getAttributeList().stream().filter(a -> a.getName().equals("then_branch")).forEach(a -> a.getG().getNodeList().forEach(in -> in.getAttributeList()
					.stream().filter(b -> b.getName().equals("then_branch")).forEach(b -> ttOps.addAll(TinyGraph.ops(b.getG())))));
		}
		assertEquals(2, ttOps.stream().filter(op -> op.equals("com.microsoft.MatMulIntegerToFloat") || op.equals("QLinearMatMul")).count(), ttOps.toString());
		assertTrue(q.layers().stream().filter(l -> l.node().startsWith("te_") || l.node().startsWith("else_")).noneMatch(QuantizationResult.Layer::quantized));
	}
}
