package org.quantrace.engine.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.LabelCheck;
import org.quantrace.engine.data.Labels;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

/**
 * Runs several model variants over the same data in one pass, batch by batch, and computes their metrics.
 * Integer inputs are fed q = r / S + Z with the model's own scale and zero point; integer outputs are
 * read as the results deck's inference code reads them (argmax for single-label, the dtype midpoint as
 * multilabel threshold), or dequantized when asked.
 */
public final class Evaluator {

	private Evaluator() {
	}

	public static EvaluationReport evaluate(List<Variant> variants, Dataset data, EvaluationOptions options, Progress progress) {
		if (variants.isEmpty()) {
			throw new IllegalArgumentException("no variant to evaluate");
		}
		if (reconstruction(variants.get(0), options)) {
			return Reconstruction.evaluate(variants, data, options, progress);
		}
		refuseGuessedLabels(data);
		for (Variant v : variants) {
			LabelCheck.requireNoTopKValues(v.model(), v.name());
			LabelCheck.check(v.model(), v.name(), data);
		}
		int n = data.size();
		Batch probe = data.read(0, Math.min(1, n));
		if (probe.labels() == null) {
			throw new InvalidInputException(data.name() + ": the data has no labels", "give a label file (folder: labels.json; .npy: --labels y.npy)");
		}
		boolean multilabel = probe.labels().isMultilabel();
		List<Runner> runners = new ArrayList<>();
		try {
			for (Variant v : variants) {
				runners.add(new Runner(v, data, multilabel));
			}
			int width = -1;
			int[] truth = multilabel ? null : new int[n];
			byte[] truthFlags = null;
			try (Progress.Task task = progress.start("evaluating " + variants.size() + (variants.size() == 1 ? " model" : " models"), n, "samples")) {
				for (int from = 0; from < n; from += options.batchSize()) {
					int to = Math.min(n, from + options.batchSize());
					Batch batch = data.read(from, to);
					Labels labels = batch.labels();
					if (multilabel) {
						if (truthFlags == null) {
							truthFlags = new byte[n * labels.width()];
						}
						System.arraycopy(labels.flags(), 0, truthFlags, from * labels.width(), labels.flags().length);
					} else {
						System.arraycopy(labels.classes(), 0, truth, from, labels.classes().length);
					}
					for (Runner r : runners) {
						int w = r.run(batch, from, n, options);
						width = r.indices ? width : w; // a model giving class indices has no width of its own
					}
					task.advance(to - from);
				}
			}
			List<EvaluationReport.VariantResult> results = new ArrayList<>();
			for (Runner r : runners) {
				results.add(r.result(truth, truthFlags, options, data, width));
			}
			String baseline = options.baseline() != null ? options.baseline() : variants.get(0).name();
			if (results.stream().noneMatch(v -> v.name().equals(baseline))) {
				throw new InvalidInputException("baseline '" + baseline + "' is not among the evaluated models " + variants.stream().map(Variant::name).toList(),
						"name one of them as baseline");
			}
			return new EvaluationReport(data.name(), n, multilabel, data.labelNames(), results, baseline, options.tolerancePoints());
		} finally {
			runners.forEach(Runner::close);
		}
	}

	/**
	 * Whether the variants' outputs are measured against a reference (MSE, PSNR, SSIM) rather than scored as classes: when
	 * asked, or, left to the evaluator, when the first model's first output declares two or more axes of more than one value
	 * per sample (an image, a map), which are no class scores.
	 */
	public static boolean reconstruction(Variant first, EvaluationOptions options) {
		return switch (options.task()) {
		case RECONSTRUCTION -> true;
		case CLASSIFICATION -> false;
		case AUTO -> {
			long[] shape = LabelCheck.firstOutputShape(first.model());
			yield shape != null && !LabelCheck.classScores(shape);
		}
		};
	}

