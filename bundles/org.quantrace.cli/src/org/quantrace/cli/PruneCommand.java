package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.runner.PruningWarnings;

import picocli.CommandLine.Command;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Prune Conv, Gemm and MatMul weights by magnitude.",
		description = "The element, vector and block patterns set the weakest groups of weights to zero; channel removes whole filters and"
				+ " rewires every consumer, so the model gets smaller and faster.")
final class PruneCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "MODEL.onnx", description = "The model to prune.")
	Path model;

	@Option(names = { "-o", "--output" }, required = true, paramLabel = "OUT.onnx", description = "Where to write the pruned model.")
	Path output;

	@Option(names = "--pattern", required = true, paramLabel = "PATTERN", description = "element | vector | block | channel")
	String pattern;

	@Option(names = "--sparsity", required = true, paramLabel = "PERCENT", converter = Percent.class,
			description = "Share of the weights (element, vector, block) or of the prunable channels (channel) to remove, in [0, 100): 30 or 30%%.")
	double sparsity;

	@Option(names = "--scope", defaultValue = "global", paramLabel = "SCOPE",
			description = "global: one threshold across layers; local: the same share in every layer (default: ${DEFAULT-VALUE}).")
	String scope;

	@Option(names = "--criterion", defaultValue = "l1", paramLabel = "CRITERION",
			description = "l1 or l2 norm of each group, or activation (channel pattern): each channel's mean |activation| on the --data samples,"
					+ " as its readers see it (default: ${DEFAULT-VALUE}).")
	String criterion;

	@Option(names = "--block", defaultValue = "4x1", paramLabel = "RxC", description = "Block shape, output units x inputs (default: ${DEFAULT-VALUE}).")
	String block;

	@Option(names = "--vector", defaultValue = "4", paramLabel = "N", description = "Vector length along the inputs (default: ${DEFAULT-VALUE}).")
	int vector;

	@Option(names = "--exclude", paramLabel = "LAYER", split = ",", description = "Layers to leave alone (wildcards * and ?).")
	List<String> exclude = List.of();

	@ArgGroup(exclusive = false, heading = "%nData (optional; required by --criterion activation, which scores channels on its samples): the"
			+ " original's and the result's accuracy side by side%n")
	DataOptions.Named data;

	@Override
	public Integer call() {
		PruningPattern p = PruningPattern.get(pattern.toLowerCase(Locale.ROOT));
		ThresholdScope s = ThresholdScope.get(scope.toLowerCase(Locale.ROOT));
		String cl = criterion.toLowerCase(Locale.ROOT);
		PruningCriterion c = cl.equals("activation") ? PruningCriterion.ACTIVATION : PruningCriterion.get(cl + "-magnitude");
		if (p == null || s == null || c == null) {
			throw new InvalidInputException("unknown " + (p == null ? "--pattern " + pattern : s == null ? "--scope " + scope : "--criterion " + criterion),
					"patterns: element, vector, block, channel; scopes: global, local; criteria: l1, l2, activation");
		}
		if (c == PruningCriterion.ACTIVATION && p != PruningPattern.CHANNEL) {
			throw new InvalidInputException("--criterion activation scores whole channels, not the " + p.getLiteral() + " pattern's groups",
					"use --pattern channel, or --criterion l1 or l2 for element, vector and block");
		}
		if (c == PruningCriterion.ACTIVATION && data == null) {
			throw new InvalidInputException("--criterion activation scores each channel by its activations on samples, and no --data was given",
					"give --data DATASET (the calibration images, read as quantize reads them; --samples N for the first N)");
		}
		String[] rc = block.toLowerCase(Locale.ROOT).split("x");
		if (rc.length != 2 || !rc[0].matches("\\d+") || !rc[1].matches("\\d+")) {
			throw new InvalidInputException("--block " + block + ": expected ROWSxCOLUMNS", "e.g. --block 4x1 or --block 2x2");
		}
		PruningSpec ps = new PruningSpec(c, s, p, sparsity, Integer.parseInt(rc[0]), Integer.parseInt(rc[1]), vector, Map.of(), exclude,
				ExcludedBy.all(exclude, ExcludedBy.OPTION)); // no recipe here: the reasons name the option
		Dataset evaluation = data == null ? null : data.open(spec.commandLine().getErr()); // opened first: a bad path fails before the work
		OnnxModel source = ModelFiles.load(model);
		ModelFiles.requireRuns(source, model, evaluation);
		PruningResult r = Pruner.prune(source, model.toString(), ps, c == PruningCriterion.ACTIVATION ? evaluation : null);
		// unlabelled samples score channels and are not evaluated (evaluation needs labels and would refuse them)
		boolean scoredOnly = r.samples() != null && evaluation.size() > 0 && evaluation.read(0, 1).labels() == null;
		Dataset compared = scoredOnly ? null : evaluation;
		if (r.samples() != null && !scoredOnly) { // the accuracy printed next is measured on the very samples the channels were chosen by
			spec.commandLine().getErr().printf(Locale.ROOT, "quantrace: warning: --data %s: the channels were scored on these %d samples; the accuracy"
					+ " below is measured on them too and is optimistic: evaluate the pruned model on held-out data%n", data.data, r.samples().count());
		}
		return BeforeAfter.write(source, r.model(), "pruned", compared, output, out -> report(r, out), spec);
	}

	static void report(PruningResult r, PrintWriter out) {
		out.printf(Locale.ROOT, "%-28s %-6s %12s %12s %9s %14s %14s %9s%n", "layer", "op", r.spec().countsWeights() ? "weights" : "params", "after", "sparsity", "FLOPs", "after", "channels");
		for (PruningResult.Layer l : r.layers()) {
			out.printf(Locale.ROOT, "%-28s %-6s %,12d %,12d %8.1f%% %,14d %,14d %9s%n", l.layer(), l.opType(), l.parametersBefore(), l.parametersAfter(),
					100 * l.sparsity(), l.flopsBefore(), l.flopsAfter(), l.channelsBefore() < 0 ? "-" : l.channelsBefore() + "->" + l.channelsAfter());
		}
		r.notPruned().forEach((layer, why) -> out.printf(Locale.ROOT, "Not pruned: %s: %s%n", layer, why));
		r.held().forEach((layer, why) -> out.printf(Locale.ROOT, "Held at the layer floor: %s: %s%n", layer, why));
		if (r.samples() != null) {
			out.printf(Locale.ROOT, "Channels scored by their mean |activation| on %d samples (SHA-256 of the float32 inputs fed: %s)%n", r.samples().count(),
					r.samples().sha256());
		}
		// the element, vector and block patterns count weights, which they zero, not the biases they leave (assessor59)
		out.printf(Locale.ROOT, r.spec().countsWeights() ? "Weights %,d -> %,d non-zero (sparsity %.1f%%; biases not pruned, not counted), size %,d -> %,d bytes,"
				+ " compressed %,d -> %,d bytes%n" : "Parameters %,d -> %,d (sparsity %.1f%%), size %,d -> %,d bytes, compressed %,d -> %,d bytes%n",
				r.parametersBefore(), r.parametersAfter(), 100 * r.achievedSparsity(), r.bytesBefore(), r.bytesAfter(), r.compressedBefore(), r.compressedAfter());
		// the run's warning, by its rule and in its words: the command printed the sparsity and no word of it (assessor17)
		String shortOf = PruningWarnings.text(100 * r.achievedSparsity(), r.spec().sparsity(), r.notPruned().size(), "printed above ('Not pruned: ...')");
		if (shortOf != null) {
			out.printf(Locale.ROOT, "Warning [%s]: %s%n", PruningWarnings.SHORT, shortOf);
		}
	}
}
