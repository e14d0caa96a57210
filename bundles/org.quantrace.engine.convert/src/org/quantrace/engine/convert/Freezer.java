package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInput;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TrainingInfoProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Converts a trained model into a frozen inference model (PhIMT0002): eliminates training-specific
 * operations (Dropout, BatchNormalization folded into the layer before it, training algorithms),
 * removes inference no-ops (Identity), folds constant subgraphs, and verifies that the result computes
 * what the original computes in inference mode.
 */
public final class Freezer {

	/** Ops of ONNX's training domain and ONNX Runtime's training kernels, by the PhIMT0002 item they belong to. */
	private static final Map<String, TrainingOperation> TRAINING_OPS = Map.of("ClipGradNorm", TrainingOperation.GRADIENT_CLIPPING,
			"InplaceClipGradNorm", TrainingOperation.GRADIENT_CLIPPING);

	private Freezer() {
	}

	/**
	 * Freezes {@code source}.
	 *
	 * @param verification samples to compare outputs on (up to 64 are used); null uses 8 seeded random inputs
	 */
	public static FreezeResult freeze(OnnxModel source, String name, FreezeOptions options, Dataset verification) {
		OnnxModel model = source.copy();
		Graph g = model.graph();
		Map<TrainingOperation, FreezeResult.Elimination> eliminations = new EnumMap<>(TrainingOperation.class);
		List<String> artifacts = new ArrayList<>();
		List<String> removed = new ArrayList<>();
		Map<String, Integer> ranks = ranks(source, name);

		eliminations.put(TrainingOperation.DROPOUT, dropouts(g, options, artifacts, removed));
		eliminations.put(TrainingOperation.BATCH_NORMALIZATION, batchNorms(g, options, artifacts, removed, ranks));
		trainingAlgorithms(model, options, eliminations, artifacts);
		removed.addAll(removeIdentities(g));
		int folded = options.foldConstants() ? ConstantFolder.fold(model, name) : 0;
		removed.addAll(GraphCleanup.removeDead(g));
		if (options.targetOpset() > 0) {
			OpsetUpgrade.upgrade(model, options.targetOpset(), name, ranks);
		}
		Inputs samples = samples(source, name, verification);
		OnnxModel reference = inferenceView(source);
		InferenceSession.requireLoads(reference, name + " in inference mode", source, name, "this is a Quantrace bug; as a workaround --keep dropout and batch-normalization");
		InferenceSession.requireLoads(model, "the frozen " + name, source, name,
				"this is a Quantrace bug; as a workaround --keep the operation named in the message, or --no-fold");
		double diff = maxAbsDifference(reference, model, samples.feeds(), name);
		return new FreezeResult(model, eliminations, artifacts, removed, folded, diff, samples.count(), samples.description(), options);
	}

	// ------------------------------------------------------------------ Dropout

