package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.OpRule.DrqForm;
import org.quantrace.engine.quantize.QuantizationPlan.Decision;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Kernels;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantizedTensor.Role;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * Dynamic-range quantization: int8 weights, no calibration. Each layer with weights takes one of two forms,
 * chosen from its {@link OpRule} and the spec's {@link Kernels}: dynamic integer kernels (activations
 * quantized to uint8 at run time by DynamicQuantizeLinear, multiplied in integers by MatMulInteger /
 * ConvInteger and rescaled to float; ONNX Runtime fuses the MatMul pattern into DynamicQuantizeMatMul; LSTM
 * becomes DynamicQuantizeLSTM), or weight-only int8 ({@link FoldedWeights}: dequantized once at load, float
 * compute). Nodes inside If/Loop/Scan bodies are treated as the main graph's.
 */
final class DynamicRangeWriter {

	/** The contrib op an LSTM's dynamic-range form is written as, under the LSTM's name. */
	static final String LSTM_OP = "DynamicQuantizeLSTM";

	private final OnnxModel model;
	private final QuantizationSpec spec;
	final List<Decision> decisions = new ArrayList<>();
	final List<QuantizedTensor> written = new ArrayList<>();
	/** Dynamic kernels slower than float (about the scheme), raw features rounded at one scale (about the layer): quantize-warning. */
	final List<QuantizerWarning> warnings = new ArrayList<>();
	/**
	 * Each weight stored as int8 and dequantized at load, by the tensor its readers now read: a weight both branches of an If
	 * share is stored once, for its first reader, and its other readers read it dequantized without a decision of their own.
	 */
	private final java.util.Map<String, QuantizedTensor> dequantized = new java.util.HashMap<>();

	DynamicRangeWriter(OnnxModel model, QuantizationSpec spec) {
		this.model = model;
		this.spec = spec;
	}

	void write() {
		int index = 0;
		for (Node n : new ArrayList<>(model.graph().topologicalOrder())) {
			if ("Constant".equals(n.opType())) {
				continue;
			}
			decisions.add(decide(n, index++));
		}
		new GraphEditor(model.graph()).sort();
		if (spec.kernels() == Kernels.DYNAMIC) {
			List<String> slower = decisions.stream().filter(d -> d.reason().contains("slower than float")).map(d -> d.node().name()).toList();
			if (!slower.isEmpty()) {
				warnings.add(new QuantizerWarning(QuantizerWarning.OTHER, spec.name(), "scheme '" + spec.name() + "': dynamic kernels were asked for, and ONNX Runtime's are slower than float compute for "
						+ slower.size() + " layer(s) (" + String.join(", ", slower.subList(0, Math.min(5, slower.size()))) + (slower.size() > 5 ? ", ..." : "")
						+ "): use 'kernels auto' (--kernels auto) to keep int8 weights with float compute there"));
			}
		}
	}

