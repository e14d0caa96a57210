/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl.validation;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.naming.QualifiedName;
import org.eclipse.xtext.resource.IEObjectDescription;
import org.eclipse.xtext.scoping.IScopeProvider;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.ComposedChecks;
import org.quantrace.dsl.DocumentInfos;
import org.quantrace.dsl.SchemeChain;
import org.quantrace.model.CalibrationLimits;
import org.quantrace.model.OpsetLimits;
import org.quantrace.model.SchemeSettings;
import org.quantrace.model.DatasetFormats;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.DatasetRole;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.DocumentInfo;
import org.quantrace.model.recipe.Declaration;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.FactorizationStep;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.LayerOverride;
import org.quantrace.model.recipe.LayerSparsity;
import org.quantrace.model.recipe.CriterionKind;
import org.quantrace.model.recipe.Metric;
import org.quantrace.model.recipe.Unit;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.ConversionStep;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.PruningStep;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.RecipeFile;
import org.quantrace.model.recipe.RecipePackage.Literals;
import org.quantrace.model.recipe.RevisionEntry;
import org.quantrace.model.recipe.TensorQuantization;
import org.quantrace.model.trace.ArtifactKind;

import com.google.inject.Inject;

/**
 * The recipe rules, shared by the editor, the language server, {@code quantrace validate} and the runner.
 * Each diagnostic has a code from {@link IssueCodes} and says what is wrong and how to fix it. Rules about
 * files live in {@link RecipePathValidator}.
 */
@ComposedChecks(validators = { RecipePathValidator.class, RecipeListValidator.class, RecipeFileNameValidator.class, RecipeTextLengthValidator.class })
public class RecipeValidator extends AbstractRecipeValidator {

	/** Metrics evaluated when the recipe names none: the results deck's columns. */
	public static final Set<Metric> DEFAULT_METRICS = EnumSet.of(Metric.ACCURACY, Metric.PRECISION, Metric.RECALL, Metric.F1,
			Metric.BALANCED_ACCURACY, Metric.COHEN_KAPPA);
	public static final Set<Metric> DEFAULT_MULTILABEL_METRICS = EnumSet.of(Metric.BINARY_ACCURACY, Metric.PRECISION, Metric.RECALL,
			Metric.F1, Metric.HAMMING_LOSS, Metric.JACCARD);
	/** Measured on every evaluation, whatever the metrics. */
	static final Set<Metric> ALWAYS_MEASURED = EnumSet.of(Metric.MODEL_SIZE, Metric.LATENCY);
	/** Metrics of outputs that are no class scores, measured against the original model's outputs. */
	public static final Set<Metric> RECONSTRUCTION_METRICS = EnumSet.of(Metric.MSE, Metric.PSNR, Metric.SSIM);
	private static final Set<Metric> MULTILABEL_ONLY = EnumSet.of(Metric.BINARY_ACCURACY, Metric.HAMMING_LOSS, Metric.JACCARD,
			Metric.SUBSET_ACCURACY);
	private static final Set<Metric> SINGLE_LABEL_ONLY = EnumSet.of(Metric.TOPK_ACCURACY, Metric.BALANCED_ACCURACY, Metric.COHEN_KAPPA);
	/**
	 * The names the runner gives a model's float stages, its model files models/MODEL/NAME.onnx beside the
	 * schemes' (the trace's artifact kinds but the quantized one): a scheme may not take them.
	 */
	public static final List<String> FLOAT_STAGES = ArtifactKind.VALUES.stream().filter(k -> k != ArtifactKind.QUANTIZED)
			.map(ArtifactKind::getLiteral).toList();

	@Inject
	private IQualifiedNameProvider names;

	@Inject
	private IScopeProvider scopes;

	// ------------------------------------------------------------------ names and repeated settings

	@Check
	public void namesAreUnique(RecipeFile file) {
		Map<QualifiedName, Declaration> seen = new HashMap<>();
		List<Declaration> all = new ArrayList<>(file.getDeclarations());
		all.addAll(file.getRecipes());
		file.getRecipes().forEach(r -> all.addAll(r.getDeclarations()));
		for (Declaration d : all) {
			QualifiedName name = d.getName() == null ? null : names.getFullyQualifiedName(d);
			if (name == null) {
				continue;
			}
			Declaration first = seen.putIfAbsent(name, d);
			if (first != null) {
				error("'" + d.getName() + "' is already declared (" + kind(first) + " on line " + line(first) + "): give each declaration its own name",
						d, Literals.DECLARATION__NAME, IssueCodes.DUPLICATE_NAME);
			}
		}
	}

	/**
	 * Two models of one recipe with the same id and version: the conversion and optimization logs identify a model by them,
	 * so an assessor could not tell which log is whose (a copied model line, its id left as it was).
	 */
	@Check
	public void modelIdsAreUnique(Recipe r) {
		Map<List<String>, ModelDeclaration> seen = new HashMap<>();
		for (Declaration d : r.getDeclarations()) {
			if (d instanceof ModelDeclaration m && m.getModelId() != null) {
				ModelDeclaration first = seen.putIfAbsent(java.util.Arrays.asList(m.getModelId(), m.getVersion()), m);
				if (first != null) {
					error("model '" + m.getName() + "' has the id " + m.getModelId() + (m.getVersion() == null ? "" : " version " + m.getVersion())
							+ " of model '" + first.getName() + "' (line " + line(first) + "): the logs name models by id and version: give each model its own",
							m, Literals.MODEL_DECLARATION__MODEL_ID, IssueCodes.DUPLICATE_MODEL_ID);
				}
			}
		}
	}

	/** A file that declares nothing is refused as {@code run} refuses it (a file of shared declarations is fine: recipes import it). */
	@Check
	public void fileDeclaresSomething(RecipeFile file) {
		if (file.getRecipes().isEmpty() && file.getDeclarations().isEmpty()) {
			error("the file holds no recipe and no declaration: write a recipe, e.g. recipe NAME { model m \"models/m.onnx\" schemes fiq_int8 }",
					file, null, IssueCodes.EMPTY_FILE);
		}
	}

	/** A clause given twice in one block ("sparsity 50% ... sparsity 60%") is ambiguous: the grammar lets it parse, this refuses it. */
	@Check
	public void settingsAreNotRepeated(EObject object) {
		for (EStructuralFeature f : object.eClass().getEAllStructuralFeatures()) {
			if (f.isMany() || f.isDerived() || f.isTransient()) {
				continue;
			}
			List<INode> nodes = NodeModelUtils.findNodesForFeature(object, f);
			if (nodes.size() > 1) {
				INode again = nodes.get(1);
				getMessageAcceptor().acceptError(
						"'" + words(f.getName()) + "' is set twice in this " + block(object) + " (first on line " + nodes.get(0).getStartLine()
								+ "): keep one",
						object, again.getOffset(), again.getLength(), IssueCodes.DUPLICATE_SETTING);
			}
		}
	}

	// ------------------------------------------------------------------ declarations

	@Check
	public void modelHasAFile(ModelDeclaration m) {
		if (m.getPath() == null || m.getPath().isBlank()) {
			error("model '" + m.getName() + "' has no file: write its ONNX path after the name, e.g. model " + m.getName() + " \"models/"
					+ m.getName() + ".onnx\"", m, Literals.DECLARATION__NAME, IssueCodes.MISSING_MODEL_PATH);
		}
	}

	@Check
	public void datasetHasAPath(DatasetDeclaration d) {
		if (d.getPath() == null || d.getPath().isBlank()) {
			error("dataset '" + d.getName() + "' has no path: write its folder or file after the name, e.g. dataset " + d.getName()
					+ " \"data/" + d.getName() + "\"", d, Literals.DECLARATION__NAME, IssueCodes.MISSING_DATASET_PATH);
		}
		if (d.getSamples() < 0) {
			error("samples must be 0 (all) or more", d, Literals.DATASET_DECLARATION__SAMPLES, IssueCodes.VALUE_RANGE);
		}
	}

