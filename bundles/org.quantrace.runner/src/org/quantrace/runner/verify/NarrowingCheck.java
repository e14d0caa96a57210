package org.quantrace.runner.verify;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.trace.Parameter;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A float64 model's narrowing to float32, which convert records as its first rewrite ("... 1,234 float64 values rounded
 * to float32, largest relative rounding 2.98e-08"), made again from the original file: its float64 values (initializers
 * and Constant tensors, in every graph), counted and rounded here, from the stored bytes, without the engine's
 * narrowing code. The rewrite's words are the trace's, and the conversion log prints them: a figure edited in both (every
 * hash recomputed) passed every other check.
 */
public final class NarrowingCheck {

	private static final Pattern STATED = Pattern.compile("([\\d,]+) float64 values rounded to float32, largest relative rounding (\\S+?)\\)");

	private NarrowingCheck() {
	}

	/** What the precision rewrite among {@code rewrites} says of {@code original}'s narrowing that the original does not give. */
	public static List<String> mismatches(OnnxModel original, List<Parameter> rewrites) {
		long values = 0;
		double largest = 0;
		for (Graph g : original.graph().graphs()) {
			List<TensorProto> tensors = new ArrayList<>();
			g.initializers().forEach(t -> tensors.add(t.proto()));
			for (Node n : g.nodes()) {
				n.attributes().stream().filter(a -> a.getType() == AttributeProto.AttributeType.TENSOR).forEach(a -> tensors.add(a.getT()));
			}
			for (TensorProto t : tensors) {
				if (t.getDataType() == TensorProto.DataType.DOUBLE_VALUE) {
					double[] v = values(t);
					values += v.length;
					for (double d : v) {
						if (d != 0 && !Double.isNaN(d) && !Double.isInfinite(d)) {
							largest = Math.max(largest, Math.abs(d - (float) d) / Math.abs(d));
						}
					}
				}
			}
		}
		String stated = rewrites.stream().filter(p -> "precision".equals(p.getKey())).map(Parameter::getValue).findFirst().orElse("");
		Matcher m = STATED.matcher(stated);
		List<String> problems = new ArrayList<>();
		if (!m.find()) {
			if (values > 0) {
				problems.add("the original holds " + values + " float64 values, but the trace records no narrowing of them to float32");
			}
			return problems;
		}
		long statedValues = Long.parseLong(m.group(1).replace(",", ""));
		if (statedValues != values) {
			problems.add("narrowing: says " + statedValues + " float64 values rounded to float32, the original holds " + values);
		}
		double statedLargest;
		try {
			statedLargest = Double.parseDouble(m.group(2));
		} catch (NumberFormatException e) {
			statedLargest = Double.NaN;
		}
		// stated to three significant digits: half a unit of the third digit apart at most
		if (!(Math.abs(statedLargest - largest) <= 0.005 * largest)) {
			problems.add("narrowing: says largest relative rounding " + m.group(2) + ", the original's float64 values give "
					+ String.format(Locale.ROOT, "%.3g", largest));
		}
		return problems;
	}

	private static double[] values(TensorProto t) {
		if (t.getRawData().isEmpty()) {
			return t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
		}
		DoubleBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
		double[] out = new double[b.remaining()];
		b.get(out);
		return out;
	}
}
