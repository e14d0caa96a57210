package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The shapes ONNX Runtime infers for the main graph's tensors when it loads the model (ONNX shape inference from the
 * declared input shapes, nothing run): a dimension is known only when it holds for every input the model accepts. Read
 * by exposing every tensor as an output without a type and asking the session for its outputs' types. A tensor ONNX Runtime
 * reports without dimensions has an unknown rank here (ONNX Runtime reports an unknown rank and a scalar alike).
 */
final class StaticShapes {

	private final Map<String, long[]> dims;

	private StaticShapes(Map<String, long[]> dims) {
		this.dims = dims;
	}

	/** No shapes known. */
	static StaticShapes empty() {
		return new StaticShapes(Map.of());
	}

	/** Inferred shapes, or none at all when ONNX Runtime cannot load the model. */
	static StaticShapes infer(OnnxModel model, String source) {
		OnnxModel copy = model.copy();
		Graph g = copy.graph();
		Set<String> exposed = new HashSet<>();
		g.outputs().forEach(v -> exposed.add(v.getName()));
		for (Node n : g.nodes()) {
			for (String o : n.outputs()) {
				if (!o.isEmpty() && exposed.add(o)) {
					g.outputs().add(ValueInfoProto.newBuilder().setName(o).build());
				}
			}
		}
		Map<String, long[]> dims = new HashMap<>();
		SessionSettings settings = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1);
		try (InferenceSession s = InferenceSession.open(copy, settings, source + " (shape inference)")) {
			List<TensorInfo> all = new ArrayList<>(s.inputs());
			all.addAll(s.outputs());
			for (TensorInfo t : all) {
				// ONNX Runtime reports a tensor whose rank it could not infer (a Reshape to a target computed at run time) with
				// no dimensions, as it reports a scalar: a Shape of it folded to an empty vector broke the graph (ShuffleNet's
				// channel shuffle, exit 3). A rank of 0 is therefore never trusted; scalars only lose folding they never need.
				if (t.shape() != null && !t.shape().isEmpty()) {
					dims.put(t.name(), t.shape().stream().mapToLong(d -> d.chars().allMatch(Character::isDigit) && !d.isEmpty() ? Long.parseLong(d) : -1)
							.toArray());
				}
			}
		} catch (QuantraceException e) {
			return new StaticShapes(Map.of());
		}
		return new StaticShapes(dims);
	}

	/** The tensor's dimensions, -1 where unknown; null when even its rank is unknown. */
	long[] of(String tensor) {
		return dims.get(tensor);
	}

	/** Its rank, -1 if unknown. */
	int rank(String tensor) {
		long[] d = dims.get(tensor);
		return d == null ? -1 : d.length;
	}

	/** Its shape with unknown dimensions replaced by {@code dynamic}; null when the rank is unknown. */
	long[] concrete(String tensor, long dynamic) {
		long[] d = dims.get(tensor);
		if (d == null) {
			return null;
		}
		long[] c = d.clone();
		for (int i = 0; i < c.length; i++) {
			c[i] = c[i] < 0 ? dynamic : c[i];
		}
		return c;
	}

	boolean isEmpty() {
		return dims.isEmpty();
	}
}
