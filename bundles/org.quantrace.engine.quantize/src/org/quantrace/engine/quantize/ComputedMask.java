package org.quantrace.engine.quantize;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.UnaryOperator;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * An attention mask computed at run time from a 0/1 tensor, as Hugging Face's BERT exports write it: {@code attention_mask}
 * (int64 [N, L]) → Unsqueeze → Cast → Sub(1, ·) → Mul(·, −10000 or float's lowest) → Add to the scores. The values such a mask
 * can take follow from the graph alone: those of its 0/1 origin through the elementwise ops with scalar constants that computed
 * it, so {@link MaskedScores} can tell a mask (0 and entries whose exp is denormal) from a bias without any data. Also a Where
 * between constants (torch's MultiheadAttention: Where(padding or causal, −inf, 0)), and Where(x ≠ 0, k, x) of such an x (newer
 * Hugging Face exports: {@code (1 − mask).masked_fill((1 − mask).bool(), finfo.min)}), where x is read only where it is 0.
 */
final class ComputedMask {

	/** The values of the mask, and words for where its 0/1 came from. */
	record Values(float[] values, String origin) {
	}

	/** Ops that move or broadcast their first input's values without changing them. */
	private static final Set<String> MOVERS = Set.of("Reshape", "Unsqueeze", "Squeeze", "Expand", "Transpose", "Flatten", "Identity");

	/** Ops whose output is BOOL (its values 0 and 1 once cast). */
	private static final Set<String> BOOLEAN = Set.of("Equal", "Not", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor");

	/** How many ops back the search goes (BERT's chain is 4 to 6). */
	private static final int DEPTH = 12;

	private ComputedMask() {
	}

	/** The values {@code tensor} can take when it is computed from a 0/1 tensor by scalar arithmetic, or null. */
	static Values of(Graph graph, String tensor) {
		return of(graph, tensor, 0);
	}

	private static Values of(Graph graph, String tensor, int depth) {
		Node p = graph.producer(tensor).orElse(null);
		if (p == null || !p.isStandard() || depth > DEPTH) {
			return null;
		}
		String op = p.opType();
		if (MOVERS.contains(op)) {
			return of(graph, p.input(0), depth + 1);
		}
		if (op.equals("Cast")) {
			String origin = p.intAttribute("to", 0) == DataType.FLOAT.code() ? zeroOne(graph, p.input(0), 0) : null;
			return origin == null ? null : new Values(new float[] { 0, 1 }, origin);
		}
		if (op.equals("Where")) {
			return where(graph, p, depth);
		}
		if (op.equals("Neg")) {
			return map(of(graph, p.input(0), depth + 1), v -> -v);
		}
		for (int i = 0; i <= 1 && p.inputs().size() == 2; i++) {
			Tensor c = graph.constant(p.input(i));
			if (c != null && c.dataType() == DataType.FLOAT && c.elementCount() == 1) {
				float k = c.toFloatArray()[0];
				boolean first = i == 0; // the constant is the left operand (Sub(1, m))
				UnaryOperator<Float> f = switch (op) {
				case "Mul" -> v -> v * k;
				case "Add" -> v -> v + k;
				case "Sub" -> first ? v -> k - v : v -> v - k;
				case "Div" -> first ? null : v -> v / k;
				default -> null;
				};
				return f == null ? null : map(of(graph, p.input(1 - i), depth + 1), f);
			}
		}
		return null;
	}

	/**
	 * The values of {@code where}: those of either branch (a float constant's distinct values, a ConstantOfShape's value, or a
	 * computed mask's); of Where(Cast(x, BOOL), k, x) x's zeros only, since it is read only where it is 0.
	 */
	private static Values where(Graph graph, Node where, int depth) {
		Values a = branch(graph, where.input(1), depth);
		Values b = branch(graph, where.input(2), depth);
		if (a == null || b == null) {
			return null;
		}
		Node cond = graph.producer(where.input(0)).orElse(null);
		if (cond != null && cond.opType().equals("Cast") && cond.intAttribute("to", 0) == DataType.BOOL.code() && cond.input(0).equals(where.input(2))) {
			b = new Values(zeros(b.values()), b.origin());
		}
		float[] both = new float[a.values().length + b.values().length];
		System.arraycopy(a.values(), 0, both, 0, a.values().length);
		System.arraycopy(b.values(), 0, both, a.values().length, b.values().length);
		String origin = a.origin() != null ? a.origin() : b.origin() != null ? b.origin() : "the Where '" + where.name() + "' between constants";
		return new Values(both, origin);
	}

	/** A Where's branch: a float constant of a few distinct values (origin null), a ConstantOfShape's value, or a computed mask. */
	private static Values branch(Graph graph, String tensor, int depth) {
		Tensor c = graph.constant(tensor);
		if (c != null) {
			float[] distinct = c.dataType() == DataType.FLOAT ? distinct(c.toFloatArray()) : null;
			return distinct == null ? null : new Values(distinct, null);
		}
		Node p = graph.producer(tensor).orElse(null);
		if (p != null && p.opType().equals("ConstantOfShape")) {
			Tensor value = p.tensorAttribute("value").orElse(null); // absent: float 0
			return value == null ? new Values(new float[] { 0 }, null)
					: value.dataType() == DataType.FLOAT ? new Values(value.toFloatArray(), null) : null;
		}
		return of(graph, tensor, depth + 1);
	}

	/** The distinct values of {@code v}, or null when there are more than a mask holds (a mask has 2; a few more are allowed). */
	private static float[] distinct(float[] v) {
		Set<Float> d = new LinkedHashSet<>();
		for (float x : v) {
			if (d.add(x) && d.size() > 8) {
				return null;
			}
		}
		float[] f = new float[d.size()];
		int i = 0;
		for (float x : d) {
			f[i++] = x;
		}
		return f;
	}

	/** Of {@code v}, the 0 if it holds one (the values a branch read only where it is 0 gives). */
	private static float[] zeros(float[] v) {
		for (float x : v) {
			if (x == 0) {
				return new float[] { 0 };
			}
		}
		return new float[0];
	}

	private static Values map(Values x, UnaryOperator<Float> f) {
		if (x == null) {
			return null;
		}
		float[] v = new float[x.values().length];
		for (int i = 0; i < v.length; i++) {
			v[i] = f.apply(x.values()[i]);
		}
		return new Values(v, x.origin());
	}

	/**
	 * Words for {@code tensor} as a source of 0 and 1 once cast to float, or null: a BOOL (a comparison's output, a Cast to BOOL,
	 * a BOOL model input), or an integer model input, which is taken as 0/1 as an attention mask is (its words say so).
	 */
	private static String zeroOne(Graph graph, String tensor, int depth) {
		Node p = graph.producer(tensor).orElse(null);
		if (p == null) {
			DataType type = inputType(graph, tensor);
			return type == DataType.BOOL ? "the BOOL model input '" + tensor + "'"
					: type != null && type.isInteger() ? "the model input '" + tensor + "' (" + type + ", taken as 0/1 as an attention mask is)" : null;
		}
		if (!p.isStandard() || depth > DEPTH) {
			return null;
		}
		if (BOOLEAN.contains(p.opType()) || p.opType().equals("Cast") && p.intAttribute("to", 0) == DataType.BOOL.code()) {
			return "the BOOL output of " + p.opType() + " '" + p.name() + "'";
		}
		return MOVERS.contains(p.opType()) ? zeroOne(graph, p.input(0), depth + 1) : null;
	}

	private static DataType inputType(Graph graph, String tensor) {
		for (ValueInfoProto v : graph.inputs()) {
			if (v.getName().equals(tensor) && v.getType().hasTensorType() && v.getType().getTensorType().getElemType() > 0) {
				return DataType.of(v.getType().getTensorType().getElemType());
			}
		}
		return null;
	}
}
