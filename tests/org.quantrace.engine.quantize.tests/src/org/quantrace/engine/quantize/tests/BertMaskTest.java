package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.Npz;
import org.quantrace.testing.TestData;

/**
 * tests/data/multiin/bert2in (make_multiin.py: a BERT-style classifier trained on Fashion-MNIST tokens) computes its attention
 * mask as Hugging Face exports do: attention_mask (int64) → Cast → Sub(1, ·) → Mul(·, −10000) → Reshape → Add to the scores →
 * Softmax. Its float Softmaxes compute the masked entries' exp as denormals (fp32 with −60 instead: 0.56x the CPU time at batch
 * 64, tests/data/wild/README.md masks33); under fiq-int8 both run on codes (QLinearSoftmax), the masking Adds float, and the
 * accuracy on the 1,000 test samples stays within 0.5 point of fp32's. Main left both Softmaxes float (the mask not constant).
 */
class BertMaskTest {

	private static final Path DIR = TestData.data("multiin");
	private static final int TOKENS = 49;

	@Test
	void theSoftmaxesOverScoresMaskedFromTheAttentionMaskInputRunOnCodes() {
		OnnxModel fp32 = OnnxModel.load(DIR.resolve("bert2in.onnx"));
		QuantizationResult r = Quantizer.quantize(fp32, "bert2in", Schemes.preset("fiq_int8"),
				Datasets.open(DatasetSpec.of(DIR.resolve("bert2in-calib.npz"), null)), Progress.NONE);

		List<QuantizationResult.Layer> softmaxes = r.layers().stream().filter(l -> l.opType().equals("Softmax")).toList();
		assertEquals(2, softmaxes.size());
		for (QuantizationResult.Layer s : softmaxes) {
			assertTrue(s.quantized() && s.reason().contains("of a mask computed at run time from the model input 'attention_mask' (INT64, taken as 0/1"
					+ " as an attention mask is) as 0 and −10000.0"), s.reason());
		}
		assertTrue(r.warnings().stream().noneMatch(w -> w.contains("added positive values")), r.warnings().toString());
		List<String> ran = TinyGraph.optimizedOps(r.model());
		assertTrue(ran.stream().filter("com.microsoft.QLinearSoftmax"::equals).count() == 2 && !ran.contains("Softmax"), ran.toString());

		Path test = DIR.resolve("bert2in-test.npz");
		long[] labels = Npz.longs(test, "y");
		double float32 = accuracy(fp32, test, labels);
		double int8 = accuracy(r.model(), test, labels);
		assertTrue(float32 > 0.75 && Math.abs(int8 - float32) <= 0.005, "fp32 " + float32 + ", fiq-int8 " + int8);
	}

	/**
	 * The mask is taken as 0/1, as an attention mask is; calibration samples whose attention_mask holds a 2 (five tokens) add
	 * +10000 to those scores, which the Softmax on codes saturates where float gives them all the weight: quantize says so, naming
	 * both masks and the Softmax to leave float. Main said nothing (its Softmaxes float).
	 */
	@Test
	void anAttentionMaskOtherThanZeroOneInTheCalibrationDataIsSaid() throws IOException {
		Path calib = DIR.resolve("bert2in-calib.npz");
		long[] ids = Npz.longs(calib, "input_ids");
		long[] mask = Npz.longs(calib, "attention_mask");
		for (int i = 0; i < 5; i++) {
			mask[i * TOKENS + 3] = 2;
		}
		long[] shape = { ids.length / TOKENS, TOKENS };
		Path two = Npz.write(TestData.tempDir("bert-mask-two").resolve("two.npz"), Map.of("input_ids", NdArray.ofLongs(shape, ids), "attention_mask",
				NdArray.ofLongs(shape, mask), "y", NdArray.ofLongs(new long[] { shape[0] }, Npz.longs(calib, "y"))));
		QuantizationResult r = Quantizer.quantize(OnnxModel.load(DIR.resolve("bert2in.onnx")), "bert2in", Schemes.preset("fiq_int8"),
				Datasets.open(DatasetSpec.of(two, null)), Progress.NONE);
		List<String> said = r.warnings().stream().filter(w -> w.contains("added positive values on the calibration samples")).toList();
		assertEquals(2, said.size(), r.warnings().toString());
		assertTrue(said.get(0).contains("the Add '/Add_1' adds, computed from the model input 'attention_mask'") && said.get(0).contains("--exclude /Softmax)"),
				said.get(0));
		// made with its code and what it is about, where the condition is found: a run records it by the code, not these words (warn35)
		assertEquals(said, r.quantizerWarnings().stream().filter(w -> org.quantrace.engine.quantize.QuantizerWarning.MASK_POSITIVE.equals(w.code()))
				.map(org.quantrace.engine.quantize.QuantizerWarning::message).toList());
		assertEquals("/Add_1", r.quantizerWarnings().stream().filter(w -> w.message().equals(said.get(0))).findFirst().orElseThrow().subject());
	}

	/** Top-1 accuracy of {@code model} fed the ids and the mask as stored (an int8 output's codes keep the logits' order). */
	private static double accuracy(OnnxModel model, Path test, long[] labels) {
		long[] ids = Npz.longs(test, "input_ids");
		long[] mask = Npz.longs(test, "attention_mask");
		int hits = 0;
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults().withThreads(1), "bert2in")) {
			for (int from = 0; from < labels.length; from += 100) {
				int n = Math.min(100, labels.length - from);
				long[] shape = { n, TOKENS };
				Map<String, NdArray> feed = Map.of("input_ids", NdArray.ofLongs(shape, Arrays.copyOfRange(ids, from * TOKENS, (from + n) * TOKENS)),
						"attention_mask", NdArray.ofLongs(shape, Arrays.copyOfRange(mask, from * TOKENS, (from + n) * TOKENS)));
				float[] logits = s.run(feed).values().iterator().next().toFloats();
				int classes = logits.length / n;
				for (int k = 0; k < n; k++) {
					int best = 0;
					for (int c = 1; c < classes; c++) {
						best = logits[k * classes + c] > logits[k * classes + best] ? c : best;
					}
					hits += best == labels[from + k] ? 1 : 0;
				}
			}
		}
		return hits / (double) labels.length;
	}
}
