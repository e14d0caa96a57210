package org.quantrace.dsl.validation;

import java.util.Set;

/**
 * Every diagnostic of the recipe language has one of these stable codes: the editor, the language
 * server, {@code quantrace validate} and the runner print the same code for the same problem, and
 * documentation and quick fixes can refer to it.
 */
public final class IssueCodes {

	// syntax and linking (reported by the parser and the linker, coded here so that they print like the rest)
	public static final String SYNTAX = "syntax";
	public static final String UNKNOWN_REFERENCE = "unknown-reference";
	public static final String UNKNOWN_SCHEME = "unknown-scheme";
	public static final String IMPORT_NOT_FOUND = "import-not-found";
	public static final String IMPORT_NOT_RECIPE = "import-not-recipe";
	public static final String IMPORT_ABSOLUTE = "import-absolute";
	public static final String IMPORT_CYCLE = "import-cycle";
	public static final String IMPORT_BROKEN = "import-broken";
	public static final String EMPTY_FILE = "empty-file";
	/** A recipe file that is not UTF-8 text (Latin-1, UTF-16): {@link RecipeEncoding}. */
	public static final String FILE_ENCODING = "file-encoding";
	/** A look-alike or unseen character where the recipe's words stand (a curly quote, a no-break space), or a text direction control: {@link RecipeCharacters}. */
	public static final String CONFUSABLE_CHARACTER = "confusable-character";
	/** A name the parser cannot read: 'extends', a word with a hyphen (per-channel), an id's form (W-NHWC). */
	public static final String INVALID_NAME = "invalid-name";

	// declarations
	public static final String DUPLICATE_NAME = "duplicate-name";
	public static final String DUPLICATE_SETTING = "duplicate-setting";
	/** A list naming one entry twice ({@code schemes fiq_int8, drq, fiq_int8}): RecipeListValidator. */
	public static final String DUPLICATE_ENTRY = "duplicate-entry";
	public static final String RESERVED_NAME = "reserved-name";
	public static final String MISSING_MODEL_PATH = "missing-model-path";
	public static final String MISSING_DATASET_PATH = "missing-dataset-path";
	public static final String PATH_NOT_FOUND = "path-not-found";
	/** A path that must name a file (a model, a label file, a recipe) names a folder. */
	public static final String NOT_A_FILE = "not-a-file";
	/** Two models of one recipe declare the same id and version: the logs could not tell them apart. */
	public static final String DUPLICATE_MODEL_ID = "duplicate-model-id";
	public static final String SYMBOLIC_LINK = "symbolic-link";
	public static final String AMBIGUOUS_PREPROCESSING = "ambiguous-preprocessing";
	public static final String INVALID_PREPROCESSING = "invalid-preprocessing";
	/** A mean or std with another number of values than the color mode's channels (three means for grayscale). */
	public static final String CHANNEL_COUNT = "channel-count";
	/** A preprocess block whose steps the dataset's reader does not apply (.npy/.npz arrays fed as stored, a CSV table scaled only). */
	public static final String PREPROCESSING_NO_EFFECT = "preprocessing-no-effect";
	public static final String MISSING_LABELS = "missing-labels";

