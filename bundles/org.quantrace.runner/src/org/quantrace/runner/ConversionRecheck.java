package org.quantrace.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.runner.verify.NarrowingCheck;
import org.quantrace.runner.verify.TrainedScales;

/** Each conversion's check made again from the two models the folder holds, for verify. */
final class ConversionRecheck {

	private ConversionRecheck() {
	}

	/** How far a conversion's difference made again may lie from the recorded one: another machine's last bits, not an edit. */
	static final double TOLERANCE = 0.05;

	/**
	 * Each conversion's check made again ({@link Freezer#difference}): the original and the converted
	 * model the folder holds, on the samples the run compared them on (the recipe's verification data, its first 64, as the run
	 * chose them), must differ by the largest absolute output difference the trace records and the conversion log's first page
	 * states, within a relative {@link #TOLERANCE} (absolute 1e-6 near zero; the same machine gives the same bits). A
	 * converted model edited after the run with every hash recomputed (cbam9's channel mean, one weight x1.5) passed every other
	 * check but --deep's evaluations.
	 */
	static List<Problem> check(RecipeContext ctx, TraceModel trace, Function<ModelArtifact, Path> modelFile) {
		List<Problem> problems = new ArrayList<>();
		if (ctx == null) {
			return problems;
		}
		for (ConversionRecord c : trace.getConversions()) {
			String at = "conversion " + c.getId() + " maxAbsDifference";
			ModelDeclaration m = ctx.models().stream().filter(d -> d.getName().equals(c.getName())).findFirst().orElse(null);
			Path original = c.getInput() == null ? null : modelFile.apply(c.getInput());
			Path converted = c.getOutput() == null ? null : modelFile.apply(c.getOutput());
			if (m == null || original == null || converted == null || !Files.isRegularFile(original) || !Files.isRegularFile(converted)) {
				continue; // the input and folder checks say what is missing
			}
			double again;
			try {
				DatasetDeclaration vd = ctx.verificationData();
				OnnxModel before = OnnxModel.load(original);
				OnnxModel after = OnnxModel.load(converted);
				// a QAT export's folded scales and bias, from the original's codes and constants (a second path to the engine's)
				TrainedScales.mismatches(before, after).forEach(why -> problems.add(new Problem(c.getOutput().getPath(), "conversion " + c.getId()
						+ ", weights kept as trained: " + why)));
				// a float64 original's narrowing: its count and largest rounding, from the original's stored values
				NarrowingCheck.mismatches(before, c.getRewrites()).forEach(why -> problems.add(new Problem(Outputs.TRACE, "conversion " + c.getId() + " " + why)));
				again = Freezer.difference(before, after, m.getName(), vd == null ? null : ctx.open(vd, m, 64));
			} catch (QuantraceException e) {
				problems.add(new Problem(Outputs.TRACE, at + ": cannot be made again (" + Verification.firstLine(e) + ")"));
				continue;
			}
			double recorded = c.getMaxAbsDifference();
			// a model that computes NaN on the samples differs from its conversion by NaN, recorded and re-derived alike: an honest folder
			// of such a run read "says NaN, re-derived NaN" (the run's check does not pass it: OutputDifference keeps the NaN)
			boolean bothNaN = Double.isNaN(again) && Double.isNaN(recorded);
			if (!bothNaN && !(Math.abs(again - recorded) <= Math.max(1e-6, TOLERANCE * Math.abs(recorded)))) {
				problems.add(new Problem(Outputs.TRACE, at + ": says " + recorded + ", re-derived " + again + " (the original against "
						+ c.getOutput().getPath() + " on the run's verification samples): the converted model is not the one the run checked"));
			}
		}
		return problems;
	}
}