	/**
	 * Targets are read as the reference of each sample, one .npy array [N, ...] in the data's order, as {@code quantrace evaluate
	 * --targets} reads them: only an .npy dataset has an order both files share by construction (a folder's is its file names', a
	 * CSV's its rows'), and a dataset is either scored against labels or measured against targets, not both.
	 */
	@Check
	public void targetsAreTensorsOfAnNpyDataset(DatasetDeclaration d) {
		if (d.getTargets() == null) {
			return;
		}
		if (d.getLabels() != null) {
			error("dataset '" + d.getName() + "' has both labels and targets: an evaluation scores classes against labels or measures outputs"
					+ " against targets; keep the one its model's output needs", d, Literals.DATASET_DECLARATION__TARGETS, IssueCodes.TARGETS_WITH_LABELS);
		}
		DatasetFormat format = d.getPath() == null ? null : DatasetFormats.of(d, RecipePathValidator.resolve(d, d.getPath()));
		if (format != null && format != DatasetFormat.NPY) {
			error("targets are read for an .npy dataset only (one array [N, ...] of inputs, one of targets, in the same order), and '"
					+ d.getName() + "' is " + format.getLiteral() + " data: save its inputs as an .npy array (numpy.save) in the targets' order",
					d, Literals.DATASET_DECLARATION__TARGETS, IssueCodes.TARGETS_FORMAT);
		}
	}

	/** Whether the evaluation measures outputs against target tensors its dataset names (not against the original's outputs). */
	public static boolean againstTargets(EvaluationStep e) {
		return e.getDataset() != null && !e.getDataset().eIsProxy() && e.getDataset().getTargets() != null;
	}

	@Check
	public void oneDefaultPreprocessing(Recipe r) {
		List<Preprocessing> unnamed = r.getDeclarations().stream().filter(Preprocessing.class::isInstance).map(Preprocessing.class::cast)
				.filter(p -> p.getName() == null).toList();
		for (Preprocessing p : unnamed.subList(Math.min(1, unnamed.size()), unnamed.size())) {
			error("a second unnamed preprocess block: which one applies is ambiguous. Name them (preprocess gray { ... }) and say which"
					+ " dataset or model uses which (preprocessing gray)", p, null, IssueCodes.AMBIGUOUS_PREPROCESSING);
		}
	}

	@Check
	public void preprocessingIsPossible(Preprocessing p) {
		if (isSet(p, Literals.PREPROCESSING__RESIZE_WIDTH) && (p.getResizeWidth() <= 0 || p.getResizeHeight() <= 0)) {
			error("resize needs a positive width and height, e.g. resize 224 x 224", p, Literals.PREPROCESSING__RESIZE_WIDTH,
					IssueCodes.INVALID_PREPROCESSING);
		}
		if (isSet(p, Literals.PREPROCESSING__CROP_WIDTH) && (p.getCropWidth() <= 0 || p.getCropHeight() <= 0)) {
			error("crop needs a positive width and height, e.g. crop 224 x 224", p, Literals.PREPROCESSING__CROP_WIDTH, IssueCodes.INVALID_PREPROCESSING);
		}
		if (p.getResizeWidth() > 0 && (p.getCropWidth() > p.getResizeWidth() || p.getCropHeight() > p.getResizeHeight())) {
			error("the crop (" + p.getCropWidth() + " x " + p.getCropHeight() + ") is larger than the resized image (" + p.getResizeWidth() + " x "
					+ p.getResizeHeight() + "): crop at most the resized size", p, Literals.PREPROCESSING__CROP_WIDTH, IssueCodes.INVALID_PREPROCESSING);
		}
		if (p.getScale() <= 0) {
			error("scale must be positive, e.g. scale 1/255", p, Literals.PREPROCESSING__SCALE, IssueCodes.INVALID_PREPROCESSING);
		}
		if (!p.getStd().isEmpty() && p.getStd().stream().anyMatch(s -> s <= 0)) {
			error("every std must be positive: inputs are divided by it", p, Literals.PREPROCESSING__STD, IssueCodes.INVALID_PREPROCESSING);
		}
		int m = p.getMean().size();
		int s = p.getStd().size();
		if (m > 1 && s > 1 && m != s) {
			error("mean has " + m + " values and std " + s + ": give one value per channel to both, or one value for all channels",
					p, Literals.PREPROCESSING__STD, IssueCodes.INVALID_PREPROCESSING);
		}
	}

	/**
	 * grayscale makes one channel, rgb and bgr three: a mean or std with another number of values (three ImageNet means on a
	 * grayscale model) was taken without a word, its first value applied to the one channel.
	 */
	@Check
	public void meanAndStdFitTheChannels(Preprocessing p) {
		if (!isSet(p, Literals.PREPROCESSING__COLOR_MODE)) {
			return;
		}
		int channels = p.getColorMode() == org.quantrace.model.recipe.ColorMode.GRAYSCALE ? 1 : 3;
		for (EStructuralFeature f : List.of(Literals.PREPROCESSING__MEAN, Literals.PREPROCESSING__STD)) {
			int n = ((List<?>) p.eGet(f)).size();
			if (n > 1 && n != channels) {
				error(f.getName() + " has " + n + " values but " + p.getColorMode().getLiteral() + " gives " + channels + " channel" + (channels == 1 ? "" : "s")
						+ ": give " + (channels == 1 ? "one value" : "one value, or three (one per channel)"), p, f, IssueCodes.CHANNEL_COUNT);
			}
		}
	}

	/**
	 * A preprocess block that applies to a .npy/.npz dataset (arrays fed as stored) or a CSV table (features used as read, only
	 * scaled) has steps its reader does not take: they were ignored without a word (a recipe's unnamed 'grayscale scale 1/255'
	 * meant for images, an .npy of raw pixels fed 0..255). Said on the dataset, with what does apply: the record of the dataset's
	 * preprocessing (the reader's) says the same. For every model of the recipe, as each may bring its own block.
	 */
	@Check
	public void preprocessingTakesEffect(Recipe r) {
		List<ModelDeclaration> models = new ArrayList<>();
		r.getDeclarations().stream().filter(ModelDeclaration.class::isInstance).map(ModelDeclaration.class::cast).forEach(models::add);
		models.addAll(r.getUsedModels());
		if (models.isEmpty()) {
			models.add(null);
		}
		for (DatasetDeclaration d : r.getDeclarations().stream().filter(DatasetDeclaration.class::isInstance).map(DatasetDeclaration.class::cast).toList()) {
			DatasetFormat format = d.getPath() == null ? null : DatasetFormats.of(d, RecipePathValidator.resolve(d, d.getPath()));
			if (format == null || DatasetFormats.takes(format, Literals.PREPROCESSING__COLOR_MODE)) {
				continue;
			}
			Set<Preprocessing> blocks = new LinkedHashSet<>();
			models.forEach(m -> blocks.add(org.quantrace.dsl.PreprocessingBlocks.of(r, d, m)));
			for (Preprocessing p : blocks) {
				if (p == null || p.eIsProxy()) {
					continue;
				}
				List<String> ignored = new ArrayList<>();
				List<String> applied = new ArrayList<>();
				for (EStructuralFeature step : PREPROCESSING_STEPS) {
					String text = stepText(p, step);
					if (text != null) {
						(DatasetFormats.takes(format, step) ? applied : ignored).add(text);
					}
				}
				if (ignored.isEmpty()) {
					continue;
				}
				boolean own = d.getPreprocessing() == p;
				String which = (p.getName() == null ? "the recipe's preprocess block" : "preprocess block " + p.getName()) + " on line " + line(p);
				String reads = format == DatasetFormat.CSV ? "a CSV table, whose features are used as read" + (applied.isEmpty() ? "" : " and only scaled")
						: "." + format.getLiteral() + " arrays, which are fed as stored";
				String fix = format == DatasetFormat.CSV
						? (own ? "remove them from the block (a table takes only a scale)" : "give the dataset a block of its own with only a scale, if any"
								+ " (preprocess features { scale 1/16 } and preprocessing features)")
						: "store the arrays as the model reads them" + (own ? ", and remove 'preprocessing " + p.getName() + "' from the dataset"
								: "; to say the block is not this dataset's, give the dataset an empty one (preprocess raw { } and preprocessing raw)");
				warning("dataset " + d.getName() + " reads " + reads + ": the step" + (ignored.size() == 1 ? " " : "s ") + String.join(", ", ignored)
						+ " of " + which + (ignored.size() == 1 ? " does" : " do") + " not apply to it" + (applied.isEmpty() ? "" : " (its "
								+ String.join(", ", applied) + " does)") + ". " + Character.toUpperCase(fix.charAt(0)) + fix.substring(1),
						d, own ? Literals.DATASET_DECLARATION__PREPROCESSING : Literals.DECLARATION__NAME, IssueCodes.PREPROCESSING_NO_EFFECT);
			}
		}
	}

