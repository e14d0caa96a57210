package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.report.LogValues;
import org.quantrace.runner.ConversionRecords;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Freeze a trained model into an inference model (PhIMT0002).",
		description = "Eliminates Dropout, folds BatchNormalization, drops training algorithms and Identity nodes, folds constants and static"
				+ " shape arithmetic, inlines If nodes with constant conditions and fuses decomposed HardSigmoid/HardSwish/GELU/LayerNorm,"
				+ " then compares the outputs with the original's in inference mode.")
final class ConvertCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "MODEL.onnx", description = "The trained model.")
	Path model;

	@Option(names = { "-o", "--output" }, required = true, paramLabel = "OUT.onnx", description = "Where to write the frozen model.")
	Path output;

	@Option(names = "--keep", paramLabel = "OP", split = ",",
			description = "Training operations to keep (in inference form): dropout, batch-normalization, gradient-clipping, learning-rate-scheduling, weight-regularization.")
	List<String> keep = List.of();

	@Option(names = "--no-fold", description = "Do not fold constant subgraphs.")
	boolean noFold;

	@Option(names = "--no-fuse", description = "Keep decomposed HardSigmoid/HardSwish/GELU/LayerNorm as they are (no fused ops, no opset upgrade for them).")
	boolean noFuse;

	@Option(names = "--opset", paramLabel = "N", description = "Upgrade the default-domain opset to N.")
	Integer opset;

	@Option(names = "--data", paramLabel = "DATA.npy", description = "Real inputs to verify the outputs on (default: 8 seeded random inputs).")
	Path data;

	@Override
	public Integer call() {
		Set<TrainingOperation> eliminate = EnumSet.allOf(TrainingOperation.class);
		for (String k : keep) {
			TrainingOperation op = TrainingOperation.get(k.toLowerCase(Locale.ROOT));
			if (op == null) {
				throw new InvalidInputException("--keep " + k + ": unknown training operation",
						"use dropout, batch-normalization, gradient-clipping, learning-rate-scheduling or weight-regularization");
			}
			eliminate.remove(op);
		}
		OnnxModel source = ModelFiles.load(model);
		if (opset != null) { // asked for, 0 too (which the options read as "keep the model's")
			Freezer.refuseLowering(source, model.toString(), opset);
		}
		FreezeResult r = Freezer.freeze(source, model.toString(), new FreezeOptions(eliminate, !noFold, opset == null ? 0 : opset, !noFuse),
				data == null ? null : Datasets.open(data, null), ConsoleProgress.forConsole(spec.commandLine().getErr()));
		CommandOutput.model(r.model(), output);
		report(r, spec.commandLine().getOut());
		spec.commandLine().getOut().printf(Locale.ROOT, "Wrote %s%n", output);
		return ExitCodes.OK;
	}

	static void report(FreezeResult r, PrintWriter out) {
		out.println("Elimination of training-specific operations (PhIMT0002)");
		for (FreezeResult.Elimination e : r.eliminations().values()) { // the PhIMT0002 row's sentence, not the enum word "not-present"
			out.printf(Locale.ROOT, "  %-26s %s%n", e.operation().getLiteral(), LogValues.elimination(ConversionRecords.elimination(e)));
		}
		if (!r.trainingArtifacts().isEmpty()) {
			out.println("Training-only attributes and outputs found");
			r.trainingArtifacts().forEach(a -> out.println("  - " + a));
		}
		if (!r.rewrites().isEmpty()) {
			out.println("Rewrites (the same function, fewer or fused nodes)");
			r.rewrites().forEach(w -> out.println("  - " + w));
		}
		out.printf(Locale.ROOT, "Removed %d nodes, folded %d constant nodes%n", r.removedNodes().size(), r.foldedConstants());
		out.printf(Locale.ROOT, "Verification: max |frozen - original in inference mode| = %.3g on %d sample%s (%s)%n", r.maxAbsDifference(),
				r.verificationSamples(), r.verificationSamples() == 1 ? "" : "s", r.verificationData());
	}
}