	private Decision decide(Node n, int index) {
		Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
		if (excluded.isPresent()) {
			return new Decision(index, n, false, excluded.get().words(), null, null);
		}
		OpRule rule = OpRules.of(n);
		if (rule == null || rule.drq().form() == DrqForm.NONE) {
			// an op without a rule is not dequantized here (as OpRules.floatReason says of full-integer models): DRQ writes no
			// QuantizeLinear/DequantizeLinear between layers
			return new Decision(index, n, false, rule == null && !n.isStandard() ? OpRules.floatReason(n)
					: "dynamic-range quantization quantizes layers with weights; " + n.opType() + " has none: it runs in float", null, null);
		}
		TensorSpec w = spec.weightsFor(n);
		if (rule.form() == OpRule.Form.CONTROL_FLOW) {
			return body(n, index, w);
		}
		String refused = refusal(n, rule, w);
		if (refused != null) {
			return new Decision(index, n, false, refused, null, null);
		}
		boolean faster = rule.drq().dynamicFaster(n);
		// a layer on a tabular model input: its dynamic kernel would round every feature at one uint8 scale per batch (tabraw's
		// input so rounded alone: 0.9708 → 0.8713), weight-only keeps them float and scales its weights per feature
		// ... where its weights say the features are of different units (InputResolution.UNIT_SPREAD); features of one unit (pixels
		// in [0, 1], standardized features) are quantized as any layer, the dynamic kernel where it is faster
		double spread = w.granularity() == Granularity.PER_TENSOR || rule.weights().isEmpty() ? 0 : tabularSpread(n, rule.weights().get(0));
		boolean tabular = spread >= InputResolution.UNIT_SPREAD;
		String oneUnit = spread > 0 && !tabular ? InputResolution.oneUnitWords(n.input(0), spread) : "";
		boolean useDynamic = rule.drq().form() == DrqForm.DYNAMIC && switch (spec.kernels()) {
		case AUTO -> faster && !tabular;
		case DYNAMIC -> true;
		case WEIGHT_ONLY -> false;
		};
		if (useDynamic && tabular) {
			warnings.add(new QuantizerWarning(QuantizerWarning.OTHER, n.name(), "layer '" + n.name() + "' reads model input '" + n.input(0) + "' ([N, F] features) through a dynamic kernel, as asked:"
					+ " DynamicQuantizeLinear rounds all its features at one uint8 scale per batch, so features of different units (raw tabular"
					+ " features) lose their small values; 'kernels auto' (--kernels auto) computes it in float with one weight scale per input feature"));
		}
		if (useDynamic) {
			switch (n.opType()) {
			case "Conv" -> conv(n, w);
			case "LSTM" -> lstm(n, w);
			default -> matMul(n, w);
			}
			String why = faster ? " (" + rule.drq().measured() + ")"
					: "; asked for, though slower than float compute here (" + rule.drq().measured() + ")";
			return new Decision(index, n, true, "int8 weights; activations quantized to uint8 at run time: " + rule.drq().kernel() + why + oneUnit, w, null);
		}
		String perFeature = "";
		for (OpRule.WeightInput wi : rule.weights()) {
			Tensor t = n.graph().constant(n.input(wi.input()));
			int axis = w.granularity() == Granularity.PER_TENSOR ? -1 : wi.axisOf(n, t.dims().length);
			int features = axis < 0 || !tabular ? -1 : InputResolution.featureAxis(n, axis, t.dims().length);
			if (features >= 0) {
				axis = features;
				perFeature = InputResolution.perFeatureWords(n.input(0), spread);
			}
			QuantizedTensor stored = FoldedWeights.store(n, wi.input(), axis, w, spec.reduceRange());
			written.add(stored);
			dequantized.put(n.input(wi.input()), stored);
		}
		String why = switch (spec.kernels()) {
		case WEIGHT_ONLY -> "weight-only asked for";
		default -> rule.drq().form() != DrqForm.DYNAMIC ? rule.drq().measured()
				: faster ? "a dynamic kernel would round the model input's features at one uint8 scale at run time"
						: rule.drq().kernel() + " is not faster than float here (" + rule.drq().measured() + ")";
		};
		return new Decision(index, n, false, "int8 weights, dequantized to float once when ONNX Runtime loads the model; computes in float (" + why + ")" + perFeature + oneUnit, w, null);
	}

	/**
	 * Where {@code n} multiplies a float [N, F] model input by its 2-D float weight {@code wi} ({@link InputResolution#featureAxis}):
	 * the spread of its weight columns over the input features ({@link InputResolution#columnSpread}), else 0.
	 */
	private static double tabularSpread(Node n, OpRule.WeightInput wi) {
		Tensor t = n.inputs().size() > wi.input() ? n.graph().constant(n.input(wi.input())) : null;
		int features = t == null || t.dataType() != DataType.FLOAT ? -1 : InputResolution.featureAxis(n, wi.axisOf(n, t.dims().length), t.dims().length);
		return features < 0 ? 0 : InputResolution.columnSpread(t, features);
	}

	/** Why {@code n}'s weights cannot be quantized, or null. */
	private String refusal(Node n, OpRule rule, TensorSpec w) {
		String refused = rule.refuse(n);
		if (refused != null) {
			return refused;
		}
		if (n.opType().equals("Gemm") && n.intAttribute("transA", 0) != 0) {
			return "Gemm with transA=1 has no dynamic integer kernel in ONNX Runtime (DynamicQuantizeMatMul reads its input as it is, not transposed)";
		}
		if (w.precision() != QuantType.INT8) {
			return "dynamic-range quantization stores weights as int8 only (asked: " + w.precision().literal() + ")";
		}
		for (OpRule.WeightInput wi : rule.weights()) {
			Tensor t = n.inputs().size() > wi.input() ? n.graph().constant(n.input(wi.input())) : null;
			if (t == null || t.dataType() != DataType.FLOAT) {
				return "its weights are computed at run time, not stored in the model";
			}
			if (!FoldedWeights.isInitializer(n.graph(), n.input(wi.input()))) {
				return "its weights are not an initializer";
			}
		}
		return null;
	}

