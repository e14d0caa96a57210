package org.quantrace.runner.verify;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.DataType;

/**
 * The weights' type a quantized layer's reason states where ONNX Runtime computes it in float ("quantized (int16 weights,
 * QuantizeLinear/DequantizeLinear around it), computed in float: ..."), against the type of the weight codes the model holds
 * for it ("none" for a layer without weights). The quantizer wrote "int8 weights" of every such layer, so a W16A16 run's
 * trace and logs said int8 of Convs the model holds in int16, and of MaxPools that hold no weights, and verify let it pass
 * (branch evidence12).
 */
final class StatedWeightTypes {

	private static final Pattern STATED = Pattern.compile("^quantized \\((?:(\\w+) weights, )?QuantizeLinear/DequantizeLinear around it\\), computed in float");

	private final Map<String, String> held = new LinkedHashMap<>();

	/** Adds the type of a weight the model holds for {@code node}. */
	void add(String node, DataType type) {
		held.merge(node, type.name().toLowerCase(Locale.ROOT), (a, b) -> a.equals(b) ? a : a + " and " + b);
	}

	/** The weights' type the model holds for {@code node}, "none" without weights. */
	String held(String node) {
		return held.getOrDefault(node, "none");
	}

	/** The weights' type {@code reason} states ("none": it states the layer computes in float without naming weights), or null where it says nothing of it. */
	static String stated(String reason) {
		Matcher m = STATED.matcher(reason == null ? "" : reason);
		return !m.find() ? null : m.group(1) == null ? "none" : m.group(1);
	}
}
