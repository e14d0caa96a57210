package org.quantrace.engine.convert;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;

/**
 * The original model as a conversion is checked against it: its inference view ({@link Freezer#inferenceView}), as
 * ONNX Runtime can run it. An original that ONNX Runtime refuses is the user's input to fix (exit 2), named as such,
 * with one exception: before opset 11 an If's branches had to return the same shapes, which ONNX Runtime enforces and
 * exporters did not; the model then is checked, and converted, at opset 11, where the same graph is valid.
 */
record Reference(OnnxModel view, int opset, String why) {

	/** ONNX's If-11 lets the branches return different shapes; nothing else about If changed. */
	private static final int IF_SHAPES_OPSET = 11;

	static Reference of(OnnxModel source, String name) {
		// an input no tensor can be made for says so first: ONNX Runtime's load problem ("no implementation for Conv(11)" of a
		// float64 model) hides what is wrong, and a model it loads would stop at the check's zeros anyway
		source.graph().runtimeInputs().forEach(input -> ShapeProbe.feedType(input, name));
		OnnxModel view = Freezer.inferenceView(source);
		org.quantrace.engine.runtime.RuntimeCrashes.refuse(source, name); // with its own hint, not the load problem's below
		String problem = loadProblem(view, name);
		if (problem == null) {
			return new Reference(view, source.opset(), null);
		}
		if (source.opset() < IF_SHAPES_OPSET && source.graph().allNodes().stream().anyMatch(n -> n.opType().equals("If"))) {
			OnnxModel raised = view.copy();
			try {
				OpsetUpgrade.upgrade(raised, IF_SHAPES_OPSET, name, Map.of());
				if (loadProblem(raised, name) == null) {
					return new Reference(raised, IF_SHAPES_OPSET, "ONNX Runtime refuses the model at opset " + source.opset() + " (" + problem
							+ "): before opset 11 both branches of an If must return the same shapes; the same graph is valid at opset 11, so it is"
							+ " converted there and checked against the original raised to opset 11");
				}
			} catch (InvalidInputException e) {
				// not upgradable: report the original problem below
			}
		}
		throw new InvalidInputException(name + ": ONNX Runtime " + InferenceSession.runtimeVersion()
				+ " cannot load the original model, so no conversion of it can be checked: " + problem,
				java.util.Objects.requireNonNullElse(org.quantrace.engine.onnx.TorchFallbackOps.hint(source),
						"fix the model or re-export it (a newer opset, static shapes where the exporter allows)"));
	}

	private static String loadProblem(OnnxModel model, String name) {
		SessionSettings check = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1);
		try (InferenceSession s = InferenceSession.open(model, check, name + " (original, inference mode)")) {
			return null;
		} catch (QuantraceException e) {
			return e.getMessage();
		}
	}

	/**
	 * The largest absolute difference between the outputs of the original and the converted model on {@code feeds}.
	 * <p>
	 * When every output is float (the usual case), both sessions write their outputs into direct buffers they keep from one
	 * feed to the next and the outputs are compared there: copying each output into Java (ONNX Runtime's copy, then an
	 * array, then another for the comparison) made a detector's verification allocate about 50 MB per 8 images of 320x320,
	 * garbage that piled up with the number of samples. Other outputs are compared as arrays, as they always were.
	 *
	 * @param failureHint the hint when the original does not run on them (real data, or random inputs of dynamic dimensions or fixed ones)
	 * @throws InvalidInputException when the original does not run on the samples (the input's fault)
	 */
	double maxAbsDifference(OnnxModel converted, List<Supplier<Map<String, NdArray>>> feeds, String samples, String failureHint, String name,
			Progress.Task progress) {
		// two sessions run in turn, each arena holding what one chunk needs (within the activation budget); without arenas the
		// check of a 320x320 U-Net ran several times slower (every Conv's workspace taken from and given back to the system)
		SessionSettings settings = SessionSettings.defaults().withoutPrepacking();
		try (InferenceSession a = InferenceSession.open(view, settings, name + " (original, inference mode)");
				InferenceSession b = InferenceSession.open(converted, settings, name + " (converted)")) {
			Set<String> floatOutputs = floatOutputs(a, b);
			OutputDifference compare = new OutputDifference();
			for (Supplier<Map<String, NdArray>> next : feeds) {
				Map<String, NdArray> feed = next.get();
				if (floatOutputs != null) {
					Map<String, FloatBuffer> ra = new LinkedHashMap<>();
					original(() -> {
						a.run(feed, floatOutputs, (output, shape, values) -> ra.put(output, values));
						return ra;
					}, samples, failureHint, name);
					Map<String, FloatBuffer> rb = new LinkedHashMap<>();
					b.run(feed, floatOutputs, (output, shape, values) -> rb.put(output, values));
					for (Map.Entry<String, FloatBuffer> e : ra.entrySet()) {
						compare.add(e.getKey(), e.getValue(), rb.get(e.getKey()));
					}
				} else {
					Map<String, NdArray> ra = original(() -> a.run(feed), samples, failureHint, name);
					Map<String, NdArray> rb = b.run(feed);
					for (Map.Entry<String, NdArray> e : ra.entrySet()) {
						compare.add(e.getKey(), FloatBuffer.wrap(e.getValue().toFloats()), FloatBuffer.wrap(rb.get(e.getKey()).toFloats()));
					}
				}
				progress.advance(feed.isEmpty() ? 0 : feed.values().iterator().next().shape()[0]);
			}
			return compare.maxDifference();
		}
	}

	/** The names of the outputs when every output of both models is float and both have the same ones; else null. */
	private static Set<String> floatOutputs(InferenceSession a, InferenceSession b) {
		Set<String> names = new LinkedHashSet<>();
		for (TensorInfo o : a.outputs()) {
			if (o.type() != DataType.FLOAT) {
				return null;
			}
			names.add(o.name());
		}
		Set<String> other = new LinkedHashSet<>();
		for (TensorInfo o : b.outputs()) {
			if (o.type() != DataType.FLOAT) {
				return null;
			}
			other.add(o.name());
		}
		return names.isEmpty() || !names.equals(other) ? null : names;
	}

	/** Runs the original, whose failure on the samples is the input's fault, not the conversion's. */
	private static <T> T original(Supplier<T> run, String samples, String failureHint, String name) {
		try {
			return run.get();
		} catch (QuantraceException e) {
			throw new InvalidInputException(name + ": the original model does not run on the verification samples (" + samples + "): "
					+ org.quantrace.engine.runtime.ShapeProbe.runtimeMessage(e.getMessage()), // ONNX Runtime's reason, not its source location
					failureHint, e);
		}
	}
}
