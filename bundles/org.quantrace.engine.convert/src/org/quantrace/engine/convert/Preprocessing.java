package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;

/**
 * Conversion as the pre-processing of quantization, as ONNX Runtime's {@code quant_pre_process} is: before a float model
 * is quantized without a declared conversion, the default conversion runs on it, and its result is quantized instead
 * when it gains something the quantizer cannot do itself (BatchNormalization folded, Dropout removed, constants or
 * shape arithmetic computed ahead, If nodes inlined, decompositions fused) and computes what the model computes. The
 * command line and the runner both call {@link #of}, so {@code quantize} and a recipe without a {@code convert} step
 * treat a model the same way; the conversion is reported (command line) and recorded as a PhIMT0002 conversion (run).
 * <p>
 * Why do it rather than only advise it: the models ran slower in int8 than in float because BatchNormalization
 * and the HardSwish decomposition stayed float between QuantizeLinear/DequantizeLinear pairs; the conversion is
 * function-preserving, checked on real samples, and recorded, so doing it costs the user nothing they cannot audit.
 */
public final class Preprocessing {

	/** Largest output difference accepted between the model and its pre-processed form (float rounding of folded weights). */
	public static final double TOLERANCE = 1e-3;

	/** What pre-processing found and did: the conversion (null if it could not run), its gains, and whether to use it. */
	public record Outcome(FreezeResult conversion, List<String> gains, boolean applied, String reason) {

		/** The model to quantize: the converted one when applied, else the input. */
		public OnnxModel model(OnnxModel input) {
			return applied ? conversion.model() : input;
		}
	}

	private Preprocessing() {
	}

	/**
	 * Runs the default conversion on {@code model} and decides whether its result should be quantized instead.
	 *
	 * @param verification real samples to check the conversion on (the calibration data), or null for seeded random ones
	 * @param enabled       false to only say what would be gained (the model is then quantized as it is)
	 */
	public static Outcome of(OnnxModel model, String name, Dataset verification, boolean enabled) {
		return of(model, name, verification, enabled, Progress.NONE);
	}

	/** {@link #of(OnnxModel, String, Dataset, boolean)}, the conversion and its check reporting to {@code progress}. */
	public static Outcome of(OnnxModel model, String name, Dataset verification, boolean enabled, Progress progress) {
		FreezeResult r;
		List<RuntimeException> unreadable = new ArrayList<>();
		try {
			r = Freezer.freeze(model, name, FreezeOptions.defaults(), verification == null ? null : new WatchedData(verification, unreadable), progress);
		} catch (QuantraceException e) { // the model's problem for conversion need not stop its quantization
			if (unreadable.contains(e)) {
				// the data's does: calibration reads the same samples and stops on them, but a model that needed the conversion (a
				// Dropout in training mode) was refused first for that, and the NaN in the data went unsaid (hostile15)
				throw e;
			}
			return new Outcome(null, List.of(), false, "pre-processing could not run: " + e.getMessage());
		}
		List<String> gains = gains(r, model);
		if (gains.isEmpty()) {
			return new Outcome(r, gains, false, "nothing to gain: the model holds nothing the conversion would rewrite");
		}
		if (!(r.maxAbsDifference() <= TOLERANCE)) {
			return new Outcome(r, gains, false, String.format(Locale.ROOT,
					"not used: the pre-processed model differs from the original by %.3g (more than %.0e) on %s", r.maxAbsDifference(), TOLERANCE,
					r.verificationData()));
		}
		if (!enabled) {
			return new Outcome(r, gains, false, "not done (disabled): the model would gain from `quantrace convert` first");
		}
		return new Outcome(r, gains, true, String.format(Locale.ROOT, "the pre-processed model computes the same (max |difference| %.3g on %s)",
				r.maxAbsDifference(), r.verificationData()));
	}

	/** The verification data, keeping what its reads refused (a sample holding NaN, a damaged image) to tell them from the model's faults. */
	private record WatchedData(Dataset base, List<RuntimeException> unreadable) implements org.quantrace.engine.data.ForwardingDataset {

		@Override
		public org.quantrace.engine.data.Batch read(int from, int to) {
			return watched(() -> base.read(from, to));
		}

		@Override
		public org.quantrace.engine.runtime.NdArray readInputs(int from, int to, float[] reuse) {
			return watched(() -> base.readInputs(from, to, reuse));
		}

		private <T> T watched(java.util.function.Supplier<T> reading) {
			try {
				return reading.get();
			} catch (QuantraceException e) {
				unreadable.add(e);
				throw e;
			}
		}

		@Override
		public Dataset limit(int n) {
			return rewrapped(base.limit(n), d -> new WatchedData(d, unreadable));
		}

		@Override
		public Dataset named(String name) {
			return rewrapped(base.named(name), d -> new WatchedData(d, unreadable));
		}
	}

	/**
	 * What the conversion did that the quantizer cannot do itself; moving Constant nodes into initializers, dropping
	 * Identity nodes and raising the opset alone are not gains (the quantizer does or needs nothing more for them), but an
	 * Identity on a stored tensor is: torch.onnx.export reads equal weights and biases through Identity nodes (torchvision's
	 * SqueezeNet, 18 Conv biases), and the quantizer takes what an Identity outputs for computed at run time.
	 */
	static List<String> gains(FreezeResult r, OnnxModel source) {
		List<String> gains = new ArrayList<>();
		for (TrainingOperation op : Set.of(TrainingOperation.BATCH_NORMALIZATION, TrainingOperation.DROPOUT)) {
			FreezeResult.Elimination e = r.eliminations().get(op);
			if (e != null && e.status() == EliminationStatus.REMOVED) {
				gains.add(op.getLiteral() + ": " + e.nodes().size() + " removed (" + e.details() + ")");
			}
		}
		gains.sort(null);
		long storedIdentities = identitiesOnStoredTensors(source) - identitiesOnStoredTensors(r.model());
		if (storedIdentities > 0) {
			gains.add("Identity on a stored tensor: " + storedIdentities + " removed (" + (storedIdentities == 1 ? "its reader reads" : "their readers read")
					+ " the stored tensor itself)");
		}
		for (Rewrite w : r.rewrites()) {
			if (w.made() && !w.kind().equals(Rewrite.CONSTANT_NODES) && !w.kind().equals(Rewrite.OPSET)) {
				gains.add(w.toString());
			}
		}
		return gains;
	}

	private static long identitiesOnStoredTensors(OnnxModel model) {
		return model.graph().nodes().stream().filter(n -> n.opType().equals("Identity") && model.graph().constant(n.input(0)) != null).count();
	}
}
