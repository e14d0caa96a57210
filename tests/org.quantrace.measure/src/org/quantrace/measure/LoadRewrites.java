package org.quantrace.measure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * Whether ONNX Runtime's graph optimizations change what a model computes: the same batch run with optimization off and
 * at its default (all), and how many output values differ. A QDQ model's integer kernels round where the unoptimized
 * graph computes in float, so a few values one step apart are expected; many values several steps apart mean that a
 * load-time rewrite computes something the file does not say. Found so (speed15): a Conv left float after the int8
 * model input's DequantizeLinear is given int8 per-tensor weights by ONNX Runtime's WeightBiasQuantization, and still
 * runs in float; the dae with its stem so had 39,268 of 235,200 output values differ, by up to 0.0378 (10 steps of the
 * output's scale 0.00378), the same model with the stem's weights quantized in the file 1 value (0.0113).
 *
 * <pre>
 * java -cp ... org.quantrace.measure.LoadRewrites IMAGES LABELS [--batch 300] MODEL.onnx...
 * </pre>
 */
public final class LoadRewrites {

	private LoadRewrites() {
	}

	public static void main(String[] args) throws Exception {
		int batch = 300;
		List<Path> models = new ArrayList<>();
		for (int i = 2; i < args.length; i++) {
			if (args[i].equals("--batch")) {
				batch = Integer.parseInt(args[++i]);
			} else {
				models.add(Path.of(args[i]));
			}
		}
		if (models.isEmpty()) {
			System.err.println("usage: LoadRewrites IMAGES LABELS [--batch N] MODEL.onnx...");
			System.exit(2);
		}
		Samples data = Samples.read(Path.of(args[0]), Path.of(args[1]));
		int n = Math.min(batch, data.count());
		for (Path m : models) {
			float[] plain = outputs(m, OptLevel.NO_OPT, data, n);
			float[] optimized = outputs(m, OptLevel.ALL_OPT, data, n);
			System.out.println(describe(m, plain, optimized));
		}
	}

	/** The first output for the first {@code n} samples, as real numbers, from a session of this optimization level. */
	static float[] outputs(Path model, OptLevel level, Samples data, int n) throws Exception {
		try (LoadedModel lm = LoadedModel.open(model, 1, level, null); OnnxTensor x = lm.tensor(data.x(), 0, n, data.shape())) {
			return lm.run(x);
		}
	}

	/** How many values differ and the largest difference (real numbers: an integer output is dequantized with its scale). */
	static String describe(Path model, float[] plain, float[] optimized) {
		int differ = 0;
		double max = 0;
		for (int i = 0; i < plain.length; i++) {
			double d = Math.abs((double) plain[i] - optimized[i]);
			if (d > 0) {
				differ++;
				max = Math.max(max, d);
			}
		}
		return String.format(Locale.ROOT, "%s: %,d of %,d output values differ between no and full optimization, by at most %.4g", model.getFileName(), differ,
				plain.length, max);
	}
}
