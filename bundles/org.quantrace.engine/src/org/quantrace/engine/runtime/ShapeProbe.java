package org.quantrace.engine.runtime;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Finds the element type and shape of every tensor of the main graph by running the model once on
 * zeros, with every intermediate tensor exposed as an output. Exporters rarely store value infos, and
 * running is the one shape inference that agrees with ONNX Runtime by construction. Dynamic dimensions
 * are run as 1, so intermediate shapes come out for a batch of one (as the results deck shows them).
 */
public final class ShapeProbe {

	private ShapeProbe() {
	}

	public static Map<String, TensorInfo> probe(OnnxModel model, String source) {
		OnnxModel copy = model.copy();
		Graph g = copy.graph();
		Set<String> exposed = new HashSet<>();
		g.outputs().forEach(v -> exposed.add(v.getName()));
		g.inputs().forEach(v -> exposed.add(v.getName()));
		for (Node n : g.nodes()) {
			for (String o : n.outputs()) {
				if (!o.isEmpty() && g.initializer(o) == null && exposed.add(o)) {
					g.outputs().add(ValueInfoProto.newBuilder().setName(o).build());
				}
			}
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		for (ValueInfoProto v : g.runtimeInputs()) {
			feed.put(v.getName(), zeros(v, 1, source));
		}
		Map<String, TensorInfo> result = new LinkedHashMap<>();
		SessionSettings settings = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1);
		try (InferenceSession session = InferenceSession.open(copy, settings, source)) {
			session.run(feed).forEach((name, value) -> result.put(name, TensorInfo.of(name, value.type(), value.shape())));
		}
		return result;
	}

	/** Elements one made-up input may hold: 1 GB of float32, far beyond any real model's sample. */
	static final long MAX_ELEMENTS = 1L << 28;

	/**
	 * Zeros of the shape an input declares, its symbolic dimensions taken as {@code dynamic}: what a model
	 * is run on when there is no data.
	 *
	 * @throws InvalidInputException when the input declares no shape, a type we cannot feed, or more elements
	 *                               than {@link #MAX_ELEMENTS}
	 */
	public static NdArray zeros(ValueInfoProto input, long dynamic, String source) {
		TensorInfo info = TensorInfo.of(input);
		String what = source + ": input '" + input.getName() + "'";
		if (info.shape() == null) {
			throw new InvalidInputException(what + " declares no shape, so it cannot be run on made-up data", "give real inputs (--data)");
		}
		long n = 1;
		long[] shape = new long[info.shape().size()];
		for (int i = 0; i < shape.length; i++) {
			String d = info.shape().get(i);
			shape[i] = !d.isEmpty() && d.chars().allMatch(Character::isDigit) ? Long.parseLong(d) : dynamic;
			n = shape[i] > 0 && n > MAX_ELEMENTS / shape[i] ? MAX_ELEMENTS + 1 : n * shape[i];
		}
		if (n > MAX_ELEMENTS) {
			throw new InvalidInputException(what + " declares " + info.shapeText() + ", more than " + MAX_ELEMENTS + " elements per sample",
					"check the input's declared dimensions; re-export the model with its real input size");
		}
		DataType type = info.type() == DataType.UNDEFINED ? DataType.FLOAT : info.type();
		try {
			return NdArray.zeros(type, shape);
		} catch (IllegalArgumentException e) {
			throw new InvalidInputException(what + " is of type " + type + ", which quantrace cannot feed", "give real inputs (--data)", e);
		}
	}
}
