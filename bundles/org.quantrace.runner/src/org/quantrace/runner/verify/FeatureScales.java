package org.quantrace.runner.verify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.InputResolution;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A dynamic-range layer's statement that its weights have one scale per input feature (a Gemm or MatMul reading a float [N, F]
 * model input: raw tabular features of different units, newuser60's tabraw), against the model file: the layer reads that
 * input, and the scales its weights are dequantized with run along the weight's input-feature axis (a Gemm's [out, in] axis 1
 * with transB = 1, else axis 0), found here from the node and the stored scale, not from the quantizer's rule. A reason that
 * says it of weights the file scales per output channel, or a file scaling them per feature with a reason that does not say it,
 * is a mismatch.
 */
final class FeatureScales {

	private static final Pattern STATED = Pattern.compile(Pattern.quote(InputResolution.PER_FEATURE) + " \\(the columns of model input '([^']+)'");

	private static final Pattern SPREAD = Pattern.compile("its weight columns' largest magnitudes spread ([0-9.]+x, (?:at least|under) \\d+x)");
	/** Columns spreading this much are of features of different units (the quantizer's rule, stated here again). */
	private static final int UNITS = 10;

	private FeatureScales() {
	}

	/** The model input {@code reason} says the layer's weight scales run over, or null where it does not say it. */
	static String stated(String reason) {
		Matcher m = STATED.matcher(reason == null ? "" : reason);
		return m.find() ? m.group(1) : null;
	}

	/**
	 * The model input whose features the weights of {@code node} are scaled per (held: the weight's quantization in the file), or
	 * null where the layer does not read a float [N, F] model input first or its weights are not scaled along the feature axis.
	 */
	static String derived(ModelFacts f, String node, Quantizations.Params held) {
		NodeProto n = f.node(node);
		if (held == null || held.axis() == null || held.scales().size() < 2 || !onTabularInput(f, n)) {
			return null;
		}
		return held.axis() == featureAxis(n) ? n.getInput(0) : null;
	}

	/** Whether {@code n} is a Gemm (not transposing A) or MatMul whose first input is a float [N, F] model input of {@code f}. */
	private static boolean onTabularInput(ModelFacts f, NodeProto n) {
		if (n == null || n.getInputCount() < 2) {
			return false;
		}
		boolean gemm = n.getOpType().equals("Gemm");
		if (!gemm && !n.getOpType().equals("MatMul") || gemm && attribute(n, "transA") != 0) {
			return false;
		}
		String x = n.getInput(0);
		return f.inputs().stream().anyMatch(i -> i.name().equals(x) && DataType.FLOAT.displayName().equals(i.elementType())
				&& i.shape() != null && i.shape().size() == 2);
	}

	/** The weight's axis of the input features: 1 of a Gemm's [out, in] with transB = 1, else 0 ([in, out]). */
	private static int featureAxis(NodeProto n) {
		return n.getOpType().equals("Gemm") && attribute(n, "transB") != 0 ? 1 : 0;
	}

	/**
	 * The spread a layer's reason says decided the rule (engine.quantize's InputResolution.UNIT_SPREAD: "its weight columns' largest
	 * magnitudes spread 22.5x, at least 10x" per input feature, "7.7x, under 10x" features of one unit), or null.
	 */
	static String spreadStated(String reason) {
		Matcher m = SPREAD.matcher(reason == null ? "" : reason);
		return m.find() ? m.group(1) : null;
	}

	/**
	 * The same words derived from the float model's weights: the layer multiplies a float [N, F] model input by a 2-D float weight,
	 * each input feature's column (axis 1 of a Gemm's [out, in] with transB = 1, else axis 0) has a largest magnitude, and their
	 * largest over their smallest non-zero one is compared with 10; null where the layer is not such a product.
	 */
	static String spreadDerived(ModelFacts floatModel, String node) {
		NodeProto n = floatModel.node(node);
		if (!onTabularInput(floatModel, n)) {
			return null;
		}
		Tensor w = floatModel.value(n.getInput(1));
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length != 2) {
			return null;
		}
		boolean byColumn = featureAxis(n) == 1;
		float[] v = w.toFloatArray();
		int cols = (int) w.dims()[1];
		double[] largest = new double[(int) w.dims()[byColumn ? 1 : 0]];
		for (int i = 0; i < v.length; i++) {
			int feature = byColumn ? i % cols : i / cols;
			largest[feature] = Math.max(largest[feature], Math.abs((double) v[i]));
		}
		double max = java.util.Arrays.stream(largest).max().orElse(0);
		double min = java.util.Arrays.stream(largest).filter(l -> l > 0).min().orElse(max);
		double spread = max > 0 ? max / min : 1;
		return String.format(java.util.Locale.ROOT, "%.1fx, %s %dx", spread, spread >= UNITS ? "at least" : "under", UNITS);
	}

	private static long attribute(NodeProto n, String name) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI).findFirst().orElse(0);
	}
}
