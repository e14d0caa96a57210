package org.quantrace.runner;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.quantrace.engine.data.Dataset;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.CalibrationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.Mismatch;

/**
 * The calibration samples an optimization's calibration record names, read again by the recipe's pipeline
 * ({@code RecipeContext.read}, as the debugger's re-run reads them) for the {@code --deep} checks that run the models on them
 * ({@link BiasCorrectionRecheck}, {@link EntropyRaiseRecheck}): the dataset, its preprocessing and count are held against the
 * record first.
 */
record CalibrationSamples(Dataset data, String model, String dataset) {

	/** The samples, or null after adding a mismatch (at {@code at}) when the recipe does not declare them as the record says. */
	static CalibrationSamples of(RecipeContext ctx, OptimizationRecord o, String document, String at, List<Mismatch> found) {
		CalibrationRecord c = o.getQuantization().getCalibration();
		String model = o.getOutput() == null ? null : RunSummary.model(o.getOutput());
		ModelDeclaration m = ctx.models().stream().filter(x -> x.getName().equals(model)).findFirst().orElse(null);
		DatasetDeclaration d = ctx.schemes(Set.of()).stream().filter(s -> s.name().equals(o.getScheme())).map(ResolvedScheme::calibrationData)
				.filter(Objects::nonNull).findFirst().orElse(null);
		if (c == null || c.getDataset() == null || m == null || d == null) {
			found.add(new Mismatch(document, at + " data", "calibration data the record was measured on", "none the recipe declares for " + o.getScheme()));
			return null;
		}
		Dataset samples = ctx.read(d, m, c.getSampleCount());
		if (!d.getName().equals(c.getDataset().getName()) || !samples.preprocessing().equals(c.getDataset().getPreprocessing())
				|| samples.size() != c.getSampleCount()) {
			found.add(new Mismatch(document, at + " data", c.getDataset().getName() + ", " + c.getDataset().getPreprocessing() + ", " + c.getSampleCount()
					+ " samples", d.getName() + ", " + samples.preprocessing() + ", " + samples.size() + " samples (as the recipe declares it now)"));
			return null;
		}
		return new CalibrationSamples(samples, model, d.getName());
	}

	/** "N calibration samples of D", as the notes say it. */
	String described() {
		return data.size() + " calibration samples of " + dataset;
	}
}