	/**
	 * Class folders read without a label map are numbered in sorted order, which is the model's numbering only if it
	 * was trained so: scoring them could report 0.47 for a model of 0.90 without a word. Refused, with the map to write
	 * if the guess is right.
	 */
	private static void refuseGuessedLabels(Dataset data) {
		if (!data.labelsGuessed()) {
			return;
		}
		List<String> names = data.labelNames();
		StringBuilder map = new StringBuilder("{");
		for (int i = 0; i < Math.min(3, names.size()); i++) {
			map.append(i == 0 ? "" : ", ").append('"').append(names.get(i)).append("\": ").append(i);
		}
		map.append(names.size() > 3 ? ", ...}" : "}");
		throw new InvalidInputException(data.name() + ": class folders without a label map: which output of the model is '" + names.get(0)
				+ "' is not known (sorted folder order is a guess, right only for models trained that way)",
				"give the label map the model was trained with (--labels labels.json, or labels \"...\" in the recipe); for sorted folder"
						+ " order (torchvision's ImageFolder) it reads " + map);
	}

	/** One variant's session and the predictions collected so far. */
	private static final class Runner implements AutoCloseable {
		final Variant variant;
		final InferenceSession session;
		final ModelInputs inputs;
		/** The model's integer inputs, which float samples are quantized for. */
		final Map<String, IoQuantization.Io> intInputs;
		final IoQuantization.Io intOutput;
		final boolean multilabel;
		/** The data, which a label beyond the model's classes is said of (its name, the sample's line). */
		final Dataset data;
		int[] predicted;
		byte[] flags;
		float[] scores;
		/** The output holds one class index per sample (the graph ends in ArgMax, or TopK's indices with k = 1), not class scores. */
		boolean indices;
		long nanos;
		int classes = -1;

		Runner(Variant v, Dataset data, boolean multilabel) {
			this.variant = v;
			this.multilabel = multilabel;
			this.data = data;
			this.inputs = ModelInputs.of(v.model(), v.name(), data);
			this.intInputs = IoQuantization.inputs(v.model());
			this.intOutput = IoQuantization.firstOutput(v.model());
			this.session = InferenceSession.open(v.model(), SessionSettings.defaults(), v.name());
		}

		/** Runs one batch; returns the output width. */
		int run(Batch batch, int from, int total, EvaluationOptions options) {
			Map<String, NdArray> fed = IntegerFeed.feed(inputs, batch, intInputs, variant.name());
			long start = System.nanoTime();
			Map.Entry<String, NdArray> first = session.run(fed).entrySet().iterator().next();
			NdArray y = first.getValue();
			nanos += System.nanoTime() - start;
			long[] shape = y.shape();
			if (shape.length == 0 || shape[0] != batch.size()) { // an ArgMax over axis 0 gave [classes] for a batch of 64: read as that many samples, exit 0
				throw new InvalidInputException(variant.name() + "'s output '" + first.getKey() + "' has shape " + java.util.Arrays.toString(shape) + " for a batch of "
						+ batch.size() + " samples: its first axis is not one row per sample (an ArgMax or a reduction over axis 0, the batch?)",
						"give a model whose first output has one row per sample: class scores [N, classes], or one class index per sample"
								+ " (ArgMax over the classes' axis)");
			}
			int width = (int) (y.elementCount() / shape[0]);
			int rows = (int) shape[0];
			if (classes < 0 && rows > 1 && inputs.fixedBatch() == 0) {
				// a first axis that equals the batch by chance (an output [10, N] transposed, evaluated on 10 samples) read columns as
				// samples, exit 0: the first batch once more without its last sample must give one row fewer
				Map<String, NdArray> fewerFed = new java.util.LinkedHashMap<>();
				fed.forEach((k, v) -> fewerFed.put(k, v.rows(0, rows - 1)));
				NdArray fewer = session.run(fewerFed).get(first.getKey());
				if (fewer == null || fewer.shape().length == 0 || fewer.shape()[0] != rows - 1) {
					throw new InvalidInputException(variant.name() + "'s output '" + first.getKey() + "' has shape " + java.util.Arrays.toString(shape) + " for a batch of "
							+ rows + " samples and " + (fewer == null ? "none" : java.util.Arrays.toString(fewer.shape())) + " for " + (rows - 1)
							+ ": its first axis is not one row per sample (a transposed output, or a reduction over axis 0, the batch?)",
							"give a model whose first output has one row per sample: class scores [N, classes], or one class index per sample"
									+ " (ArgMax over the classes' axis)");
				}
			}
			if (classes < 0) {
				LabelCheck.requireClassScores(variant.name(), first.getKey(), shape);
				indices = !multilabel && width == 1 && intOutput == null && (y.type() == DataType.INT64 || y.type() == DataType.INT32);
				classes = width;
				if (multilabel) {
					flags = new byte[total * width];
				} else {
					predicted = new int[total];
					scores = new float[total * width];
				}
			}
			float[] values = y.toFloats();
			if (multilabel) {
				checkWidth(batch.labels().width(), width);
				for (int i = 0; i < rows * width; i++) {
					flags[from * width + i] = (byte) (positive(values[i], options) ? 1 : 0);
				}
			} else if (indices) {
				for (int i = 0; i < rows; i++) {
					float c = values[i];
					if (c < 0 || c >= Integer.MAX_VALUE) {
						throw new InvalidInputException(variant.name() + "'s output '" + first.getKey() + "' holds class indices (" + y.type().displayName()
								+ ", one per sample) and gives sample " + (from + i) + " the class " + (long) c, "give a model whose output is a class index from 0,"
										+ " or its class scores");
					}
					predicted[from + i] = (int) c;
				}
			} else {
				for (int i = 0; i < rows; i++) {
					int best = 0;
					for (int c = 0; c < width; c++) {
						float s = intOutput != null ? intOutput.dequantize((long) values[i * width + c]) : values[i * width + c];
						scores[(from + i) * width + c] = s;
						if (values[i * width + c] > values[i * width + best]) {
							best = c;
						}
					}
					predicted[from + i] = best;
					LabelCheck.requireClass(data, from + i, batch.labels().classes()[i], width, variant.name());
				}
			}
			return width;
		}

