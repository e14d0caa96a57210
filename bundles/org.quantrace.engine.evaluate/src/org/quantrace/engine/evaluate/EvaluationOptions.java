package org.quantrace.engine.evaluate;

/**
 * How to evaluate: batch size, k of top-k accuracy, the threshold of float multilabel outputs, how integer
 * multilabel outputs are read (the deck's dtype midpoint, or dequantized and compared with the threshold),
 * the tolerance in percentage points within which a metric counts as unchanged (~), and the baseline; for outputs
 * that are no class scores, which task to assume, the data range R of the outputs (PSNR, SSIM) and the targets (when
 * none, each model is measured against the baseline's outputs: fidelity), whether SSIM is computed and whether the layout is
 * declared NHWC (image outputs [H, W, C] are then read channels last, {@link ReconstructionMetrics#imageLayout}), whether the
 * data range is stated as the data's nominal one (the reference's span is then not held against it, {@link ReferenceSpan}), and
 * whether PSNR is computed.
 */
public record EvaluationOptions(int batchSize, int topK, double threshold, IntegerOutputs integerOutputs, double tolerancePoints, String baseline,
		Task task, double dataRange, Targets targets, boolean ssim, boolean nhwc, boolean nominalRange, boolean psnr) {

	/** Reading integer multilabel outputs. */
	public enum IntegerOutputs {
		/** q ≥ the type's midpoint (0 for int8, 128 for uint8), as the results deck's inference code does. */
		DTYPE_MIDPOINT,
		/** s (q - z) ≥ threshold, like the float model. */
		DEQUANTIZED
	}

	/** What the models' outputs are. */
	public enum Task {
		/** Class scores where the first model's output is [N, classes], else reconstruction. */
		AUTO,
		/** Class scores (or class indices); an output of several axes is refused. */
		CLASSIFICATION,
		/** Tensors compared with a reference: MSE, PSNR, SSIM ({@link ReconstructionMetrics}). */
		RECONSTRUCTION
	}

	/**
	 * Target tensors, one per sample in the data's order, each of {@code perSample} shape (batch axis left out), as float32
	 * row-major; {@code name} says where they came from (a file).
	 */
	public record Targets(String name, float[] values, long[] perSample) {

		/**
		 * The targets of an .npy file, [N, ...] (float16/float64 read as float32, as the data reader does); {@code name} says
		 * where they came from in records and messages (the file as the user wrote it).
		 */
		public static Targets read(java.nio.file.Path file, String name) {
			return of(org.quantrace.engine.data.NpyArray.open(file), name);
		}

		/** The targets of an .npy array read already (as {@link #read} reads a file). */
		public static Targets of(org.quantrace.engine.data.NpyArray t, String name) {
			long[] shape = t.shape();
			if (shape.length < 2) {
				throw new org.quantrace.engine.InvalidInputException(name + ": targets are " + java.util.Arrays.toString(shape)
						+ ", not one tensor per sample [N, ...]", "give the targets as an .npy array of N samples shaped as the model's output");
			}
			return new Targets(name, t.slice(0, (int) shape[0]).toFloats(), java.util.Arrays.copyOfRange(shape, 1, shape.length));
		}

		public int samples() {
			long size = 1;
			for (long d : perSample) {
				size *= d;
			}
			return (int) (values.length / Math.max(1, size));
		}
	}

	public EvaluationOptions(int batchSize, int topK, double threshold, IntegerOutputs integerOutputs, double tolerancePoints, String baseline) {
		this(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, Task.AUTO, 1, null, true, false, false, true);
	}

	public static EvaluationOptions defaults() {
		return new EvaluationOptions(64, 5, 0.5, IntegerOutputs.DTYPE_MIDPOINT, 0.5, null);
	}

	public EvaluationOptions withBaseline(String name) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, name, task, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withTolerance(double points) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, points, baseline, task, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withIntegerOutputs(IntegerOutputs mode) {
		return new EvaluationOptions(batchSize, topK, threshold, mode, tolerancePoints, baseline, task, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withBatchSize(int size) {
		return new EvaluationOptions(size, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withTopK(int k) {
		return new EvaluationOptions(batchSize, k, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withTask(Task t) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, t, dataRange, targets, ssim, nhwc, nominalRange, psnr);
	}

	/** The data range R of outputs that are no class scores (1 for images in [0, 1]). */
	public EvaluationOptions withDataRange(double range) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, range, targets, ssim, nhwc, nominalRange, psnr);
	}

	public EvaluationOptions withTargets(Targets t) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, t, ssim, nhwc, nominalRange, psnr);
	}

	/** Whether SSIM is computed where the outputs are images (default true). */
	public EvaluationOptions withSsim(boolean on) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, on, nhwc, nominalRange, psnr);
	}

	/** Whether the layout is declared NHWC (recipe {@code layout NHWC}, {@code --layout NHWC}): SSIM then reads [H, W, C] outputs. */
	public EvaluationOptions withNhwc(boolean declared) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, ssim, declared, nominalRange, psnr);
	}

	/**
	 * Whether PSNR is computed (default true; a recipe's or --metrics' list without psnr: false). The data range R is used by
	 * PSNR and SSIM only: an evaluation of neither (mse alone) does not hold the reference's span against R.
	 */
	public EvaluationOptions withPsnr(boolean on) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, ssim, nhwc, nominalRange, on);
	}

	/**
	 * Whether the data range is the data's nominal range, stated by the user (recipe {@code range R nominal}, {@code
	 * --nominal-range}): very dark images in [0, 1] span far less than 1 and are measured with R = 1 all the same.
	 */
	public EvaluationOptions withNominalRange(boolean stated) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, baseline, task, dataRange, targets, ssim, nhwc, stated, psnr);
	}
}
