package org.quantrace.measure;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;

/**
 * Accuracy computed here from the raw outputs: top-1 (argmax of the output row) for class labels, binary
 * accuracy (output > 0.5 against each 0/1 target, averaged over samples and labels) for multilabel data.
 */
final class Accuracy {

	private Accuracy() {
	}

	static double of(LoadedModel model, Samples data, int batch) throws OrtException {
		long hits = 0;
		int width = -1;
		for (int from = 0; from < data.count(); from += batch) {
			int n = Math.min(batch, data.count() - from);
			float[] out;
			try (OnnxTensor x = model.tensor(data.x(), from, n, data.shape())) {
				out = model.run(x);
			}
			width = out.length / n;
			if (data.multilabel() && width != data.labels()) {
				throw new IllegalArgumentException(model.path + ": " + width + " outputs per sample for " + data.labels() + " labels");
			}
			for (int i = 0; i < n; i++) {
				if (data.multilabel()) {
					for (int k = 0; k < width; k++) {
						hits += (out[i * width + k] > 0.5f ? 1 : 0) == data.targets()[(from + i) * width + k] ? 1 : 0;
					}
				} else {
					int best = 0;
					for (int c = 1; c < width; c++) {
						if (out[i * width + c] > out[i * width + best]) {
							best = c;
						}
					}
					hits += best == data.classes()[from + i] ? 1 : 0;
				}
			}
		}
		return hits / (double) (data.multilabel() ? (long) data.count() * data.labels() : data.count());
	}
}
