package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.FarValueData;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestData;

class QuantizeCommandTest {

	private static final String MODEL = TestData.data("models/fashion_mnist_cnn.onnx").toString();
	private static Path dir;
	private static Path calibration;

	@BeforeAll
	static void writeCalibrationNpy() throws IOException {
		dir = TestData.tempDir("quantize-cli");
		var images = FashionMnist.folder(TestData.example("data/calibration"), TestData.labelMap(TestData.example("data/labels.json")));
		calibration = dir.resolve("calibration.npy");
		NpyArray.write(calibration, NdArray.ofFloats(new long[] { images.count(), 1, 28, 28 }, images.pixels()));
	}

	/**
	 * One far value in the calibration data ({@link FarValueData}: the input's min-max range [0, 400] for values of RMS about 1.5):
	 * by default read again by percentile 99.99 in a second pass and said so; {@code --unclipped} keeps it with a warning, and is
	 * refused with a method that clips by its own rule.
	 */
	@Test
	void aRangeFarWiderThanItsValuesIsReadAgainUnlessUnclipped() throws IOException {
		Path far = TestData.tempDir("quantize-far-value");
		Path data = FarValueData.write(far);
		String labels = far.resolve("labels.npy").toString();
		Cli clipped = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", data.toString(), "--labels", labels, "-o", far.resolve("clipped.onnx").toString());
		assertEquals(0, clipped.exitCode(), clipped.err());
		assertTrue(clipped.out().contains("Range far wider than its values: 'input' [0.000, 400.0] holds values of RMS")
				&& clipped.out().contains("read again by percentile 99.99, [0.000,") && clipped.out().contains("(--unclipped keeps it)"), clipped.out());
		assertFalse(clipped.out().contains("Warning: range far wider"), clipped.out());
		assertTrue(clipped.err().contains("calibrating (percentile): 300/300 samples"), "the second pass is shown: " + clipped.err());
		float clippedScale = IoQuantization.inputs(OnnxModel.load(far.resolve("clipped.onnx"))).get("input").scale();
		assertTrue(clippedScale < 1.5f / 255, "the input's scale in the file is the range read again's: " + clippedScale);

		Cli kept = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", data.toString(), "--labels", labels, "--unclipped", "-o",
				far.resolve("kept.onnx").toString());
		assertEquals(0, kept.exitCode(), kept.err());
		assertTrue(kept.out().contains("Warning: range far wider than its values: 'input' [0.000, 400.0]"), kept.out());
		assertFalse(kept.out().contains("Range far wider than its values:") || kept.err().contains("calibrating (percentile)"), kept.out() + kept.err());
		assertEquals(400f / 255, IoQuantization.inputs(OnnxModel.load(far.resolve("kept.onnx"))).get("input").scale(), 1e-4f);

		Path refused = far.resolve("refused.onnx");
		Cli entropy = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", data.toString(), "--method", "entropy", "--unclipped", "-o", refused.toString());
		assertEquals(2, entropy.exitCode(), entropy.out() + entropy.err());
		assertTrue(entropy.err().contains("--unclipped") && entropy.err().contains("--method entropy clips by its own rule"), entropy.err());
		assertFalse(Files.exists(refused), "nothing is written");

		// dynamic-range calibrates nothing: --unclipped would change nothing, and is refused as --kernels is on a full-integer scheme
		Cli drq = Cli.run("quantize", MODEL, "--scheme", "drq", "--data", data.toString(), "--unclipped", "-o", refused.toString());
		assertEquals(2, drq.exitCode(), drq.out() + drq.err());
		assertTrue(drq.err().contains("--unclipped chooses how activation ranges are calibrated; scheme drq calibrates nothing")
				&& drq.err().contains("drop --unclipped, or use --scheme fiq-"), drq.err());
		assertFalse(Files.exists(refused), "nothing is written");
		Cli drqMethod = Cli.run("quantize", MODEL, "--scheme", "drq", "--data", data.toString(), "--method", "percentile=99.9", "-o", refused.toString());
		assertEquals(2, drqMethod.exitCode(), drqMethod.out() + drqMethod.err());
		assertTrue(drqMethod.err().contains("--method chooses how activation ranges are calibrated; scheme drq calibrates nothing"), drqMethod.err());
		assertFalse(Files.exists(refused), "nothing is written");
		// the activations' type of a drq scheme was taken and dropped (exit 0; drq reads uint8 at run time): refused by the recipe's rule
		Cli drqActivations = Cli.run("quantize", MODEL, "--scheme", "drq", "--activations", "int8", "--symmetric-activations", "-o", refused.toString());
		assertEquals(2, drqActivations.exitCode(), drqActivations.out() + drqActivations.err());
		assertTrue(drqActivations.err().contains("--activations and --symmetric-activations choose the activations' type and symmetry; scheme drq takes no"
				+ " activation type") && drqActivations.err().contains("drop --activations and --symmetric-activations, or use --scheme fiq-"), drqActivations.err());
		assertFalse(Files.exists(refused), "nothing is written");

