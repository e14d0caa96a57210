package org.quantrace.runner;

import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.evaluate.IntegerFeed;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Verify's own runs of a model over a dataset that hand over some of its inner tensors ({@link LayerOutputMeans},
 * {@link EntropyRaiseRecheck}): each tensor made a graph output of a copy of the model, the samples fed as the float model takes
 * them (an integer input given its codes, as the evaluator's second path feeds it), in batches.
 */
final class InnerTensors {

	/** Samples per run, for memory only: each sample's outputs do not depend on the others in the batch. */
	private static final int BATCH = 32;

	private InnerTensors() {
	}

	/** Runs {@code model} on every sample of {@code data} and hands each batch's values of {@code tensors} to {@code visitor}. */
	static void visit(OnnxModel model, OnnxModel floatModel, Set<String> tensors, Dataset data, String name, InferenceSession.FloatOutputVisitor visitor) {
		visit(model, floatModel, tensors, data, name, BATCH, fed -> {
		}, visitor);
	}

	/**
	 * As {@link #visit(OnnxModel, OnnxModel, Set, Dataset, String, InferenceSession.FloatOutputVisitor)}, {@code batch} samples at
	 * a time (a model with a fixed batch its own), each batch's feed handed to {@code fed} first (a hash of the inputs depends on
	 * the batches they were fed in when there are several).
	 */
	static void visit(OnnxModel model, OnnxModel floatModel, Set<String> tensors, Dataset data, String name, int batchSize,
			Consumer<Map<String, NdArray>> fed, InferenceSession.FloatOutputVisitor visitor) {
		if (tensors.isEmpty()) {
			return;
		}
		OnnxModel exposed = model.copy();
		tensors.stream().filter(t -> !exposed.graph().isOutput(t)).forEach(t -> exposed.graph().outputs().add(ValueInfoProto.newBuilder().setName(t).build()));
		ModelInputs inputs = ModelInputs.of(floatModel, name, data);
		var integer = IoQuantization.inputs(exposed);
		int batch = inputs.fixedBatch() > 0 ? inputs.fixedBatch() : batchSize;
		try (InferenceSession session = InferenceSession.open(exposed, SessionSettings.defaults(), name)) {
			for (int from = 0; from < data.size(); from += batch) {
				Map<String, NdArray> feed = IntegerFeed.feed(inputs, data.read(from, Math.min(data.size(), from + batch)), integer, name);
				fed.accept(feed);
				session.run(feed, tensors, visitor);
			}
		}
	}
}
