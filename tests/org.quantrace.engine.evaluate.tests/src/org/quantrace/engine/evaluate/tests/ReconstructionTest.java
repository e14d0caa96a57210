package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.EvaluationTable;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.ReconstructionMetrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * MSE, PSNR and SSIM of outputs that are no class scores, against scikit-image 0.19's figures
 * (tests/data/metrics/make_reconstruction_references.py, which checks skimage's SSIM against a numpy implementation of
 * Wang et al. 2004 of its own): the metric code on fixed arrays, and the evaluator on three image-to-image models over the
 * first 64 Fashion-MNIST test images. Before, the evaluator refused every such model ("evaluation reads one score per
 * class ...": a denoising autoencoder had no metric at all).
 */
class ReconstructionTest {

	private static final JsonNode REF = TestData.json(TestData.data("metrics/reconstruction_references.json"));
	private static final OnnxModel IDENTITY = OnnxModel.load(TestData.data("models/image_identity.onnx"));
	private static final OnnxModel AFFINE = OnnxModel.load(TestData.data("models/image_affine.onnx"));
	private static final OnnxModel BLUR = OnnxModel.load(TestData.data("models/image_blur.onnx"));
	private static final Dataset FIRST64 = Datasets.open(DatasetSpec.of(TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"),
			TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")).withSamples(64));

	@Test
	void mseAndPsnrAndSsimAsScikitImageComputesThem() {
		JsonNode r = REF.get("random");
		long[] shape = new long[r.get("shape").size()];
		for (int i = 0; i < shape.length; i++) {
			shape[i] = r.get("shape").get(i).asLong();
		}
		float[] a = floats(r.get("a"));
		float[] b = floats(r.get("b"));
		long[] perSample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
		ReconstructionMetrics.Accumulator one = new ReconstructionMetrics.Accumulator(perSample, 1, true);
		one.add(b, a, (int) shape[0]);
		expect(r.get("range1"), one.metrics(), 1, 1e-9);
		float[] a255 = new float[a.length];
		float[] b255 = new float[b.length];
		for (int i = 0; i < a.length; i++) {
			a255[i] = a[i] * 255f;
			b255[i] = b[i] * 255f;
		}
		ReconstructionMetrics.Accumulator wide = new ReconstructionMetrics.Accumulator(perSample, 255, true);
		wide.add(b255, a255, (int) shape[0]);
		expect(r.get("range255"), wide.metrics(), 255, 1e-9);
		assertEquals(Double.POSITIVE_INFINITY, ReconstructionMetrics.psnr(0, 1));
		assertFalse(ReconstructionMetrics.imageShape(new long[] { 1, 10, 28 }), "SSIM needs an 11x11 window");
	}

	/**
	 * SSIM over images channels last ([H, W, C], an NHWC model's outputs) as scikit-image computes it with channel_axis=-1
	 * (tests/data/metrics/make_ssim_nhwc_references.py: random [2, 20, 24, 3] and [2, 20, 24, 5] pairs), and the layout rule
	 * the runner's data checks, the evaluator and quantrace evaluate share. Before, such an output was refused (C of 1 to 4) or
	 * read as [C, H, W] (C = 5: 20 "channels" of 24x5 pixels, under the window: no SSIM); there was no channels-last SSIM.
	 */
	@Test
	void ssimOverChannelsLastAsScikitImageComputesIt() {
		JsonNode ref = TestData.json(TestData.data("metrics/ssim_nhwc_references.json"));
		for (JsonNode c : ref.get("cases")) {
			long[] shape = new long[c.get("shape").size()];
			for (int i = 0; i < shape.length; i++) {
				shape[i] = c.get("shape").get(i).asLong();
			}
			long[] perSample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
			ReconstructionMetrics.ImageLayout layout = ReconstructionMetrics.imageLayout(perSample, true);
			assertEquals(ReconstructionMetrics.ImageLayout.CHANNELS_LAST, layout, "declared NHWC, [H, W, C] with C the smallest axis");
			ReconstructionMetrics.Accumulator sums = new ReconstructionMetrics.Accumulator(perSample, 1, true, layout);
			sums.add(floats(c.get("outputs")), floats(c.get("reference")), (int) shape[0]);
			Map<String, Double> got = sums.metrics();
			assertEquals(c.get("ssim").asDouble(), got.get(Metrics.ssim(1, false)), 1e-9, "skimage's ssim with channel_axis=-1 for " + c.get("shape"));
			assertEquals(c.get("mse").asDouble(), got.get(Metrics.MSE), 1e-12, "mse");
		}
		// the rule: a shape that looks channels last is read so only where NHWC is declared, else it cannot be told
		assertNull(ReconstructionMetrics.imageLayout(new long[] { 20, 24, 3 }, false));
		assertEquals(ReconstructionMetrics.ImageLayout.CHANNELS_FIRST, ReconstructionMetrics.imageLayout(new long[] { 3, 20, 24 }, true), "NHWC in, NCHW out");
		assertNull(ReconstructionMetrics.imageLayout(new long[] { 16, 16, 16 }, true), "a cube: no axis is the channels'");
		assertEquals(ReconstructionMetrics.ImageLayout.CHANNELS_FIRST, ReconstructionMetrics.imageLayout(new long[] { 1, 28, 28 }, false));
		assertEquals(ReconstructionMetrics.ImageLayout.CHANNELS_FIRST, ReconstructionMetrics.imageLayout(new long[] { 28, 28 }, true));
	}

	/** Against the baseline's outputs (fidelity): the identity model's output is the image itself, so each model is measured against x. */
	@Test
	void imageModelsAreMeasuredAgainstTheBaselinesOutputs() {
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("identity", IDENTITY), Variant.of("affine", AFFINE), Variant.of("blur", BLUR),
				Variant.of("same", IDENTITY)), FIRST64, EvaluationOptions.defaults(), Progress.NONE);
		assertTrue(r.reconstruction());
		assertEquals("the outputs of identity", r.reference());
		assertEquals(64, r.samples());
		expect(REF.get("image_affine"), r.variant("affine").metrics(), 1, 1e-6);
		expect(REF.get("image_blur"), r.variant("blur").metrics(), 1, 1e-6);
		Map<String, Double> self = r.variant("identity").metrics();
		assertEquals(0, self.get(Metrics.MSE));
		assertEquals(Double.POSITIVE_INFINITY, self.get(Metrics.psnr(1)));
		assertEquals(1, self.get(Metrics.ssim(1, false)), 1e-12);
		assertNull(r.variant("blur").confusion());
		assertEquals(EvaluationReport.Marker.WORSE, r.compare("blur", Metrics.MSE).marker(), "a higher MSE is worse");
		// the baseline's PSNR against itself is +inf: a model with the same outputs is the same (inf - inf is no number), any other worse
		assertEquals(EvaluationReport.Marker.SAME, r.compare("same", Metrics.psnr(1)).marker());
		assertEquals(0, r.compare("same", Metrics.psnr(1)).delta());
		assertEquals(EvaluationReport.Marker.WORSE, r.compare("blur", Metrics.psnr(1)).marker());
		String table = EvaluationTable.render(r);
		assertTrue(table.contains("outputs against the outputs of identity (data range 1)"), table);
		assertTrue(table.contains("psnr (dB, range 1)") && table.contains("inf") && table.contains(Metrics.text(Metrics.MSE, REF.get("image_blur").get("mse").asDouble(), 4)),
				table);
	}

	/** Against targets (here the images themselves): the identity model is exact, the others measure as against its outputs. */
	@Test
	void targetsReplaceTheBaseline() {
		float[] x = FIRST64.read(0, 64).inputs().toFloats();
		EvaluationOptions o = EvaluationOptions.defaults().withTargets(new EvaluationOptions.Targets("x", x, new long[] { 1, 28, 28 }));
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("affine", AFFINE), Variant.of("identity", IDENTITY)), FIRST64, o, Progress.NONE);
		assertEquals("the targets x", r.reference());
		assertEquals(0, r.variant("identity").metrics().get(Metrics.MSE));
		expect(REF.get("image_affine"), r.variant("affine").metrics(), 1, 1e-6);
		InvalidInputException wrong = assertThrows(InvalidInputException.class, () -> Evaluator.evaluate(List.of(Variant.of("affine", AFFINE)), FIRST64,
				EvaluationOptions.defaults().withTargets(new EvaluationOptions.Targets("t.npy", new float[64 * 784], new long[] { 784 })), Progress.NONE));
		assertTrue(wrong.getMessage().contains("is [1, 28, 28] per sample but the targets (t.npy) is [784]"), wrong.getMessage());
		InvalidInputException few = assertThrows(InvalidInputException.class, () -> Evaluator.evaluate(List.of(Variant.of("affine", AFFINE)), FIRST64,
				EvaluationOptions.defaults().withTargets(new EvaluationOptions.Targets("t.npy", new float[10 * 784], new long[] { 1, 28, 28 })), Progress.NONE));
		assertTrue(few.getMessage().contains("10 targets for 64 samples"), few.getMessage());
	}

	/** A full-integer model's integer output is dequantized with its own scale and zero point before it is compared. */
	@Test
	void aQuantizedImageModelIsMeasuredAgainstTheFloatOne() {
		OnnxModel int8 = Models.quantize(BLUR, "fiq_int8");
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("blur", BLUR), Variant.of("int8", int8)), FIRST64, EvaluationOptions.defaults(),
				Progress.NONE);
		Map<String, Double> m = r.variant("int8").metrics();
		assertTrue(m.get(Metrics.MSE) > 0 && m.get(Metrics.MSE) < 1e-4, m.toString());
		assertTrue(m.get(Metrics.psnr(1)) > 40, m.toString());
		assertTrue(m.get(Metrics.ssim(1, false)) > 0.99 && m.get(Metrics.ssim(1, false)) < 1, m.toString());
		// a classifier is scored as before
		assertFalse(Evaluator.reconstruction(Variant.of("cnn", OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"))), EvaluationOptions.defaults()));
	}

	private static void expect(JsonNode ref, Map<String, Double> got, double range, double relative) {
		assertEquals(ref.get("mse").asDouble(), got.get(Metrics.MSE), relative * ref.get("mse").asDouble(), "mse " + got);
		assertEquals(ref.get("psnr").asDouble(), got.get(Metrics.psnr(range)), relative * ref.get("psnr").asDouble(), "psnr " + got);
		assertEquals(ref.get("ssim").asDouble(), got.get(Metrics.ssim(range, false)), relative, "ssim " + got);
	}

	private static float[] floats(JsonNode n) {
		float[] f = new float[n.size()];
		for (int i = 0; i < f.length; i++) {
			f[i] = (float) n.get(i).asDouble();
		}
		return f;
	}
}