	/** An If/Loop/Scan: the layers of its bodies are quantized as in the main graph; the node itself records what they got. */
	private Decision body(Node n, int index, TensorSpec w) {
		int before = written.size();
		List<String> done = new ArrayList<>();
		for (Graph sub : n.subgraphs().values()) {
			for (Node inner : new ArrayList<>(sub.topologicalOrder())) {
				if ("Constant".equals(inner.opType())) {
					continue;
				}
				QuantizedTensor shared = sharedWeight(inner);
				Decision d = decide(inner, -1);
				if (d.weights() != null) {
					done.add(inner.opType() + " '" + inner.name() + "': " + (d.quantized() ? "dynamic kernels" : "int8 weights only"));
				} else if (shared != null) { // if_cnn's else branch: its Convs read the then branch's weights, stored once
					done.add(inner.opType() + " '" + inner.name() + "': int8 weights only ('" + shared.tensor() + "', stored for '" + shared.node() + "')");
				}
			}
			new GraphEditor(sub).sort();
		}
		if (written.size() == before) {
			return new Decision(index, n, false, "control flow: its bodies hold no layer with weights to quantize", null, null);
		}
		return new Decision(index, n, false, "control flow, computes as its bodies do; in its bodies " + String.join("; ", done), w, null);
	}

	/** The int8 weight another layer's decision stored that {@code n} reads as its weights (dequantized at load), or null. */
	private QuantizedTensor sharedWeight(Node n) {
		OpRule rule = OpRules.of(n);
		if (rule == null || rule.drq().form() == DrqForm.NONE || rule.weights().isEmpty()) {
			return null;
		}
		int input = rule.weights().get(0).input();
		return n.inputs().size() > input ? dequantized.get(n.input(input)) : null;
	}

	/** x → DynamicQuantizeLinear → (x_q, x_s, x_zp), in the node's own graph. */
	private String[] dynamicQuantize(GraphEditor ed, Node n) {
		String x = n.input(0);
		String xq = ed.fresh(x + "_q");
		String xs = ed.fresh(x + "_scale");
		String xz = ed.fresh(x + "_zp");
		ed.add("DynamicQuantizeLinear", n.name() + "_DynamicQuantizeLinear", List.of(x), List.of(xq, xs, xz));
		return new String[] { xq, xs, xz };
	}

	/** Weights as int8 with their parameters along {@code axis} (-1: per tensor). */
	private QuantParams quantizeWeights(String name, float[] values, long[] dims, int axis, TensorSpec w, Node n) {
		QuantParams p = axis < 0 || w.granularity() == Granularity.PER_TENSOR
				? QuantMath.params(QuantMath.range(values), QuantType.INT8, w.scheme(), spec.reduceRange())
				: QuantMath.params(QuantMath.channelRanges(values, dims, axis), axis, QuantType.INT8, w.scheme(), spec.reduceRange());
		Range own = QuantMath.range(values);
		written.add(new QuantizedTensor(name, Role.WEIGHT, n.name(), p, own, own));
		return p;
	}