	private static FreezeResult.Elimination dropouts(Graph g, FreezeOptions options, List<String> artifacts, List<String> removed) {
		List<String> names = new ArrayList<>();
		List<String> kept = new ArrayList<>();
		for (Node d : List.copyOf(g.nodes())) {
			if (!d.opType().equals("Dropout")) {
				continue;
			}
			Tensor trainingMode = d.input(2).isEmpty() ? null : g.constant(d.input(2));
			if (trainingMode != null && trainingMode.toLongArray()[0] != 0) {
				artifacts.add("Dropout '" + d.name() + "': training_mode = true (random masks at inference)");
			}
			if (d.intAttribute("is_test", 1) == 0) {
				artifacts.add("Dropout '" + d.name() + "': is_test = 0 (training behaviour)");
			}
			Tensor ratio = d.input(1).isEmpty() ? null : g.constant(d.input(1));
			float r = ratio != null ? ratio.toFloatArray()[0] : d.floatAttribute("ratio", 0.5f);
			boolean maskRead = !d.output(1).isEmpty() && g.allNodes().stream().anyMatch(n -> n.inputs().contains(d.output(1)));
			if (!d.output(1).isEmpty()) {
				artifacts.add("Dropout '" + d.name() + "': mask output '" + d.output(1) + "'" + (maskRead ? " (read by other nodes)" : " (unused)"));
			}
			if (!options.eliminate().contains(TrainingOperation.DROPOUT) || maskRead || isGraphOutput(g, d.output(0))) {
				d.setInputs(List.of(d.input(0))); // inference mode: identity
				kept.add(d.name());
				continue;
			}
			GraphCleanup.rewire(g, d.output(0), d.input(0));
			g.nodes().remove(d);
			names.add(d.name() + " (ratio " + r + ")");
			removed.add(d.name());
		}
		if (!names.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.DROPOUT, EliminationStatus.REMOVED, names,
					"removed: at inference Dropout passes its input through" + (kept.isEmpty() ? "" : "; kept in inference mode: " + kept));
		}
		if (!kept.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.DROPOUT, EliminationStatus.KEPT, kept,
					"kept in inference mode (training_mode removed)" + (options.eliminate().contains(TrainingOperation.DROPOUT)
							? ": its mask is read or it is a model output" : ": the recipe does not eliminate dropout"));
		}
		return notPresent(TrainingOperation.DROPOUT, "no Dropout node in the graph");
	}

	// ------------------------------------------------------------------ BatchNormalization

	private static FreezeResult.Elimination batchNorms(Graph g, FreezeOptions options, List<String> artifacts, List<String> removed,
			Map<String, Integer> ranks) {
		List<String> names = new ArrayList<>();
		List<String> kept = new ArrayList<>();
		for (Node bn : List.copyOf(g.nodes())) {
			if (!bn.opType().equals("BatchNormalization")) {
				continue;
			}
			if (bn.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())) {
				artifacts.add("BatchNormalization '" + bn.name() + "': training outputs " + bn.outputs().subList(1, bn.outputs().size())
						+ " (normalizes with batch statistics)");
			}
			if (bn.intAttribute("training_mode", 0) == 1) {
				artifacts.add("BatchNormalization '" + bn.name() + "': training_mode = 1");
			}
			if (bn.attribute("momentum").isPresent()) {
				artifacts.add("BatchNormalization '" + bn.name() + "': momentum = " + bn.floatAttribute("momentum", 0) + " (running-statistics update)");
			}
			toInferenceForm(bn);
			if (!options.eliminate().contains(TrainingOperation.BATCH_NORMALIZATION)) {
				kept.add(bn.name());
				continue;
			}
			BatchNormFolding.Outcome o = BatchNormFolding.fold(g, bn, ranks.getOrDefault(bn.input(0), 4));
			if (o == null) {
				kept.add(bn.name() + " (parameters computed at run time)");
				continue;
			}
			names.add(bn.name() + (o.into() != null ? " -> folded into " + o.into() : " -> per-channel Mul and Add"));
			removed.add(bn.name());
		}
		if (!names.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.BATCH_NORMALIZATION, EliminationStatus.REMOVED, names,
					"running statistics folded into the preceding layer's weights and bias" + (kept.isEmpty() ? "" : "; kept: " + kept));
		}
		if (!kept.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.BATCH_NORMALIZATION, EliminationStatus.KEPT, kept,
					"kept in inference form (running statistics, no training outputs)");
		}
		return notPresent(TrainingOperation.BATCH_NORMALIZATION, "no BatchNormalization node in the graph");
	}

	/** Inference form: one output (normalized with the running statistics), no training attributes. */
	private static void toInferenceForm(Node bn) {
		bn.setOutputs(List.of(bn.output(0)));
		bn.removeAttribute("training_mode");
		bn.removeAttribute("momentum");
	}

	// ------------------------------------------------------------------ training algorithms

	/** Gradient clipping, learning-rate scheduling and weight regularization live in training algorithms. */
	private static void trainingAlgorithms(OnnxModel model, FreezeOptions options, Map<TrainingOperation, FreezeResult.Elimination> out,
			List<String> artifacts) {
		Map<TrainingOperation, List<String>> found = new EnumMap<>(TrainingOperation.class);
		List<GraphProto> graphs = new ArrayList<>();
		for (TrainingInfoProto t : model.trainingInfo()) {
			graphs.add(t.getAlgorithm());
			graphs.add(t.getInitialization());
		}
		for (GraphProto gp : graphs) {
			for (NodeProto n : gp.getNodeList()) {
				classify(n, found);
			}
		}
		for (Node n : model.graph().allNodes()) {
			classify(n.toProto(), found);
		}
		if (!model.trainingInfo().isEmpty()) {
			artifacts.add(model.trainingInfo().size() + " training algorithm(s) stored in the model (TrainingInfoProto)");
		}
		boolean removeAlgorithms = !model.trainingInfo().isEmpty() && (options.eliminate().contains(TrainingOperation.GRADIENT_CLIPPING)
				|| options.eliminate().contains(TrainingOperation.LEARNING_RATE_SCHEDULING)
				|| options.eliminate().contains(TrainingOperation.WEIGHT_REGULARIZATION));
		if (removeAlgorithms) {
			model.clearTrainingInfo();
		}
		for (TrainingOperation op : List.of(TrainingOperation.GRADIENT_CLIPPING, TrainingOperation.LEARNING_RATE_SCHEDULING,
				TrainingOperation.WEIGHT_REGULARIZATION)) {
			List<String> where = found.getOrDefault(op, List.of());
			if (where.isEmpty()) {
				out.put(op, notPresent(op, "no " + op.getLiteral() + " in the graph" + (model.trainingInfo().isEmpty() && !removeAlgorithms
						? " and no training algorithm stored with the model (it is applied by the training loop, not exported)" : "")));
			} else if (removeAlgorithms && options.eliminate().contains(op)) {
				out.put(op, new FreezeResult.Elimination(op, EliminationStatus.REMOVED, where, "removed with the training algorithm"));
			} else {
				out.put(op, new FreezeResult.Elimination(op, EliminationStatus.KEPT, where, "the recipe does not eliminate " + op.getLiteral()));
			}
		}
	}

	private static void classify(NodeProto n, Map<TrainingOperation, List<String>> found) {
		String label = n.getOpType() + (n.getName().isEmpty() ? "" : " '" + n.getName() + "'");
		TrainingOperation direct = TRAINING_OPS.get(n.getOpType());
		if (direct != null) {
			found.computeIfAbsent(direct, k -> new ArrayList<>()).add(label);
		}
		boolean optimizer = n.getDomain().equals("ai.onnx.preview.training") && Set.of("Adagrad", "Adam", "Momentum").contains(n.getOpType());
		if (!optimizer) {
			return;
		}
		n.getAttributeList().forEach(a -> {
			if ((a.getName().equals("norm_coefficient") || a.getName().equals("norm_coefficient_post")) && a.getF() != 0) {
				found.computeIfAbsent(TrainingOperation.WEIGHT_REGULARIZATION, k -> new ArrayList<>()).add(label + " " + a.getName() + "=" + a.getF());
			}
			if (a.getName().equals("decay_factor") && a.getF() != 0) {
				found.computeIfAbsent(TrainingOperation.LEARNING_RATE_SCHEDULING, k -> new ArrayList<>()).add(label + " decay_factor=" + a.getF());
			}
		});
	}

	private static FreezeResult.Elimination notPresent(TrainingOperation op, String details) {
		return new FreezeResult.Elimination(op, EliminationStatus.NOT_PRESENT, List.of(), details);
	}

	// ------------------------------------------------------------------ no-ops

	/** Identity nodes pass their input on: their readers read the input directly. */
	private static List<String> removeIdentities(Graph g) {
		List<String> removed = new ArrayList<>();
		for (Node n : List.copyOf(g.nodes())) {
			if (!n.opType().equals("Identity") || isGraphOutput(g, n.output(0))) {
				continue;
			}
			GraphCleanup.rewire(g, n.output(0), n.input(0));
			g.nodes().remove(n);
			removed.add(n.name().isEmpty() ? "Identity" : n.name());
		}
		return removed;
	}

	private static boolean isGraphOutput(Graph g, String tensor) {
		return g.outputs().stream().anyMatch(v -> v.getName().equals(tensor));
	}

	// ------------------------------------------------------------------ verification

	/** The original as it behaves at inference: BatchNormalization on running statistics, Dropout off (what the runner evaluates as "original"). */
	public static OnnxModel inferenceView(OnnxModel source) {
		OnnxModel view = source.copy();
		for (Node n : view.graph().allNodes()) {
			if (n.opType().equals("BatchNormalization")) {
				toInferenceForm(n);
			} else if (n.opType().equals("Dropout")) {
				n.setInputs(List.of(n.input(0)));
				n.removeAttribute("is_test");
			}
		}
		return view;
	}

	private record Inputs(List<Map<String, NdArray>> feeds, int count, String description) {
	}

	private static Inputs samples(OnnxModel model, String name, Dataset data) {
		List<Map<String, NdArray>> feeds = new ArrayList<>();
		if (data != null) {
			String input = ModelInput.of(model, name, data).name();
			int n = Math.min(64, data.size());
			Batch b = data.read(0, n);
			feeds.add(Map.of(input, b.inputs()));
			return new Inputs(feeds, n, data.name());
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		Random random = new Random(0);
		for (ValueInfoProto v : model.graph().runtimeInputs()) {
			NdArray zeros = ShapeProbe.zeros(v, 8, name);
			if (zeros.type() == DataType.FLOAT) {
				float[] f = zeros.floats();
				for (int i = 0; i < f.length; i++) {
					f[i] = random.nextFloat();
				}
			}
			feed.put(v.getName(), zeros);
		}
		feeds.add(feed);
		return new Inputs(feeds, 8, "8 random inputs, uniform in [0, 1), seed 0");
	}

	private static double maxAbsDifference(OnnxModel reference, OnnxModel frozen, List<Map<String, NdArray>> feeds, String name) {
		double max = 0;
		try (InferenceSession a = InferenceSession.open(reference, SessionSettings.defaults(), name + " (inference view)");
				InferenceSession b = InferenceSession.open(frozen, SessionSettings.defaults(), name + " (frozen)")) {
			for (Map<String, NdArray> feed : feeds) {
				Map<String, NdArray> ra = a.run(feed);
				Map<String, NdArray> rb = b.run(feed);
				for (Map.Entry<String, NdArray> e : ra.entrySet()) {
					float[] x = e.getValue().toFloats();
					float[] y = rb.get(e.getKey()).toFloats();
					for (int i = 0; i < x.length; i++) {
						max = Math.max(max, Math.abs(x[i] - y[i]));
					}
				}
			}
		}
		return max;
	}

	private static Map<String, Integer> ranks(OnnxModel model, String name) {
		try {
			return ShapeProbe.probe(inferenceView(model), name).entrySet().stream().filter(e -> e.getValue().shape() != null)
					.collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().shape().size()));
		} catch (RuntimeException e) {
			return Map.of();
		}
	}
}
