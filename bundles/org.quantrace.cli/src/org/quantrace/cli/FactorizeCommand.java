package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.factorize.FactorizationResult;
import org.quantrace.engine.factorize.FactorizationSpec;
import org.quantrace.engine.factorize.Factorizer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.FactorizationTarget;
import org.quantrace.model.recipe.RankSelection;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "factorize", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Factorize dense layers into two smaller ones (truncated SVD).",
		description = "Replaces weights W (m x n) by two factors (m x r)(r x n) from a truncated SVD, the rank chosen by --energy, --rank"
				+ " or --rank-ratio.")
final class FactorizeCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "MODEL.onnx", description = "The model to factorize.")
	Path model;

	@Option(names = { "-o", "--output" }, required = true, paramLabel = "OUT.onnx", description = "Where to write the factorized model.")
	Path output;

	static final class Rank {
		@Option(names = "--energy", paramLabel = "PERCENT", converter = Percent.class,
				description = "Keep the smallest rank holding this share of the squared singular values: 95 or 95%%.")
		Double energy;
		@Option(names = "--rank", paramLabel = "R", description = "A fixed rank.")
		Integer rank;
		@Option(names = "--rank-ratio", paramLabel = "F", description = "A fraction of each layer's full rank, in (0, 1].")
		Double ratio;
	}

	@ArgGroup(exclusive = true, multiplicity = "1")
	Rank rank;

	@Option(names = "--target", defaultValue = "dense", paramLabel = "LAYERS", description = "dense, conv1x1 or all (default: ${DEFAULT-VALUE}).")
	String target;

	@Option(names = "--exclude", paramLabel = "LAYER", split = ",", description = "Layers to leave alone (wildcards * and ?).")
	List<String> exclude = List.of();

	@ArgGroup(exclusive = false, heading = "%nEvaluation data (optional): the original's and the result's accuracy side by side%n")
	DataOptions.Named data;

	@Override
	public Integer call() {
		FactorizationTarget t = FactorizationTarget.get(target.toLowerCase(Locale.ROOT));
		if (t == null) {
			throw new InvalidInputException("--target " + target + ": unknown", "use dense, conv1x1 or all");
		}
		FactorizationSpec fs = rank.energy != null ? new FactorizationSpec(t, RankSelection.ENERGY, rank.energy, exclude)
				: rank.rank != null ? new FactorizationSpec(t, RankSelection.FIXED_RANK, rank.rank, exclude)
						: new FactorizationSpec(t, RankSelection.RANK_RATIO, rank.ratio, exclude);
		fs = fs.excludedBy(ExcludedBy.all(exclude, ExcludedBy.OPTION)); // no recipe here: the reasons name the option
		Dataset evaluation = data == null ? null : data.open(spec.commandLine().getErr()); // opened first: a bad path fails before the work
		OnnxModel source = ModelFiles.load(model);
		ModelFiles.requireRuns(source, model, evaluation);
		FactorizationResult r = Factorizer.factorize(source, model.toString(), fs);
		return BeforeAfter.write(source, r.model(), "factorized", evaluation, output, out -> report(r, out), spec);
	}

	static void report(FactorizationResult r, PrintWriter out) {
		out.printf(Locale.ROOT, "%-28s %-6s %9s %12s %12s %8s %10s%n", "layer", "op", "rank", "params", "after", "energy", "rel.error");
		for (FactorizationResult.Layer l : r.layers()) {
			out.printf(Locale.ROOT, "%-28s %-6s %9s %,12d %,12d %7.2f%% %10.4f%s%n", l.layer(), l.opType(), l.rank() + "/" + l.fullRank(),
					l.parametersBefore(), l.parametersAfter(), 100 * l.retainedEnergy(), l.reconstructionError(), l.skipped() ? "  skipped: " + l.reason() : "");
		}
		out.printf(Locale.ROOT, "Parameters of these layers %,d -> %,d%n", r.parametersBefore(), r.parametersAfter());
	}
}
