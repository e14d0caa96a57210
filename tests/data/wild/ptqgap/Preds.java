package org.quantrace.measure;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Preds IMAGES LABELS MODEL... : each model's top-1 prediction per sample (one line of digits per model, written to MODEL.preds)
 * and its accuracy, by the bench's measurement client (org.quantrace.measure: its own ONNX Runtime session and I/O
 * quantization, no engine code), so that two quantized models can be compared sample by sample (McNemar) and against fp32.
 * Compiled with the org.quantrace.measure sources: javac -cp 'PLUGINS/*' -d OUT tests/org.quantrace.measure/src/.../*.java Preds.java
 */
public final class Preds {
	public static void main(String[] args) throws Exception {
		Samples data = Samples.read(Path.of(args[0]), Path.of(args[1]));
		for (int m = 2; m < args.length; m++) {
			LoadedModel model = LoadedModel.open(Path.of(args[m]), 1);
			StringBuilder sb = new StringBuilder();
			long hits = 0;
			for (int from = 0; from < data.count(); from += 500) {
				int n = Math.min(500, data.count() - from);
				float[] out;
				try (var x = model.tensor(data.x(), from, n, data.shape())) {
					out = model.run(x);
				}
				int width = out.length / n;
				for (int i = 0; i < n; i++) {
					int best = 0;
					for (int c = 1; c < width; c++) {
						if (out[i * width + c] > out[i * width + best]) {
							best = c;
						}
					}
					sb.append((char) ('0' + best));
					hits += best == data.classes()[from + i] ? 1 : 0;
				}
			}
			Files.writeString(Path.of(args[m] + ".preds"), sb.toString());
			System.out.printf(java.util.Locale.ROOT, "%s %.4f%n", args[m], hits / (double) data.count());
		}
	}
}