	/** A preprocess block's steps, in the order a reader applies them. */
	private static final List<EStructuralFeature> PREPROCESSING_STEPS = List.of(Literals.PREPROCESSING__COLOR_MODE, Literals.PREPROCESSING__RESIZE_WIDTH,
			Literals.PREPROCESSING__INTERPOLATION, Literals.PREPROCESSING__CROP_WIDTH, Literals.PREPROCESSING__SCALE, Literals.PREPROCESSING__MEAN,
			Literals.PREPROCESSING__STD, Literals.PREPROCESSING__LAYOUT, Literals.PREPROCESSING__DATA_TYPE);

	/** How the block writes {@code step} ("grayscale", "resize 28 x 28", "scale 1/255", "mean 0.5, 0.4"); null when it does not. */
	private static String stepText(Preprocessing p, EStructuralFeature step) {
		List<INode> nodes = NodeModelUtils.findNodesForFeature(p, step);
		if (nodes.isEmpty() && !p.eIsSet(step)) {
			return null;
		}
		String values = nodes.isEmpty() ? String.valueOf(p.eGet(step)) : String.join(", ", nodes.stream().map(n -> NodeModelUtils.getTokenText(n)).toList());
		if (step == Literals.PREPROCESSING__COLOR_MODE) {
			return values;
		}
		if (step == Literals.PREPROCESSING__RESIZE_WIDTH) {
			return "resize " + p.getResizeWidth() + " x " + p.getResizeHeight();
		}
		if (step == Literals.PREPROCESSING__CROP_WIDTH) {
			return "crop " + p.getCropWidth() + " x " + p.getCropHeight();
		}
		return (step == Literals.PREPROCESSING__DATA_TYPE ? "dtype" : step.getName()) + " " + values;
	}

	// ------------------------------------------------------------------ pruning and factorization

	@Check
	public void sparsityIsAFraction(PruningStep p) {
		if (p.getSparsity() < 0 || p.getSparsity() >= 100) {
			error("sparsity " + num(p.getSparsity()) + "% is outside [0, 100): it is the share of weights removed, e.g. sparsity 50%", p,
					Literals.PRUNING_STEP__SPARSITY, IssueCodes.SPARSITY_RANGE);
		}
		if (p.getBlockRows() < 1 || p.getBlockColumns() < 1) {
			error("a block has at least 1 x 1 weights, e.g. pattern block 4 x 1", p, Literals.PRUNING_STEP__BLOCK_ROWS, IssueCodes.PRUNING_SHAPE);
		}
		if (p.getVectorLength() < 1) {
			error("a vector has at least one weight, e.g. pattern vector length 4", p, Literals.PRUNING_STEP__VECTOR_LENGTH,
					IssueCodes.PRUNING_SHAPE);
		}
	}

	/**
	 * The activation criterion scores whole channels by their activations on the recipe's calibration dataset: the channel pattern
	 * and exactly one dataset with role calibration (the run would otherwise stop at the prune step).
	 */
	@Check
	public void activationCriterionHasChannelsAndData(PruningStep p) {
		if (p.getCriterion() != org.quantrace.model.recipe.PruningCriterion.ACTIVATION) {
			if (isSet(p, Literals.PRUNING_STEP__SAMPLES)) { // the run reads no data for a weight criterion: the clause would say nothing true
				warning("samples is used by criterion activation only, which scores channels on the calibration samples; " + p.getCriterion().getLiteral()
						+ " reads no samples and ignores it", p, Literals.PRUNING_STEP__SAMPLES, IssueCodes.PRUNING_OPTION_UNUSED);
			}
			return;
		}
		if (p.getPattern() != org.quantrace.model.recipe.PruningPattern.CHANNEL) {
			error("criterion activation scores whole channels, not the " + p.getPattern().getLiteral() + " pattern's groups of weights: write pattern channel,"
					+ " or criterion l1-magnitude or l2-magnitude", p, Literals.PRUNING_STEP__CRITERION, IssueCodes.PRUNING_CRITERION);
		}
		int sets = calibrationDatasets(org.eclipse.xtext.EcoreUtil2.getContainerOfType(p, Recipe.class)).size();
		if (sets != 1) {
			error("criterion activation scores channels on the recipe's dataset with role calibration, and the recipe declares " + sets
					+ ": declare exactly one (e.g. dataset calib \"data/calibration\" role calibration)", p, Literals.PRUNING_STEP__CRITERION,
					IssueCodes.MISSING_PRUNING_DATA);
		}
	}

	@Check
	public void layerSparsityIsAFraction(LayerSparsity l) {
		if (l.getSparsity() < 0 || l.getSparsity() >= 100) {
			error("sparsity " + num(l.getSparsity()) + "% of layer '" + l.getLayer() + "' is outside [0, 100)", l, Literals.LAYER_SPARSITY__SPARSITY,
					IssueCodes.SPARSITY_RANGE);
		}
	}

	@Check
	public void rankIsPossible(FactorizationStep f) {
		if (!isSet(f, Literals.FACTORIZATION_STEP__VALUE)) {
			error("factorize needs a rank: energy P% (retained squared singular values), rank R or rank-ratio F", f, null, IssueCodes.RANK_RANGE);
			return;
		}
		double v = f.getValue();
		String problem = switch (f.getRankSelection()) {
		case ENERGY -> v <= 0 || v > 100 ? "energy " + num(v) + "% is outside (0, 100]" : null;
		case FIXED_RANK -> v < 1 || v != Math.rint(v) ? "rank " + num(v) + " is not a whole number of at least 1" : null;
		case RANK_RATIO -> v <= 0 || v >= 1 ? "rank-ratio " + num(v) + " is outside (0, 1): it is the kept share of the full rank" : null;
		};
		if (problem != null) {
			error(problem, f, Literals.FACTORIZATION_STEP__VALUE, IssueCodes.RANK_RANGE);
		}
	}

	/** A conversion's target opset that Quantrace cannot write stops the run at the conversion, where no line can be named: said here. */
	@Check
	public void conversionOpsetIsPossible(ConversionStep c) {
		String problem = writtenZero(c, Literals.CONVERSION_STEP__TARGET_OPSET) ? ZERO_OPSET : OpsetLimits.targetProblem(c.getTargetOpset());
		if (problem != null) {
			error(problem, c, Literals.CONVERSION_STEP__TARGET_OPSET, IssueCodes.VALUE_RANGE);
		}
	}