		// the debugger, on the same data: the far pixel saturates under the clipped range, which the model says was clipped on purpose
		Cli debug = Cli.run("debug", MODEL, far.resolve("clipped.onnx").toString(), "--data", data.toString(), "--labels", labels, "--debug-samples", "64",
				"-o", far.resolve("debug").toString());
		assertEquals(0, debug.exitCode(), debug.err());
		assertTrue(debug.out().contains("Ranges clipped at calibration on purpose") && debug.out().contains("'input' (layer in input: 1 of 50176 values saturate):"
				+ " 'input' [0.000, 400.0] holds values of RMS") && debug.out().contains("quantize with --unclipped"), debug.out());
		assertTrue(debug.out().contains("FLAGGED (clipped at calibration)"), debug.out());
		assertFalse(debug.out().contains("Candidates to leave in float (exclude): /c1"), "a clipped layer is no candidate: " + debug.out());
	}

	@Test
	void fullIntegerWithInt8IoReportsLayersIoAndSize() {
		Path out = dir.resolve("fiq-int8.onnx");
		// calibrated straight from the example's image folder (the other tests use a .npy of the same images)
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", TestData.example("data/calibration").toString(), "--labels",
				TestData.example("data/labels.json").toString(), "--method", "percentile=99.99", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("calibration percentile on 300 samples"), cli.out());
		// the one-channel stem and its Relu compute in float on the int8 input's codes (its pool then runs channels-last)
		assertTrue(cli.out().contains("Quantized 8 of 10 layers."), cli.out());
		assertTrue(cli.out().contains("Conv '/c1/Conv': kept float: a Conv of one input channel on the int8 model input"), cli.out());
		assertTrue(cli.out().contains("Input  input INT8: scale 0.003921"), cli.out());
		assertTrue(cli.err().contains("calibrating (percentile): 300/300 samples"), "progress is shown: " + cli.err());
		OnnxModel written = OnnxModel.load(out);
		assertEquals(DataType.INT8, IoQuantization.inputs(written).get("input").type());
	}

	/** The size line counts a model's external data: a model with its weights outside the .onnx file was said to grow 8x. */
	@Test
	void theSizeOfAModelWithExternalDataCountsItsDataFile() throws IOException {
		Path ext = Files.createDirectories(dir.resolve("external"));
		Path model = org.quantrace.testing.TestModels.withExternalData(ext.resolve("m.onnx"), "m.bin");
		Files.write(ext.resolve("m.bin"), org.quantrace.testing.TestModels.externalTensorBytes());
		Cli cli = Cli.run("quantize", model.toString(), "--scheme", "drq", "-o", dir.resolve("external-drq.onnx").toString());
		assertEquals(0, cli.exitCode(), cli.err());
		long stored = Files.size(model) + Files.size(ext.resolve("m.bin"));
		assertTrue(cli.out().contains(String.format(java.util.Locale.ROOT, "Size %,d -> %,d bytes", stored, Files.size(dir.resolve("external-drq.onnx")))),
				stored + "\n" + cli.out());
		assertTrue(Files.size(dir.resolve("external-drq.onnx")) < stored / 2, "int8 weights: the model shrinks");
	}

	@Test
	void exclusionsAreListedWithTheirReason() {
		// --calibration: the spelling of other quantizers, the same option as --data
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--calibration", calibration.toString(), "--exclude", "op:Gemm", "-o",
				dir.resolve("partial.onnx").toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains(" Left float:"), cli.out());
		// no recipe exists here: the reason names the option (it said "excluded by the recipe", logs63)
		assertTrue(cli.out().contains("Gemm '/l1/Gemm': excluded by the command's option --exclude (op Gemm)"), cli.out());
	}

	/**
	 * An excluded MaxPool and Relu between integer ops run on integers all the same (ONNX Runtime fuses them): the table said
	 * "quantized" for both, "Quantized 10 of 10 layers.", and not a word about the two exclusions (round 27, unseen27).
	 */
	@Test
	void anExclusionOnnxRuntimeOverridesIsSaid() {
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--data", calibration.toString(), "--exclude", "/p2/MaxPool,/r3/Relu", "-o",
				dir.resolve("overridden.onnx").toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("Excluded, but run on integers all the same: 2 layer(s):"), cli.out());
		assertTrue(cli.out().contains("  - MaxPool '/p2/MaxPool': excluded by the command's option --exclude (node /p2/MaxPool), but "), cli.out());
		assertTrue(cli.out().contains("  - Relu '/r3/Relu': excluded by the command's option --exclude (node /r3/Relu), but "), cli.out());
	}

	/** Issue 16, item 6: int16 activations with entropy calibration are refused, not silently calibrated with MinMax. */
	@Test
	void entropyCalibrationOfInt16ActivationsIsRefused() {
		Path out = dir.resolve("int16-entropy.onnx");
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--data", calibration.toString(), "--activations", "int16", "--method",
				"entropy", "-o", out.toString());
		assertEquals(2, cli.exitCode(), cli.out() + cli.err());
		assertTrue(cli.err().contains("entropy") && cli.err().contains("int16"), cli.err());
		assertFalse(Files.exists(out), "nothing is written");
	}

	/**
	 * The precisions the recipe validator refuses together (incompatible-precision) are refused here alike, exit 2 and nothing
	 * written: before, fiq-int8 or fiq-uint8 with --activations int16 and --reduce-range with --weights int16 wrote a model.
	 */
	@Test
	void precisionsTheRecipeRefusesTogetherAreRefused() {
		for (String scheme : new String[] { "fiq-int8", "fiq-uint8" }) {
			Path out = dir.resolve("int16-" + scheme + ".onnx");
			Cli cli = Cli.run("quantize", MODEL, "--scheme", scheme, "--data", calibration.toString(), "--activations", "int16", "-o", out.toString());
			assertEquals(2, cli.exitCode(), cli.out() + cli.err());
			String io = scheme.substring(4);
			assertTrue(cli.err().contains("int16 activations cannot be fed or read through " + io + " inputs and outputs") && cli.err().contains("fiq-float32"),
					cli.err());
			assertFalse(Files.exists(out), "nothing is written");
		}
		Path reduced = dir.resolve("int16-reduced.onnx");
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--data", calibration.toString(), "--weights", "int16", "--reduce-range", "-o",
				reduced.toString());
		assertEquals(2, cli.exitCode(), cli.out() + cli.err());
		assertTrue(cli.err().contains("reduce-range keeps 8-bit weights to 7 bits; it does not apply to int16 weights"), cli.err());
		assertFalse(Files.exists(reduced), "nothing is written");
		Cli float16 = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--data", calibration.toString(), "--activations", "int16", "-o",
				dir.resolve("int16-float-io.onnx").toString());
		assertEquals(0, float16.exitCode(), "float32 inputs and outputs take int16 activations: " + float16.err());
	}

	/** --method l2 is accepted, recorded in what quantize prints, and refused with int16 activations like entropy. */
	@Test
	void l2CalibrationIsAMethod() {
		Path out = dir.resolve("l2.onnx");
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "--method", "l2", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.out() + cli.err());
		assertTrue(Files.exists(out));
		Path refused = dir.resolve("int16-l2.onnx");
		Cli int16 = Cli.run("quantize", MODEL, "--scheme", "fiq-float32", "--data", calibration.toString(), "--activations", "int16", "--method", "l2",
				"-o", refused.toString());
		assertEquals(2, int16.exitCode(), int16.out() + int16.err());
		assertTrue(int16.err().contains("l2") && int16.err().contains("int16"), int16.err());
		assertFalse(Files.exists(refused), "nothing is written");
		Cli unknown = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "--method", "mse", "-o", out.toString());
		assertEquals(2, unknown.exitCode());
		assertTrue(unknown.err().contains("l2"), "the methods offered include l2: " + unknown.err());
	}

	/**
	 * --float-slow-kernels (issue 13): the first Conv (1 -> 16 channels, 9 products per output: a narrow Conv ONNX Runtime's
	 * QLinearConv runs slower than float) stays float with the reason printed (on the int8 weights ONNX Runtime would round its
	 * float ones to), the wider Conv after it keeps its integer weights.
	 */
	@Test
	void floatSlowKernelsLeavesTheNarrowFirstConvFloat() {
		Path out = dir.resolve("slow-float.onnx");
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "--float-slow-kernels", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("Conv '/c1/Conv': kept float by float-slow-kernels (a narrow Conv (16 output channels, 9 products per output)"), cli.out());
		assertTrue(cli.out().contains("(float-slow-kernels)"), cli.out());
		Graph g = OnnxModel.load(out).graph();
		// it reads the int8 model input's DequantizeLinear: ONNX Runtime would round float weights to int8 per tensor at load
		// (WeightBiasQuantization), so the file holds the scheme's int8 weights, which is what runs, computed in float
		assertEquals("DequantizeLinear", weightProducer(g, "/c1/Conv"), "the first Conv reads the int8 weights that run");
		assertTrue(cli.out().contains("WeightBiasQuantization"), cli.out());
		assertEquals("DequantizeLinear", weightProducer(g, "/c2/Conv"), "the second Conv reads int8 weights through DequantizeLinear");
		assertEquals(DataType.INT8, IoQuantization.inputs(OnnxModel.load(out)).get("input").type(), "the model input is still the scheme's int8");

		Path drq = dir.resolve("slow-float-drq.onnx");
		Cli refused = Cli.run("quantize", MODEL, "--scheme", "drq", "--float-slow-kernels", "-o", drq.toString());
		assertEquals(2, refused.exitCode(), refused.out() + refused.err());
		assertTrue(refused.err().contains("--float-slow-kernels") && refused.err().contains("not full-integer"), refused.err());
		assertFalse(Files.exists(drq), "nothing is written");
	}

	/**
	 * --bias-correction (issue 13): each Conv's and Gemm's int32 bias is corrected by its layer's mean error over the calibration
	 * data, said on its line; the model differs from the uncorrected one only in its bias codes. With drq (no calibration, float
	 * biases) the option is refused, exit 2, nothing written.
	 */
	@Test
	void biasCorrectionCorrectsTheBiasesAndSaysSo() throws java.io.IOException {
		Path out = dir.resolve("corrected.onnx");
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "--bias-correction", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("bias corrected: the per-channel mean error over"), cli.out());
		assertTrue(cli.out().contains("Bias correction: the int32 biases of 4 layers corrected by their mean output error per channel over"), cli.out());
		Path plain = dir.resolve("uncorrected.onnx");
		assertEquals(0, Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "-o", plain.toString()).exitCode());
		assertFalse(java.util.Arrays.equals(Files.readAllBytes(out), Files.readAllBytes(plain)), "the bias codes differ");

		Path drq = dir.resolve("corrected-drq.onnx");
		Cli refused = Cli.run("quantize", MODEL, "--scheme", "drq", "--bias-correction", "-o", drq.toString());
		assertEquals(2, refused.exitCode(), refused.out() + refused.err());
		assertTrue(refused.err().contains("--bias-correction") && refused.err().contains("not full-integer"), refused.err());
		assertFalse(Files.exists(drq), "nothing is written");
	}

	private static String weightProducer(Graph g, String conv) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(conv)).findFirst().orElseThrow(() -> new AssertionError(conv + " is not in the model"));
		return g.producer(n.inputs().get(1)).map(Node::opType).orElse(null);
	}

	@Test
	void dynamicRangeNeedsNoData() {
		Cli cli = Cli.run("quantize", MODEL, "--scheme", "drq", "-o", dir.resolve("drq.onnx").toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("Scheme drq: dynamic-range"), cli.out());
	}

	@Test
	void mistakesExitWithTwoAndWriteNothing() {
		Path out = dir.resolve("never.onnx");
		Cli noData = Cli.run("quantize", MODEL, "--scheme", "fiq-uint8", "-o", out.toString());
		assertEquals(2, noData.exitCode());
		assertTrue(noData.err().contains("full-integer quantization needs calibration data"), noData.err());
		Cli badScheme = Cli.run("quantize", MODEL, "--scheme", "fiq-int4", "-o", out.toString());
		assertEquals(2, badScheme.exitCode());
		assertTrue(badScheme.err().contains("unknown scheme 'fiq-int4'"), badScheme.err());
		Cli badPercentile = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", calibration.toString(), "--method",
				"percentile=120", "-o", out.toString());
		assertEquals(2, badPercentile.exitCode());
		assertTrue(badPercentile.err().contains("the percentile must be in (0, 100]"), badPercentile.err());
		assertFalse(Files.exists(out), "nothing is written when the input is wrong");
		Cli drqInt16 = Cli.run("quantize", MODEL, "--scheme", "drq", "--weights", "int16", "-o", dir.resolve("drq16.onnx").toString());
		assertEquals(0, drqInt16.exitCode(), drqInt16.err());
		assertTrue(drqInt16.out().contains("dynamic-range quantization stores weights as int8 only"), "and says why layers stay float: " + drqInt16.out());
	}
}
