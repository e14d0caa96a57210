package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * The "weights by axis" line of a full-integer model whose weights lie on two axes (Convs' on 0, a MatMul's on 1) and that
 * holds a weight the quantizer wrote: a Mul and Add of per-channel constants (a BatchNorm after no Conv: make_unseen31's
 * BoTNet, after its attention) rewritten as a depthwise 1x1 Conv whose weights, "bn_mul_factors", are the factors. verify
 * (evidence18's check that each tensor the line names is one the model was quantized from holds) called that tensor forged
 * ("no tensor ..._factors in the model it was quantized from"): 8 mismatches on botnet's honest run, 2 per log format. It is
 * now held against the rewrite verify re-derives: the name the quantized model stores that Conv's weights under.
 */
class VerifyRewrittenWeightAxesTest {

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-rewritten-weight-axes");
			Files.write(dir.resolve("model/scaledmm.onnx"), scaledWithMatMul(dir).toByteArray());
			out = VerifyWildGraphsTest.verifiedRewrite(dir, "scaledmm",
					"Mul by a per-channel constant rewritten as a depthwise 1x1 Conv of weights its 16 factors and bias the 16 terms of Add 'bn_add'");
		}
		return out;
	}

	@Test
	void theRewrittenWeightIsNamedByAxisAndVerifiesClean() throws IOException {
		String md = Files.readString(out().resolve("logs/PhIMT0003-scaledmm.md"));
		assertTrue(md.contains("weights by axis: axis 0: ") && md.contains("bn_mul_factors (bn_mul)") && md.contains("; axis 1: classifier.4.weight_t"),
				"the line names the rewrite's weight on axis 0 beside the MatMul's on axis 1");
		// verifiedRewrite found no mismatch; a name that is not the rewrite's stays one (a prefix of the stored name included)
	}

	@Test
	void aRewrittenWeightRenamedToAPrefixOfItsStoredNameIsFound() throws IOException {
		List<Problem> problems = Tampering.traceForged(out(), "prefix", t -> t.getOptimizations().stream()
				.filter(o -> "fiq_int8".equals(o.getScheme()) && o.getQuantization() != null).flatMap(o -> o.getQuantization().getTensors().stream())
				.filter(x -> x.getRole() == TensorRole.WEIGHT && x.getTensor().equals("bn_mul_factors")).findFirst().orElseThrow().setTensor("bn_mul"));
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith("PhIMT0003-scaledmm.md") && p.what().contains("no tensor bn_mul in the model it was quantized from")),
				"the renamed weight is found: " + problems);
	}

	/**
	 * The example's model with a Mul by [16, 1, 1] and an Add of [16, 1, 1] after its first MaxPool, and its last Gemm written
	 * as MatMul by the transposed weights [64, 10] + Add of the bias (a weight per channel on axis 1).
	 */
	private static ModelProto scaledWithMatMul(Path dir) throws IOException {
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder().clearNode();
		TensorProto.Builder factors = TensorProto.newBuilder().setName("bn_scale").setDataType(1).addAllDims(List.of(16L, 1L, 1L));
		TensorProto.Builder terms = TensorProto.newBuilder().setName("bn_shift").setDataType(1).addAllDims(List.of(16L, 1L, 1L));
		for (int i = 0; i < 16; i++) {
			factors.addFloatData(0.5f + 0.05f * i);
			terms.addFloatData(0.1f * (i - 8) / 8);
		}
		g.addInitializer(factors).addInitializer(terms).addInitializer(transposed(example.getGraph(), "classifier.4.weight"));
		for (NodeProto n : example.getGraph().getNodeList()) {
			if (n.getName().equals("/classifier/classifier.4/Gemm")) {
				g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("head_matmul").addInput(n.getInput(0)).addInput("classifier.4.weight_t").addOutput("head_product"));
				g.addNode(NodeProto.newBuilder().setOpType("Add").setName("head_bias").addInput("head_product").addInput(n.getInput(2)).addOutput(n.getOutput(0)));
				continue;
			}
			g.addNode(n.getName().equals("/features/features.4/Conv") ? n.toBuilder().setInput(0, "shifted").build() : n);
			if (n.getName().equals("/features/features.3/MaxPool")) {
				g.addNode(NodeProto.newBuilder().setOpType("Mul").setName("bn_mul").addInput(n.getOutput(0)).addInput("bn_scale").addOutput("scaled"));
				g.addNode(NodeProto.newBuilder().setOpType("Add").setName("bn_add").addInput("scaled").addInput("bn_shift").addOutput("shifted"));
			}
		}
		return example.toBuilder().setGraph(g).build();
	}

	/** The 2-D float initializer {@code name} of {@code g} transposed, as "NAME_t". */
	private static TensorProto transposed(GraphProto g, String name) {
		TensorProto w = g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
		int rows = (int) w.getDims(0);
		int cols = (int) w.getDims(1);
		ByteBuffer in = ByteBuffer.wrap(w.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
		ByteBuffer t = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
		for (int c = 0; c < cols; c++) {
			for (int r = 0; r < rows; r++) {
				t.putFloat(in.getFloat(4 * (r * cols + c)));
			}
		}
		return TensorProto.newBuilder().setName(name + "_t").setDataType(1).addDims(cols).addDims(rows).setRawData(ByteString.copyFrom(t.array())).build();
	}
}