	/**
	 * A scheme's opset: not newer than Quantrace can write, and not older than its QuantizeLinear/DequantizeLinear need
	 * (13, 21 with int16 tensors). Checked on the opset the scheme ends up with, at its own clause or, when inherited, its name.
	 */
	@Check
	public void schemeOpsetIsPossible(QuantizationConfig c) {
		if (writtenZero(c, Literals.QUANTIZATION_CONFIG__OPSET)) {
			error(ZERO_OPSET, c, Literals.QUANTIZATION_CONFIG__OPSET, IssueCodes.VALUE_RANGE);
			return;
		}
		String problem = opsetProblem(c);
		if (problem == null) {
			return;
		}
		if (c.getOpset() > 0) {
			error(problem, c, Literals.QUANTIZATION_CONFIG__OPSET, IssueCodes.VALUE_RANGE);
			return;
		}
		// an inherited opset that this scheme's own settings make wrong (a quantizing scheme extending 'technique none' with opset 11,
		// int16 tensors): the base's check passed, so it is said here, else the run stopped at quantization without a line
		QuantizationConfig base = c.getBase() == null || c.getBase().eIsProxy() ? null : c.getBase();
		if (base != null && !problem.equals(opsetProblem(base))) {
			QuantizationConfig from = SchemeChain.of(c).stream().filter(x -> x.getOpset() > 0).findFirst().orElse(base);
			error(problem + " (" + c.getName() + " takes opset " + SchemeChain.opset(c) + " from " + from.getName() + ": give " + c.getName()
					+ " an opset of its own)", c, Literals.DECLARATION__NAME, IssueCodes.VALUE_RANGE);
		}
	}

	/** An opset clause written as 'opset 0', which the model holds as "not given" (the run kept the model's opset and said nothing). */
	private static final String ZERO_OPSET = "opset 0 is no ONNX opset (they start at 1): write the opset to convert to, or leave opset out to keep the model's";

	/** Whether {@code o}'s int {@code f} is 0 though the text writes it (an absent clause is 0 as well). */
	private static boolean writtenZero(org.eclipse.emf.ecore.EObject o, org.eclipse.emf.ecore.EAttribute f) {
		return Integer.valueOf(0).equals(o.eGet(f)) && !NodeModelUtils.findNodesForFeature(o, f).isEmpty();
	}

	/** What is wrong with the opset a scheme ends up with, for what the scheme does (quantize, with int16 or not); null: nothing. */
	private static String opsetProblem(QuantizationConfig c) {
		int opset = SchemeChain.opset(c);
		boolean quantizes = SchemeChain.technique(c) != QuantizationTechnique.NONE;
		boolean int16 = SchemeChain.precision(c, true) == Precision.INT16 || SchemeChain.precision(c, false) == Precision.INT16;
		return quantizes ? OpsetLimits.quantizationProblem(opset, int16) : OpsetLimits.targetProblem(opset);
	}

	// ------------------------------------------------------------------ the logs as documents

	/** Dissemination levels of EU-funded deliverables (public, sensitive, the classified EU levels, and CO of older programmes). */
	public static final List<String> DISSEMINATION_LEVELS = List.of("PU", "SEN", "CO", "EU-R", "EU-C", "EU-S");

	/**
	 * An approved log names its approver: a warning while drafting, an error once the document says approval is required.
	 * A recipe without a document block writes logs whose Documentation Information names no approver and no reviewer
	 * ("not declared"): a warning on the recipe's name too (the assessor's pass: the block left out, nothing said).
	 */
	@Check
	public void documentHasAnApprover(Recipe r) {
		if (r.getDocument() == null) {
			warning("recipe '" + r.getName() + "' declares no document block: its logs (PhIMT0002, PhIMT0003) will name no approver and no reviewer"
					+ " (Documentation Information, 'Approved by' and 'Reviewed by': not declared): add document { approved-by \"NAME\" reviewed-by \"NAME\" }"
					+ " to the recipe, or document extends PROJECT { } to take them from a shared document", r, Literals.DECLARATION__NAME,
					IssueCodes.MISSING_APPROVER);
			return;
		}
		DocumentInfo resolved = DocumentInfos.resolve(r.getDocument());
		if (resolved.getApprovedBy().stream().allMatch(String::isBlank)) { // approved-by "" names nobody either
			String message = "the logs name no approver (Documentation Information, 'Approved by'): add approved-by \"NAME\" to the document"
					+ (r.getDocument().getBase() != null && !r.getDocument().getBase().eIsProxy() ? " or to '" + r.getDocument().getBase().getName() + "'" : "");
			if (DocumentInfos.approvalRequired(resolved)) {
				error(message + "; the document says approval required", r.getDocument(), null, IssueCodes.MISSING_APPROVER);
			} else {
				warning(message, r.getDocument(), null, IssueCodes.MISSING_APPROVER);
			}
		}
	}

	/** A name clause with a blank name ("") names nobody: the log would say "not declared" where the recipe seems to fill it in. */
	@Check
	public void documentNamesAreNotBlank(DocumentInfo d) {
		for (EStructuralFeature f : List.<EStructuralFeature>of(Literals.DOCUMENT_INFO__AUTHORS, Literals.DOCUMENT_INFO__MODIFIED_BY,
				Literals.DOCUMENT_INFO__REVIEWED_BY, Literals.DOCUMENT_INFO__APPROVED_BY)) {
			@SuppressWarnings("unchecked")
			List<String> names = (List<String>) d.eGet(f);
			for (int i = 0; i < names.size(); i++) {
				if (names.get(i).isBlank()) {
					String clause = f == Literals.DOCUMENT_INFO__AUTHORS ? "author" : f == Literals.DOCUMENT_INFO__MODIFIED_BY ? "modified-by"
							: f == Literals.DOCUMENT_INFO__REVIEWED_BY ? "reviewed-by" : "approved-by";
					warning("a blank name in the document's " + clause + " names nobody: the logs will say 'not declared' there; write the person's name,"
							+ " or leave the name out", d, f, i, IssueCodes.BLANK_NAME);
				}
			}
		}
	}

	@Check
	public void documentChainEnds(DocumentInfo d) {
		List<DocumentInfo> chain = DocumentInfos.chain(d);
		DocumentInfo last = chain.get(chain.size() - 1);
		if (last.getBase() != null && chain.contains(last.getBase())) {
			error("document '" + d.getName() + "' extends itself through "
					+ String.join(" -> ", chain.stream().map(x -> x.getName() == null ? "(unnamed)" : x.getName()).toList()) + ": break the cycle", d,
					Literals.DOCUMENT_INFO__BASE, IssueCodes.CYCLIC_BASE);
		}
	}