		private void checkWidth(int labels, int width) {
			if (labels != width) {
				throw new InvalidInputException(variant.name() + " has " + width + " outputs but the data has " + labels + " labels per sample",
						"give labels with one column per model output");
			}
		}

		private boolean positive(float v, EvaluationOptions options) {
			if (intOutput == null) {
				return v >= options.threshold();
			}
			return options.integerOutputs() == EvaluationOptions.IntegerOutputs.DTYPE_MIDPOINT ? v >= intOutput.midpoint()
					: intOutput.dequantize((long) v) >= options.threshold();
		}

		EvaluationReport.VariantResult result(int[] truth, byte[] truthFlags, EvaluationOptions options, Dataset data, int width) {
			Map<String, Double> metrics = new LinkedHashMap<>();
			long[][] confusion = null;
			int n = multilabel ? truthFlags.length / width : truth.length;
			if (multilabel) {
				metrics.putAll(MultilabelMetrics.compute(truthFlags, flags, width, data.labelNames()));
			} else if (indices) {
				// as many classes as the other variants' scores, the data's class names, its labels and these predictions need
				int classes = Math.max(Math.max(width, data.labelNames() == null ? 0 : data.labelNames().size()),
						Math.max(java.util.Arrays.stream(truth).max().orElse(0), java.util.Arrays.stream(predicted).max().orElse(0)) + 1);
				ClassificationMetrics.Result r = ClassificationMetrics.compute(truth, predicted, null, classes, 1); // no scores: no top-k
				metrics.putAll(r.metrics());
				confusion = r.confusion();
			} else {
				ClassificationMetrics.Result r = ClassificationMetrics.compute(truth, predicted, scores, width, Math.min(options.topK(), width));
				metrics.putAll(r.metrics());
				confusion = r.confusion();
			}
			double latency = nanos / 1e6 / n;
			metrics.put(Metrics.LATENCY, latency);
			metrics.put(Metrics.MODEL_SIZE, (double) variant.sizeBytes());
			return new EvaluationReport.VariantResult(variant.name(), metrics, confusion, latency, variant.sizeBytes(),
					IntegerFeed.fedTypes(inputs, intInputs), intOutput == null ? "float32" : intOutput.type().displayName());
		}

		@Override
		public void close() {
			session.close();
		}
	}
}
