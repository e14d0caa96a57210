package org.quantrace.engine.quantize;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * The ranges of SiLU (swish) spelled x·sigmoid(x), a Mul of x and Sigmoid(x) (EfficientNet; tests/data/wild make_unseen6.py effnet):
 * <ul>
 * <li><b>the product's range is the image of x's range</b> under SiLU, whatever the method: the Mul reads x's dequantized codes, so its
 * product never leaves silu([x_min, x_max]) (minimum −0.2785 at x = −1.2785); a range of its own either wastes codes beyond that
 * image or clips values x's range keeps. The product's own histogram is a dense pile in [−0.28, 0.3] (every negative x lands
 * there) and a sparse tail of the large values: entropy calibration (TensorRT's KL search, which finds the same thresholds here)
 * clipped it at 0.68 while its values reach 10.9, and the wild EfficientNet fell from 0.8338 (fp32) to 0.7450;</li>
 * <li><b>under min-max, x takes the L2 range</b> ({@link Method#L2}, torch's HistogramObserver, which torch's PTQ uses for every
 * activation): a SiLU network has no clamp, so x is a BatchNorm-folded Conv output with both tails, and min-max spends the 256
 * codes on the few most extreme of millions of values (the first expand Conv of the wild EfficientNet: [−8.6, 10.9] by min-max,
 * [−6.0, 7.3] by L2). Every other tensor keeps the scheme's method; no zoo model has a SiLU.</li>
 * </ul>
 */
final class SiluRanges {

	/** Where SiLU has its minimum, and the minimum: silu(x) = x·σ(x) is decreasing below, increasing above. */
	static final double ARGMIN = -1.2784645427610738;

	private SiluRanges() {
	}

	/** The product root of each x·sigmoid(x) of the plan, with x's root, where both are calibrated roots of their own. */
	static Map<String, String> products(QuantizationPlan plan) {
		Map<String, String> products = new LinkedHashMap<>();
		Graph g = plan.graph();
		Set<String> calibrated = new HashSet<>(plan.calibrationTensors());
		for (Node mul : g.nodes()) {
			if (!mul.opType().equals("Mul") || mul.inputs().size() != 2) {
				continue;
			}
			for (int i = 0; i < 2; i++) {
				String x = mul.input(i);
				boolean silu = g.producer(mul.input(1 - i)).filter(s -> s.opType().equals("Sigmoid") && s.input(0).equals(x)).isPresent();
				if (silu && plan.root(x).equals(x) && plan.root(mul.output(0)).equals(mul.output(0)) && calibrated.contains(x)
						&& calibrated.contains(mul.output(0)) && plan.activations().get(mul.output(0)).forcedRange() == null) {
					products.put(mul.output(0), x);
					break;
				}
			}
		}
		return products;
	}

	/** The product root of each x·sigmoid(x) of {@code plans} (the main graph's and its branches'), with x's root. */
	static Map<String, String> products(Iterable<QuantizationPlan> plans) {
		Map<String, String> products = new LinkedHashMap<>();
		plans.forEach(plan -> products.putAll(products(plan)));
		return products;
	}

	/**
	 * The SiLU inputs ({@code products}' values) calibration reads by L2 instead of the scheme's min-max (8-bit activations:
	 * L2 serves no other); else none.
	 */
	static Map<String, Method> methods(Map<String, String> products, Iterable<QuantizationPlan> plans, QuantizationSpec spec) {
		Map<String, Method> methods = new LinkedHashMap<>();
		if (spec.calibration().method() != Method.MINMAX) {
			return methods;
		}
		for (QuantizationPlan plan : plans) {
			for (String x : products.values()) {
				QuantizationPlan.Activation a = plan.activations().get(x);
				if (a != null && a.forcedRange() == null && a.spec().precision().bits() == 8) {
					methods.put(x, Method.L2);
				}
			}
		}
		return methods;
	}

	/** {@code calibrated} with each SiLU product's range ({@code products}: product → x) replaced by the image of its input's range. */
	static CalibrationResult withImages(CalibrationResult calibrated, Map<String, String> products) {
		Map<String, Range> ranges = new LinkedHashMap<>(calibrated.ranges());
		products.forEach((product, x) -> {
			Range in = ranges.get(x);
			if (in != null && ranges.containsKey(product)) {
				ranges.put(product, image(in));
			}
		});
		return calibrated.with(ranges, calibrated.methods(), calibrated.clipped());
	}

	/** silu([lo, hi]), widened to contain 0. */
	static Range image(Range x) {
		double lo = x.min() <= ARGMIN && ARGMIN <= x.max() ? silu(ARGMIN) : Math.min(silu(x.min()), silu(x.max()));
		double hi = Math.max(silu(x.min()), silu(x.max()));
		return new Range(lo, hi).includingZero();
	}

	static double silu(double v) {
		return v / (1 + Math.exp(-v));
	}
}
