package org.quantrace.engine.runtime;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
			TensorInfo info = TensorInfo.of(v);
			List<String> dims = info.shape() == null ? List.of() : info.shape();
			long[] shape = dims.stream().mapToLong(d -> d.chars().allMatch(Character::isDigit) && !d.isEmpty() ? Long.parseLong(d) : 1).toArray();
			feed.put(v.getName(), NdArray.zeros(info.type() == DataType.UNDEFINED ? DataType.FLOAT : info.type(), shape));
		}
		Map<String, TensorInfo> result = new LinkedHashMap<>();
		SessionSettings settings = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1);
		try (InferenceSession session = InferenceSession.open(copy, settings, source)) {
			session.run(feed).forEach((name, value) -> result.put(name, TensorInfo.of(name, value.type(), value.shape())));
		}
		return result;
	}
}
