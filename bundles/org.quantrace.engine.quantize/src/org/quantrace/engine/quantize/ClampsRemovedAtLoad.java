package org.quantrace.engine.quantize;

import java.util.List;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationPlan.Decision;

/**
 * A Relu or Clip left float whose only reader in the written model is a QuantizeLinear whose range [scale × (qmin − z),
 * scale × (qmax − z)] lies within the clamp's [min, max]: ONNX Runtime removes it (ClipQuantFusion), so it computes nothing
 * in float. The plan decides before calibration and knows this only of a clamp from 0 with no maximum
 * ({@link OpRules#clampsOnlyAtZero}); a ReLU6 written as Clip(x, 0, 6) after a float op is removed only when its calibrated
 * range ends at or below 6, which the scale the writer wrote tells.
 */
final class ClampsRemovedAtLoad {

	/** ONNX Runtime's tolerance for the comparison (clip_quantizelinear.cc: numeric_limits&lt;float&gt;::epsilon()). */
	private static final float EPSILON = Math.ulp(1f);

	private ClampsRemovedAtLoad() {
	}

	/** The decisions, those of float clamps ONNX Runtime removes recorded so. */
	static List<Decision> apply(Graph g, QuantizationSpec spec, List<Decision> decisions) {
		return decisions.stream().map(d -> !d.quantized() && removed(g, d.node())
				? new Decision(d.layerIndex(), d.node(), true, "only a QuantizeLinear reads it, whose range lies within the " + d.node().opType()
						+ "'s bounds: " + QuantizationPlan.REMOVED_BY_ONNX_RUNTIME + ", so it computes nothing in float (it stays in the model)",
						null, spec.activationsFor(d.node()))
				: d).toList();
	}

	private static boolean removed(Graph g, Node n) {
		float[] bounds = OpRules.clampBounds(n);
		// a clamp the writer folded into its producer's QuantizeLinear is no node of the written model: nothing to remove
		if (bounds == null || !n.isStandard() || n.outputs().size() != 1 || g.producer(n.output(0)).filter(p -> p == n).isEmpty()) {
			return false;
		}
		List<Node> readers = g.consumers(n.output(0));
		if (readers.size() != 1 || !readers.get(0).opType().equals("QuantizeLinear") || g.outputs().stream().anyMatch(o -> o.getName().equals(n.output(0)))) {
			return false;
		}
		Node q = readers.get(0);
		Tensor scale = q.inputs().size() > 1 ? g.constant(q.input(1)) : null;
		Tensor zero = q.inputs().size() > 2 && !q.input(2).isEmpty() ? g.constant(q.input(2)) : null;
		if (scale == null || zero == null || scale.elementCount() != 1 || zero.elementCount() != 1
				|| zero.dataType() != DataType.UINT8 && zero.dataType() != DataType.INT8) {
			return false;
		}
		QuantType type = zero.dataType() == DataType.UINT8 ? QuantType.UINT8 : QuantType.INT8; // the codes' bounds: QuantType's
		long qmin = type.qmin(false);
		long qmax = type.qmax(false);
		float s = scale.toFloatArray()[0];
		long z = zero.toLongArray()[0];
		return bounds[0] - s * (qmin - z) <= EPSILON && s * (qmax - z) - bounds[1] <= EPSILON;
	}
}
