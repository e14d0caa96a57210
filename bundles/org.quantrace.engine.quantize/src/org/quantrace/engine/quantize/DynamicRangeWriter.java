package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationPlan.Decision;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantizedTensor.Role;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * Dynamic-range quantization: weights are stored as int8 (per channel or per tensor); activations are
 * quantized at run time to uint8 by DynamicQuantizeLinear and multiplied in integers by
 * MatMulInteger / ConvInteger, then rescaled to float by (input scale × weight scale). ONNX Runtime fuses
 * the MatMul pattern into DynamicQuantizeMatMul. Needs no calibration data.
 */
final class DynamicRangeWriter {

	private final Graph g;
	private final GraphEditor ed;
	private final QuantizationSpec spec;
	final List<Decision> decisions = new ArrayList<>();
	final List<QuantizedTensor> written = new ArrayList<>();

	DynamicRangeWriter(Graph g, QuantizationSpec spec) {
		this.g = g;
		this.ed = new GraphEditor(g);
		this.spec = spec;
	}

	void write() {
		int index = 0;
		for (Node n : new ArrayList<>(g.topologicalOrder())) {
			if ("Constant".equals(n.opType())) {
				continue;
			}
			String reason = reasonToKeepFloat(n);
			TensorSpec w = spec.weightsFor(n);
			if (reason == null && w.precision() != QuantType.INT8) {
				reason = "dynamic-range quantization stores weights as int8 only (asked: " + w.precision().literal() + ")";
			}
			if (reason != null) {
				decisions.add(new Decision(index++, n, false, reason, null, null));
				continue;
			}
			switch (n.opType()) {
			case "Conv" -> conv(n, w);
			default -> matMul(n, w);
			}
			decisions.add(new Decision(index++, n, true, "int8 weights; activations quantized to uint8 at run time", w, null));
		}
		ed.sort();
	}

	private String reasonToKeepFloat(Node n) {
		Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
		if (excluded.isPresent()) {
			return excluded.get().reason() != null ? excluded.get().reason()
					: "excluded by the recipe (" + excluded.get().kind().literal() + " " + excluded.get().pattern() + ")";
		}
		switch (n.opType()) {
		case "MatMul", "Gemm", "Conv" -> {
		}
		default -> {
			return "dynamic-range quantization covers MatMul, Gemm and Conv; " + n.opType() + " runs in float";
		}
		}
		if (!n.domain().isEmpty()) {
			return "custom-domain op";
		}
		Tensor w = g.initializer(n.input(1));
		if (w == null) {
			return "its weights are computed at run time, not stored in the model";
		}
		if (n.opType().equals("Gemm") && n.intAttribute("transA", 0) != 0) {
			return "Gemm with transA=1 has no integer kernel in ONNX Runtime";
		}
		if (!n.opType().equals("Conv") && w.dims().length != 2) {
			return n.opType() + " weights of rank " + w.dims().length + " (only 2-D weights are quantized)";
		}
		return null;
	}

	/** x → DynamicQuantizeLinear → (x_q, x_s, x_zp). */
	private String[] dynamicQuantize(Node n) {
		String x = n.input(0);
		String xq = ed.fresh(x + "_q");
		String xs = ed.fresh(x + "_scale");
		String xz = ed.fresh(x + "_zp");
		ed.add("DynamicQuantizeLinear", n.name() + "_DynamicQuantizeLinear", List.of(x), List.of(xq, xs, xz));
		return new String[] { xq, xs, xz };
	}

	/** Weights [K, N] (or [M, ...] for Conv) as int8 with their parameters along {@code axis}. */
	private QuantParams quantizeWeights(String name, float[] values, long[] dims, int axis, TensorSpec w, Node n) {
		QuantParams p = w.granularity() == Granularity.PER_TENSOR
				? QuantMath.params(QuantMath.range(values), QuantType.INT8, w.scheme(), spec.reduceRange())
				: QuantMath.params(QuantMath.channelRanges(values, dims, axis), axis, QuantType.INT8, w.scheme(), spec.reduceRange());
		Range own = QuantMath.range(values);
		written.add(new QuantizedTensor(name, Role.WEIGHT, n.name(), p, own, own));
		return p;
	}

