package org.quantrace.engine.convert;

import java.util.Optional;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Folds an inference-mode BatchNormalization y = a·x + b (a = γ / sqrt(σ² + ε), b = β − a·μ) into the
 * Conv/ConvTranspose/Gemm/MatMul before it by scaling that op's weights per output channel and shifting
 * its bias; where there is none, replaces it by a per-channel Mul and Add.
 */
final class BatchNormFolding {

	private BatchNormFolding() {
	}

	/** What happened to one BatchNormalization: folded into {@code into}, or made a Mul/Add (into null). */
	record Outcome(String batchNorm, String into) {
	}

	/**
	 * Folds {@code bn} (already in inference form: one output) of graph {@code g}, whose parameters may be constants of an
	 * enclosing graph; null when its parameters are not constant, or when it stands alone and the rank of its input is
	 * unknown ({@code inputRank} &lt; 0), so that the per-channel Mul and Add could not be shaped to broadcast.
	 */
	static Outcome fold(Graph g, Node bn, int inputRank) {
		Tensor scale = g.constant(bn.input(1));
		Tensor bias = g.constant(bn.input(2));
		Tensor mean = g.constant(bn.input(3));
		Tensor var = g.constant(bn.input(4));
		if (scale == null || bias == null || mean == null || var == null) {
			return null;
		}
		float eps = bn.floatAttribute("epsilon", 1e-5f);
		float[] gamma = scale.toFloatArray();
		float[] beta = bias.toFloatArray();
		float[] mu = mean.toFloatArray();
		float[] sigma2 = var.toFloatArray();
		int c = gamma.length;
		float[] a = new float[c];
		float[] b = new float[c];
		for (int i = 0; i < c; i++) {
			a[i] = (float) (gamma[i] / Math.sqrt(sigma2[i] + (double) eps));
			b[i] = beta[i] - a[i] * mu[i];
		}
		String x = bn.input(0);
		String y = bn.output(0);
		Optional<Node> producer = g.producer(x);
		boolean onlyReader = g.allNodes().stream().filter(n -> n.inputs().contains(x)).count() == 1
				&& g.outputs().stream().noneMatch(v -> v.getName().equals(x));
		if (producer.isPresent() && onlyReader && foldInto(g, producer.get(), a, b)) {
			producer.get().setOutput(producer.get().outputs().indexOf(x), y);
			g.nodes().remove(bn);
			return new Outcome(ConstantFolder.label(bn), ConstantFolder.label(producer.get()));
		}
		if (inputRank < 0) {
			return null;
		}
		// standalone: y = x * a + b with a, b shaped [C, 1, ..., 1] to broadcast over NC...
		long[] shape = new long[Math.max(1, inputRank - 1)];
		java.util.Arrays.fill(shape, 1);
		shape[0] = c;
		java.util.Set<String> names = root(g).tensorNames();
		String aName = g.uniqueName(bn.name() + "_scale", names);
		String bName = g.uniqueName(bn.name() + "_shift", names);
		String mid = g.uniqueName(bn.name() + "_scaled", names);
		g.putInitializer(Tensor.ofFloats(aName, shape, a));
		g.putInitializer(Tensor.ofFloats(bName, shape, b));
		int at = g.nodes().indexOf(bn);
		g.nodes().set(at, g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(bn.name() + "_mul").addInput(x).addInput(aName).addOutput(mid).build()));
		g.nodes().add(at + 1, g.newNode(NodeProto.newBuilder().setOpType("Add").setName(bn.name() + "_add").addInput(mid).addInput(bName).addOutput(y).build()));
		return new Outcome(ConstantFolder.label(bn), null);
	}

	/** Scales the producer's weights per output channel by a and adds b to its bias; false if it cannot. */
	private static boolean foldInto(Graph g, Node p, float[] a, float[] b) {
		Tensor w = g.constant(p.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return false;
		}
		long[] dims = w.dims();
		int axis;
		switch (p.opType()) {
		case "Conv" -> axis = 0;
		case "ConvTranspose" -> {
			if (p.intAttribute("group", 1) != 1) {
				return false;
			}
			axis = 1;
		}
		case "Gemm" -> {
			if (p.intAttribute("transA", 0) != 0) {
				return false;
			}
			axis = p.intAttribute("transB", 0) == 1 ? 0 : 1;
		}
		case "MatMul" -> {
			if (dims.length != 2) {
				return false;
			}
			axis = 1;
		}
		default -> {
			return false;
		}
		}
		if (dims[axis] != a.length) {
			return false;
		}
		float beta = p.opType().equals("Gemm") ? p.floatAttribute("beta", 1f) : 1f;
		if (beta == 0f) {
			return false; // C is ignored: nowhere to put the shift
		}
		float[] values = w.toFloatArray();
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		for (int i = 0; i < values.length; i++) {
			values[i] *= a[(int) ((i / inner) % a.length)];
		}
		String biasName = p.opType().equals("MatMul") ? "" : p.input(2);
		float[] oldBias = biasName.isEmpty() ? new float[a.length] : constantVector(g, biasName, a.length);
		if (oldBias == null) {
			return false;
		}
		float[] newBias = new float[a.length];
		for (int i = 0; i < a.length; i++) {
			// Gemm computes alpha·A·B + beta·C: the BN shift goes into C divided by beta
			newBias[i] = p.opType().equals("Gemm") ? (a[i] * beta * oldBias[i] + b[i]) / beta : a[i] * oldBias[i] + b[i];
		}
		java.util.Set<String> names = root(g).tensorNames();
		String wName = g.uniqueName(p.input(1) + "_bn_folded", names);
		g.putInitializer(Tensor.ofFloats(wName, dims, values));
		p.setInput(1, wName);
		String bName = g.uniqueName((biasName.isEmpty() ? p.name() + "_bias" : biasName) + "_bn_folded", names);
		g.putInitializer(Tensor.ofFloats(bName, new long[] { a.length }, newBias));
		if (p.opType().equals("MatMul")) {
			String out = g.uniqueName(p.output(0) + "_matmul", names);
			String y = p.output(0);
			p.setOutput(0, out);
			g.nodes().add(g.nodes().indexOf(p) + 1,
					g.newNode(NodeProto.newBuilder().setOpType("Add").setName(p.name() + "_bn_bias").addInput(out).addInput(bName).addOutput(y).build()));
		} else {
			p.setInput(2, bName);
		}
		return true;
	}

	private static float[] constantVector(Graph g, String name, int length) {
		Tensor t = g.constant(name);
		if (t == null || t.elementCount() != length) {
			return null;
		}
		return t.toFloatArray();
	}

	/** The main graph: names of new tensors must be unique across every scope. */
	static Graph root(Graph g) {
		Graph r = g;
		while (r.parent() != null) {
			r = r.parent();
		}
		return r;
	}
}