	// steps
	public static final String SPARSITY_RANGE = "sparsity-range";
	public static final String PRUNING_SHAPE = "pruning-shape";
	/** Criterion activation with a pattern other than channel: it scores whole channels, not groups of weights. */
	public static final String PRUNING_CRITERION = "pruning-criterion";
	/** Criterion activation without exactly one dataset with role calibration to score the channels on. */
	public static final String MISSING_PRUNING_DATA = "missing-pruning-data";
	/** A prune step's samples with a weight criterion, which reads no samples (only criterion activation scores channels on them). */
	public static final String PRUNING_OPTION_UNUSED = "pruning-option-unused";
	public static final String RANK_RANGE = "rank-range";
	public static final String PERCENTILE_RANGE = "percentile-range";
	public static final String CALIBRATION_OPTION_UNUSED = "calibration-option-unused";
	public static final String MISSING_CALIBRATION_DATA = "missing-calibration-data";
	public static final String INCOMPATIBLE_PRECISION = "incompatible-precision";
	public static final String PER_CHANNEL_ACTIVATIONS = "per-channel-activations";
	public static final String DRQ_INTEGER_IO = "drq-integer-io";
	/** A setting of a scheme of technique none, which quantizes nothing (a warning: such a scheme may be a base its extensions use). */
	public static final String UNUSED_SETTING = "unused-setting";
	/**
	 * A setting the scheme's technique does not use (calibrate or activations in a dynamic-range scheme, kernels in a full-integer
	 * one): an error, as {@code quantrace quantize} refuses the option (one rule, {@link org.quantrace.model.SchemeSettings}).
	 */
	public static final String TECHNIQUE_SETTING = "technique-setting";
	public static final String CYCLIC_BASE = "cyclic-base";
	public static final String LAYER_RANGE = "layer-range";
	public static final String METRIC_NOT_EVALUATED = "metric-not-evaluated";
	public static final String MISSING_EVALUATION = "missing-evaluation";
	public static final String METRIC_TASK_MISMATCH = "metric-task-mismatch";
	/** One evaluation step names class metrics (accuracy...) and metrics of outputs against a reference (mse, psnr, ssim). */
	public static final String METRIC_KIND_MIX = "metric-kind-mix";
	/** An acceptance criterion's unit does not fit its metric: dB on a metric other than psnr, pt on a psnr or mse bound. */
	public static final String METRIC_UNIT = "metric-unit";
	/** A psnr or mse drop: the recipe measures outputs against the original's, whose own mse is 0 and psnr infinite. */
	public static final String FIDELITY_DROP = "fidelity-drop";
	/**
	 * 'range R nominal' on an evaluation that scores classes: the word states psnr and ssim's data range, which such an evaluation
	 * does not compute (a warning: it has no effect).
	 */
	public static final String NOMINAL_RANGE_UNUSED = "nominal-range-unused";
	/** A dataset's targets (tensors the outputs are measured against) on a dataset that is not one .npy array. */
	public static final String TARGETS_FORMAT = "targets-format";
	/** A dataset with both targets and labels: outputs are measured against the one or scored against the other. */
	public static final String TARGETS_WITH_LABELS = "targets-with-labels";
	public static final String DEBUG_NOT_FULL_INTEGER = "debug-not-full-integer";
	public static final String SCHEME_NOT_RUN = "scheme-not-run";
	public static final String DATASET_ROLE = "dataset-role";
	public static final String NO_MODEL = "no-model";
	public static final String VALUE_RANGE = "value-range";
	/**
	 * An evaluation's data range R that the reference's span refuses (ReferenceSpan: it spans less than R/10 or more than R,
	 * and the range is not stated nominal), found by the run after the evaluation's pass, on the range clause: a code of its own,
	 * not value-range's (a number out of its allowed interval), so an editor or a script can tell it and offer its fixes.
	 */
	public static final String DATA_RANGE = "data-range";

