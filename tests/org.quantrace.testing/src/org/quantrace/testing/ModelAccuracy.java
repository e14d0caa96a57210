package org.quantrace.testing;

import java.util.Arrays;
import java.util.Map;

import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Labels;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.FashionMnist.Samples;

/**
 * Top-1 accuracy of a single-input classifier on Fashion-MNIST samples, feeding integer inputs as
 * q = r / s + z (the deck's inference code) when the model has integer I/O.
 */
public final class ModelAccuracy {

	private ModelAccuracy() {
	}

	public static double top1(OnnxModel model, Samples samples) {
		return top1(model, samples, 500, 0);
	}

	/** Top-1 with a given batch size and ONNX Runtime thread count (0 = one per core). */
	public static double top1(OnnxModel model, Samples samples, int batch, int threads) {
		Map<String, IoQuantization.Io> intInputs = IoQuantization.inputs(model);
		int correct = 0;
		try (InferenceSession session = InferenceSession.open(model, SessionSettings.defaults().withThreads(threads), "model under test")) {
			for (int start = 0; start < samples.count(); start += batch) {
				int n = Math.min(batch, samples.count() - start);
				float[] x = Arrays.copyOfRange(samples.pixels(), start * 784, (start + n) * 784);
				long[] shape = { n, 1, 28, 28 };
				NdArray input = NdArray.ofFloats(shape, x);
				if (!intInputs.isEmpty()) {
					IoQuantization.Io io = intInputs.values().iterator().next();
					byte[] q = new byte[x.length];
					for (int i = 0; i < x.length; i++) {
						q[i] = (byte) io.quantize(x[i]);
					}
					input = NdArray.ofBytes(io.type(), shape, q);
				}
				float[] logits = session.run(input).toFloats(); // argmax is the same on integer outputs
				for (int i = 0; i < n; i++) {
					int best = 0;
					for (int c = 1; c < 10; c++) {
						if (logits[i * 10 + c] > logits[i * 10 + best]) {
							best = c;
						}
					}
					correct += best == samples.labels()[start + i] ? 1 : 0;
				}
			}
		}
		return correct / (double) samples.count();
	}

	/** Samples as a dataset of [1, 28, 28] images. */
	public static Dataset dataset(String name, Samples samples) {
		return new ArrayDataset(name, samples.pixels(), new long[] { 1, 28, 28 }, Labels.singleLabel(samples.labels()));
	}

	/** Whether a model's inputs are integers of the given type. */
	public static boolean hasIntegerInput(OnnxModel model, DataType type) {
		return IoQuantization.inputs(model).values().stream().anyMatch(io -> io.type() == type);
	}
}
