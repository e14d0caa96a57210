package org.quantrace.runner.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.quantize.ContribForms;
import org.quantrace.model.trace.LayerQuantizationRecord;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A layer the quantized model runs in float is the float model's node, kept under its name: its op, what it reads, its attributes
 * and the constants it reads are the float model's. The records name the layer and its op only, so the float model the quantizer
 * read (the converted model, or the original where verify reads it) is what the rest is held against; without it only the op is.
 * Attributes the quantizer's opset upgrade made inputs are held in those inputs ({@link MovedAttributes}).
 */
final class FloatLayers {

	/** Nodes through which a quantized model reads a float model's tensor: its codes and their dequantization, or a copy. */
	private static final Set<String> PASSING = Set.of("DequantizeLinear", "QuantizeLinear", "Identity");

	private FloatLayers() {
	}

	/**
	 * The float layer {@code l}'s node in {@code f} against its record and against {@code input}'s node of that name (null: not
	 * read).
	 */
	static void check(LayerQuantizationRecord l, ModelFacts f, ModelFacts input, String where, String document, List<Mismatch> found) {
		NodeProto kept = f.node(l.getNode());
		NodeProto original = input == null ? null : input.node(l.getNode());
		if (kept == null || l.getOpType() == null) {
			return;
		}
		if (op(l, kept, original, where, document, found) || original == null) {
			return;
		}
		if (kept.getOpType().equals(original.getOpType())) {
			wiring(kept, original, f, input, where, document, found);
			attributes(kept, original, f, input.opset(), where, document, found);
			bodies(kept, original, f, input, where, document, found);
		} else if (original.getOpType().equals("LayerNormalization") && kept.getOpType().equals("SkipLayerNormalization") && kept.getInputCount() >= 3) {
			skipNormalization(kept, original, f, input, where, document, found);
		}
	}

	/**
	 * A LayerNormalization the quantizer wrote as com.microsoft.SkipLayerNormalization normalizes with the float layer's scale and
	 * bias, and with its epsilon: four times it where the node adds its input to itself (LayerNormalization(x + x, 4ε) is
	 * LayerNormalization(x, ε)), as it is where it adds the residual sum. Before, the written node's op alone was held: an epsilon
	 * left at ε on x + x (normalizing with ε/4) or another scale passed verify.
	 */
	private static void skipNormalization(NodeProto kept, NodeProto original, ModelFacts f, ModelFacts input, String where, String document,
			List<Mismatch> found) {
		boolean self = kept.getInput(0).equals(kept.getInput(1));
		float epsilon = floatAttribute(original, "epsilon", 1e-5f);
		float expected = self ? 4 * epsilon : epsilon;
		float written = floatAttribute(kept, "epsilon", Float.NaN);
		if (Float.compare(expected, written) != 0) {
			found.add(new Mismatch(document, where + " epsilon", expected + " (the float model's LayerNormalization epsilon" + (self ? " times 4: the"
					+ " node adds its input to itself)" : ")"), written + " (the quantized model's SkipLayerNormalization)"));
		}
		for (int i = 1; i < Math.min(original.getInputCount(), kept.getInputCount() - 1); i++) {
			if (!original.getInput(i).isEmpty() && input.stored.containsKey(original.getInput(i))) {
				constant(kept.getInput(i + 1), original.getInput(i), f, input, where + " input " + (i + 1), document, found);
			}
		}
	}

