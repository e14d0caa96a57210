package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * What pruning and low-rank factorization did to a layer, re-derived from the model before and after: a
 * layer's parameters (its weight and bias elements; its weights alone for the patterns that zero weights), those left non-zero, its sparsity and removed output
 * channels; a factorized layer's rank and parameters, and, from the factors multiplied out, the energy they
 * retain (‖A·B‖² / ‖W‖², exact for a truncated SVD) and the relative reconstruction error ‖W − A·B‖ / ‖W‖.
 */
public final class FloatStages {

	private FloatStages() {
	}

	/** A model's artifact of a stage (pruned, factorized), and the artifact it was derived from. */
	public static ModelArtifact[] stage(TraceModel trace, String model, ArtifactKind kind) {
		ModelArtifact after = RunSummary.artifacts(trace, model).stream().filter(a -> a.getKind() == kind).findFirst().orElse(null);
		ModelArtifact before = after == null ? null
				: trace.getLinks().stream().filter(l -> l.getKind() == LinkKind.DERIVED_FROM && l.getSource() == after).map(TraceLink::getTarget)
						.filter(ModelArtifact.class::isInstance).map(ModelArtifact.class::cast).findFirst().orElse(null);
		return after == null || before == null ? null : new ModelArtifact[] { before, after };
	}

	/**
	 * A pruned layer: parameters before (weights alone for the element, vector and block patterns), left after (non-zero; all that
	 * remain after channel pruning), sparsity in percent, removed channels.
	 */
	record Pruned(long before, long after, double sparsityPercent, int removedChannels) {
	}

	/** Null when {@code layer} is not a weighted layer with stored weights in both models. */
	static Pruned pruned(ModelFacts before, ModelFacts after, String layer, boolean channels) {
		NodeProto b = weighted(before, layer);
		NodeProto a = weighted(after, layer);
		if (b == null || a == null) {
			return null;
		}
		// channel pruning: weight and bias elements; the other patterns: the weights alone, which they rank and zero (never a bias)
		long paramsBefore = elements(before, b, 1) + (channels ? elements(before, b, 2) : 0);
		long left = channels ? elements(after, a, 1) + elements(after, a, 2) : nonZero(after, a, 1);
		int removed = (int) (outputChannels(before, b) - outputChannels(after, a));
		return new Pruned(paramsBefore, left, 100 * (1 - left / (double) paramsBefore), removed);
	}

	private static NodeProto weighted(ModelFacts m, String layer) {
		NodeProto n = m.node(layer);
		return n != null && List.of("Conv", "ConvTranspose", "Gemm", "MatMul").contains(n.getOpType()) && n.getInputCount() > 1
				&& m.value(n.getInput(1)) != null ? n : null;
	}

	private static long elements(ModelFacts m, NodeProto n, int input) {
		Tensor t = n.getInputCount() > input && !n.getInput(input).isEmpty() ? m.value(n.getInput(input)) : null;
		return t == null ? 0 : t.elementCount();
	}

	private static long nonZero(ModelFacts m, NodeProto n, int input) {
		Tensor t = n.getInputCount() > input && !n.getInput(input).isEmpty() ? m.value(n.getInput(input)) : null;
		long c = 0;
		for (float v : t == null ? new float[0] : t.toFloatArray()) {
			c += v != 0 ? 1 : 0;
		}
		return c;
	}

	/** The output channels of weighted layer {@code layer} as {@code m} holds it; -1 when it holds no such layer. */
	static long outputChannels(ModelFacts m, String layer) {
		NodeProto n = weighted(m, layer);
		return n == null ? -1 : outputChannels(m, n);
	}

	/** Output channels: a Conv's filters, a dense layer's output columns. */
	private static long outputChannels(ModelFacts m, NodeProto n) {
		long[] d = m.value(n.getInput(1)).dims();
		return switch (n.getOpType()) {
		case "Conv" -> d[0];
		case "ConvTranspose" -> d.length > 1 ? d[1] : d[0];
		case "Gemm" -> attribute(n, "transB", 0) == 1 ? d[0] : d[d.length - 1];
		default -> d[d.length - 1];
		};
	}

	/** A factorized layer as the files show it; {@code skipped} when the layer is still there with its weights. */
	record Factorized(boolean skipped, int rank, int rows, int columns, long before, long after, double energy, double error) {
	}