	private void matMul(Node n, TensorSpec w) {
		Tensor weight = g.initializer(n.input(1));
		float[] values = weight.toFloatArray();
		long[] dims = weight.dims();
		boolean gemm = n.opType().equals("Gemm");
		if (gemm && n.intAttribute("transB", 0) == 1) { // store as [K, N] for MatMulInteger
			values = transpose(values, (int) dims[0], (int) dims[1]);
			dims = new long[] { dims[1], dims[0] };
		}
		QuantParams p = quantizeWeights(n.input(1), values, dims, 1, w, n);
		String wq = ed.constant(n.input(1) + "_q", GraphEditor.codes("w", QuantType.INT8.dataType(), dims, QuantMath.quantize(values, dims, p)));
		String[] x = dynamicQuantize(n);
		String y = n.output(0);
		String acc = ed.fresh(y + "_int32");
		ed.add("MatMulInteger", n.name() + "_MatMulInteger", integerInputs(x, wq, p, p.perChannel()), List.of(acc));
		float alpha = gemm ? n.floatAttribute("alpha", 1f) : 1f;
		float[] scales = p.scales().clone();
		for (int i = 0; i < scales.length; i++) {
			scales[i] *= alpha;
		}
		String bias = gemm ? n.input(2) : "";
		String rescaled = bias.isEmpty() ? y : ed.fresh(y + "_rescaled");
		rescale(n, acc, x[1], scales, new long[] { scales.length }, rescaled);
		if (!bias.isEmpty()) {
			float beta = n.floatAttribute("beta", 1f);
			String c = bias;
			if (beta != 1f) {
				float[] cv = g.initializer(bias).toFloatArray();
				for (int i = 0; i < cv.length; i++) {
					cv[i] *= beta;
				}
				c = ed.constant(bias + "_scaled", Tensor.ofFloats("c", g.initializer(bias).dims(), cv));
			}
			ed.add("Add", n.name() + "_bias", List.of(rescaled, c), List.of(y));
		}
		g.nodes().remove(n);
		dropIfUnused(n.input(1));
	}

	private void conv(Node n, TensorSpec w) {
		Tensor weight = g.initializer(n.input(1));
		float[] values = weight.toFloatArray();
		long[] dims = weight.dims();
		// ConvInteger takes one weight zero point: per-channel asymmetric weights fall back to per tensor
		if (w.granularity() != Granularity.PER_TENSOR && w.scheme() != Symmetry.SYMMETRIC) {
			w = new TensorSpec(w.precision(), w.scheme(), Granularity.PER_TENSOR);
		}
		QuantParams p = quantizeWeights(n.input(1), values, dims, 0, w, n);
		String wq = ed.constant(n.input(1) + "_q", GraphEditor.codes("w", QuantType.INT8.dataType(), dims, QuantMath.quantize(values, dims, p)));
		String[] x = dynamicQuantize(n);
		String y = n.output(0);
		String acc = ed.fresh(y + "_int32");
		Node ci = ed.add("ConvInteger", n.name() + "_ConvInteger", integerInputs(x, wq, p, false), List.of(acc));
		for (AttributeProto a : n.attributes()) {
			ci.setAttribute(a);
		}
		// scales [M] broadcast over [N, M, H, W] as [M, 1, 1]
		long[] shape = new long[dims.length - 1];
		java.util.Arrays.fill(shape, 1);
		shape[0] = p.scales().length;
		String bias = n.input(2);
		String rescaled = bias.isEmpty() ? y : ed.fresh(y + "_rescaled");
		rescale(n, acc, x[1], p.scales(), shape, rescaled);
		if (!bias.isEmpty()) {
			Tensor b = g.initializer(bias);
			shape[0] = b.elementCount();
			String reshaped = ed.constant(bias + "_broadcast", Tensor.ofFloats("b", shape, b.toFloatArray()));
			ed.add("Add", n.name() + "_bias", List.of(rescaled, reshaped), List.of(y));
			dropIfUnused(bias);
		}
		g.nodes().remove(n);
		dropIfUnused(n.input(1));
	}

	/** (x_q, w_q, x_zp[, w_zp]): the weight zero point is omitted when 0 (symmetric weights), its default. */
	private List<String> integerInputs(String[] x, String wq, QuantParams p, boolean perChannel) {
		List<String> inputs = new ArrayList<>(List.of(x[0], wq, x[2]));
		if (java.util.Arrays.stream(p.zeroPoints()).anyMatch(z -> z != 0)) {
			inputs.add(ed.zeroPoint(wq.replace("_q", "") + "_zp", QuantType.INT8, p.zeroPoints(), perChannel));
		}
		return inputs;
	}

	/** out = float(acc) × (x_scale × w_scales): the integer accumulator back to real values. */
	private void rescale(Node n, String acc, String xScale, float[] weightScales, long[] scaleShape, String out) {
		String f = ed.fresh(acc + "_float");
		ed.add("Cast", n.name() + "_Cast", List.of(acc), List.of(f), GraphEditor.intAttribute("to", 1));
		String ws = weightScales.length == 1 ? ed.scalarFloat(n.input(1) + "_scale", weightScales[0])
				: ed.constant(n.input(1) + "_scale", Tensor.ofFloats("s", scaleShape, weightScales));
		String s = ed.fresh(n.name() + "_output_scale");
		ed.add("Mul", n.name() + "_scale", List.of(xScale, ws), List.of(s));
		ed.add("Mul", n.name() + "_rescale", List.of(f, s), List.of(out));
	}

	private static float[] transpose(float[] v, int rows, int cols) {
		float[] t = new float[v.length];
		for (int r = 0; r < rows; r++) {
			for (int c = 0; c < cols; c++) {
				t[c * rows + r] = v[r * cols + c];
			}
		}
		return t;
	}

	private void dropIfUnused(String tensor) {
		if (!tensor.isEmpty() && !ed.isRead(tensor) && g.outputs().stream().noneMatch(v -> v.getName().equals(tensor))) {
			g.removeInitializer(tensor);
		}
	}
}
