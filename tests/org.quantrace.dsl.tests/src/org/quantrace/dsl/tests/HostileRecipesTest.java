package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.SchemeChain;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.impl.QuantizationConfigImpl;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/**
 * The example recipe as a new user gets it wrong (a hostile pass over the language): saved by a Windows editor, a model
 * named by its folder, a model line copied with its id, a name with an accent, a folder given for the recipe. Each is one
 * error at its line saying what to write, or no error where nothing is wrong.
 */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class HostileRecipesTest {

	private static Path dir;
	private static String example;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = Recipes.exampleSurroundings("hostile"); // the example's files, so that only the mistake under test speaks
		example = Files.readString(TestData.example("fashion_cnn.qr"));
	}

	private List<Issue> errors(String name, String text) {
		return recipes.validate(recipes.load(dir, name, text)).stream().filter(i -> i.getSeverity() == Severity.ERROR).toList();
	}

	private static long lineOf(String text, String part) {
		return text.lines().takeWhile(l -> !l.contains(part)).count() + 1;
	}

	/** The one error of {@code text}, asserted of code {@code code} and on the line holding {@code part}. */
	private Issue theError(String name, String text, String code, String part) {
		List<Issue> errors = errors(name, text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(code, errors.get(0).getCode(), Recipes.describe(errors));
		assertEquals(lineOf(text, part), errors.get(0).getLineNumber().longValue(), Recipes.describe(errors));
		return errors.get(0);
	}

	/** Notepad's UTF-8 starts with a byte order mark: it was a syntax error at 1:1 naming an invisible character. */
	@Test
	void aByteOrderMarkIsWhiteSpace() throws IOException {
		Path file = dir.resolve("bom.qr");
		byte[] text = example.getBytes(StandardCharsets.UTF_8);
		byte[] bom = new byte[text.length + 3];
		bom[0] = (byte) 0xEF;
		bom[1] = (byte) 0xBB;
		bom[2] = (byte) 0xBF;
		System.arraycopy(text, 0, bom, 3, text.length);
		Files.write(file, bom);
		List<Issue> issues = recipes.validate(recipes.load(file));
		assertEquals(List.of(), issues, Recipes.describe(issues));
	}

	@Test
	void windowsLineEndingsAndTabsReadAsTheyLook() {
		List<Issue> issues = errors("crlf.qr", example.replace("\n", "\r\n").replace("\t", "\t \t"));
		assertEquals(List.of(), issues, Recipes.describe(issues));
	}

	/** The run refused it with exit 2 but no line; validate said nothing. */
	@Test
	void aModelNamedByItsFolderIsAnErrorThatNamesTheFilesInside() {
		String text = example.replace("\"model/fashion_cnn_trained.onnx\"", "\"model\"");
		List<Issue> errors = errors("folder.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		Issue i = errors.get(0);
		assertEquals(IssueCodes.NOT_A_FILE, i.getCode());
		assertEquals(lineOf(text, "\"model\""), i.getLineNumber().longValue());
		assertEquals("the model \"model\" is a folder, not a file: give the file's path, e.g. \"model/fashion_cnn_trained.onnx\"", i.getMessage());
	}

	@Test
	void aLabelFileNamedByItsFolderIsAnError() {
		String text = example.replace("labels \"data/labels.json\"", "labels \"data\"");
		List<Issue> errors = errors("labels.qr", text);
		assertEquals(IssueCodes.NOT_A_FILE, errors.get(0).getCode(), Recipes.describe(errors));
		assertEquals(lineOf(text, "labels \"data\""), errors.get(0).getLineNumber().longValue());
		assertTrue(errors.get(0).getMessage().contains("\"data/labels.json\""), errors.get(0).getMessage());
	}

	@Test
	void aFolderGivenAsTheRecipeIsSaidSo() {
		RecipeFiles.Loaded loaded = RecipeFiles.load(dir);
		assertEquals(1, loaded.errors().size());
		assertEquals(IssueCodes.NOT_A_FILE, loaded.errors().get(0).code());
		assertTrue(loaded.errors().get(0).message().startsWith("a folder, not a recipe file: give the .qr file, e.g. "), loaded.errors().get(0).message());
	}

	/** A model line copied with its id: both models' logs would carry the same id and version. */
	@Test
	void twoModelsWithOneIdAndVersionAreAnError() {
		String copy = "\tmodel cnn2 \"model/fashion_cnn_trained.onnx\" id FASHION-CNN version 1\n";
		String text = example.replace("\tdataset calib", copy + "\tdataset calib");
		List<Issue> errors = errors("dupid.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.DUPLICATE_MODEL_ID, errors.get(0).getCode());
		assertEquals(lineOf(text, "cnn2"), errors.get(0).getLineNumber().longValue());
		assertEquals("model 'cnn2' has the id FASHION-CNN version 1 of model 'cnn' (line " + lineOf(text, "model cnn ")
				+ "): the logs name models by id and version: give each model its own", errors.get(0).getMessage());
		// another version of the same model is another model
		assertEquals(List.of(), errors("versions.qr", example.replace("\tdataset calib", copy.replace("version 1", "version 2") + "\tdataset calib")));
	}

	@Test
	void aNameWithAnAccentSaysWhatToWrite() {
		String text = example.replace("model cnn ", "model modèle ").replace("models cnn", "models modèle");
		List<Issue> errors = errors("accent.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode());
		assertEquals(lineOf(text, "modèle"), errors.get(0).getLineNumber().longValue());
		assertTrue(errors.get(0).getMessage().startsWith("'modèle' cannot be a name: a name is ASCII letters, digits and _"), errors.get(0).getMessage());
		assertTrue(errors.get(0).getMessage().endsWith("write modele"), errors.get(0).getMessage());
	}

	@Test
	void aQuotedNameSaysToDropTheQuotes() {
		String text = example.replace("model cnn ", "model \"cnn\" ");
		List<Issue> errors = errors("quoted.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode(), Recipes.describe(errors));
		assertEquals(lineOf(text, "\"cnn\""), errors.get(0).getLineNumber().longValue());
		assertEquals("a name is written without quotes: write model cnn (the quotes are for paths and texts)", errors.get(0).getMessage());
	}

	/** "calibrate unclipped": the option without the method it modifies; the parser said "no viable alternative at input 'unclipped'". */
	@Test
	void aCalibrationOptionWithoutItsMethodSaysToNameTheMethod() {
		String text = example.replace("recipe fashion_cnn ", "quantize kept extends fiq_int8 {\n\tcalibrate unclipped\n}\n\nrecipe fashion_cnn ");
		onlyError("nomethod.qr", text, IssueCodes.SYNTAX, "calibrate unclipped",
				"'calibrate' names its method first (minmax, moving-average, percentile, entropy, l2), then its options: write calibrate minmax unclipped");
	}

	/**
	 * A calibration in a dynamic-range scheme, which quantizes activations at run time: the recipe warned (unused-setting) and ran,
	 * where {@code quantize --scheme drq --unclipped} exits 2. Now an error on the calibrate line, in quantize's words (one rule,
	 * SchemeSettings), saying how to fix it; the same clause in a full-integer scheme is clean.
	 */
	@Test
	void aCalibrationOfADynamicRangeSchemeIsAnErrorAsOnTheCommandLine() {
		String text = example.replace("recipe fashion_cnn ", "quantize kept extends drq {\n\tcalibrate minmax unclipped\n}\n\nrecipe fashion_cnn ");
		onlyError("drqcal.qr", text, IssueCodes.TECHNIQUE_SETTING, "calibrate minmax unclipped",
				"calibrate chooses how activation ranges are calibrated; scheme kept calibrates nothing (dynamic-range: activations are quantized at run"
						+ " time, each batch from its own range): drop 'calibrate' from kept, or make it full-integer (extends fiq_int8, or technique full-integer)");
		assertEquals(List.of(), errors("fiqcal.qr", text.replace("extends drq", "extends fiq_int8")), "a full-integer scheme calibrates");
	}

	/** {@code text} gives one error, of {@code code}, on the line of {@code at}, saying {@code message}. */
	private void onlyError(String name, String text, String code, String at, String message) {
		List<Issue> errors = errors(name, text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(code, errors.get(0).getCode());
		assertEquals(lineOf(text, at), errors.get(0).getLineNumber().longValue());
		assertEquals(message, errors.get(0).getMessage());
	}

	/**
	 * "schemes" with its names forgotten: the next clause's first word is a name too (names may be words of the language), so
	 * the parser read it as the scheme and stopped after it ("mismatched input 'on' expecting '}'").
	 */
	@Test
	void aListWithoutItsNamesSaysSo() {
		String text = example.replace("schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "schemes");
		List<Issue> errors = errors("noschemes.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.INVALID_NAME, errors.get(0).getCode());
		assertEquals("'schemes' is not followed by a name ('evaluate' starts the next clause): write schemes NAME", errors.get(0).getMessage());
	}

	@Test
	void aPathWithBackslashesSaysToWriteSlashes() {
		String text = example.replace("model/fashion_cnn_trained.onnx", "model\\\\fashion_cnn_trained.onnx");
		List<Issue> issues = recipes.validate(recipes.load(dir, "backslash.qr", text));
		assertEquals(1, issues.size(), Recipes.describe(issues));
		assertEquals(IssueCodes.PATH_NOT_FOUND, issues.get(0).getCode());
		assertTrue(issues.get(0).getMessage().endsWith("; write / between folders, on Windows too (\"model/fashion_cnn_trained.onnx\")"), issues.get(0).getMessage());
	}

	/**
	 * A model file named "mod\u00e8le.onnx" with the composed \u00e8, the recipe's name typed with e and a combining grave
	 * (decomposed, as macOS and some editors write it): path-not-found printed both names alike, and the user could not see what to
	 * fix. Now the file that is there and why it is another name; a folder typed in another case gets its close match.
	 */
	@Test
	void aPathTypedInAnotherUnicodeFormOrCaseNamesTheFileThatIsThere() throws IOException {
		Path own = Recipes.exampleSurroundings("unicode-forms"); // the file added is not the other tests' to see
		Files.copy(own.resolve("model/fashion_cnn_trained.onnx"), own.resolve("model/mod\u00e8le.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		String text = example.replace("model/fashion_cnn_trained.onnx", "model/mode\u0300le.onnx");
		List<Issue> issues = recipes.validate(recipes.load(own, "nfd.qr", text));
		assertEquals(1, issues.size(), Recipes.describe(issues));
		assertEquals(IssueCodes.PATH_NOT_FOUND, issues.get(0).getCode());
		assertTrue(issues.get(0).getMessage().endsWith(" holds \"mod\u00e8le.onnx\", the same letters stored in another Unicode form (the file's name composed (NFC),"
				+ " the recipe's decomposed (NFD)): type the name again in the recipe, or copy it from the folder's listing"), issues.get(0).getMessage());

		String upper = example.replace("model/fashion_cnn_trained.onnx", "Model/fashion_cnn_trained.onnx");
		List<Issue> cased = recipes.validate(recipes.load(dir, "cased.qr", upper));
		assertEquals(1, cased.size(), Recipes.describe(cased));
		assertTrue(cased.get(0).getMessage().endsWith(" holds no \"Model\": did you mean 'model'?"), cased.get(0).getMessage());
	}

	/**
	 * Characters pasted from a word processor or a web page: curly quotes around the model's path ("'cnn\u201Cmodel/...\u201D' cannot
	 * be a name: write cnn_model_fashion_cnn_trained_onnx_"), a no-break space after 'dataset' ("' eval' cannot be a name"), a
	 * zero-width space inside 'schemes' ("'sche' is not a word of the recipe language"), a full-width digit ("a value is missing").
	 * Each is now named at its own line and column with what to write.
	 */
	@Test
	void aLookAlikeCharacterIsNamedWhereItStands() {
		assertCharacter("curly.qr", example.replace("\"model/fashion_cnn_trained.onnx\"", "\u201Cmodel/fashion_cnn_trained.onnx\u201D"), '\u201C',
				"\u201C' (U+201C LEFT DOUBLE QUOTATION MARK): a typographic quote (as word processors and some editors put), which the recipe language does not"
						+ " read as a quote: write \" (the straight double quote) around paths and texts");
		assertCharacter("nbsp.qr", example.replace("dataset eval", "dataset\u00A0eval"), '\u00A0',
				"an unseen U+00A0 NO-BREAK SPACE: a space the recipe language does not read as one: write a plain space");
		assertCharacter("zwsp.qr", example.replace("\tschemes unquantized", "\tsche\u200Bmes unquantized"), '\u200B',
				"an unseen U+200B ZERO WIDTH SPACE: an invisible character (copied with the text, or typed by the keyboard): delete it");
		assertCharacter("wide.qr", example.replace("tolerance 0.5 pt", "tolerance \uFF10.5 pt"), '\uFF10',
				"'\uFF10' (U+FF10 FULLWIDTH DIGIT ZERO): a full-width form, which the recipe language does not read: write '0'");
	}

	/**
	 * A right-to-left override inside the responsible's text: validate passed it (0 errors), and every log would show the name in
	 * another order than the file holds it. An error wherever it stands, strings and comments too; a curly quote in a comment or a
	 * no-break space in a text is no error.
	 */
	@Test
	void aTextDirectionControlIsAnErrorEvenInAText() {
		assertCharacter("rtl.qr", example.replace("responsible \"Quantrace example\"", "responsible \"Quantrace \u202Eelpmaxe\""), '\u202E',
				"an unseen U+202E RIGHT-TO-LEFT OVERRIDE: delete it: it makes the text show in another order than the file holds it (in the editor and in the logs)");
		String harmless = example.replace("// Run it:", "// \u201CRun it\u201D:").replace("responsible \"Quantrace example\"", "responsible \"Quantrace\u00A0example\"");
		assertEquals(List.of(), errors("harmless.qr", harmless), "curly quotes in a comment, a no-break space in a text");
	}

	/** The one error of {@code text}: confusable-character, at the line and column of {@code c}, ending with {@code message}. */
	private void assertCharacter(String name, String text, char c, String message) {
		List<Issue> errors = errors(name, text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		Issue e = errors.get(0);
		assertEquals(IssueCodes.CONFUSABLE_CHARACTER, e.getCode(), e.getMessage());
		String line = text.lines().filter(l -> l.indexOf(c) >= 0).findFirst().orElseThrow();
		assertEquals(lineOf(text, String.valueOf(c)), e.getLineNumber().longValue(), e.getMessage());
		assertEquals(line.indexOf(c) + 1, e.getColumn().intValue(), e.getMessage());
		assertTrue(e.getMessage().endsWith(message), e.getMessage());
	}

	/** A count beyond an int said "For input string: ..." (Java's NumberFormatException), not what was wrong. */
	@Test
	void aNumberTooLargeSaysSo() {
		String text = example.replace("tolerance 0.5 pt", "tolerance 0.5 pt batch 99999999999");
		List<Issue> errors = errors("big.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(lineOf(text, "99999999999"), errors.get(0).getLineNumber().longValue());
		assertTrue(errors.get(0).getMessage().startsWith("'99999999999' is too large a number here (whole numbers go up to 2147483647"),
				errors.get(0).getMessage());
	}

	/** ImageNet's three means on the grayscale example ran, accepted, with the first mean applied to the one channel. */
	@Test
	void threeMeansForOneChannelAreAnError() {
		String text = example.replace("\t\tgrayscale\n", "\t\tgrayscale\n\t\tmean 0.485, 0.456, 0.406\n\t\tstd 0.5\n");
		onlyError("means.qr", text, IssueCodes.CHANNEL_COUNT, "mean 0.485", "mean has 3 values but grayscale gives 1 channel: give one value");
		assertEquals(List.of(), errors("rgbmeans.qr", text.replace("\t\tgrayscale\n", "\t\trgb\n")), "three means for rgb");
	}

	/**
	 * A text whose closing quote is missing runs on to the next quote, lines further: the error came there ("no viable
	 * alternative at input '/'" on the model line), naming nothing on the line to fix.
	 */
	@Test
	void anUnclosedTextSaysWhereItStarts() {
		String text = example.replace("responsible \"Quantrace example\"", "responsible \"Quantrace example");
		List<Issue> errors = errors("unclosed.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		long opened = lineOf(text, "responsible");
		assertEquals("the text \"Quantrace example on line " + opened + " is not closed: it runs on to line " + lineOf(text, "model cnn")
				+ "; end it with \" on line " + opened, errors.get(0).getMessage());
	}
	/**
	 * A comment opened with /* and never closed, or a text whose quote is missing on the last line, runs to the end of the file:
	 * the error (where it opens) said the lexer's "mismatched character '<EOF>' expecting '*'" (hostile10).
	 */
	@Test
	void aCommentOrTextRunningToTheEndOfTheFileSaysSo() {
		String comment = example + "/* to do\n";
		onlyError("comment.qr", comment, IssueCodes.SYNTAX, "/* to do",
				"the comment opened with /* here is not closed: it runs to the end of the file; end it with */");
		String text = example.substring(0, example.lastIndexOf('}')) + "\tresponsible \"nobody\n";
		onlyError("text.qr", text, IssueCodes.SYNTAX, "responsible \"nobody", "the text opened here is not closed: it runs to the end of the file; end it with \"");
	}

	/**
	 * An opset Quantrace cannot write: 'opset 99' passed validation and the run stopped at the conversion with "cnn: cannot
	 * upgrade to opset 99", naming neither the recipe nor the line; 'opset 11' in a scheme likewise at quantization.
	 */
	@Test
	void anOpsetQuantraceCannotWriteIsAnErrorOnItsLine() {
		String convert = example.replace("\tconvert {\n", "\tconvert {\n\t\topset 99\n");
		List<Issue> errors = errors("opset99.qr", convert);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.VALUE_RANGE, errors.get(0).getCode());
		assertEquals(lineOf(convert, "opset 99"), errors.get(0).getLineNumber().longValue());
		assertEquals("opset 99 is newer than Quantrace can write: it knows the changes of the ONNX operators up to opset 21; ask for opset 21"
				+ " or lower, or leave opset out to keep the model's", errors.get(0).getMessage());

		String scheme = example.replace("recipe fashion_cnn", "quantize new_ops extends fiq_int8 {\n\topset 99\n}\nquantize old_ops extends fiq_int8 {\n"
				+ "\topset 11\n}\nquantize wide extends fiq_int8 {\n\tio float32 activations int16 calibrate minmax\n\topset 13\n}\nrecipe fashion_cnn");
		errors = errors("scheme-opset.qr", scheme);
		assertEquals(List.of(lineOf(scheme, "opset 99"), lineOf(scheme, "opset 11"), lineOf(scheme, "opset 13")),
				errors.stream().map(e -> e.getLineNumber().longValue()).toList(), Recipes.describe(errors));
		assertEquals("opset 11 is too old for quantization: per-channel QuantizeLinear/DequantizeLinear need opset 13; ask for"
				+ " opset 13 or newer, or leave opset out", errors.get(1).getMessage());
		assertEquals("opset 13 is too old for int16 tensors: int16 QuantizeLinear/DequantizeLinear need opset 21; ask for opset 21, or leave"
				+ " opset out", errors.get(2).getMessage());
		assertEquals(List.of(), errors("opset17.qr", example.replace("\tconvert {\n", "\tconvert {\n\t\topset 17\n")), "opset 17 is fine");
	}

	/**
	 * The example's unnamed preprocess block (grayscale, scale 1/255, NCHW, float32: for its image folders) applies to every dataset
	 * without a block of its own, but the .npy reader feeds arrays as stored and the CSV reader only scales: the steps were ignored
	 * without a word (the trace records "none (arrays as stored, float32)"). A warning on each such dataset, saying what applies.
	 */
	@Test
	void preprocessingStepsADatasetsReaderDoesNotTakeAreAWarningOnTheDataset() {
		String text = example.replace("\tpreprocess {", "\tdataset arrays \"data/x.npy\" labels \"data/y.npy\"\n\tdataset table \"data/t.csv\"\n"
				+ "\tdataset stored \"data/z.npz\" preprocessing raw\n\tpreprocess raw { }\n\tdataset own \"data/w.npy\" preprocessing gray\n"
				+ "\tpreprocess gray { grayscale }\n\tpreprocess {");
		List<Issue> warnings = recipes.validate(recipes.load(dir, "npy-preprocess.qr", text)).stream()
				.filter(i -> "preprocessing-no-effect".equals(i.getCode())).toList();
		assertEquals(List.of(lineOf(text, "dataset arrays"), lineOf(text, "dataset table"), lineOf(text, "dataset own")),
				warnings.stream().map(i -> i.getLineNumber().longValue()).toList(), Recipes.describe(warnings));
		assertTrue(warnings.stream().allMatch(i -> i.getSeverity() == Severity.WARNING), Recipes.describe(warnings));
		long block = lineOf(text, "\tpreprocess {");
		assertEquals("dataset arrays reads .npy arrays, which are fed as stored: the steps grayscale, scale 1/255, layout NCHW, dtype float32 of the"
				+ " recipe's preprocess block on line " + block + " do not apply to it. Store the arrays as the model reads them; to say the block is"
				+ " not this dataset's, give the dataset an empty one (preprocess raw { } and preprocessing raw)", warnings.get(0).getMessage());
		assertEquals("dataset table reads a CSV table, whose features are used as read and only scaled: the steps grayscale, layout NCHW, dtype"
				+ " float32 of the recipe's preprocess block on line " + block + " do not apply to it (its scale 1/255 does). Give the dataset a"
				+ " block of its own with only a scale, if any (preprocess features { scale 1/16 } and preprocessing features)",
				warnings.get(1).getMessage());
		assertEquals("dataset own reads .npy arrays, which are fed as stored: the step grayscale of preprocess block gray on line "
				+ lineOf(text, "preprocess gray") + " does not apply to it. Store the arrays as the model reads them, and remove 'preprocessing"
				+ " gray' from the dataset", warnings.get(2).getMessage());
	}

	/**
	 * An opset fine for the scheme that sets it (opset 11 under 'technique none') and too old for one that extends it and quantizes:
	 * the recipe validated, and the run stopped at quantization with "scheme 'old_drq': opset 11 is too old ..." and a hint to
	 * "leave opset out" of a scheme that has none, on no line. Said at the quantizing scheme's name, with where the opset comes from.
	 */
	@Test
	void anInheritedOpsetTooOldForTheSchemeIsAnErrorAtItsName() {
		String text = example.replace("recipe fashion_cnn", "quantize old_float extends unquantized {\n\topset 11\n}\n"
				+ "quantize old_drq extends old_float {\n\ttechnique dynamic-range weights int8 symmetric per-channel io float32\n}\nrecipe fashion_cnn");
		List<Issue> errors = errors("inherited-opset.qr", text);
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.VALUE_RANGE, errors.get(0).getCode());
		assertEquals(lineOf(text, "quantize old_drq"), errors.get(0).getLineNumber().longValue());
		assertEquals("opset 11 is too old for quantization: per-channel QuantizeLinear/DequantizeLinear need opset 13; ask for opset 13 or newer,"
				+ " or leave opset out (old_drq takes opset 11 from old_float: give old_drq an opset of its own)", errors.get(0).getMessage());
	}

	// ---- hostile12: a list naming an entry twice ({@code schemes fiq_int8, drq, fiq_int8} ran fiq_int8 twice into one file, exit 0,
	// and verify found a mismatch in that honest folder), a number written with an exponent (the parser said "'e' is not a word of
	// the recipe language here: did you mean 'x', 'by' or 'dB'?" or "extraneous input 'e309' expecting 'pt'")

	/** The errors as "line:column [code] message". */
	private List<String> described(String name, String text) {
		return errors(name, text).stream().map(i -> i.getLineNumber() + ":" + i.getColumn() + " [" + i.getCode() + "] " + i.getMessage()).toList();
	}

	/** The errors as "line message" (a syntax error's column is the lexer's: where the 'e' begins). */
	private List<String> linesAndMessages(String text) {
		return described("exponent.qr", text).stream().map(e -> e.replaceFirst(":[0-9]+ \\[syntax\\]", "")).toList();
	}

	@Test
	void aSchemeNamedTwiceIsAnErrorAtItsSecondMention() {
		String twice = example.replace("schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8, fiq_int8");
		assertEquals(List.of("27:62 [" + IssueCodes.DUPLICATE_ENTRY + "] 'fiq_int8' is named twice in schemes (first on line 27): each is run once, so name it once"),
				described("twice.qr", twice));
	}

	@Test
	void aDebugSchemeAnAcceptedSchemeAndAMetricNamedTwiceAreErrorsToo() {
		String text = example.replace("debug fiq_int8 threshold", "debug fiq_int8, fiq_int8 threshold")
				.replace("metrics accuracy, top-k-accuracy", "metrics accuracy, top-k-accuracy, accuracy").replace("for drq, fiq_float32", "for drq, drq, fiq_float32");
		List<String> errors = described("lists.qr", text);
		assertEquals(3, errors.size(), errors.toString());
		assertEquals(List.of("'accuracy' is named twice in metrics", "'drq' is named twice in schemes", "'fiq_int8' is named twice in schemes"),
				errors.stream().map(e -> e.substring(e.indexOf("] ") + 2, e.indexOf(" (first"))).sorted().toList());
	}

	@Test
	void theExampleNamesEachEntryOnce() {
		assertEquals(List.of(), described("example.qr", example));
	}

	@Test
	void aToleranceWithANegativeExponentIsSaidWithItsDecimals() {
		assertEquals(List.of("29 '5e-1': a recipe writes numbers in decimals, without an exponent: write 0.5"),
				linesAndMessages(example.replace("tolerance 0.5 pt", "tolerance 5e-1 pt")));
	}

	@Test
	void aHugeBoundIsSaidWithoutItsThreeHundredDigits() {
		assertEquals(List.of("30 '1e400': a recipe writes numbers in decimals, without an exponent: a value of that size is beyond what a clause takes;"
				+ " write the value you mean in decimals"), linesAndMessages(example.replace("accuracy drop < 1 pt", "accuracy drop < 1e400 pt")));
		assertEquals(List.of("30 '2.5E1': a recipe writes numbers in decimals, without an exponent: write 25"),
				linesAndMessages(example.replace("accuracy drop < 1 pt", "accuracy drop < 2.5E1 pt")));
	}

	// ---- hostile13: a minus sign where the clause takes no sign said "a value is missing" at the '-'

	@Test
	void aNegativeDebugThresholdSaysTheValueTakesNoSign() {
		assertEquals(List.of("31 '-1': the value after '>' takes no sign: write 0 or a positive number"),
				linesAndMessages(example.replace("rmse/scale > 0.5", "rmse/scale > -1")));
		assertEquals(List.of("29 '-0.5': the value after 'tolerance' takes no sign: write 0 or a positive number"),
				linesAndMessages(example.replace("tolerance 0.5 pt", "tolerance -0.5 pt")));
	}

	/**
	 * Two models whose names differ only in case (hostile14): validate said 0 errors, and the run writes models/cnn/ and models/CNN/,
	 * one folder on a file system that ignores case (macOS, Windows, a copy of the output there): one model's files replace the other's.
	 */
	@Test
	void modelsWhoseNamesDifferOnlyInCaseAreAnError() {
		String text = example.replace("\tdataset calib", "\tmodel CNN \"model/fashion_cnn.onnx\"\n\tdataset calib");
		Issue error = theError("case.qr", text, IssueCodes.DUPLICATE_NAME, "model CNN");
		assertEquals("model 'CNN' differs from model 'cnn' (line " + lineOf(text, "model cnn ") + ") only in case: its files go to models/CNN/, which a file"
				+ " system that ignores case (macOS, Windows) holds as models/cnn/, so one model's files would replace the other's: give it a name that"
				+ " differs in more than case", error.getMessage());
	}

	/** A scheme named Original writes models/MODEL/Original.onnx, on macOS and Windows the float stage's original.onnx. */
	@Test
	void aSchemeWhoseFileDiffersFromAnotherOnlyInCaseIsAnError() {
		String text = example.replace("\tschemes unquantized, drq,", "\tschemes unquantized, Original, drq,")
				.replace("\tconvert {", "\tquantize Original extends fiq_int8 { }\n\tconvert {");
		String message = theError("scase.qr", text, IssueCodes.DUPLICATE_NAME, "schemes unquantized").getMessage();
		assertTrue(message.startsWith("scheme 'Original' differs from the float stage 'original' only in case"), message);
	}

	/**
	 * A label column named twice (hostile14): EMF keeps one of each text in the list, so validate said 0 errors and the run read one
	 * column where the recipe names two; the command line's --label-columns species,species stopped with an internal error (exit 70).
	 */
	@Test
	void aTextNamedTwiceInAListIsAnError() {
		String text = example.replace("labels \"data/labels.json\"\n\tdataset eval", "labels \"data/labels.json\" extensions \"png\", \"png\"\n\tdataset eval");
		assertEquals("'png' is named twice in extensions (first on line " + lineOf(text, "extensions") + "): each is taken once, so name it once",
				theError("twice.qr", text, IssueCodes.DUPLICATE_ENTRY, "extensions").getMessage());
	}

	/** A recipe's "~/models/m.onnx" was looked for in a folder "~" beside the recipe, without a word about the '~' (hostile14). */
	@Test
	void aTildeInARecipePathIsSaid() throws IOException {
		String text = example.replace("\"model/fashion_cnn_trained.onnx\"", "\"~/no-such-h14/m.onnx\"");
		List<Issue> errors = recipes.validate(recipes.load(dir, "tilde.qr", text));
		assertEquals(1, errors.size(), Recipes.describe(errors));
		assertEquals(IssueCodes.PATH_NOT_FOUND, errors.get(0).getCode(), Recipes.describe(errors));
		assertTrue(errors.get(0).getMessage().endsWith("fix the path, relative to the recipe's folder; '~' stands for a home folder only where a shell"
				+ " expands it, at the start of a word (not after --option= nor inside quotes or a recipe): write the full path ("
				+ System.getProperty("user.home") + "/no-such-h14/m.onnx)"), errors.get(0).getMessage());
		// beside a short folder name (a run's o3) the look-alike advice added "holds no \"~\": did you mean 'o3'?"
		Path beside = Files.createDirectories(dir.resolveSibling("hostile-tilde").resolve("o3")).getParent();
		List<Issue> there = recipes.validate(recipes.load(beside, "tilde.qr", text)).stream().filter(i -> i.getMessage().contains("~/no-such-h14")).toList();
		assertEquals(1, there.size(), Recipes.describe(there));
		assertFalse(there.get(0).getMessage().contains("did you mean"), there.get(0).getMessage());
	}

	// ---- hostile15: free text beyond what a document has room for

	/**
	 * A 2 MB responsible was accepted (hostile14) and written into every log's table cells, report.html and each PDF: an error on the
	 * text with its length and the limit; a description has a paragraph's room, and a path is held by its file alone.
	 */
	@Test
	void aTextLongerThanADocumentHasRoomForIsAnErrorOnItsLine() {
		String huge = "Quantrace ".repeat(200_000); // 2,000,000 characters
		Issue error = theError("huge.qr", example.replace("responsible \"Quantrace example\"", "responsible \"" + huge + "\""), IssueCodes.TEXT_LENGTH,
				"responsible");
		assertEquals("responsible holds 2,000,000 characters, more than the 200 a name or short text may hold: every log (md, html, docx, pdf) and"
				+ " report.html shows it in a table cell or a line; write it in 200 characters or fewer (a longer text belongs in a description, up to"
				+ " 2,000)", error.getMessage());
		String author = example.replace("modified-by \"Quantrace example\"", "modified-by \"Quantrace example\", \"" + "a".repeat(201) + "\"");
		assertTrue(theError("author.qr", author, IssueCodes.TEXT_LENGTH, "modified-by").getMessage().startsWith("modified by holds 201 characters"));
		String longDescription = "x".repeat(2_001);
		String recipe = example.replace("recipe fashion_cnn \"Fashion-MNIST CNN", "recipe fashion_cnn \"" + longDescription);
		assertTrue(theError("description.qr", recipe, IssueCodes.TEXT_LENGTH, "recipe fashion_cnn").getMessage()
				.startsWith("description holds 2,"), "the recipe's description is held to 2,000");
		// at the limits: no error (200 characters of a name, 2,000 of a description)
		assertEquals(List.of(), errors("limits.qr", example.replace("responsible \"Quantrace example\"", "responsible \"" + "b".repeat(200) + "\"")
				.replace("\"Fashion-MNIST CNN: conversion and the deck's five quantization pipelines\"", "\"" + "d".repeat(2_000) + "\"")));
	}

	/** A scheme of 252 characters validated, and its model file stopped the run (exit 3, "check the output folder is writable"). */
	@Test
	void aSchemeNameTooLongForItsFilesIsAnError() {
		String name = "s".repeat(201);
		String text = example.replace("\tschemes unquantized, drq,", "\tschemes unquantized, " + name + ", drq,").replace("\tconvert {",
				"\tquantize " + name + " extends fiq_int8 { }\n\tconvert {");
		assertEquals("scheme name of 201 characters: it names the run's files and folders (models/MODEL/SCHEME.onnx, logs/PhIMT0003-MODEL.docx,"
				+ " data/DATASET.manifest.txt), whose names hold 255 bytes: write a name of 200 characters or fewer",
				theError("longname.qr", text, IssueCodes.TEXT_LENGTH, "quantize " + name).getMessage());
		assertEquals(List.of(), errors("fits.qr", text.replace(name, "s".repeat(200))));
	}

	/**
	 * Recipes are UTF-8 whatever the environment says: Xtext read a file in the JVM's default charset (-Dfile.encoding=ISO-8859-1:
	 * "İlkay Işık" in the trace and every log as "Ä°lkay IÅÄ±k", "modèle.onnx" not found) or in the encoding an Eclipse project's
	 * .settings declare, the case held here (the default charset cannot be changed inside a running JVM).
	 */
	@Test
	void aRecipeIsReadAsUtf8WhateverItsEclipseProjectSettingsSay() throws IOException {
		Path project = Recipes.exampleSurroundings("hostile-latin1-project");
		Files.writeString(project.resolve(".project"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<projectDescription><name>" + project.getFileName()
				+ "</name></projectDescription>\n");
		Files.createDirectories(project.resolve(".settings"));
		Files.writeString(project.resolve(".settings/org.eclipse.core.resources.prefs"), "eclipse.preferences.version=1\nencoding/<project>=ISO-8859-1\n");
		Files.move(project.resolve("model/fashion_cnn_trained.onnx"), project.resolve("model/modèle.onnx"));
		String text = example.replace("responsible \"Quantrace example\"", "responsible \"İlkay Işık\"").replace("fashion_cnn_trained.onnx", "modèle.onnx");
		org.eclipse.xtext.resource.XtextResource r = recipes.load(project, "accents.qr", text);
		assertEquals("İlkay Işık", Recipes.root(r).getRecipes().get(0).getResponsible());
		assertEquals(List.of(), recipes.validate(r).stream().filter(i -> i.getSeverity() == Severity.ERROR).toList());
	}

	/**
	 * A path the system cannot name (a NUL escaped into it here; an accented letter under LANG=C, where Java names files in ASCII)
	 * passed validation without a word, and the runner then stopped where it resolved it: exit 70, an InvalidPathException's trace.
	 */
	@Test
	void aPathTheSystemCannotNameIsAnErrorOnItsLine() {
		String text = example.replace("\"model/fashion_cnn_trained.onnx\"", "\"model/fashion\\u0000cnn.onnx\"");
		assertEquals("the model file \"model/fashion\\u0000cnn.onnx\" cannot be a file name on this system (Nul character not allowed): write the path"
				+ " without it", theError("nul.qr", text, IssueCodes.PATH_ENCODING, "model cnn").getMessage());
	}

	// ---- hostile16

	/**
	 * 3,000 schemes each extending the one before: validate took 35 s for 1,000 and did not end in 200 s for 3,000 (hostile16), each
	 * scheme's chain walked with a list's contains at every link, which compares the link with every link before it. Counted, not timed
	 * (hostile18): 2,000 links compared 1,999,000 times by the list; an identity set compares none.
	 */
	@Test
	void anExtendsChainIsWalkedWithoutComparingItsLinks() {
		int links = 2_000;
		int[] comparisons = { 0 };
		QuantizationConfig last = null;
		for (int i = 0; i < links; i++) {
			QuantizationConfig link = new QuantizationConfigImpl() {
				@Override
				public boolean equals(Object other) {
					comparisons[0]++;
					return super.equals(other);
				}

				@Override
				public int hashCode() {
					return super.hashCode();
				}
			};
			link.setName("s" + i);
			link.setBase(last);
			last = link;
		}
		List<QuantizationConfig> chain = SchemeChain.of(last);
		assertEquals(links, chain.size());
		assertEquals("s0", chain.get(links - 1).getName());
		assertEquals(0, comparisons[0], "links compared while walking a chain of " + links + " (a list's contains: " + links * (links - 1) / 2 + ")");
	}
}