	/** Null when neither the layer nor its factors can be found. */
	static Factorized factorized(ModelFacts before, ModelFacts after, String layer) {
		NodeProto b = weighted(before, layer);
		if (b == null || b.getOutputCount() == 0) {
			return null;
		}
		double[][] w = matrix(before, b);
		if (w == null) {
			return null;
		}
		long bias = elements(before, b, 2);
		long full = (long) w.length * w[0].length + bias;
		NodeProto same = weighted(after, layer);
		if (same != null && same.getInput(1).equals(b.getInput(1)) || same != null && elements(after, same, 1) == elements(before, b, 1)) {
			return new Factorized(true, Math.min(w.length, w[0].length), w.length, w[0].length, full, full, 1, 0);
		}
		double[][][] factors = factors(after, b);
		if (factors == null) {
			return null;
		}
		double[][] x = factors[0];
		double[][] y = factors[1];
		int r = y.length;
		double norm = 0;
		double kept = 0;
		double err = 0;
		for (int i = 0; i < w.length; i++) {
			for (int j = 0; j < w[0].length; j++) {
				double p = 0;
				for (int q = 0; q < r; q++) {
					p += x[i][q] * y[q][j];
				}
				norm += w[i][j] * w[i][j];
				kept += p * p;
				err += (w[i][j] - p) * (w[i][j] - p);
			}
		}
		return new Factorized(false, r, w.length, w[0].length, full, (long) r * (w.length + w[0].length) + bias, kept / Math.max(norm, 1e-30),
				Math.sqrt(err / Math.max(norm, 1e-30)));
	}

	/** The layer's weight as the matrix its input multiplies: [in, out] for dense layers (Gemm's alpha and transB applied), [out, in] for a 1x1 Conv. */
	private static double[][] matrix(ModelFacts m, NodeProto n) {
		Tensor t = m.value(n.getInput(1));
		long[] d = t.dims();
		float[] v = t.toFloatArray();
		if (n.getOpType().equals("Conv")) {
			return d.length == 4 && d[2] == 1 && d[3] == 1 ? reshape(v, (int) d[0], (int) d[1], false, 1) : null;
		}
		if (d.length != 2) {
			return null;
		}
		boolean transposed = n.getOpType().equals("Gemm") && attribute(n, "transB", 0) == 1;
		float alpha = n.getOpType().equals("Gemm") ? n.getAttributeList().stream().filter(a -> a.getName().equals("alpha")).map(AttributeProto::getF)
				.findFirst().orElse(1f) : 1f;
		return reshape(v, (int) d[0], (int) d[1], transposed, alpha);
	}

	private static double[][] reshape(float[] v, int rows, int cols, boolean transpose, float scale) {
		double[][] w = transpose ? new double[cols][rows] : new double[rows][cols];
		for (int i = 0; i < rows; i++) {
			for (int j = 0; j < cols; j++) {
				double x = (double) v[i * cols + j] * scale;
				if (transpose) {
					w[j][i] = x;
				} else {
					w[i][j] = x;
				}
			}
		}
		return w;
	}

	/**
	 * The two factors that replaced the layer, found from its output backwards: (bias Add) ← MatMul(h, B) ←
	 * MatMul(x, A) for a dense layer, Conv(h, B) ← Conv(x, A) for a 1x1 Conv; as {A, B} with A·B the layer's matrix.
	 */
	private static double[][][] factors(ModelFacts m, NodeProto layer) {
		NodeProto p = m.producer(layer.getOutput(0));
		if (p != null && p.getOpType().equals("Add")) {
			p = p.getInputList().stream().filter(i -> m.value(i) == null).map(m::producer).filter(x -> x != null).findFirst().orElse(null);
		}
		if (p == null || p.getInputCount() < 2 || m.value(p.getInput(1)) == null) {
			return null;
		}
		NodeProto first = m.producer(p.getInput(0));
		if (first == null || first.getInputCount() < 2 || m.value(first.getInput(1)) == null || !first.getOpType().equals(p.getOpType())) {
			return null;
		}
		Tensor a = m.value(first.getInput(1));
		Tensor b = m.value(p.getInput(1));
		if (p.getOpType().equals("Conv")) { // W [out, in] = B [out, r] · A [r, in]
			return new double[][][] { reshape(b.toFloatArray(), (int) b.dims()[0], (int) b.dims()[1], false, 1),
					reshape(a.toFloatArray(), (int) a.dims()[0], (int) a.dims()[1], false, 1) };
		}
		return new double[][][] { reshape(a.toFloatArray(), (int) a.dims()[0], (int) a.dims()[1], false, 1),
				reshape(b.toFloatArray(), (int) b.dims()[0], (int) b.dims()[1], false, 1) };
	}

	private static long attribute(NodeProto n, String name, long otherwise) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI).findFirst().orElse(otherwise);
	}
}
