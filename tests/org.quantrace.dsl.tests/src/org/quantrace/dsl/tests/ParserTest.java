package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.Assignment;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.IGrammarAccess;
import org.eclipse.xtext.ParserRule;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.Comparator;
import org.quantrace.model.recipe.CriterionKind;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.DatasetRole;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.recipe.ExclusionKind;
import org.quantrace.model.recipe.FallbackSearch;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Interpolation;
import org.quantrace.model.recipe.Layout;
import org.quantrace.model.recipe.Metric;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.RankSelection;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.RecipeFile;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.recipe.Unit;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/** The language reads every clause into the recipe metamodel, with the values as written. */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class ParserTest {

	@Inject
	private Recipes recipes;

	@Inject
	private IGrammarAccess grammar;

	@Test
	void theExampleRecipeParsesAndValidatesClean() {
		XtextResource r = recipes.load(TestData.example("fashion_cnn.qr"));
		List<Issue> issues = recipes.validate(r);
		assertTrue(issues.isEmpty(), Recipes.describe(issues));
		Recipe recipe = Recipes.root(r).getRecipes().get(0);
		assertEquals("fashion_cnn", recipe.getName());
		assertEquals(List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8"), recipe.getSchemes().stream().map(QuantizationConfig::getName).toList());
		assertEquals(QuantizationTechnique.FULL_INTEGER, recipe.getSchemes().get(3).getTechnique(), "presets resolve to their definitions");
		assertEquals("CONV-FASHION-CNN-1", recipe.getConversionId());
	}

	@Test
	void everyClauseIsRead() {
		XtextResource r = recipes.load(TestData.data("recipes/everything.qr"));
		List<Issue> issues = recipes.validate(r);
		assertTrue(issues.stream().noneMatch(i -> i.getSeverity() == Severity.ERROR), Recipes.describe(issues));
		RecipeFile file = Recipes.root(r);
		assertEquals("shared.qr", file.getImports().get(0).getImportURI());

		Preprocessing gray = (Preprocessing) file.getDeclarations().get(0);
		assertEquals(List.of(28, 28, 28, 28), List.of(gray.getResizeWidth(), gray.getResizeHeight(), gray.getCropWidth(), gray.getCropHeight()));
		assertEquals(Interpolation.BICUBIC, gray.getInterpolation());
		assertEquals(ColorMode.GRAYSCALE, gray.getColorMode());
		assertEquals(1 / 255.0, gray.getScale(), 0);
		assertEquals(List.of(0.5), gray.getMean());
		assertEquals(List.of(0.25), gray.getStd());
		assertEquals("28 x 28 grayscale in [0, 1]", gray.getDescription());

		QuantizationConfig careful = (QuantizationConfig) file.getDeclarations().get(1);
		assertEquals("fiq_int8", careful.getBase().getName());
		assertEquals(IOType.INT8, careful.getIo());
		assertEquals(Granularity.PER_CHANNEL, careful.getWeights().getGranularity());
		assertEquals(Precision.UINT8, careful.getActivations().getPrecision());
		assertTrue(careful.isReduceRange());
		assertTrue(careful.isFloatSlowKernels());
		assertEquals(17, careful.getOpset());
		Calibration cal = careful.getCalibration();
		assertEquals(CalibrationMethod.PERCENTILE, cal.getMethod());
		assertEquals(99.99, cal.getPercentile(), 0);
		assertEquals("shared_calib", cal.getDataset().getName());
		assertEquals(List.of(16, 200, 4096), List.of(cal.getBatchSize(), cal.getSamples(), cal.getBins()));
		assertEquals(ExclusionKind.OP_TYPE, careful.getExclusions().get(0).getKind());
		assertEquals("Softmax", careful.getExclusions().get(0).getPattern());
		assertEquals("probabilities stay float", careful.getExclusions().get(0).getReason());
		assertEquals(ExclusionKind.NODE, careful.getExclusions().get(1).getKind());
		assertEquals("head/*", careful.getExclusions().get(1).getPattern());
		assertEquals("/c2/Conv", careful.getOverrides().get(0).getLayer());
		assertEquals(Precision.INT16, careful.getOverrides().get(0).getWeights().getPrecision());
		assertEquals(-1.5, careful.getOverrides().get(0).getRangeMin(), 0);
		assertEquals(6, careful.getOverrides().get(0).getRangeMax(), 0);

		Recipe e = file.getRecipes().get(0);
		assertEquals("J. Doe", e.getResponsible());
		assertEquals("OPT-7.2", e.getOptimizationId());
		assertEquals(42L, e.getSeed());
		assertEquals("shared_model", e.getUsedModels().get(0).getName());
		assertEquals("1.0.2", e.getUsedModels().get(0).getVersion());
		ModelDeclaration lean = (ModelDeclaration) e.getDeclarations().get(0);
		assertEquals(List.of("models/lean.onnx", "SW-LEAN", "3", "PyTorch 1.13", "the lean variant"),
				List.of(lean.getPath(), lean.getModelId(), lean.getVersion(), lean.getFramework(), lean.getDescription()));
		assertSame(gray, lean.getPreprocessing());
		DatasetDeclaration calib = (DatasetDeclaration) e.getDeclarations().get(1);
		assertEquals(DatasetRole.CALIBRATION, calib.getRole());
		assertEquals(DatasetFormat.FOLDER, calib.getFormat());
		assertEquals(List.of("png", "jpg"), calib.getExtensions());
		assertEquals(300, calib.getSamples());
		DatasetDeclaration val = (DatasetDeclaration) e.getDeclarations().get(2);
		assertTrue(val.isMultilabel());
		assertEquals(List.of("sleeves", "footwear"), val.getLabelColumns());
		Preprocessing unnamed = (Preprocessing) e.getDeclarations().get(3);
		assertNull(unnamed.getName());
		assertEquals(List.of(0.485, 0.456, 0.406), unnamed.getMean());
		assertEquals(Layout.NHWC, unnamed.getLayout());

		assertEquals(List.of(TrainingOperation.DROPOUT, TrainingOperation.BATCH_NORMALIZATION), e.getConversion().getEliminate());
		assertFalse(e.getConversion().isFoldConstants());
		assertEquals(13, e.getConversion().getTargetOpset());
		assertEquals(PruningCriterion.L2_MAGNITUDE, e.getPruning().getCriterion());
		assertEquals(PruningPattern.BLOCK, e.getPruning().getPattern());
		assertEquals(List.of(2, 2), List.of(e.getPruning().getBlockRows(), e.getPruning().getBlockColumns()));
		assertEquals(65, e.getPruning().getSparsity(), 0);
		assertEquals(80, e.getPruning().getLayerSparsities().get(0).getSparsity(), 0);
		assertEquals(List.of("/c1/Conv", "/l2/Gemm"), e.getPruning().getExcludes());
		assertEquals(RankSelection.ENERGY, e.getFactorization().getRankSelection());
		assertEquals(95, e.getFactorization().getValue(), 0);

		assertEquals(List.of(Metric.BINARY_ACCURACY, Metric.F1, Metric.HAMMING_LOSS, Metric.JACCARD), e.getEvaluation().getMetrics());
		assertEquals(0.25, e.getEvaluation().getTolerance(), 0);
		assertEquals(CriterionKind.DROP, e.getAcceptance().get(0).getKind());
		assertEquals(Comparator.LESS, e.getAcceptance().get(0).getComparator());
		assertEquals(Unit.POINTS, e.getAcceptance().get(0).getUnit());
		assertEquals(CriterionKind.ABSOLUTE, e.getAcceptance().get(1).getKind(), "no 'drop': an absolute bound");
		assertFalse(e.getAcceptance().get(1).isSetUnit());
		assertEquals(Unit.PERCENT, e.getAcceptance().get(2).getUnit());
		assertEquals(DebugMetric.SQNR, e.getDebugging().get(0).getMetric());
		assertEquals(20, e.getDebugging().get(0).getThreshold(), 0);
		assertEquals(FallbackSearch.BISECTION, e.getRecovery().getSearch());
		assertEquals(8, e.getRecovery().getMaxTrials());
	}

	@Test
	void everyFeatureOfTheRecipeMetamodelHasSyntax() {
		Set<String> assigned = new TreeSet<>();
		for (ParserRule rule : GrammarUtil.allParserRules(grammar.getGrammar())) {
			for (Assignment a : EcoreUtil2.getAllContentsOfType(rule, Assignment.class)) {
				EClassifier type = GrammarUtil.containingRule(a).getType().getClassifier();
				assigned.add(type.getName() + "." + a.getFeature());
			}
		}
		List<String> missing = new ArrayList<>();
		for (EClassifier c : RecipePackage.eINSTANCE.getEClassifiers()) {
			if (c instanceof EClass k && !k.isAbstract()) {
				for (EStructuralFeature f : k.getEAllStructuralFeatures()) {
					if (!assigned.contains(k.getName() + "." + f.getName())) {
						missing.add(k.getName() + "." + f.getName());
					}
				}
			}
		}
		assertTrue(missing.isEmpty(), "metamodel features the language cannot write: " + missing);
	}

	@Test
	void theDecksTwelveModelsTimesFiveSchemesAreOneRecipe() {
		StringBuilder text = new StringBuilder("recipe smartwatch {\n");
		for (String width : List.of("lean", "fat")) {
			for (String crop : List.of("0_3_bottom_left", "0_5_top_left", "4_7_bottom_left", "0_0_bottom_left", "7_7_bottom_right", "3_3_center")) {
				text.append("\tmodel ").append(width).append("_").append(crop).append(" \"models/").append(width).append("/").append(crop).append(".onnx\"\n");
			}
		}
		text.append("\tdataset calib \"data/calibration\" role calibration\n\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8\n}\n");
		XtextResource r = recipes.load(TestData.tempDir("deck"), "deck.qr", text.toString());
		List<Issue> errors = recipes.validate(r).stream().filter(i -> i.getSeverity() == Severity.ERROR).toList();
		assertTrue(errors.isEmpty(), Recipes.describe(errors));
		Recipe recipe = Recipes.root(r).getRecipes().get(0);
		long models = recipe.getDeclarations().stream().filter(ModelDeclaration.class::isInstance).count();
		assertEquals(60, models * recipe.getSchemes().size(), "pipelines");
	}

	/** A word of the language is a name like any other (KeywordNamesTest tries them all; this was an error before). */
	@Test
	void aKeywordMayBeAName() {
		XtextResource r = recipes.load(TestData.tempDir("keyword"), "k.qr", "recipe recover {\n}\n");
		List<Issue> errors = recipes.validate(r).stream().filter(i -> i.getSeverity() == Severity.ERROR && !i.getCode().equals("no-model")).toList();
		assertEquals(List.of(), errors, Recipes.describe(errors));
		assertEquals("recover", Recipes.root(r).getRecipes().get(0).getName());
	}

	@Test
	void syntaxErrorsSayWhereAndWhat() {
		XtextResource r = recipes.load(TestData.tempDir("syntax"), "broken.qr", "recipe r {\n\tmodel m \"m.onnx\"\n\tprune { sparsity 50 }\n}\n");
		List<Issue> issues = recipes.validate(r).stream().filter(i -> i.getSeverity() == Severity.ERROR).toList();
		assertEquals(1, issues.size(), Recipes.describe(issues));
		assertEquals(3, issues.get(0).getLineNumber());
		assertEquals("syntax", issues.get(0).getCode());
		assertTrue(issues.get(0).getMessage().contains("'%'"), "a percentage needs its sign: " + issues.get(0).getMessage());
	}
}