	// found by the runner when it reads the data, before any work (the language cannot read models or images)
	public static final String DATA_SHAPE = "data-shape";
	/** A dataset's samples are of another element type than the model's input (dtype uint8 for a float model). */
	public static final String DATA_TYPE = "data-type";
	public static final String LABEL_RANGE = "label-range";
	/** A dataset that cannot be read as declared (a file among its samples that looks like one but is not of its extensions). */
	public static final String DATA_UNREADABLE = "data-unreadable";
	/** A warning: files in a dataset folder that are not read (a README.txt, a .DS_Store), named. */
	public static final String DATA_UNREAD_FILES = "data-unread-files";
	/** A warning: a class folder of a dataset holds no sample (its class is neither evaluated nor calibrated on). */
	public static final String DATA_EMPTY_CLASS = "data-empty-class";
	/** A warning: a dataset declares more samples than it holds ({@code samples 5000} on 1,000 images); every step reads what it holds. */
	public static final String DATA_SAMPLES = "data-samples";
	/**
	 * A warning: a scheme's calibration reads fewer samples than engine.calibrate's CalibrationSize advises ({@code samples 1}),
	 * on the samples clause's line, with what it costs; {@code quantize --samples} says the same by the same rule.
	 */
	public static final String CALIBRATION_SAMPLES = "calibration-samples";
	/**
	 * A warning: the evaluation's top-k accuracy with k not below a model's classes (k 5 on 4 classes), 1 for every model by
	 * definition, on the top-k clause's line (else the metrics'); {@code evaluate --top-k} says the same by the same rule.
	 */
	public static final String TOP_K_CLASSES = "top-k-classes";

	/** A model file that does not load (not ONNX, empty, a folder), on the model's line: found when the run or validate reads it. */
	public static final String MODEL_UNREADABLE = "model-unreadable";
	/**
	 * A model ONNX Runtime loads but cannot run on the first sample of a dataset that fits its declared input (a Reshape's constant
	 * shape, a layer sized for another input size), on the model's line: found when the run or validate runs it on that sample.
	 */
	public static final String MODEL_UNRUNNABLE = "model-unrunnable";
	/** A model the recipe quantizes is quantized already (QuantizeLinear/DequantizeLinear, integer kernels). */
	public static final String MODEL_QUANTIZED = "model-quantized";
	/** A model holds a random op without a seed (RandomNormalLike ...): ONNX Runtime draws other values in every process. */
	public static final String MODEL_RANDOM = "model-random";
	/** validate: a file of several recipes, which run refuses (a run takes a file of one), on the second recipe's line. */
	public static final String SEVERAL_RECIPES = "several-recipes";
	/**
	 * A warning: a model the recipe quantizes is weight-only quantized (a dynamic-range output: int8 weights read through Cast
	 * and Mul); it computes in float, but its weights would be rounded again and it would be recorded as the float original.
	 */
	public static final String MODEL_WEIGHT_ONLY = "model-weight-only";
	/**
	 * A warning on a model's framework clause: the ONNX file's producer (producer_name/producer_version) contradicts the
	 * framework and version the recipe declares (runner FrameworkClause holds the rule).
	 */
	public static final String MODEL_FRAMEWORK = "model-framework";
	/**
	 * A warning: a scheme that quantizes nothing (technique none, the preset unquantized) evaluates a model that is quantized
	 * already (a quantization-aware-trained export): its variant runs the codes the training chose, which Quantrace neither
	 * calibrated nor chose, under the scheme's name.
	 */
	public static final String MODEL_TRAINED_CODES = "model-trained-codes";

	// the logs as documents
	public static final String MISSING_APPROVER = "missing-approver";
	/** approved-by "" (or a blank author, modifier, reviewer): the log says "not declared". */
	public static final String BLANK_NAME = "blank-name";
	public static final String INVALID_DATE = "invalid-date";
	/** A history entry dated after today (validate, the editor) or after the run's date (run): a revision that has not happened. */
	public static final String FUTURE_DATE = "future-date";
	public static final String DISSEMINATION_LEVEL = "dissemination-level";
	/** A path that cannot be a file name on this system (a NUL in it, an accented letter under the ASCII locale LANG=C). */
	public static final String PATH_ENCODING = "path-encoding";
	/** A text the documents show, longer than they have room for (a 2 MB responsible): {@link RecipeTextLengthValidator}. */
	public static final String TEXT_LENGTH = "text-length";

	/**
	 * Warnings in the editor that stop a run: a file that is missing while the recipe is being written is
	 * normal, at run time it is an error.
	 */
	public static final Set<String> ERRORS_AT_RUN = Set.of(PATH_NOT_FOUND);

	private IssueCodes() {
	}
}