	/** Dates as the templates write them, and real ones (the template's own "31.04.2024" is not). */
	@Check
	public void documentDatesExist(DocumentInfo d) {
		if (d.getDeadline() != null) {
			checkDate(d.getDeadline(), d, Literals.DOCUMENT_INFO__DEADLINE);
		}
		java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC); // the logs' dates are UTC
		for (RevisionEntry e : d.getHistory()) {
			java.time.LocalDate date = checkDate(e.getDate(), e, Literals.REVISION_ENTRY__DATE);
			if (date != null && date.isAfter(today)) {
				error(futureHistory(e, date, today, "today"), e, Literals.REVISION_ENTRY__DATE, IssueCodes.FUTURE_DATE);
			}
		}
	}

	/**
	 * Why a history entry dated after {@code limit} is refused, and what to do: the logs print it in their Review /
	 * Modification History above the run that wrote them, a revision filed before it happened.
	 */
	public static String futureHistory(RevisionEntry e, java.time.LocalDate date, java.time.LocalDate limit, String what) {
		java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("uuuu/MM/dd");
		return "history entry \"" + e.getVersion() + "\" is dated " + f.format(date) + ", after " + what + " (" + f.format(limit)
				+ "): the logs would record a revision that has not happened yet; date it on or before " + f.format(limit)
				+ ", or add the entry once that version exists";
	}

	/** The date {@code date} names, or null (an error then) when it names none. */
	private java.time.LocalDate checkDate(String date, EObject o, EStructuralFeature f) {
		try {
			return java.time.LocalDate.parse(date, java.time.format.DateTimeFormatter.ofPattern("uuuu/M/d").withResolverStyle(java.time.format.ResolverStyle.STRICT));
		} catch (java.time.format.DateTimeParseException e) {
			error("'" + date + "' is no date: write YYYY/MM/DD with a month from 1 to 12 and a day that month has, e.g. 2024/04/30", o, f,
					IssueCodes.INVALID_DATE);
			return null;
		}
	}

	@Check
	public void disseminationLevelIsKnown(DocumentInfo d) {
		if (d.getDissemination() != null && !DISSEMINATION_LEVELS.contains(d.getDissemination())) {
			warning("dissemination level '" + d.getDissemination() + "' is not one the AI-FSM templates use: write one of "
					+ String.join(", ", DISSEMINATION_LEVELS) + " (PU public, SEN sensitive)", d, Literals.DOCUMENT_INFO__DISSEMINATION,
					IssueCodes.DISSEMINATION_LEVEL);
		}
	}

	// ------------------------------------------------------------------ quantization schemes

	@Check
	public void baseChainEnds(QuantizationConfig c) {
		Set<QuantizationConfig> seen = new LinkedHashSet<>();
		for (QuantizationConfig x = c; x != null && !x.eIsProxy(); x = x.getBase()) {
			if (!seen.add(x)) {
				error("scheme '" + c.getName() + "' extends itself through " + String.join(" -> ", seen.stream().map(QuantizationConfig::getName).toList())
						+ ": break the cycle", c, Literals.QUANTIZATION_CONFIG__BASE, IssueCodes.CYCLIC_BASE);
				return;
			}
		}
	}

	@Check
	public void schemeNameIsFree(QuantizationConfig c) {
		if (FLOAT_STAGES.contains(c.getName())) {
			error("'" + c.getName() + "' names the model's " + c.getName() + " float stage (models/MODEL/" + c.getName()
					+ ".onnx): a scheme of that name would overwrite it. Name the scheme otherwise, e.g. " + c.getName() + "_int8", c,
					Literals.DECLARATION__NAME, IssueCodes.RESERVED_NAME);
		}
	}

	@Check
	public void schemeIsPossible(QuantizationConfig c) {
		QuantizationTechnique technique = SchemeChain.technique(c);
		IOType io = SchemeChain.io(c);
		if (technique == QuantizationTechnique.DYNAMIC_RANGE && io != IOType.FLOAT32) {
			error("dynamic-range quantization keeps float32 inputs and outputs (activations are quantized at run time): use io float32,"
					+ " or technique full-integer for " + io.getLiteral() + " I/O", c, ioOrTechnique(c), IssueCodes.DRQ_INTEGER_IO);
		}
		String integerIo = SchemeSettings.integerIoProblem(io.getLiteral(), SchemeChain.precision(c, false) == Precision.INT16 ? 16 : 8);
		if (technique == QuantizationTechnique.FULL_INTEGER && integerIo != null) {
			error(integerIo + ": use io float32, or 8-bit activations", c, ioOrTechnique(c), IssueCodes.INCOMPATIBLE_PRECISION);
		}
		String reduced = SchemeSettings.reduceRangeProblem(SchemeChain.precision(c, true) == Precision.INT16 ? 16 : 8);
		if (SchemeChain.reduceRange(c) && reduced != null) {
			error(reduced + ": drop reduce-range or use int8 weights", c, Literals.QUANTIZATION_CONFIG__REDUCE_RANGE, IssueCodes.INCOMPATIBLE_PRECISION);
		}
		Calibration calibration = SchemeChain.calibration(c);
		if (technique == QuantizationTechnique.FULL_INTEGER && calibration != null) {
			String problem = CalibrationLimits.activationBitsProblem(calibration.getMethod().getLiteral(), activationBits(c));
			if (problem != null) {
				error(problem, c, c.getCalibration() != null ? Literals.QUANTIZATION_CONFIG__CALIBRATION : Literals.DECLARATION__NAME,
						IssueCodes.INCOMPATIBLE_PRECISION);
			}
		}
		if (technique == QuantizationTechnique.NONE) {
			unused(c, "technique none quantizes nothing", Literals.QUANTIZATION_CONFIG__WEIGHTS, Literals.QUANTIZATION_CONFIG__ACTIVATIONS,
					Literals.QUANTIZATION_CONFIG__CALIBRATION, Literals.QUANTIZATION_CONFIG__IO, Literals.QUANTIZATION_CONFIG__KERNELS,
					Literals.QUANTIZATION_CONFIG__FLOAT_SLOW_KERNELS, Literals.QUANTIZATION_CONFIG__BIAS_CORRECTION);
		} else {
			notOfTechnique(c, technique, SchemeSettings.Setting.CALIBRATION, Literals.QUANTIZATION_CONFIG__CALIBRATION, "calibrate");
			notOfTechnique(c, technique, SchemeSettings.Setting.ACTIVATIONS, Literals.QUANTIZATION_CONFIG__ACTIVATIONS, "activations");
			notOfTechnique(c, technique, SchemeSettings.Setting.KERNELS, Literals.QUANTIZATION_CONFIG__KERNELS, "kernels");
			notOfTechnique(c, technique, SchemeSettings.Setting.FLOAT_SLOW_KERNELS, Literals.QUANTIZATION_CONFIG__FLOAT_SLOW_KERNELS, "float-slow-kernels");
			notOfTechnique(c, technique, SchemeSettings.Setting.BIAS_CORRECTION, Literals.QUANTIZATION_CONFIG__BIAS_CORRECTION, "bias-correction");
		}
	}

	/**
	 * A setting the scheme itself states (not one it inherits: it cannot unset that) that its technique would ignore: an error,
	 * as quantize refuses the option (SchemeSettings, one rule), with how to fix it.
	 */
	private void notOfTechnique(QuantizationConfig c, QuantizationTechnique technique, SchemeSettings.Setting setting, EStructuralFeature f, String keyword) {
		String problem = c.eIsSet(f) ? SchemeSettings.problem(technique, setting, keyword, c.getName()) : null;
		if (problem != null) {
			error(problem + ": drop '" + keyword + "' from " + c.getName() + ", or make it " + setting.usedBy().getLiteral() + " ("
					+ (setting.usedBy() == QuantizationTechnique.DYNAMIC_RANGE ? "extends drq" : "extends fiq_int8, or technique full-integer") + ")", c, f,
					IssueCodes.TECHNIQUE_SETTING);
		}
	}

	@Check
	public void tensorQuantizationIsPossible(TensorQuantization t) {
		boolean activations = t.eContainmentFeature() == Literals.QUANTIZATION_CONFIG__ACTIVATIONS
				|| t.eContainmentFeature() == Literals.LAYER_OVERRIDE__ACTIVATIONS;
		if (activations && t.isSetGranularity() && t.getGranularity() != Granularity.PER_TENSOR) {
			error("activations are quantized per tensor: their ranges come from calibration, one scale per tensor. Per-channel and per-group"
					+ " apply to weights", t, Literals.TENSOR_QUANTIZATION__GRANULARITY, IssueCodes.PER_CHANNEL_ACTIVATIONS);
		}
		if (t.getGranularity() == Granularity.PER_GROUP && t.getGroupSize() <= 0) {
			error("per-group needs its group size, e.g. per-group group-size 32", t, Literals.TENSOR_QUANTIZATION__GRANULARITY,
					IssueCodes.INCOMPATIBLE_PRECISION);
		}
		if (t.getGroupSize() != 0 && t.getGranularity() != Granularity.PER_GROUP) {
			error("group-size applies to per-group quantization only", t, Literals.TENSOR_QUANTIZATION__GROUP_SIZE, IssueCodes.INCOMPATIBLE_PRECISION);
		}
	}

	@Check
	public void calibrationIsPossible(Calibration c) {
		String percentile = c.getMethod() == CalibrationMethod.PERCENTILE ? CalibrationLimits.percentileProblem(c.getPercentile()) : null;
		if (percentile != null) {
			error(percentile, c, Literals.CALIBRATION__PERCENTILE, IssueCodes.PERCENTILE_RANGE);
		}
		boolean histogram = c.getMethod() == CalibrationMethod.PERCENTILE || c.getMethod() == CalibrationMethod.ENTROPY
				|| c.getMethod() == CalibrationMethod.L2;
		if (!histogram && isSet(c, Literals.CALIBRATION__BINS)) {
			warning("bins is used by percentile, entropy and l2 calibration only; " + c.getMethod().getLiteral() + " ignores it", c,
					Literals.CALIBRATION__BINS, IssueCodes.CALIBRATION_OPTION_UNUSED);
		}
		if (c.getMethod() != CalibrationMethod.MOVING_AVERAGE && isSet(c, Literals.CALIBRATION__AVERAGING_CONSTANT)) {
			warning("averaging-constant is used by moving-average calibration only; " + c.getMethod().getLiteral() + " ignores it", c,
					Literals.CALIBRATION__AVERAGING_CONSTANT, IssueCodes.CALIBRATION_OPTION_UNUSED);
		}
		if (histogram && c.isUnclipped()) {
			warning("unclipped keeps minmax and moving-average ranges as measured; " + c.getMethod().getLiteral() + " clips by its own rule and ignores it", c,
					Literals.CALIBRATION__UNCLIPPED, IssueCodes.CALIBRATION_OPTION_UNUSED);
		}
		if (c.getAveragingConstant() <= 0 || c.getAveragingConstant() > 1) {
			error("averaging-constant must be in (0, 1], e.g. 0.01", c, Literals.CALIBRATION__AVERAGING_CONSTANT, IssueCodes.VALUE_RANGE);
		}
		String bins = histogram ? CalibrationLimits.histogramBinsProblem(c.getBins(),
				c.getMethod() == CalibrationMethod.ENTROPY ? CalibrationLimits.ENTROPY_QUANTIZED_BINS : 0) : null;
		if (bins != null) {
			error(bins, c, Literals.CALIBRATION__BINS, IssueCodes.VALUE_RANGE);
		}
		if (c.getBatchSize() < 1) {
			error("batch must be at least 1", c, Literals.CALIBRATION__BATCH_SIZE, IssueCodes.VALUE_RANGE);
		}
		if (c.getSamples() < 0) {
			error("samples must be 0 (all) or more", c, Literals.CALIBRATION__SAMPLES, IssueCodes.VALUE_RANGE);
		}
		DatasetDeclaration d = c.getDataset();
		if (d != null && !d.eIsProxy() && d.isSetRole() && d.getRole() == DatasetRole.EVALUATION) {
			warning("calibrating on the evaluation data makes the evaluation optimistic: calibrate on separate data", c,
					Literals.CALIBRATION__DATASET, IssueCodes.DATASET_ROLE);
		}
	}

	@Check
	public void rangeIsOrdered(LayerOverride o) {
		if (o.isSetRangeMin() && o.isSetRangeMax() && !(o.getRangeMin() < o.getRangeMax())) {
			error("range " + num(o.getRangeMin()) + " to " + num(o.getRangeMax()) + " is empty: write the lower bound first", o,
					Literals.LAYER_OVERRIDE__RANGE_MIN, IssueCodes.LAYER_RANGE);
		}
	}

	// ------------------------------------------------------------------ the recipe as a whole

	@Check
	public void recipeHasAModel(Recipe r) {
		boolean declares = r.getDeclarations().stream().anyMatch(ModelDeclaration.class::isInstance);
		if (!declares && r.getUsedModels().isEmpty()) {
			error("recipe '" + r.getName() + "' has no model to run: declare one (model m \"models/m.onnx\") or name shared ones (models m1, m2)",
					r, Literals.DECLARATION__NAME, IssueCodes.NO_MODEL);
		}
	}

	/** Full-integer schemes calibrate: on their own dataset, else on the recipe's one dataset of role calibration. */
	@Check
	public void fullIntegerSchemesHaveCalibrationData(Recipe r) {
		List<DatasetDeclaration> calibrationSets = calibrationDatasets(r);
		List<QuantizationConfig> used = new ArrayList<>(r.getSchemes());
		for (int i = 0; i < used.size(); i++) {
			QuantizationConfig c = used.get(i);
			if (c.eIsProxy() || SchemeChain.technique(c) != QuantizationTechnique.FULL_INTEGER) {
				continue;
			}
			Calibration cal = SchemeChain.calibration(c);
			if (cal != null && cal.getDataset() != null) {
				continue;
			}
			if (calibrationSets.isEmpty()) {
				error("scheme '" + c.getName() + "' is full-integer and needs calibration data: declare a dataset with role calibration in this"
						+ " recipe, or give the scheme 'calibrate ... on DATASET'" + sharedCalibrationHint(r, c), r, Literals.RECIPE__SCHEMES, i,
						IssueCodes.MISSING_CALIBRATION_DATA);
			} else if (calibrationSets.size() > 1) {
				error("scheme '" + c.getName() + "' could calibrate on " + String.join(" or ", calibrationSets.stream().map(Declaration::getName).toList())
						+ ": say which with 'calibrate ... on DATASET' in the scheme", r, Literals.RECIPE__SCHEMES, i, IssueCodes.MISSING_CALIBRATION_DATA);
			}
		}
	}

	/**
	 * A calibration dataset declared outside the recipe (in its file or an import) is not used on its own: a recipe
	 * calibrates on its own dataset or the one a scheme names. Where one is in sight, say how to name it.
	 */
	private String sharedCalibrationHint(Recipe r, QuantizationConfig c) {
		List<String> shared = new ArrayList<>();
		for (IEObjectDescription d : scopes.getScope(r, Literals.CALIBRATION__DATASET).getAllElements()) {
			EObject o = EcoreUtil.resolve(d.getEObjectOrProxy(), r);
			if (o instanceof DatasetDeclaration ds && ds.isSetRole() && ds.getRole() == DatasetRole.CALIBRATION && !(ds.eContainer() instanceof Recipe)) {
				shared.add("'" + d.getName() + "' (" + o.eResource().getURI().lastSegment() + ")");
			}
		}
		if (shared.isEmpty()) {
			return "";
		}
		String first = shared.get(0).substring(1, shared.get(0).indexOf('\'', 1));
		Calibration own = SchemeChain.calibration(c);
		String method = own == null || own.getMethod() == null ? "minmax" : own.getMethod().getLiteral();
		return "; " + String.join(", ", shared) + (shared.size() == 1 ? " is a calibration dataset" : " are calibration datasets")
				+ " declared outside this recipe, which a scheme uses only when it names it: quantize my_" + c.getName() + " extends " + c.getName()
				+ " { calibrate " + method + " on " + first + " } and schemes my_" + c.getName();
	}

	@Check
	public void evaluationIsPossible(EvaluationStep e) {
		DatasetDeclaration d = e.getDataset();
		if (d == null || d.eIsProxy()) {
			return;
		}
		if (d.isSetRole() && (d.getRole() == DatasetRole.TRAINING || d.getRole() == DatasetRole.CALIBRATION)) {
			warning("evaluating on the " + d.getRole().getLiteral() + " data makes the results optimistic: evaluate on held-out data", e,
					Literals.EVALUATION_STEP__DATASET, IssueCodes.DATASET_ROLE);
		}
		DatasetFormat format = DatasetFormats.of(d, RecipePathValidator.resolve(d, d.getPath()));
		boolean reconstruction = measuresOutputs(e) == Boolean.TRUE;
		if (!e.getMetrics().isEmpty() && reconstruction) {
			for (int i = 0; i < e.getMetrics().size(); i++) {
				Metric m = e.getMetrics().get(i);
				if (!RECONSTRUCTION_METRICS.contains(m) && !ALWAYS_MEASURED.contains(m)) {
					error(m.getLiteral() + " scores classes, and " + String.join(", ", e.getMetrics().stream().filter(RECONSTRUCTION_METRICS::contains)
							.map(Metric::getLiteral).distinct().toList()) + " measure outputs that are no class scores against the original's: one"
							+ " evaluation does one of the two; keep the metrics of the model's output", e, Literals.EVALUATION_STEP__METRICS, i,
							IssueCodes.METRIC_KIND_MIX);
				}
			}
		}
		if (againstTargets(e) && !reconstruction) {
			error("dataset '" + d.getName() + "' has targets, which outputs are measured against (mse, psnr, ssim), and these metrics score"
					+ " classes: name the metrics of outputs, 'metrics mse, psnr, ssim'", e, Literals.EVALUATION_STEP__METRICS, IssueCodes.METRIC_KIND_MIX);
		}
		if (!(e.getDataRange() > 0) || Double.isInfinite(e.getDataRange())) {
			error("range (the data range of the outputs, for psnr and ssim) must be a positive number", e, Literals.EVALUATION_STEP__DATA_RANGE,
					IssueCodes.VALUE_RANGE);
		}
		if (e.isNominalRange() && Boolean.FALSE.equals(measuresOutputs(e))) {
			warning("'nominal' states the data range of psnr and ssim, and this evaluation scores classes: it has no effect; drop it, or name"
					+ " the metrics of outputs, 'metrics mse, psnr, ssim'", e, Literals.EVALUATION_STEP__NOMINAL_RANGE, IssueCodes.NOMINAL_RANGE_UNUSED);
		} else if (e.isNominalRange() && !e.getMetrics().isEmpty() && !e.getMetrics().contains(Metric.PSNR) && !e.getMetrics().contains(Metric.SSIM)) {
			// mse does not depend on R: the run neither holds the range against the reference nor records the word
			warning("'nominal' states the data range of psnr and ssim, and this evaluation computes neither (mse does not depend on the range):"
					+ " it has no effect; drop it, or add psnr or ssim to the metrics", e, Literals.EVALUATION_STEP__NOMINAL_RANGE, IssueCodes.NOMINAL_RANGE_UNUSED);
		}
		// outputs measured against the original's need no labels
		if (!reconstruction && d.getPath() != null && d.getLabels() == null && (format == null ? !d.getPath().toLowerCase(Locale.ROOT).matches(".*\\.(npz|csv|csv\\.gz)") : DatasetFormats.needsLabelFile(format))) {
			error("dataset '" + d.getName() + "' has no label file, so the evaluation cannot score it: add labels \"...\" to the dataset"
					+ " (a JSON class map for folders, .npy for .npy inputs and for an .npz of inputs alone, IDX labels for IDX images)" + (e.getMetrics().isEmpty()
							? "; for a model whose output is no class scores (an image-to-image model) name its metrics instead, 'metrics mse, psnr, ssim'"
									+ " (or state a criterion on one, 'accept when psnr >= 30 dB'): its outputs are measured against the original's, without labels"
							: ""), e, Literals.EVALUATION_STEP__DATASET, IssueCodes.MISSING_LABELS);
		}
		for (int i = 0; i < e.getMetrics().size(); i++) {
			Metric m = e.getMetrics().get(i);
			if (d.isMultilabel() ? SINGLE_LABEL_ONLY.contains(m) : MULTILABEL_ONLY.contains(m)) {
				error(m.getLiteral() + " applies to " + (d.isMultilabel() ? "single-label" : "multilabel") + " data, and '" + d.getName() + "' is "
						+ (d.isMultilabel() ? "multilabel" : "single-label (declare 'multilabel' if it is not)"), e, Literals.EVALUATION_STEP__METRICS, i,
						IssueCodes.METRIC_TASK_MISMATCH);
			}
		}
		if (e.getTopK() < 1) {
			error("top-k must be at least 1", e, Literals.EVALUATION_STEP__TOP_K, IssueCodes.VALUE_RANGE);
		}
		if (e.getTolerance() < 0) {
			error("tolerance must not be negative", e, Literals.EVALUATION_STEP__TOLERANCE, IssueCodes.VALUE_RANGE);
		}
		if (e.getBatchSize() < 1) {
			error("batch must be at least 1", e, Literals.EVALUATION_STEP__BATCH_SIZE, IssueCodes.VALUE_RANGE);
		}
	}

	@Check
	public void acceptanceIsMeasurable(AcceptanceCriterion a) {
		Recipe r = (Recipe) a.eContainer();
		EvaluationStep e = r.getEvaluation();
		if (e == null) {
			error("acceptance needs an evaluation: add 'evaluate on DATASET' to the recipe", a, Literals.ACCEPTANCE_CRITERION__METRIC,
					IssueCodes.MISSING_EVALUATION);
		} else if (!evaluated(e).contains(a.getMetric())) {
			error(a.getMetric().getLiteral() + " is not evaluated, so this criterion cannot be checked: add it to the evaluation's metrics ("
					+ String.join(", ", evaluated(e).stream().map(Metric::getLiteral).toList()) + ")", a, Literals.ACCEPTANCE_CRITERION__METRIC,
					IssueCodes.METRIC_NOT_EVALUATED);
		}
		Unit unit = a.isSetUnit() ? a.getUnit() : a.getKind() == CriterionKind.DROP ? Unit.POINTS : Unit.FRACTION;
		if (unit == Unit.DECIBEL && a.getMetric() != Metric.PSNR) {
			error("dB is the unit of psnr, not of " + a.getMetric().getLiteral(), a, Literals.ACCEPTANCE_CRITERION__UNIT, IssueCodes.METRIC_UNIT);
		} else if (a.getKind() == CriterionKind.DROP && (a.getMetric() == Metric.PSNR || a.getMetric() == Metric.MSE) && (e == null || !againstTargets(e))) {
			// without targets each variant's outputs are measured against the original's: its own mse is 0 and its psnr +inf;
			// against targets the original's figures are finite and a drop from them is measured
			error("a " + a.getMetric().getLiteral() + " drop cannot be measured: outputs are measured against the original's, whose own "
					+ a.getMetric().getLiteral() + " is " + (a.getMetric() == Metric.PSNR ? "infinite" : "0") + "; bound the value instead ("
					+ (a.getMetric() == Metric.PSNR ? "accept when psnr >= 40 dB" : "accept when mse <= 0.0001") + "), or give the evaluation's"
					+ " dataset targets (targets \"clean.npy\") to measure against", a, Literals.ACCEPTANCE_CRITERION__KIND, IssueCodes.FIDELITY_DROP);
		} else if (unit == Unit.POINTS && (a.getMetric() == Metric.PSNR || a.getMetric() == Metric.MSE)) {
			// a drop's unit is points unless written: against targets a user writes "mse drop < 0.0005" and needs the word
			boolean drop = a.getKind() == CriterionKind.DROP;
			error(a.getMetric().getLiteral() + " is no fraction, so points (hundredths) do not apply" + (drop && !a.isSetUnit() ? " (a drop's unit when none is written)" : "")
					+ ": " + (a.getMetric() == Metric.PSNR ? drop ? "write dB (psnr drop < 0.5 dB)" : "write dB (psnr >= 40 dB)"
							: drop ? "write the value with 'fraction' (mse drop < 0.0005 fraction)" : "write the value (mse <= 0.0001)"),
					a, Literals.ACCEPTANCE_CRITERION__UNIT, IssueCodes.METRIC_UNIT);
		}
		for (int i = 0; i < a.getSchemes().size(); i++) {
			QuantizationConfig c = a.getSchemes().get(i);
			if (!c.eIsProxy() && !r.getSchemes().contains(c)) {
				error("scheme '" + c.getName() + "' is not run by this recipe: add it to 'schemes'", a, Literals.ACCEPTANCE_CRITERION__SCHEMES, i,
						IssueCodes.SCHEME_NOT_RUN);
			}
		}
	}

	@Check
	public void debugTargetsFullIntegerSchemes(DebugStep d) {
		Recipe r = (Recipe) d.eContainer();
		for (int i = 0; i < d.getSchemes().size(); i++) {
			QuantizationConfig c = d.getSchemes().get(i);
			if (c.eIsProxy()) {
				continue;
			}
			if (SchemeChain.technique(c) != QuantizationTechnique.FULL_INTEGER) {
				error("the debugger compares the quantized tensors of full-integer models; '" + c.getName() + "' is "
						+ SchemeChain.technique(c).getLiteral(), d, Literals.DEBUG_STEP__SCHEMES, i, IssueCodes.DEBUG_NOT_FULL_INTEGER);
			} else if (!r.getSchemes().contains(c)) {
				error("scheme '" + c.getName() + "' is not run by this recipe: add it to 'schemes'", d, Literals.DEBUG_STEP__SCHEMES, i,
						IssueCodes.SCHEME_NOT_RUN);
			}
		}
		if (d.getMetric() == DebugMetric.COSINE && (d.getThreshold() < -1 || d.getThreshold() > 1)) {
			error("a cosine similarity is within [-1, 1]", d, Literals.DEBUG_STEP__THRESHOLD, IssueCodes.VALUE_RANGE);
		} else if (d.getMetric() != DebugMetric.SQNR && d.getMetric() != DebugMetric.COSINE && d.getThreshold() <= 0) {
			error("an error threshold must be positive (healthy rmse/scale is about 0.289)", d, Literals.DEBUG_STEP__THRESHOLD, IssueCodes.VALUE_RANGE);
		}
		if (d.getSamples() < 1) {
			error("samples must be at least 1", d, Literals.DEBUG_STEP__SAMPLES, IssueCodes.VALUE_RANGE);
		}
	}

	// ------------------------------------------------------------------ helpers

	/**
	 * The metrics an evaluation computes: those named, else the deck's for its task (mse, psnr and ssim when it measures outputs
	 * against the original's, see {@link #measuresOutputs}); size and latency always.
	 */
	public static Set<Metric> evaluated(EvaluationStep e) {
		boolean multilabel = e.getDataset() != null && !e.getDataset().eIsProxy() && e.getDataset().isMultilabel();
		Set<Metric> m = EnumSet.noneOf(Metric.class);
		m.addAll(!e.getMetrics().isEmpty() ? e.getMetrics() : measuresOutputs(e) == Boolean.TRUE ? RECONSTRUCTION_METRICS
				: multilabel ? DEFAULT_MULTILABEL_METRICS : DEFAULT_METRICS);
		m.addAll(ALWAYS_MEASURED);
		return m;
	}

	/**
	 * Whether an evaluation measures outputs against the original's (mse, psnr, ssim: an image-to-image model) rather than scoring
	 * classes, as far as the recipe tells: TRUE when it names such a metric, FALSE when it names others; with no {@code metrics},
	 * TRUE when its dataset names targets (tensors to measure outputs against),
	 * TRUE when an acceptance criterion of the recipe bounds mse, psnr or ssim (the recipe's criteria then speak of outputs, and
	 * an image model needs no labels), FALSE when one bounds a class metric, else null: the model's first output decides when
	 * the run loads it (class scores or not), as {@code quantrace evaluate} does. The runner resolves the engine's task from this.
	 */
	public static Boolean measuresOutputs(EvaluationStep e) {
		if (e.getMetrics().isEmpty() && againstTargets(e)) {
			return Boolean.TRUE;
		}
		if (!e.getMetrics().isEmpty()) {
			return e.getMetrics().stream().anyMatch(RECONSTRUCTION_METRICS::contains);
		}
		if (!(e.eContainer() instanceof Recipe r)) {
			return null;
		}
		List<Metric> bounded = r.getAcceptance().stream().map(AcceptanceCriterion::getMetric).filter(x -> x != null && !ALWAYS_MEASURED.contains(x)).toList();
		return bounded.stream().anyMatch(RECONSTRUCTION_METRICS::contains) ? Boolean.TRUE : bounded.isEmpty() ? null : Boolean.FALSE;
	}

	/** The recipe's datasets of role calibration (a scheme without 'calibrate ... on' uses the only one). */
	public static List<DatasetDeclaration> calibrationDatasets(Recipe r) {
		return r.getDeclarations().stream().filter(DatasetDeclaration.class::isInstance).map(DatasetDeclaration.class::cast)
				.filter(d -> d.isSetRole() && d.getRole() == DatasetRole.CALIBRATION).toList();
	}

	/** The widest activations of the scheme: its own (or its chain's), or a layer override's. */
	private static int activationBits(QuantizationConfig c) {
		boolean int16 = SchemeChain.precision(c, false) == Precision.INT16 || SchemeChain.of(c).stream().flatMap(x -> x.getOverrides().stream())
				.anyMatch(o -> o.getActivations() != null && o.getActivations().isSetPrecision() && o.getActivations().getPrecision() == Precision.INT16);
		return int16 ? 16 : 8;
	}

	private void unused(QuantizationConfig c, String why, EStructuralFeature... features) {
		for (EStructuralFeature f : features) {
			if (c.eIsSet(f)) {
				warning(why + ": its " + words(f.getName()) + " setting is ignored", c, f, IssueCodes.UNUSED_SETTING);
			}
		}
	}

	private static EStructuralFeature ioOrTechnique(QuantizationConfig c) {
		return c.isSetIo() ? Literals.QUANTIZATION_CONFIG__IO : c.isSetTechnique() ? Literals.QUANTIZATION_CONFIG__TECHNIQUE : Literals.DECLARATION__NAME;
	}

	private static boolean isSet(EObject o, EStructuralFeature f) {
		return !NodeModelUtils.findNodesForFeature(o, f).isEmpty() || o.eIsSet(f);
	}

	private static int line(EObject o) {
		INode n = NodeModelUtils.getNode(o);
		return n == null ? 0 : n.getStartLine();
	}

	private static String kind(Declaration d) {
		return words(d.eClass().getName().replace("Declaration", "")).replace("quantization config", "scheme");
	}

	private static String block(EObject o) {
		return switch (o.eClass().getName()) {
		case "PruningStep" -> "prune block";
		case "ConversionStep" -> "convert block";
		case "FactorizationStep" -> "factorize block";
		case "QuantizationConfig" -> "scheme";
		case "TensorQuantization" -> "precision setting";
		case "Preprocessing" -> "preprocess block";
		case "DocumentInfo" -> "document block";
		default -> words(o.eClass().getName());
		};
	}

	/** resizeWidth → "resize width". */
	static String words(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
	}

	static String num(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
	}
}
