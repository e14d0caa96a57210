package org.quantrace.runner;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.ChannelRanking;
import org.quantrace.runner.verify.ChannelRanking.Space;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: the channel scores of criterion activation measured again from the samples the trace names ("N samples
 * of dataset 'D' (SHA-256 of the float32 inputs fed: H)"), written from the criterion's definition, not from engine.prune's code:
 * the model the pruning read runs in verify's own session ({@link InnerTensors}) with the tensors the space's readers read made
 * outputs ({@link ChannelReaders}); each channel's mean |activation| over the samples and every other axis, over its tensor's mean
 * of channels, averaged over those tensors, must be the recorded score within a relative {@value #TOLERANCE} (near 0, of a
 * hundredth: the scores are relative to their layer's mean). The inputs fed are hashed as the run hashed them (16 samples at a
 * time, the inputs in the model's order, float32 little-endian; an integer input its codes), so a record naming other samples
 * is named too. A score set edited together with the removals, the ranking kept, is found only here. Sums per channel only:
 * memory flat in the number of samples.
 */
final class ActivationScoreRecheck {

	private static final String DOCUMENT = Outputs.TRACE;
	static final double TOLERANCE = 1e-4;
	/** The run's chunk (engine.data ChannelMeans): the hash of several inputs depends on it. */
	private static final int CHUNK = 16;
	private static final Pattern SCORED_ON = Pattern.compile("(\\d+) samples of dataset '(.*)' \\(SHA-256 of the float32 inputs fed: ([0-9a-f]{64})\\)");

	private ActivationScoreRecheck() {
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<ModelArtifact, Path> files, List<String> notes) {
		List<Mismatch> found = new ArrayList<>();
		Map<String, String> measured = new HashMap<>(); // one measurement per model and record: every scheme's optimization holds a copy
		for (OptimizationRecord o : trace.getOptimizations()) {
			PruningRecord p = o.getPruning();
			if (p == null || p.getCriterion() != PruningCriterion.ACTIVATION || o.getInput() == null) {
				continue;
			}
			String model = RunSummary.model(o.getInput());
			String at = "optimization " + o.getId() + " pruning channel scores (re-measured)";
			String record = model + "\n" + p.getAdditionalConfiguration().stream().map(x -> x.getKey() + "=" + x.getValue()).collect(Collectors.joining("\n"));
			if (measured.putIfAbsent(record, at) != null) {
				continue;
			}
			recipe.recheck(at, "measured again", found, ctx -> check(ctx, trace, model, p, files, at, found, notes));
		}
		return found;
	}

	private static void check(RecipeContext ctx, TraceModel trace, String model, PruningRecord p, Function<ModelArtifact, Path> files, String at,
			List<Mismatch> found, List<String> notes) {
		String scoredOn = p.getAdditionalConfiguration().stream().filter(x -> x.getKey().equals(PruningRecords.SCORED_ON)).map(Parameter::getValue).findFirst()
				.orElse("");
		List<Space> spaces = stated(p, at, found);
		if (spaces.isEmpty() && scoredOn.isEmpty()) { // no layer could lose channels (every one excluded or refused): nothing was scored
			notes.add(at + ": no channel space scored, none measured");
			return;
		}
		Matcher m = SCORED_ON.matcher(scoredOn);
		ModelArtifact before = sourceOf(trace, model);
		Path file = before == null ? null : files.apply(before);
		if (!m.matches() || file == null) {
			found.add(new Mismatch(DOCUMENT, at, "the samples scored on and the model pruned", !m.matches() ? "'" + scoredOn + "'" : "no model the pruning read"));
			return;
		}
		Dataset data = samples(ctx, model, m.group(2), Integer.parseInt(m.group(1)), at, found);
		if (data == null) {
			return;
		}
		OnnxModel source = OnnxModel.load(file);
		List<ChannelReaders.Space> readers = spaces.stream().map(s -> ChannelReaders.of(source.graph(), layers(s))).toList();
		Set<String> tensors = new LinkedHashSet<>();
		readers.forEach(r -> tensors.addAll(r.tensors()));
		Map<String, double[]> sums = new HashMap<>();
		Map<String, Long> counts = new HashMap<>();
		Map<String, Integer> axes = new HashMap<>();
		readers.forEach(r -> r.tensors().forEach(t -> axes.put(t, r.channelsLast() ? -1 : 1)));
		MessageDigest fed = sha256();
		InnerTensors.visit(source, source, tensors, data, model, CHUNK, feed -> feed.values().forEach(x -> digest(fed, x)), (tensor, shape, values) -> {
			int axis = axes.get(tensor) < 0 ? shape.length - 1 : 1;
			int channels = (int) shape[axis];
			long inner = 1;
			for (int d = axis + 1; d < shape.length; d++) {
				inner *= shape[d];
			}
			double[] sum = sums.computeIfAbsent(tensor, k -> new double[channels]);
			for (int i = values.position(); i < values.limit(); i++) {
				sum[(int) (((i - values.position()) / inner) % channels)] += Math.abs(values.get(i));
			}
			counts.merge(tensor, (long) (values.limit() - values.position()) / channels, Long::sum);
		});
		String hash = HexFormat.of().formatHex(fed.digest());
		if (!hash.equals(m.group(3))) {
			found.add(new Mismatch(DOCUMENT, at + " samples", "SHA-256 of the float32 inputs fed " + m.group(3), hash + " (the " + data.size()
					+ " samples the recipe's dataset gives now, fed in verify's own session)"));
		}
		double largest = 0;
		for (int i = 0; i < spaces.size(); i++) {
			largest = Math.max(largest, compare(spaces.get(i), readers.get(i), sums, counts, at, found));
		}
		notes.add(String.format(Locale.ROOT, "%s: %d channel spaces measured again on %d samples of %s in verify's own session (largest relative difference"
				+ " %.2g, allowed %.0e)", at, spaces.size(), data.size(), m.group(2), largest, TOLERANCE));
	}

	/** The space's scores from the sums, against the record's; returns the largest relative difference. */
	private static double compare(Space s, ChannelReaders.Space r, Map<String, double[]> sums, Map<String, Long> counts, String at, List<Mismatch> found) {
		double[] score = new double[s.scores().length];
		for (String t : r.tensors()) {
			double[] sum = sums.get(t);
			if (sum == null || sum.length != score.length) {
				found.add(new Mismatch(DOCUMENT, at + " " + PruningRecords.CHANNEL_SCORES + s.layers(), score.length + " channels",
						"'" + t + "' read by the space's readers holds " + (sum == null ? "none" : sum.length)));
				return 0;
			}
			double layerMean = 0;
			for (double v : sum) {
				layerMean += v / counts.get(t) / sum.length;
			}
			for (int c = 0; c < score.length; c++) {
				score[c] += (layerMean > 0 ? sum[c] / counts.get(t) / layerMean : 0) / r.tensors().size();
			}
		}
		int differ = 0;
		int first = -1;
		double largest = 0;
		for (int c = 0; c < score.length; c++) {
			double difference = Math.abs(s.scores()[c] - score[c]) / Math.max(Math.abs(score[c]), 1e-2);
			largest = Math.max(largest, difference);
			if (difference > TOLERANCE) {
				differ++;
				first = first < 0 ? c : first;
			}
		}
		if (differ > 0) {
			found.add(new Mismatch(DOCUMENT, at + " " + PruningRecords.CHANNEL_SCORES + s.layers() + " channel " + first,
					"score " + s.scores()[first], String.format(Locale.ROOT, "%.6g (mean |activation| over %s measured again; %d of %d channels differ by more than a"
							+ " relative %.0e)", score[first], String.join(", ", r.tensors()), differ, score.length, TOLERANCE)));
		}
		return largest;
	}

	/**
	 * The recipe's calibration dataset the record names, read as the run read it (the prune step's samples, else the dataset's),
	 * or null after a mismatch: another dataset, or another count than the record's.
	 */
	private static Dataset samples(RecipeContext ctx, String model, String dataset, int count, String at, List<Mismatch> found) {
		List<DatasetDeclaration> sets = org.quantrace.dsl.validation.RecipeValidator.calibrationDatasets(ctx.recipe());
		ModelDeclaration m = ctx.models().stream().filter(x -> x.getName().equals(model)).findFirst().orElse(null);
		int declared = ctx.recipe().getPruning() == null ? 0 : ctx.recipe().getPruning().getSamples();
		Dataset data = sets.size() != 1 || m == null || !sets.get(0).getName().equals(dataset) ? null : ctx.read(sets.get(0), m, declared);
		if (data == null || data.size() != count) {
			found.add(new Mismatch(DOCUMENT, at + " samples", count + " samples of dataset '" + dataset + "'", data == null
					? "the recipe's calibration dataset is " + sets.stream().map(DatasetDeclaration::getName).toList() : data.size() + " samples (as the recipe declares it now)"));
			return null;
		}
		return data;
	}

	/** The spaces the record states, in its order, read as plain verify's {@link ChannelRanking} reads them. */
	private static List<Space> stated(PruningRecord p, String at, List<Mismatch> found) {
		List<Space> spaces = new ArrayList<>();
		for (Parameter x : p.getAdditionalConfiguration()) {
			if (x.getKey().startsWith(PruningRecords.CHANNEL_SCORES)) {
				Space s = ChannelRanking.parse(x.getKey().substring(PruningRecords.CHANNEL_SCORES.length()), x.getValue());
				if (s == null) {
					found.add(new Mismatch(DOCUMENT, at + " " + x.getKey(), x.getValue(), "not 'removed C ...; scores S ...'"));
				} else {
					spaces.add(s);
				}
			}
		}
		return spaces;
	}

	/** The space's layers, in the record key's order. */
	private static List<String> layers(Space s) {
		return List.of(s.layers().split(", "));
	}

	/** The model the pruning read: the one the pruned model is derived from. */
	private static ModelArtifact sourceOf(TraceModel trace, String model) {
		ModelArtifact[] stage = org.quantrace.runner.verify.FloatStages.stage(trace, model, ArtifactKind.PRUNED);
		return stage == null ? null : stage[0];
	}

	private static void digest(MessageDigest md, NdArray x) {
		float[] v = x.toFloats();
		ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
		b.asFloatBuffer().put(v);
		md.update(b.array());
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
