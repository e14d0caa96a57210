package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.evaluate.IntegerFeed;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

/**
 * The model files of an evaluation in sessions of {@code verify --deep}'s own, apart from the engine's evaluator: each batch fed
 * to every variant (an integer input quantized as the model's input says, q = r/S + Z) and its first output returned as it is,
 * for a second path to compute the metrics from ({@link ReconstructionRecheck}, {@link ClassificationRecheck}).
 */
final class SecondPathSessions implements AutoCloseable {

	private final List<Variant> variants;
	private final List<ModelInputs> inputs = new ArrayList<>();
	private final List<InferenceSession> sessions = new ArrayList<>();

	private SecondPathSessions(List<Variant> variants) {
		this.variants = variants;
	}

	static SecondPathSessions open(List<Variant> variants, Dataset data) {
		SecondPathSessions s = new SecondPathSessions(variants);
		try {
			for (Variant v : variants) {
				s.inputs.add(ModelInputs.of(v.model(), v.name(), data));
				s.sessions.add(InferenceSession.open(v.model(), SessionSettings.defaults(), v.name()));
			}
		} catch (RuntimeException e) {
			s.close();
			throw e;
		}
		return s;
	}

	/** Each variant's first output on {@code b}, in the variants' order. */
	List<NdArray> run(Batch b) {
		List<NdArray> outs = new ArrayList<>();
		for (int i = 0; i < variants.size(); i++) {
			Map<String, IoQuantization.Io> integer = IoQuantization.inputs(variants.get(i).model());
			Map<String, NdArray> feed = new java.util.LinkedHashMap<>();
			inputs.get(i).feed(b).forEach((name, x) -> feed.put(name, IntegerFeed.feed(x, integer.get(name)))); // every input, ids as they are
			outs.add(sessions.get(i).run(feed).values().iterator().next());
		}
		return outs;
	}

	@Override
	public void close() {
		sessions.forEach(InferenceSession::close);
	}
}