	private static float floatAttribute(NodeProto n, String name, float otherwise) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name) && a.getType() == AttributeProto.AttributeType.FLOAT).findFirst()
				.map(AttributeProto::getF).orElse(otherwise);
	}

	/**
	 * A control-flow layer left float (If, Loop, Scan) runs its bodies as the float model's: each body node kept under its name
	 * with the float model's op is held as a float layer's node is (what it reads, its attributes, the constants it reads, the
	 * body's own initializers among them), nested bodies too. A node the quantizer rewrote (another op) is left to its records.
	 * make_unseen22's loopconv, a Loop whose body holds its Conv's weight, with that weight times 1.5 in fiq_int8 (every hash
	 * recomputed) passed verify but for the stale hashes in the DOCX/PDF logs.
	 */
	private static void bodies(NodeProto kept, NodeProto original, ModelFacts f, ModelFacts input, String where, String document, List<Mismatch> found) {
		for (AttributeProto a : kept.getAttributeList()) {
			AttributeProto o = original.getAttributeList().stream().filter(b -> b.getName().equals(a.getName())).findFirst().orElse(null);
			if (o == null) {
				continue;
			}
			List<GraphProto> keptBodies = a.hasG() ? List.of(a.getG()) : a.getGraphsList();
			List<GraphProto> originalBodies = o.hasG() ? List.of(o.getG()) : o.getGraphsList();
			for (int i = 0; i < Math.min(keptBodies.size(), originalBodies.size()); i++) {
				Map<String, NodeProto> named = new HashMap<>();
				originalBodies.get(i).getNodeList().stream().filter(n -> !n.getName().isEmpty()).forEach(n -> named.putIfAbsent(n.getName(), n));
				for (NodeProto n : keptBodies.get(i).getNodeList()) {
					NodeProto m = named.get(n.getName());
					if (m != null && n.getOpType().equals(m.getOpType()) && domain(n).equals(domain(m))) {
						String at = where + " body " + a.getName() + " node " + n.getName() + " (" + n.getOpType() + ")";
						wiring(n, m, f, input, at, document, found);
						attributes(n, m, f, input.opset(), at, document, found);
						bodies(n, m, f, input, at, document, found);
					}
				}
			}
		}
	}

	/**
	 * A quantized layer that moves codes ({@link Quantizations#movesCodes}: Transpose, Reshape, DepthToSpace, MaxPool...) is the
	 * float model's node too, run on the codes under its name: its attributes are the float model's. Its record says only
	 * "quantized" with the scale it shares; make_unseen16's restore with its PixelUnshuffle's rank-6 Transpose perm swapped (the
	 * sub-pixels' order; every hash recomputed) passed verify with no word on the layer.
	 */
	static void checkMovingCodes(LayerQuantizationRecord l, ModelFacts f, ModelFacts input, String where, String document, List<Mismatch> found) {
		NodeProto kept = f.node(l.getNode());
		NodeProto original = input == null ? null : input.node(l.getNode());
		if (kept != null && original != null && kept.getOpType().equals(original.getOpType()) && domain(kept).equals(domain(original))
				&& Quantizations.movesCodes(kept.getOpType())) {
			attributes(kept, original, f, input.opset(), where, document, found);
		}
	}

	/** The kept node's attributes against the float model's node's, of opset {@code originalOpset} (what an opset upgrade moved or spelled out held there). */
	private static void attributes(NodeProto kept, NodeProto original, ModelFacts f, int originalOpset, String where, String document, List<Mismatch> found) {
		if (!MovedAttributes.agree(plainAttributes(kept), plainAttributes(original), kept, f, originalOpset)) {
			found.add(new Mismatch(document, where + " attributes", attributes(original) + " (as the float model's node of that name)",
					attributes(kept) + " (the quantized model's node)"));
		}
	}

	/**
	 * A node's attributes but its subgraphs: an If, Loop or Scan left float may hold a body the quantizer quantized (verify reads
	 * each body's nodes as the main graph's).
	 */
	private static Set<AttributeProto> plainAttributes(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getType() != AttributeProto.AttributeType.GRAPH && a.getType() != AttributeProto.AttributeType.GRAPHS)
				.collect(java.util.stream.Collectors.toSet());
	}

	/** A node's attributes as ONNX's text form writes them, sorted by name. */
	private static String attributes(NodeProto n) {
		return plainAttributes(n).stream().sorted(java.util.Comparator.comparing(AttributeProto::getName))
				.map(a -> a.getName() + "=" + com.google.protobuf.TextFormat.shortDebugString(a).replaceFirst("^name: \"[^\"]*\" ?", "")).toList().toString();
	}

	/**
	 * Whether the kept node's op differs from the record's (a mismatch). fcnarg's last ArgMax made an ArgMin in the quantized model
	 * (every hash recomputed) passed plain verify. A node of another domain is what a writer of the quantizer puts in the layer's place
	 * ({@link ContribForms}: ViT's DRQ LayerNormalization written as com.microsoft SkipLayerNormalization) or the float model's own
	 * node of that domain and op; any other (a forger's contrib op in a float layer's place) is a mismatch, where before every op of
	 * another domain passed unread.
	 */
	private static boolean op(LayerQuantizationRecord l, NodeProto kept, NodeProto original, String where, String document, List<Mismatch> found) {
		boolean same = kept.getOpType().equals(l.getOpType()) && (original == null || domain(kept).equals(domain(original)));
		if (same || ContribForms.written(l.getOpType(), kept.getDomain(), kept.getOpType())) {
			return false;
		}
		boolean onnx = domain(kept).isEmpty();
		found.add(new Mismatch(document, where + " opType", l.getOpType(), (onnx ? "" : kept.getDomain() + ".") + kept.getOpType()
				+ " (the model's node of that name, run in float" + (onnx ? "" : "; no writer of Quantrace puts that op in a " + l.getOpType() + "'s place") + ")"));
		return true;
	}

	/**
	 * Each computed input of the kept node must be the tensor the float model's node reads, followed back through the quantized
	 * model's QuantizeLinear/DequantizeLinear pairs (and copies) to a tensor of the float model. An ArgMax made to read another
	 * tensor of the same shape (every hash recomputed) was found by --deep's evaluations only. An input that leads to a tensor the
	 * writer made (a rewrite's output) is not held: the float model cannot say what it should be.
	 */
	private static void wiring(NodeProto kept, NodeProto original, ModelFacts f, ModelFacts input, String where, String document, List<Mismatch> found) {
		for (int i = 0; i < Math.min(kept.getInputCount(), original.getInputCount()); i++) {
			String read = original.getInput(i);
			if (read.isEmpty()) {
				continue;
			}
			if (input.stored.containsKey(read)) {
				constant(kept.getInput(i), read, f, input, where + " input " + i, document, found);
				continue;
			}
			String source = source(kept.getInput(i), f, input);
			if (!source.equals(read) && holds(input, source)) {
				found.add(new Mismatch(document, where + " input " + i, read + " (as the float model's node of that name)",
						source + " (the quantized model's node reads it)"));
			}
		}
	}

	/**
	 * A constant the float layer reads (a weight of a layer left float, a Reshape's shape...): where the quantized model stores the
	 * one it reads, its values must be the float model's. Before, a float layer's weights were bound by nothing but the file's hash.
	 * A constant the quantized model computes (a dequantized shared weight) is not held.
	 */
	private static void constant(String tensor, String read, ModelFacts f, ModelFacts input, String where, String document, List<Mismatch> found) {
		org.quantrace.engine.onnx.Tensor kept = f.value(tensor);
		if (kept == null) {
			return;
		}
		org.quantrace.engine.onnx.Tensor original = input.value(read);
		boolean same;
		try {
			same = kept.dataType() == original.dataType() && java.util.Arrays.equals(kept.dims(), original.dims())
					&& (kept.dataType().isInteger() ? java.util.Arrays.equals(kept.toLongArray(), original.toLongArray())
							: java.util.Arrays.equals(kept.toFloatArray(), original.toFloatArray()));
		} catch (RuntimeException e) { // strings, 8-bit floats: values this check does not decode
			return;
		}
		if (!same) {
			found.add(new Mismatch(document, where, read + " as the float model stores it (" + original.dataType().displayName() + " " + original.shape() + ")",
					tensor + " " + (kept.dataType() == original.dataType() && java.util.Arrays.equals(kept.dims(), original.dims()) ? "holds other values"
							: kept.dataType().displayName() + " " + kept.shape())));
		}
	}

	/** The float model's tensor the quantized model's {@code tensor} carries, or the last tensor followed back when none. */
	private static String source(String tensor, ModelFacts f, ModelFacts input) {
		String t = tensor;
		for (int steps = 0; steps < 8 && !holds(input, t); steps++) {
			NodeProto p = f.producer(t);
			if (p == null || !domain(p).isEmpty() || !PASSING.contains(p.getOpType()) || p.getInputCount() == 0) {
				break;
			}
			t = p.getInput(0);
		}
		return t;
	}

	/** Whether {@code tensor} is a computed tensor or an input of the float model. */
	private static boolean holds(ModelFacts m, String tensor) {
		return m.producers.containsKey(tensor) || m.graph.getInputList().stream().anyMatch(v -> v.getName().equals(tensor));
	}

	/** The node's operator domain, the ONNX domain as "". */
	private static String domain(NodeProto n) {
		return n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
	}
}