	private void matMul(Node n, TensorSpec w) {
		Graph g = n.graph();
		GraphEditor ed = new GraphEditor(g);
		Tensor weight = g.constant(n.input(1));
		float[] values = weight.toFloatArray();
		long[] dims = weight.dims();
		boolean gemm = n.opType().equals("Gemm");
		if (gemm && n.intAttribute("transB", 0) == 1) { // store as [K, N] for MatMulInteger
			values = transpose(values, (int) dims[0], (int) dims[1]);
			dims = new long[] { dims[1], dims[0] };
		}
		// per column of a 2-D B; a batched B [f, K, N] per tensor, as its QDQ form (OpRules' MatMul rule)
		int axis = dims.length == 2 ? 1 : -1;
		QuantParams p = quantizeWeights(n.input(1), values, dims, axis, w, n);
		String wq = ed.constant(n.input(1) + "_q", GraphEditor.codes("w", QuantType.INT8.dataType(), dims, QuantMath.quantize(values, dims, p)));
		String[] x = dynamicQuantize(ed, n);
		String y = n.output(0);
		String acc = ed.fresh(y + "_int32");
		ed.add("MatMulInteger", n.name() + "_MatMulInteger", integerInputs(ed, x, wq, p, p.perChannel()), List.of(acc));
		float alpha = gemm ? n.floatAttribute("alpha", 1f) : 1f;
		float[] scales = p.scales().clone();
		for (int i = 0; i < scales.length; i++) {
			scales[i] *= alpha;
		}
		String bias = gemm && n.inputs().size() > 2 ? n.input(2) : "";
		String rescaled = bias.isEmpty() ? y : ed.fresh(y + "_rescaled");
		rescale(ed, n, acc, x[1], scales, new long[] { scales.length }, rescaled);
		if (!bias.isEmpty()) {
			float beta = n.floatAttribute("beta", 1f);
			String c = bias;
			if (beta != 1f) {
				Tensor b = g.constant(bias);
				float[] cv = b.toFloatArray();
				for (int i = 0; i < cv.length; i++) {
					cv[i] *= beta;
				}
				c = ed.constant(bias + "_scaled", Tensor.ofFloats("c", b.dims(), cv));
			}
			ed.add("Add", n.name() + "_bias", List.of(rescaled, c), List.of(y));
		}
		g.nodes().remove(n);
		dropIfUnused(g, n.input(1));
	}

	private void conv(Node n, TensorSpec w) {
		Graph g = n.graph();
		GraphEditor ed = new GraphEditor(g);
		Tensor weight = g.constant(n.input(1));
		float[] values = weight.toFloatArray();
		long[] dims = weight.dims();
		// ConvInteger takes one weight zero point: per-channel asymmetric weights fall back to per tensor
		if (w.granularity() != Granularity.PER_TENSOR && w.scheme() != Symmetry.SYMMETRIC) {
			w = new TensorSpec(w.precision(), w.scheme(), Granularity.PER_TENSOR);
		}
		QuantParams p = quantizeWeights(n.input(1), values, dims, 0, w, n);
		String wq = ed.constant(n.input(1) + "_q", GraphEditor.codes("w", QuantType.INT8.dataType(), dims, QuantMath.quantize(values, dims, p)));
		String[] x = dynamicQuantize(ed, n);
		String y = n.output(0);
		String acc = ed.fresh(y + "_int32");
		Node ci = ed.add("ConvInteger", n.name() + "_ConvInteger", integerInputs(ed, x, wq, p, false), List.of(acc));
		for (AttributeProto a : n.attributes()) {
			ci.setAttribute(a);
		}
		// scales [M] broadcast over [N, M, H, W] as [M, 1, 1]
		long[] shape = new long[dims.length - 1];
		Arrays.fill(shape, 1);
		shape[0] = p.scales().length;
		String bias = n.inputs().size() > 2 ? n.input(2) : "";
		String rescaled = bias.isEmpty() ? y : ed.fresh(y + "_rescaled");
		rescale(ed, n, acc, x[1], p.scales(), shape, rescaled);
		if (!bias.isEmpty()) {
			Tensor b = g.constant(bias);
			shape[0] = b.elementCount();
			String reshaped = ed.constant(bias + "_broadcast", Tensor.ofFloats("b", shape, b.toFloatArray()));
			ed.add("Add", n.name() + "_bias", List.of(rescaled, reshaped), List.of(y));
			g.nodes().remove(n);
			dropIfUnused(g, bias);
		} else {
			g.nodes().remove(n);
		}
		dropIfUnused(g, n.input(1));
	}

