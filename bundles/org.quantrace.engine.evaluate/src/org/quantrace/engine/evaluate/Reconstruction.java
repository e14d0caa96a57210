package org.quantrace.engine.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

/**
 * The evaluation of models whose output is no class scores (an image, a map, a signal): each model's first output, as
 * float (an integer output dequantized with its own scale and zero point), against the reference of each sample: the
 * targets when given, else the baseline model's output (fidelity: how far each model is from it). Labels are not read.
 */
final class Reconstruction {

	private Reconstruction() {
	}

	static EvaluationReport evaluate(List<Variant> variants, Dataset data, EvaluationOptions options, Progress progress) {
		String baseline = options.baseline() != null ? options.baseline() : variants.get(0).name();
		int base = -1;
		for (int i = 0; i < variants.size(); i++) {
			base = variants.get(i).name().equals(baseline) ? i : base;
		}
		if (base < 0) {
			throw new InvalidInputException("baseline '" + baseline + "' is not among the evaluated models " + variants.stream().map(Variant::name).toList(),
					"name one of them as baseline");
		}
		int n = data.size();
		EvaluationOptions.Targets targets = options.targets();
		if (targets != null && targets.samples() < n) {
			throw new InvalidInputException(targets.name() + ": " + targets.samples() + " targets for " + n + " samples of " + data.name(),
					"give one target per sample, in the data's order");
		}
		List<Runner> runners = new ArrayList<>();
		ReferenceSpan span = new ReferenceSpan();
		try {
			for (Variant v : variants) {
				runners.add(new Runner(v, data));
			}
			try (Progress.Task task = progress.start("evaluating " + variants.size() + (variants.size() == 1 ? " model" : " models"), n, "samples")) {
				for (int from = 0; from < n; from += options.batchSize()) {
					int to = Math.min(n, from + options.batchSize());
					Batch batch = data.read(from, to);
					List<float[]> outputs = new ArrayList<>();
					for (Runner r : runners) {
						outputs.add(r.run(batch));
					}
					float[] reference;
					long[] referenceShape;
					if (targets != null) {
						int size = (int) Math.max(1, java.util.Arrays.stream(targets.perSample()).reduce(1, (a, b) -> a * b));
						reference = java.util.Arrays.copyOfRange(targets.values(), from * size, to * size);
						referenceShape = targets.perSample();
					} else {
						reference = outputs.get(base);
						referenceShape = runners.get(base).perSample;
					}
					span.add(reference);
					for (int i = 0; i < runners.size(); i++) {
						runners.get(i).accumulate(outputs.get(i), reference, referenceShape, to - from, options, targets == null ? "the baseline " + baseline
								+ "'s output" : "the targets (" + targets.name() + ")");
					}
					task.advance(to - from);
				}
			}
			String reference = targets != null ? "the targets " + targets.name() : "the outputs of " + baseline;
			// R enters psnr and ssim only; an evaluation of neither reports no range and holds none against the reference
			boolean usesRange = runners.stream().anyMatch(r -> r.sums != null && r.sums.usesRange());
			List<EvaluationReport.VariantResult> results = new ArrayList<>();
			for (Runner r : runners) {
				Map<String, Double> metrics = new LinkedHashMap<>(r.sums.metrics());
				double latency = r.nanos / 1e6 / n;
				metrics.put(Metrics.LATENCY, latency);
				metrics.put(Metrics.MODEL_SIZE, (double) r.variant.sizeBytes());
				results.add(new EvaluationReport.VariantResult(r.variant.name(), metrics, null, latency, r.variant.sizeBytes(),
						IntegerFeed.fedTypes(r.inputs, r.intInputs), r.intOutput == null ? "float32" : r.intOutput.type().displayName()));
			}
			EvaluationReport report = new EvaluationReport(data.name(), n, false, List.of(), results, baseline, options.tolerancePoints(), reference,
					usesRange ? options.dataRange() : Double.NaN, usesRange && options.nominalRange());
			if (usesRange) {
				span.requireFits(options.dataRange(), options.nominalRange(), "the reference (" + (targets != null ? reference : "the outputs of the baseline " + baseline) + ")", report);
			}
			return report;
		} finally {
			runners.forEach(Runner::close);
		}
	}

	/** One variant's session and its running sums. */
	private static final class Runner implements AutoCloseable {
		final Variant variant;
		final InferenceSession session;
		final ModelInputs inputs;
		/** The model's integer inputs, which float samples are quantized for. */
		final Map<String, IoQuantization.Io> intInputs;
		final IoQuantization.Io intOutput;
		long[] perSample;
		String output;
		ReconstructionMetrics.Accumulator sums;
		long nanos;

		Runner(Variant v, Dataset data) {
			this.variant = v;
			this.inputs = ModelInputs.of(v.model(), v.name(), data);
			this.intInputs = IoQuantization.inputs(v.model());
			this.intOutput = IoQuantization.firstOutput(v.model());
			this.session = InferenceSession.open(v.model(), SessionSettings.defaults(), v.name());
		}

		/** Runs one batch; returns its first output as float, dequantized when integer. */
		float[] run(Batch batch) {
			Map<String, NdArray> fed = IntegerFeed.feed(inputs, batch, intInputs, variant.name());
			long start = System.nanoTime();
			Map.Entry<String, NdArray> first = session.run(fed).entrySet().iterator().next();
			nanos += System.nanoTime() - start;
			NdArray y = first.getValue();
			long[] shape = y.shape();
			long[] sample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
			if (perSample == null) {
				perSample = sample;
				output = first.getKey();
			} else if (!java.util.Arrays.equals(perSample, sample)) {
				throw new InvalidInputException(variant.name() + "'s output '" + output + "' changed shape between batches: " + java.util.Arrays.toString(perSample)
						+ " then " + java.util.Arrays.toString(sample), "give a model whose output has one shape per sample");
			}
			float[] values = y.toFloats();
			if (intOutput != null) {
				for (int i = 0; i < values.length; i++) {
					values[i] = intOutput.dequantize((long) values[i]);
				}
			}
			return values;
		}

		void accumulate(float[] out, float[] reference, long[] referenceShape, int rows, EvaluationOptions options, String what) {
			if (!java.util.Arrays.equals(perSample, referenceShape) || out.length != reference.length) {
				throw new InvalidInputException(variant.name() + "'s output '" + output + "' is " + shape(perSample) + " per sample but " + what + " is "
						+ shape(referenceShape), "compare outputs of one shape: targets shaped as the model's output, models with the same output");
			}
			ReconstructionMetrics.ImageLayout layout = ReconstructionMetrics.imageLayout(perSample, options.nhwc());
			if (sums == null && options.ssim() && layout == null) { // else SSIM over H as channels, or none, silently
				throw new InvalidInputException(ReconstructionMetrics.channelsLastProblem(variant.name() + "'s output '" + output + "'", perSample),
						"declare the layout (--layout NHWC) and ssim is computed over [H, W, C]; or leave ssim out (--metrics mse,psnr: they do not depend"
								+ " on the layout), or give the model a Transpose (perm 0, 3, 1, 2) at its output so that it is [N, C, H, W]");
			}
			if (sums == null) {
				sums = new ReconstructionMetrics.Accumulator(perSample, options.dataRange(), options.ssim() && ReconstructionMetrics.imageShape(perSample, layout), layout,
						options.psnr(), options.nominalRange());
			}
			sums.add(out, reference, rows);
		}

		private static String shape(long[] s) {
			return "[" + java.util.Arrays.stream(s).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(", ")) + "]";
		}

		@Override
		public void close() {
			session.close();
		}
	}
}
