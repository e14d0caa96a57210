package org.quantrace.runner;

import java.util.List;

import org.quantrace.dsl.SchemeChain;
import org.quantrace.dsl.validation.RecipeValidator;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.Exclusion;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.LayerOverride;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.TensorQuantization;

/**
 * The one place a recipe scheme becomes the engine's {@link QuantizationSpec}: every option as its
 * {@code extends} chain says ({@link SchemeChain}, which the validator reads too), in the engine's terms.
 * A run resolves each scheme once, when it starts.
 */
public final class SchemeResolver {

	private SchemeResolver() {
	}

	/** The engine's spec of a recipe scheme, its exclusions' lines counted in the file that declares it. */
	public static QuantizationSpec resolve(QuantizationConfig config) {
		return resolve(config, config.eResource());
	}

	/**
	 * The engine's spec of a recipe scheme, as a run of the recipe file {@code recipeFile} gives it: an exclusion written in
	 * another file (an imported one) names that file ({@link #excludedBy}).
	 */
	private static QuantizationSpec resolve(QuantizationConfig config, org.eclipse.emf.ecore.resource.Resource recipeFile) {
		QuantizationSpec.Builder b = QuantizationSpec.builder(config.getName())
				.technique(QuantizationSpec.Technique.valueOf(SchemeChain.technique(config).name()))
				.io(QuantizationSpec.IoType.valueOf(SchemeChain.io(config).name()))
				.weights(tensor(config, true))
				.activations(tensor(config, false))
				.reduceRange(SchemeChain.reduceRange(config))
				.kernels(QuantizationSpec.Kernels.valueOf(SchemeChain.kernels(config).name()))
				.opset(SchemeChain.opset(config));
		if (SchemeChain.floatSlowKernels(config)) { // unset keeps the engine's default (its system property)
			b.floatSlowKernels(true);
		}
		b.biasCorrection(SchemeChain.biasCorrection(config));
		Calibration c = SchemeChain.calibration(config);
		if (c != null) {
			b.calibration(new CalibrationSettings(CalibrationSettings.Method.valueOf(c.getMethod().name()), c.getPercentile(),
					c.getAveragingConstant(), c.getBins(), c.getBatchSize(), c.getSamples(), c.isUnclipped()));
		}
		List<QuantizationConfig> chain = SchemeChain.of(config);
		for (int i = chain.size() - 1; i >= 0; i--) { // base first, so the refining scheme's entries win
			chain.get(i).getExclusions().forEach(e -> b.exclude(switch (e.getKind()) {
			case NODE -> Exclusion.Kind.NODE;
			case OP_TYPE -> Exclusion.Kind.OP;
			}, e.getPattern(), e.getReason(), excludedBy(e, recipeFile)));
			for (LayerOverride o : chain.get(i).getOverrides()) {
				Range forced = o.isSetRangeMin() && o.isSetRangeMax() ? new Range(o.getRangeMin(), o.getRangeMax()) : null;
				b.override(new QuantizationSpec.Override(o.getLayer(), partial(o.getWeights()), partial(o.getActivations()), forced));
			}
		}
		return b.build();
	}

	/**
	 * Who excluded a node, as its reason says it: "the recipe, line 12" (the line of the exclude clause in the recipe's file),
	 * "the recipe file shared.qr, line 3" for a clause of a file the recipe imports, so that an assessor finds the line. The
	 * file is the clause's against the recipe's, not the scheme's: a scheme declared in an imported file and run as it is said
	 * "the recipe, line 3", a line of the recipe that says something else (excl67).
	 */
	static String excludedBy(org.quantrace.model.recipe.Exclusion e, org.eclipse.emf.ecore.resource.Resource recipeFile) {
		org.eclipse.xtext.nodemodel.INode node = org.eclipse.xtext.nodemodel.util.NodeModelUtils.getNode(e);
		if (node == null) {
			return Exclusion.RECIPE;
		}
		org.eclipse.emf.ecore.resource.Resource own = e.eResource();
		boolean otherFile = own != null && recipeFile != null && own != recipeFile;
		return org.quantrace.engine.ExcludedBy.recipeLine(otherFile ? own.getURI().lastSegment() : null, node.getStartLine());
	}

	/** The scheme as {@code recipe} runs it: its spec and where it calibrates. */
	static ResolvedScheme resolve(QuantizationConfig config, Recipe recipe) {
		QuantizationSpec spec = resolve(config, recipe.eResource());
		return new ResolvedScheme(config, spec, spec.technique() == QuantizationSpec.Technique.FULL_INTEGER ? calibrationData(config, recipe) : null);
	}

	/** Where a scheme calibrates: its own 'calibrate ... on', else the recipe's one calibration dataset. */
	static DatasetDeclaration calibrationData(QuantizationConfig config, Recipe recipe) {
		Calibration c = SchemeChain.calibration(config);
		if (c != null && c.getDataset() != null) {
			return c.getDataset();
		}
		List<DatasetDeclaration> sets = RecipeValidator.calibrationDatasets(recipe);
		return sets.isEmpty() ? null : sets.get(0);
	}

	private static TensorSpec tensor(QuantizationConfig c, boolean weights) {
		return new TensorSpec(QuantType.valueOf(SchemeChain.precision(c, weights).name()),
				QuantizationSpec.Symmetry.valueOf(SchemeChain.scheme(c, weights).name()),
				QuantizationSpec.Granularity.valueOf(SchemeChain.granularity(c, weights).name()));
	}

	/** A layer override's settings: what it leaves unset stays null (the scheme's). */
	private static TensorSpec partial(TensorQuantization t) {
		if (t == null) {
			return null;
		}
		return new TensorSpec(t.isSetPrecision() ? QuantType.valueOf(t.getPrecision().name()) : null,
				t.isSetScheme() ? QuantizationSpec.Symmetry.valueOf(t.getScheme().name()) : null,
				t.isSetGranularity() ? QuantizationSpec.Granularity.valueOf(t.getGranularity().name()) : null);
	}
}
