package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.InputChunks;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.FloatWidening;
import org.quantrace.engine.onnx.FunctionInlining;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.ActivationBudget;
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

	/** {@link #freeze(OnnxModel, String, FreezeOptions, Dataset, Progress)} without progress. */
	public static FreezeResult freeze(OnnxModel given, String name, FreezeOptions options, Dataset verification) {
		return freeze(given, name, options, verification, Progress.NONE);
	}

	/**
	 * Refuses a target opset below the model's, or not positive (a command line's {@code --opset 0} was taken for "keep the
	 * model's" and written at its opset with exit 0): the upgrade leaves a model at or above the target as it is, with no word.
	 */
	public static void refuseLowering(OnnxModel given, String name, int asked) {
		if (asked <= 0 || asked < given.opset()) {
			throw new org.quantrace.engine.InvalidInputException(name + ": opset " + asked + " asked for, but the model is at opset " + given.opset()
					+ ": conversion raises a model's opset, it never lowers it (the model would be written at opset " + given.opset() + ")",
					"ask for opset " + given.opset() + " or higher (up to " + OpsetUpgrade.MAX_TARGET + "), or leave the opset out");
		}
	}

	/**
	 * Freezes {@code source}.
	 *
	 * @param verification samples to compare outputs on (up to 64 are used); null uses 8 seeded random inputs
	 * @param progress     where the rewriting and the check of the outputs report (on a large model each takes tens of
	 *                     seconds: ConvNeXt-T at 224x224 took 20 s to rewrite and 25 s to check on 2 cores)
	 */
	public static FreezeResult freeze(OnnxModel given, String name, FreezeOptions options, Dataset verification, Progress progress) {
		int asked = options.targetOpset();
		if (asked != 0) { // 0: keep the model's
			refuseLowering(given, name, asked);
		}
		Prepared prepared = prepared(given, name);
		OnnxModel source = prepared.source();
		FloatWidening.Widened widened = prepared.widened();
		Reference reference = Reference.of(source, name); // a model ONNX Runtime cannot load is refused before any progress
		Map<String, TensorInfo> shapes;
		Rewritten r;
		try (Progress.Task rewriting = progress.start("converting " + name + " (training ops, constants, patterns)", 1, "model")) {
			shapes = probe(reference, source, name); // ranks for the rewriting, activation sizes for the check's chunks
			r = rewrite(source, reference, name, options, shapes);
			rewriting.advance(1);
		}
		if (widened != null) {
			r.rewrites().add(0, new Rewrite(Rewrite.PRECISION, widened.describe() + "; the model is converted, checked and written in float32"
					+ " (its verification compares with this " + (widened.rounding().values() > 0 ? "narrowing" : "widening") + " of the original)"));
		}
		Inputs samples = samples(r.source(), name, verification, verificationChunk(shapes));
		InferenceSession.requireLoads(r.model(), "the frozen " + name, r.source(), name,
				"this is a Quantrace bug; as a workaround --keep the operation named in the message, or --no-fold");
		double diff;
		try (Progress.Task check = progress.start("checking the converted model against the original", samples.count(), "samples")) {
			diff = r.reference().maxAbsDifference(r.model(), samples.feeds(), samples.description(), samples.failureHint(), name, check);
		}
		return new FreezeResult(r.model(), r.eliminations(), r.artifacts(), r.removed().names(), r.removed().reasons(r.source().graph(), r.model().graph()),
				foldedConstants(r.source().graph(), r.model().graph()), diff,
				samples.count(), samples.description(), options, r.rewrites());
	}

	/**
	 * The conversion's check made again, for verify: the largest absolute difference between the outputs of the original
	 * {@code given} (as read, prepared as {@link #freeze} prepares it: its nodes named, a half-precision model widened) in
	 * inference mode and {@code converted}, on the samples freeze compares them on ({@code verification}'s first 64, or the 8
	 * seeded random inputs). The first page of the conversion log states that figure; a converted model edited after the run
	 * (a channel mean's weight changed, every hash recomputed) was held against nothing but its own hash.
	 */
	public static double difference(OnnxModel given, OnnxModel converted, String name, Dataset verification) {
		OnnxModel source = prepared(given, name).source();
		Reference reference = Reference.of(source, name);
		Inputs samples = samples(source, name, verification, verificationChunk(probe(reference, source, name)));
		try (Progress.Task check = Progress.NONE.start("checking the converted model against the original", samples.count(), "samples")) {
			return reference.maxAbsDifference(converted, samples.feeds(), samples.description(), samples.failureHint(), name, check);
		}
	}

	/** The original as conversion reads it, and its widening (null for a float32 model). */
	private record Prepared(OnnxModel source, FloatWidening.Widened widened) {
	}

	/**
	 * {@code given} prepared for conversion and for its check, by freeze and by verify's {@link #difference} alike. The log
	 * names the nodes it removes and counts folded constants by name: unnamed nodes get the names verify derives. A
	 * half-precision model is converted in float32, the form the quantizer needs (its scales are float32), and checked against
	 * its exact float32 widening: the original's rounding between its ops is not the conversion's doing. A float64 model is
	 * narrowed to float32 alike (ONNX Runtime has no float64 Conv; the rounding is recorded, FloatWidening.Rounding).
	 */
	private static Prepared prepared(OnnxModel given, String name) {
		OnnxModel source = org.quantrace.engine.onnx.NodeNames.named(given);
		if (!FloatWidening.neededToFloat32(source)) {
			return new Prepared(source, null);
		}
		if (source == given) { // NodeNames.named copies only when it names a node
			source = source.copy();
		}
		return new Prepared(source, FloatWidening.toFloat32(source, name));
	}

	/** The converted model and what was done to it, before its outputs are checked. */
	private record Rewritten(OnnxModel source, OnnxModel model, Reference reference, Map<TrainingOperation, FreezeResult.Elimination> eliminations,
			List<String> artifacts, Removals removed, List<Rewrite> rewrites) {
	}

	private static Rewritten rewrite(OnnxModel source, Reference reference, String name, FreezeOptions options, Map<String, TensorInfo> probed) {
		Map<String, Integer> ranks = ranks(probed);
		OnnxModel model = source.copy();
		Map<TrainingOperation, FreezeResult.Elimination> eliminations = new EnumMap<>(TrainingOperation.class);
		List<String> artifacts = new ArrayList<>();
		Removals removed = new Removals();
		List<Rewrite> rewrites = new ArrayList<>();
		List<String> rewrittenBatchNorms = new ArrayList<>();
		List<FunctionInlining.Call> calls = FunctionInlining.inline(model, name);
		if (!calls.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUNCTIONS, "inlined " + calls.size() + (calls.size() == 1 ? " call" : " calls") + " of model-local functions ("
					+ calls.stream().limit(8).map(FunctionInlining.Call::toString).collect(Collectors.joining(", "))
					+ (calls.size() > 8 ? " and " + (calls.size() - 8) + " more" : "") + "): their ops are converted and quantized as the graph's own"));
			calls.forEach(c -> removed.add(c.node(), Removal.Reason.FUNCTION_INLINED)); // the call nodes are gone from the graph
		}
		if (reference.opset() > model.opset()) {
			OpsetUpgrade.upgrade(model, reference.opset(), name, ranks);
			rewrites.add(new Rewrite(Rewrite.OPSET, "default-domain opset " + source.opset() + " -> " + reference.opset() + ": " + reference.why()));
		}
		if (model.opset() < OpsetUpgrade.LEGACY_BELOW) {
			// here, not left to quantize: the check against the original below then covers the rewritten old ops
			int target = options.targetOpset() > 0 ? Math.min(options.targetOpset(), OpsetUpgrade.LEGACY_TARGET) : OpsetUpgrade.LEGACY_TARGET;
			if (target > model.opset()) {
				int from = model.opset();
				List<String> nodes = new ArrayList<>();
				Set<String> stillBatchNorms = null;
				for (OpsetUpgrade.RewrittenNode n : OpsetUpgrade.upgrade(model, target, name, ranks)) {
					nodes.add(n.toString());
					if (n.opType().equals("BatchNormalization")) { // BatchNormalization-7 with spatial = 0 became arithmetic
						if (stillBatchNorms == null) {
							stillBatchNorms = model.graph().allNodes().stream().filter(x -> x.opType().equals("BatchNormalization")).map(Node::name)
									.collect(Collectors.toSet());
						}
						if (!stillBatchNorms.contains(n.name())) {
							rewrittenBatchNorms.add(n.name() + " -> per-activation Mul and Add (spatial = 0 at opset " + from + ")");
							removed.add(n.name(), Removal.Reason.BATCH_NORMALIZATION);
						}
					}
				}
				rewrites.add(new Rewrite(Rewrite.OPSET, "default-domain opset " + from + " -> " + target + ", since ops older than opset "
						+ OpsetUpgrade.LEGACY_BELOW + " changed form since; " + (nodes.isEmpty() ? "no node needed rewriting"
								: "rewritten: " + String.join(", ", nodes.subList(0, Math.min(8, nodes.size())))
										+ (nodes.size() > 8 ? " and " + (nodes.size() - 8) + " more" : ""))
						+ " (checked with the rest of the conversion" + (from < OpsetUpgrade.OLDEST_RUNNABLE ? "; ONNX Runtime runs no op older than opset "
								+ OpsetUpgrade.OLDEST_RUNNABLE + ", so the original itself runs raised to it by the same rewrite, whose step from opset "
								+ from + " the comparison therefore does not check" : "") + ")"));
			}
		}
		// nodes the inlining and the upgrade wrote are not the original's: when folded they are no nodes it lost
		Set<String> original = source.graph().allNodes().stream().map(Node::name).collect(Collectors.toSet());
		Set<String> written = model.graph().allNodes().stream().map(Node::name).filter(n -> !original.contains(n)).collect(Collectors.toCollection(HashSet::new));

		eliminations.put(TrainingOperation.DROPOUT, dropouts(model.graph(), options, artifacts, removed));
		batchNormsToInferenceForm(model.graph(), artifacts);
		trainingAlgorithms(model, options, eliminations, artifacts);
		removed.addAll(removeIdentities(model.graph()), Removal.Reason.IDENTITY);
		// before the folds and the quantizer: ONNX Runtime's saved FusedConv/FusedGemm as the Conv, Gemm, Add and activation they fuse
		removed.addAll(RuntimeFusions.unfuse(model.graph(), model.opset(), ranks, rewrites), Removal.Reason.RUNTIME_OP_UNFUSED);
		removed.addAll(MlLinearOps.rewrite(model.graph(), model.opset(), probed, rewrites), Removal.Reason.ML_OP_REWRITTEN); // skl2onnx's linear ai.onnx.ml ops
		// nodes the rewrites wrote (an attention's mask arithmetic on a constant mask folds): no node of the original
		model.graph().nodes().stream().map(Node::name).filter(n -> !original.contains(n)).forEach(written::add);
		List<String> casts = removeNoOpCasts(model.graph(), probed);
		if (!casts.isEmpty()) {
			removed.addAll(casts, Removal.Reason.NO_OP_CAST);
			rewrites.add(new Rewrite(Rewrite.NO_OP_CASTS, "removed " + casts.size() + (casts.size() == 1 ? " Cast" : " Casts")
					+ " to the type the input already has (" + String.join(", ", casts.subList(0, Math.min(8, casts.size())))
					+ (casts.size() > 8 ? " and " + (casts.size() - 8) + " more" : "") + ")"));
		}
		Simplification s = simplify(model, name, options, ranks, rewrites, removed, written);
		List<String> batchNormsGone = new ArrayList<>(rewrittenBatchNorms);
		batchNormsGone.addAll(s.batchNormsFolded());
		eliminations.put(TrainingOperation.BATCH_NORMALIZATION, batchNorms(model.graph(), options, batchNormsGone, s.affineFolded()));
		int productsSaid = rewrites.size();
		Set<String> contrib = source.graph().nodes().stream().filter(n -> !n.isStandard()).map(Node::name).collect(Collectors.toSet());
		removed.addAll(MatrixProducts.rewrite(model, name, ranks, rewrites, contrib), Removal.Reason.MATRIX_PRODUCT);
		if (options.foldConstants() && rewrites.subList(productsSaid, rewrites.size()).stream().anyMatch(r -> r.made() && r.description().contains("2-D view"))) {
			// a product's 2-D view next to the model's own Reshape (a ViT's head merge before its projection) becomes one Reshape;
			// the views' Reshapes are no nodes of the original, so a merged one is not listed as removed
			model.graph().nodes().stream().map(Node::name).filter(n -> !original.contains(n)).forEach(written::add);
			removed.addAll(ReshapeChains.simplify(model.graph(), StaticShapes.infer(model, name), rewrites, true), Removal.Reason.RESHAPE_REMOVED);
			removed.addAll(GraphCleanup.removeDead(model.graph()), Removal.Reason.UNREAD);
		}
		if (options.fusePatterns()) {
			// after the views: a fused qkv's head split reads the projection's 2-D output through one Reshape
			removed.addAll(AttentionScales.fold(model.graph(), original, () -> StaticShapes.infer(model, name), rewrites), Removal.Reason.ATTENTION_SCALE_FOLDED);
		}
		removed.addAll(ChannelPieces.split(model.graph(), rewrites), Removal.Reason.CHANNEL_PIECES);
		removed.addAll(PReluForms.rewrite(model.graph(), ranks, rewrites), Removal.Reason.ACTIVATION);
		removed.addAll(SumAsAdds.rewrite(model.graph(), rewrites), Removal.Reason.SUM_AS_ADDS);
		// the Adds written are no nodes of the original: a later fusion that takes one does not list it
		model.graph().nodes().stream().map(Node::name).filter(n -> !original.contains(n)).forEach(written::add);
		if (options.fusePatterns()) {
			// after BatchNorm folding: each branch's BatchNorm is in its Conv; the Mul and Add an identity BatchNorm became are no
			// nodes of the original (the BatchNorm is listed as removed), so only the original's nodes the merge took are listed
			removed.addAll(ParallelConvs.merge(model.graph(), rewrites).stream().filter(original::contains).toList(), Removal.Reason.PARALLEL_CONVS);
			PatternFusion.fuse(model, name, ranks, rewrites).forEach(e -> removed.add(e.getKey(), e.getValue())); // each node with its pattern's reason
			removed.addAll(GraphCleanup.removeDeadEverywhere(model.graph()), Removal.Reason.UNREAD);
		}
		if (options.targetOpset() > 0) {
			OpsetUpgrade.upgrade(model, options.targetOpset(), name, ranks);
		}
		removed.removeAll(written);
		removed.dropInPlaceOfRemoved(source.graph(), model.graph());
		overridableInitializers(model, rewrites);
		ConstantFolder.sayWhichLeft(source, model, rewrites);
		return new Rewritten(source, model, reference, eliminations, artifacts, removed, rewrites);
	}

	/**
	 * Initializers also listed as graph inputs (torch's keep_initializers_as_inputs=True, the opset-9 era's default; IR 3
	 * requires it) are defaults a caller may override, so ONNX Runtime takes them for no constants: it neither folds them nor
	 * lays out the Convs that read them in its blocked NCHWc format (make_unseen12's xcept9: its converted model ran its
	 * Convs unblocked). An inference model's weights are fixed: from IR 4 on, where an initializer need not be an input,
	 * they are taken off the inputs (the quantizer's writers did so already), and the rewrite says how many.
	 */
	private static void overridableInitializers(OnnxModel model, List<Rewrite> rewrites) {
		if (model.irVersion() < 4) {
			return;
		}
		List<String> listed = model.graph().inputs().stream().map(v -> v.getName()).filter(n -> model.graph().initializer(n) != null).toList();
		if (listed.isEmpty()) {
			return;
		}
		model.graph().inputs().removeIf(v -> model.graph().initializer(v.getName()) != null);
		rewrites.add(new Rewrite(Rewrite.CONSTANTS, listed.size() + (listed.size() == 1 ? " initializer" : " initializers")
				+ " also listed as graph inputs (defaults a caller could override, which ONNX Runtime does not optimize as constants) taken off the"
				+ " inputs: the inference model's weights are fixed (" + String.join(", ", listed.subList(0, Math.min(8, listed.size())))
				+ (listed.size() > 8 ? " and " + (listed.size() - 8) + " more" : "") + ")"));
	}

	/**
	 * The constants folded, counted as anyone can count them from the two files: nodes of the main graph whose
	 * outputs are known before any input arrives (Constant nodes, Shape and Size, and whatever reads only
	 * initializers and such outputs; not nodes with subgraphs) and that are gone from the converted graph.
	 * Counting what the folding passes evaluated instead would leave out the nodes they made dead.
	 */
	static int foldedConstants(Graph before, Graph after) {
		Set<String> known = new HashSet<>();
		before.initializers().forEach(t -> known.add(t.name()));
		known.add("");
		Set<String> computable = new HashSet<>();
		for (boolean grew = true; grew;) {
			grew = false;
			for (Node n : before.nodes()) {
				boolean shapeOnly = n.opType().equals("Shape") || n.opType().equals("Size");
				if (!computable.contains(n.name()) && n.subgraphs().isEmpty() && (shapeOnly || known.containsAll(n.inputs()))) {
					computable.add(n.name());
					known.addAll(n.outputs());
					grew = true;
				}
			}
		}
		Set<String> left = new HashSet<>();
		after.nodes().forEach(n -> left.add(n.name()));
		return (int) computable.stream().filter(n -> !left.contains(n)).count();
	}

	/** What the rounds of folding did: each BatchNormalization folded with where it went, and whether an exporter's per-channel Mul/Add was. */
	private record Simplification(List<String> batchNormsFolded, boolean affineFolded) {
	}

	/** At most this many rounds: each round can only remove nodes, so real models settle in two or three. */
	private static final int MAX_ROUNDS = 16;

	/**
	 * Cancels the model's layout Transposes in inverse pairs ({@link LayoutTransposes}, main graph), folds constants (every
	 * graph), shape arithmetic (main graph), If nodes with constant conditions, and
	 * BatchNormalization into the layer before it (every graph), round after round until a round changes nothing:
	 * folding constants gives BatchNormalization constant parameters, inlining an If exposes its branch to both, and a
	 * folded BatchNormalization can make the next one foldable.
	 */
	private static Simplification simplify(OnnxModel model, String name, FreezeOptions options, Map<String, Integer> ranks, List<Rewrite> rewrites,
			Removals removed, Set<String> written) {
		List<String> batchNorms = new ArrayList<>();
		List<String> affine = new ArrayList<>();
		List<TrainedCodes.Layer> trained = new ArrayList<>();
		java.util.Set<TrainedCodes.Layer> trainedLeft = new java.util.LinkedHashSet<>();
		java.util.Set<String> trainedTypes = new java.util.TreeSet<>();
		for (int round = 0; round < MAX_ROUNDS; round++) {
			int before = removed.size() + batchNorms.size();
			// the model's NHWC wrappers first: a BatchNormalization between a pair of them then reads its layer and folds into it
			removed.addAll(LayoutTransposes.cancel(model.graph(), rewrites), Removal.Reason.TRANSPOSES_CANCELLED);
			StaticShapes shapes = StaticShapes.empty();
			// constants, shapes and conditions first, to their own fixed point: an If is inlined before its branches are worked on
			for (int step = 0; options.foldConstants() && step < MAX_ROUNDS; step++) {
				int constantsBefore = removed.size();
				List<String> constants = new ArrayList<>(ConstantFolder.fold(model, name, rewrites, written));
				shapes = StaticShapes.infer(model, name);
				constants.addAll(ShapeFolding.fold(model.graph(), shapes, model.opset(), rewrites));
				removed.addAll(constants, Removal.Reason.CONSTANT_FOLDED);
				removed.addAll(IfInlining.inline(model.graph(), rewrites), Removal.Reason.IF_INLINED);
				if (removed.size() == constantsBefore) {
					break;
				}
				removed.addAll(GraphCleanup.removeDeadEverywhere(model.graph()), Removal.Reason.UNREAD);
			}
			if (options.foldConstants()) {
				// with the targets constant: a view and the Reshape back (a BatchNorm3d's, once folded) leave the Relu after them on codes
				removed.addAll(ReshapeChains.simplify(model.graph(), shapes, rewrites), Removal.Reason.RESHAPE_REMOVED);
			}
			if (options.fusePatterns()) {
				removed.addAll(MixedDepthwise.merge(model.graph(), rewrites), Removal.Reason.MIXED_DEPTHWISE); // before BatchNorm folding: one after its Concat folds into the one Conv
				removed.addAll(ConvAcrossChannels.rewrite(model.graph(), shapes, rewrites), Removal.Reason.CONV_ACROSS_CHANNELS);
				removed.addAll(PadIntoConv.fold(model.graph(), model.opset(), rewrites), Removal.Reason.PAD_FOLDED); // a Pad on codes runs alone once quantized
			}
			if (options.eliminate().contains(TrainingOperation.BATCH_NORMALIZATION)) {
				// before the float folds: a QAT export's Div and BatchNormalization after a QDQ Conv go into its weight scales
				TrainedCodes.Folded t = TrainedCodes.fold(model.graph(), model.opset(), shapes::rank);
				trained.addAll(t.convs());
				trainedTypes.addAll(t.types());
				batchNorms.addAll(t.batchNorms());
				removed.addAll(t.removed(), Removal.Reason.TRAINED_CODES);
				trainedLeft.addAll(t.left());
				for (Graph g : model.graph().graphs()) {
					for (Node bn : List.copyOf(g.nodes())) {
						if (bn.opType().equals("BatchNormalization") && bn.domain().isEmpty()) {
							int rank = g.parent() != null ? -1 : shapes.rank(bn.input(0)) >= 0 ? shapes.rank(bn.input(0)) : ranks.getOrDefault(bn.input(0), 4);
							BatchNormFolding.Outcome o = BatchNormFolding.fold(g, bn, rank);
							if (o != null) {
								batchNorms.add(o.batchNorm() + (o.through() != null ? " (made a per-channel Mul, its shift folded into the bias of the following " + o.into()
										+ " through the Add " + o.through() : o.following() ? " (folded into the following " + o.into() : o.into() != null ? " (folded into " + o.into() + (o.across() != null ? " across the " + o.across() : "")
										: " (made a per-channel Mul and Add")
										+ (g.parent() != null ? ", in the " + ConstantFolder.scope(g) : "") + ")"); // words in the log, not an arrow
								removed.add(o.batchNorm(), new Removal(Removal.Reason.BATCH_NORMALIZATION, o.into() == null ? "" : o.into()));
							}
						}
					}
				}
			}
			if (options.eliminate().contains(TrainingOperation.BATCH_NORMALIZATION)) {
				// a BatchNormalization an exporter already wrote as a per-channel Mul (and Add) after its Conv
				for (Graph g : model.graph().graphs()) {
					for (Node op : List.copyOf(g.nodes())) {
						BatchNormFolding.Affine folded = g.nodes().contains(op) ? BatchNormFolding.foldAffineIntoConv(g, op) : null;
						if (folded != null) {
							affine.add(folded.words() + (g.parent() != null ? " (in the " + ConstantFolder.scope(g) + ")" : ""));
							removed.addAll(folded.removed(), Removal.Reason.AFFINE_FOLDED);
						}
					}
				}
			}
			removed.addAll(GraphCleanup.removeDeadEverywhere(model.graph()), Removal.Reason.UNREAD);
			if (removed.size() + batchNorms.size() == before) {
				break;
			}
		}
		if (!trained.isEmpty()) {
			String[] w = TrainedCodes.words(trained, true);
			rewrites.add(new Rewrite(Rewrite.TRAINED_CODES, "weights kept as trained: " + w[0] + " " + String.join("/", trainedTypes)
					+ " codes unchanged, what followed each up to its QuantizeLinear folded into the per-channel weight scales and an int32"
					+ " bias at scale s_x·s_w (the form ONNX Runtime runs as " + w[1] + "): "
					+ String.join("; ", trained.stream().map(TrainedCodes.Layer::words).toList())));
		}
		if (!trainedLeft.isEmpty()) {
			// the user converts a QAT export to get integer kernels: a layer that would silently stay float is refused, with the way out
			String[] w = TrainedCodes.words(trainedLeft, false);
			throw new org.quantrace.engine.InvalidInputException(name + ": " + w[0] + " of this quantization-aware-trained export cannot run as " + w[1]
					+ " with the codes its training chose, so ONNX Runtime would run " + (trainedLeft.size() == 1 ? "it" : "them") + " in float: "
					+ String.join("; ", trainedLeft.stream().map(TrainedCodes.Layer::words).toList()),
					"re-export so that a QuantizeLinear reads what follows each such layer (opset 13 or later); or keep the BatchNormalizations"
							+ " (--keep batch-normalization; in a recipe, leave batch-normalization out of convert's eliminate): the conversion then"
							+ " leaves every QDQ layer and what follows it as they are, in float in ONNX Runtime");
		}
		if (!affine.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, "per-channel Mul/Add after a Conv folded into its weights and bias (a BatchNormalization or a scale"
					+ " as the exporter wrote it), " + affine.size() + " time" + (affine.size() == 1 ? "" : "s") + ": " + String.join("; ", affine)));
		}
		return new Simplification(batchNorms, !affine.isEmpty());
	}

	// ------------------------------------------------------------------ Dropout

	private static FreezeResult.Elimination dropouts(Graph main, FreezeOptions options, List<String> artifacts, Removals removed) {
		List<String> names = new ArrayList<>();
		List<String> kept = new ArrayList<>();
		for (Graph g : main.graphs()) {
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
				boolean maskRead = !d.output(1).isEmpty() && main.allNodes().stream().anyMatch(n -> n.inputs().contains(d.output(1)));
				if (!d.output(1).isEmpty()) {
					artifacts.add("Dropout '" + d.name() + "': mask output '" + d.output(1) + "'" + (maskRead ? " (read by other nodes)" : " (unused)"));
				}
				if (!options.eliminate().contains(TrainingOperation.DROPOUT) || maskRead || g.isOutput(d.output(0))) {
					d.setInputs(List.of(d.input(0))); // inference mode: identity
					kept.add(d.name());
					continue;
				}
				GraphCleanup.rewire(main, d.output(0), d.input(0));
				g.nodes().remove(d);
				names.add(d.name() + " (ratio " + r + ")");
				removed.add(d.name(), Removal.Reason.DROPOUT);
			}
		}
		if (!names.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.DROPOUT, EliminationStatus.REMOVED, names,
					"at inference Dropout passes its input through" + (kept.isEmpty() ? "" : "; kept in inference mode: " + kept));
		}
		if (!kept.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.DROPOUT, EliminationStatus.KEPT, kept,
					"kept in inference mode (training_mode removed)" + (options.eliminate().contains(TrainingOperation.DROPOUT)
							? ": its mask is read or it is a model output" : ": the recipe does not eliminate dropout"));
		}
		return notPresent(TrainingOperation.DROPOUT, "no Dropout node in the graph");
	}

	// ------------------------------------------------------------------ BatchNormalization

	/** Every BatchNormalization (subgraphs too) in inference form, its training attributes and outputs listed. */
	private static void batchNormsToInferenceForm(Graph main, List<String> artifacts) {
		for (Node bn : main.allNodes()) {
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
		}
	}

	/** The PhIMT0002 account of BatchNormalization: those folded (and where), those left and why. */
	private static FreezeResult.Elimination batchNorms(Graph main, FreezeOptions options, List<String> folded, boolean affineFolded) {
		List<String> kept = new ArrayList<>();
		for (Graph g : main.graphs()) {
			for (Node bn : g.nodes()) {
				if (bn.opType().equals("BatchNormalization")) {
					boolean constant = java.util.stream.IntStream.rangeClosed(1, 4).allMatch(i -> g.constant(bn.input(i)) != null);
					kept.add(ConstantFolder.label(bn) + (!options.eliminate().contains(TrainingOperation.BATCH_NORMALIZATION) ? ""
							: !constant ? " (parameters computed at run time)" : " (stands alone in a subgraph where the rank of its input is unknown)"));
				}
			}
		}
		if (!folded.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.BATCH_NORMALIZATION, EliminationStatus.REMOVED, folded,
					String.join("; ", whereTheStatisticsWent(folded)) + (kept.isEmpty() ? "" : "; kept: " + kept));
		}
		if (!kept.isEmpty()) {
			return new FreezeResult.Elimination(TrainingOperation.BATCH_NORMALIZATION, EliminationStatus.KEPT, kept,
					"kept in inference form (running statistics, no training outputs)");
		}
		return notPresent(TrainingOperation.BATCH_NORMALIZATION, "no BatchNormalization node in the graph" + (affineFolded ? "; " + AFFINE_BATCH_NORMS : ""));
	}

	/**
	 * The BatchNormalization row's words where the graph held none but per-channel Mul/Add after a Conv were folded: tf2onnx
	 * writes Keras' BatchNormalization so (make_exporters30.py tf11cls: 'bn/batchnorm/mul_1', 'add_1'), and "Not present in the
	 * model" alone read to an assessor as if the model had been trained without one. verify holds the words against Appendix
	 * A's nodes folded so ({@code ConversionLogCheck}).
	 */
	public static final String AFFINE_BATCH_NORMS = "per-channel Mul/Add nodes after Convs, the form in which exporters such as tf2onnx write a"
			+ " BatchNormalization (or a scale), were folded into the Convs' weights and bias (Converter/model conversion script: fusion; each node in Appendix A)";

	/** Its inputs as the ONNX operator specification names them. */
	private static final String BN_SCALE = "scale / sqrt(input_var + epsilon)";
	private static final String BN_SHIFT = "B - input_mean * scale / sqrt(input_var + epsilon)";

	/**
	 * Where the removed BatchNormalizations' running statistics went, one clause per way taken. Round 28's lambdanet, whose
	 * only BatchNormalization follows a Reshape, was "made a per-channel Mul and Add. Running statistics folded into the
	 * preceding layer's weights and bias": no layer precedes it, and no weights changed.
	 */
	private static List<String> whereTheStatisticsWent(List<String> folded) {
		List<String> clauses = new ArrayList<>();
		if (folded.stream().anyMatch(f -> f.contains("(folded into "))) {
			clauses.add("running statistics folded into the preceding layer's weights and bias" + (folded.stream().noneMatch(f -> f.contains("(folded into the following "))
					? "" : " (after an activation: into the following unpadded Conv or Gemm's, which computes the same on the unnormalized input)"));
		}
		if (folded.stream().anyMatch(f -> f.contains("(made a per-channel Mul, its shift"))) {
			clauses.add("running statistics made a per-channel Mul by " + BN_SCALE + ", its shift " + BN_SHIFT + " folded into the bias of the layer after it");
		}
		if (folded.stream().anyMatch(f -> f.contains("(made a per-channel Mul and Add"))) {
			clauses.add("running statistics made a per-channel Mul by " + BN_SCALE + " and Add of " + BN_SHIFT + ": no layer beside it has weights that could take them");
		}
		return clauses;
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
				out.put(op, notPresent(op, "no " + op.getLiteral().replace('-', ' ') + " in the graph" + (model.trainingInfo().isEmpty() && !removeAlgorithms
						? ", and no training algorithm stored with the model (it is applied by the training loop, not exported)" : "")));
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
	private static List<String> removeIdentities(Graph main) {
		List<String> removed = new ArrayList<>();
		for (Graph g : main.graphs()) {
			for (Node n : List.copyOf(g.nodes())) {
				if (!n.opType().equals("Identity") || g.isOutput(n.output(0))) {
					continue;
				}
				GraphCleanup.rewire(main, n.output(0), n.input(0));
				g.nodes().remove(n);
				removed.add(n.name().isEmpty() ? "Identity" : n.name());
			}
		}
		return removed;
	}

	/** A tensor's element type: as probed, else as the graph declares its input, else its initializer's; UNDEFINED if unknown. */
	private static DataType typeOf(Graph g, Map<String, TensorInfo> probed, String tensor) {
		TensorInfo t = probed.get(tensor);
		if (t != null) {
			return t.type();
		}
		for (ValueInfoProto v : g.inputs()) {
			if (v.getName().equals(tensor)) {
				return TensorInfo.of(v).type();
			}
		}
		Tensor init = g.initializer(tensor);
		return init == null ? DataType.UNDEFINED : init.dataType();
	}

	// ------------------------------------------------------------------ verification

	/**
	 * The original as it behaves at inference: BatchNormalization on running statistics, Dropout off (what the runner evaluates as
	 * "original"). A float64 original is narrowed to float32 as its conversion narrows it (ONNX Runtime has no float64 Conv, and
	 * Quantrace feeds float32): the rounding, at most 2^-24 of each value, is the conversion log's first rewrite.
	 */
	public static OnnxModel inferenceView(OnnxModel source) {
		OnnxModel view = source.copy();
		if (FloatWidening.holdsFloat64(view)) {
			FloatWidening.narrow(view, "the original model");
		}
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

	/**
	 * The verification samples, read batch by batch as they are run (a detector's 64 images would be large all at once), each
	 * batch into the array the previous batch of its size was read into: a feed is valid until the next one is read.
	 */
	private record Inputs(List<Supplier<Map<String, NdArray>>> feeds, int count, String description, String failureHint) {
	}

	/** Samples per verification run at most. */
	private static final int VERIFICATION_BATCH = 8;

	/**
	 * Samples per verification run: {@link #VERIFICATION_BATCH}, or fewer when their activations (the original's, by the shapes of
	 * one sample) would exceed the engine's {@link ActivationBudget}, as calibration's chunks do. Eight images of ConvNeXt-T at
	 * 224x224 are about 1.1 GB of activations, and ONNX Runtime's arena of each of the two sessions grew to what such a run
	 * needed: `quantize` peaked at 2.2-2.7 GB in this check. A model that does not run on zeros (no shapes) keeps 8.
	 */
	static int verificationChunk(Map<String, TensorInfo> shapes) {
		return ActivationBudget.chunk(VERIFICATION_BATCH, ActivationBudget.activationsPerSample(shapes));
	}

	private static Inputs samples(OnnxModel model, String name, Dataset data, int chunk) {
		List<Supplier<Map<String, NdArray>>> feeds = new ArrayList<>();
		if (data != null) {
			ModelInputs inputs = ModelInputs.of(model, name, data);
			String input = inputs.first().name();
			int n = Math.min(64, data.size());
			InputChunks chunks = new InputChunks(data);
			Map<String, IoQuantization.Io> integer = integerInputs(model);
			// run in small batches: a detector's activations are large (the session runs a fixed-batch model in pieces of its batch)
			for (int from = 0; from < n; from += chunk) {
				int start = from;
				int end = Math.min(n, start + chunk);
				feeds.add(() -> codes(inputs.named() ? inputs.feed(data.read(start, end)) : Map.of(input, chunks.read(start, end)), integer));
			}
			return new Inputs(feeds, n, data.name(), "check the data's shape and type against the model's input");
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		Random random = new Random(0);
		List<String> ids = new ArrayList<>();
		boolean dynamic = false;
		for (ValueInfoProto v : model.graph().runtimeInputs()) {
			TensorInfo info = TensorInfo.of(v);
			dynamic |= info.shape() != null && info.shape().stream().anyMatch(d -> d.isEmpty() || !d.chars().allMatch(Character::isDigit));
			NdArray zeros = ShapeProbe.zeros(v, 8, name);
			if (zeros.type() == DataType.FLOAT) {
				float[] f = zeros.floats();
				for (int i = 0; i < f.length; i++) {
					f[i] = random.nextFloat();
				}
			}
			long rows = zeros.type() == DataType.INT64 ? tableRows(model, v.getName()) : 0;
			if (rows > 0) { // token ids (a text model's input_ids): any row of the embedding tables they index, not only row 0
				long[] l = (long[]) zeros.data();
				for (int i = 0; i < l.length; i++) {
					l[i] = (long) (random.nextDouble() * rows);
				}
				ids.add(v.getName() + " uniform in [0, " + rows + ")");
			}
			feed.put(v.getName(), zeros);
		}
		feeds.add(() -> feed);
		// as many samples as the feed holds: 8 where the batch is dynamic, the declared batch where it is fixed (a [1, 1, 28, 28]
		// input runs one sample, which the log said were 8)
		long[] first = feed.isEmpty() ? new long[0] : feed.values().iterator().next().shape();
		int count = first.length == 0 ? 1 : (int) first[0];
		String hint = dynamic ? "give real inputs to check the conversion on (convert --data DATA.npy, or a dataset in the recipe):"
				+ " the model's dynamic dimensions were set to 8"
				: "every dimension of the model's inputs is fixed, and ONNX Runtime cannot run it on inputs of those shapes: the graph does"
						+ " not fit the inputs it declares; fix the model or export it again";
		return new Inputs(feeds, count, (count == 1 ? "1 random input" : count + " random inputs") + ", uniform in [0, 1)"
				+ (ids.isEmpty() ? "" : ", ids " + String.join(", ", ids)) + ", seed 0", hint);
	}

	/**
	 * The integer inputs of a model that arrives quantized (int8 inputs read by one DequantizeLinear each), whose float samples the
	 * check feeds as q = r / S + Z, as its evaluation does: fed as they are, the float data a user has stopped the check with ONNX
	 * Runtime's "Unexpected input data type", while the recipe's warning said convert keeps the model's codes. None where the
	 * readers of an input disagree (the samples are then fed as they are, integer data still fits).
	 */
	private static Map<String, IoQuantization.Io> integerInputs(OnnxModel model) {
		try {
			return IoQuantization.inputs(model);
		} catch (InvalidInputException e) {
			return Map.of();
		}
	}

	/** {@code feed} with every float sample of an integer input quantized by that input's scale and zero point. */
	private static Map<String, NdArray> codes(Map<String, NdArray> feed, Map<String, IoQuantization.Io> integer) {
		if (integer.isEmpty()) {
			return feed;
		}
		Map<String, NdArray> fed = new LinkedHashMap<>();
		feed.forEach((k, x) -> fed.put(k, integer.containsKey(k) ? integer.get(k).codes(x) : x));
		return fed;
	}

	/** The fewest rows of the constant tables {@code input} indexes by Gather (its ids are valid below that), or 0 when it indexes none. */
	private static long tableRows(OnnxModel model, String input) {
		long rows = 0;
		for (org.quantrace.engine.onnx.Node n : model.graph().consumers(input)) {
			org.quantrace.engine.onnx.Tensor table = n.opType().equals("Gather") && n.inputs().size() > 1 && n.input(1).equals(input)
					&& n.intAttribute("axis", 0) == 0 ? model.graph().constant(n.input(0)) : null;
			if (table != null && table.dims().length > 0 && table.dims()[0] > 0) {
				rows = rows == 0 ? table.dims()[0] : Math.min(rows, table.dims()[0]);
			}
		}
		return rows;
	}

	/** The types and shapes of the original's tensors (inference view) for one sample, or none when it does not run on zeros. */
	private static Map<String, TensorInfo> probe(Reference reference, OnnxModel model, String name) {
		try {
			// the reference's view is the model's inference view unless it was raised to another opset (why != null)
			return ShapeProbe.probe(reference.why() == null ? reference.view() : inferenceView(model), name);
		} catch (RuntimeException e) {
			return Map.of();
		}
	}

	/**
	 * Removes the main graph's Casts to the type their input already has, which compute nothing: exporters write them
	 * ({@code x.float()} on a float tensor), and a float16 model's Casts at its float32 inputs and outputs become them once
	 * the model is widened. A quantizer would leave each one float between a DequantizeLinear and a QuantizeLinear. A Cast
	 * that writes a graph output hands the output's name to the node before it when that node's output is read by nothing
	 * else (else it stays).
	 */
	private static List<String> removeNoOpCasts(Graph g, Map<String, TensorInfo> types) {
		List<String> removed = new ArrayList<>();
		for (Node n : List.copyOf(g.nodes())) {
			DataType in = n.opType().equals("Cast") && n.isStandard() ? typeOf(g, types, n.input(0)) : DataType.UNDEFINED;
			if (in == DataType.UNDEFINED || in.code() != n.intAttribute("to", -1)) {
				continue;
			}
			String out = n.output(0);
			if (g.isOutput(out)) {
				Node producer = g.producer(n.input(0)).orElse(null);
				if (producer == null || g.isOutput(n.input(0)) || g.consumers(n.input(0)).size() != 1) {
					continue;
				}
				producer.setOutput(producer.outputs().indexOf(n.input(0)), out);
			} else {
				GraphCleanup.rewire(g, out, n.input(0));
			}
			g.nodes().remove(n);
			removed.add(n.name().isEmpty() ? "Cast" : n.name());
		}
		return removed;
	}

	private static Map<String, Integer> ranks(Map<String, TensorInfo> shapes) {
		return shapes.entrySet().stream().filter(e -> e.getValue().shape() != null)
				.collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().shape().size()));
	}
}