	/**
	 * LSTM → com.microsoft DynamicQuantizeLSTM: W [dirs, 4H, I] and R [dirs, 4H, H] quantized per row (or
	 * per direction), stored transposed as [dirs, I, 4H] and [dirs, H, 4H] as the kernel reads them.
	 */
	void lstm(Node n, TensorSpec w) {
		Graph g = n.graph();
		GraphEditor ed = new GraphEditor(g);
		List<String> inputs = new ArrayList<>(List.of(n.input(0)));
		List<String> parameters = new ArrayList<>();
		for (int i = 1; i <= 2; i++) {
			String name = n.input(i);
			Tensor t = g.constant(name);
			long[] dims = t.dims();
			int dirs = (int) dims[0];
			int rows = (int) dims[1];
			int cols = (int) dims[2];
			float[] values = t.toFloatArray();
			boolean perRow = w.granularity() != Granularity.PER_TENSOR;
			QuantParams p = perRow ? QuantMath.params(QuantMath.channelRanges(values, new long[] { (long) dirs * rows, cols }, 0), 0, QuantType.INT8, w.scheme(),
					spec.reduceRange()) : perDirection(values, dirs, w);
			long[] codes = QuantMath.quantize(values, perRow ? new long[] { (long) dirs * rows, cols } : new long[] { dirs, (long) rows * cols }, p);
			long[] transposed = new long[codes.length];
			for (int d = 0; d < dirs; d++) {
				for (int r = 0; r < rows; r++) {
					for (int c = 0; c < cols; c++) {
						transposed[(d * cols + c) * rows + r] = codes[(d * rows + r) * cols + c];
					}
				}
			}
			inputs.add(ed.constant(name + "_q", GraphEditor.codes("w", QuantType.INT8.dataType(), new long[] { dirs, cols, rows }, transposed)));
			long[] paramShape = perRow ? new long[] { dirs, rows } : new long[] { dirs };
			parameters.add(ed.constant(name + "_scale", Tensor.ofFloats("s", paramShape, p.scales())));
			parameters.add(ed.constant(name + "_zero_point", GraphEditor.codes("z", QuantType.INT8.dataType(), paramShape, p.zeroPoints())));
			Range own = QuantMath.range(values);
			written.add(new QuantizedTensor(name, Role.WEIGHT, n.name(), new QuantParams(QuantType.INT8, p.scales(), p.zeroPoints(), perRow ? 1 : 0, false),
					own, own));
		}
		for (int i = 3; i < 8; i++) {
			inputs.add(i < n.inputs().size() ? n.input(i) : "");
		}
		inputs.addAll(parameters);
		Node q = ed.add(ContribForms.DOMAIN, LSTM_OP, n.name(), inputs, n.outputs());
		for (AttributeProto a : n.attributes()) {
			q.setAttribute(a);
		}
		q.setName(n.name());
		g.nodes().remove(n);
		model.setOpset(ContribForms.DOMAIN, 1);
		dropIfUnused(g, n.input(1));
		dropIfUnused(g, n.input(2));
	}

	/** One scale per direction of a recurrent weight [dirs, ...]. */
	private QuantParams perDirection(float[] values, int dirs, TensorSpec w) {
		return QuantMath.params(QuantMath.channelRanges(values, new long[] { dirs, values.length / dirs }, 0), 0, QuantType.INT8, w.scheme(), spec.reduceRange());
	}

	/** (x_q, w_q, x_zp[, w_zp]): the weight zero point is omitted when 0 (symmetric weights), its default. */
	private List<String> integerInputs(GraphEditor ed, String[] x, String wq, QuantParams p, boolean perChannel) {
		List<String> inputs = new ArrayList<>(List.of(x[0], wq, x[2]));
		if (Arrays.stream(p.zeroPoints()).anyMatch(z -> z != 0)) {
			inputs.add(ed.zeroPoint(wq.replace("_q", "") + "_zp", QuantType.INT8, p.zeroPoints(), perChannel));
		}
		return inputs;
	}

	/** out = float(acc) × (x_scale × w_scales): the integer accumulator back to real values. */
	private void rescale(GraphEditor ed, Node n, String acc, String xScale, float[] weightScales, long[] scaleShape, String out) {
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

	/** Drops a float constant nobody reads any more, from the graph that holds it. */
	private static void dropIfUnused(Graph g, String tensor) {
		if (tensor.isEmpty()) {
			return;
		}
		for (Graph x = g; x != null; x = x.parent()) {
			if (x.initializer(tensor) != null) {
				GraphEditor ed = new GraphEditor(x);
				if (!ed.isRead(tensor) && x.outputs().stream().noneMatch(v -> v.getName().equals(tensor))) {
					x.removeInitializer(tensor);
				}
				return;
			}
		}
	}
}
