package org.quantrace.engine.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.runtime.NdArray;

/**
 * An .npz archive of several input arrays with their labels: each array is read under its name ({@link Batch#named}) for a model
 * of several inputs (numpy.savez(f, input_ids=ids, attention_mask=mask, y=labels)), and the first one ({@link #base()}, with the
 * labels) is what a model of one input reads, as before. A pass of a one-input model (calibration's {@link #readInputs}) reads
 * the first array only.
 */
final class NamedArraysDataset implements ForwardingDataset {

	private final String name;
	private final NpyDataset base;
	private final Map<String, NpyDataset> arrays;
	private final List<SampleArray> described;
	private final String singleInputProblem;
	/** Whether every array counts as many samples as the first: else only the first is read (the model's check refuses them). */
	private final boolean aligned;

	NamedArraysDataset(NpyDataset base, Map<String, NpyArray> arrays, String source, String singleInputProblem) {
		this.name = source;
		this.base = base;
		this.singleInputProblem = singleInputProblem;
		this.arrays = new LinkedHashMap<>();
		arrays.forEach((k, a) -> {
			try {
				this.arrays.put(k, NpyDataset.of(source + ":" + k, a, null, java.nio.file.Path.of(source), true));
			} catch (org.quantrace.engine.InvalidInputException e) {
				// an array no model reads (bool flags kept beside x): left unread, a model of several inputs is refused it by its type
			}
		});
		this.described = arrays.entrySet().stream().map(e -> new SampleArray(e.getKey(), e.getValue().elementType(), e.getValue().shape())).toList();
		this.aligned = described.stream().allMatch(a -> a.shape()[0] == base.size());
	}

	@Override
	public NpyDataset base() {
		return base;
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public int size() {
		return base.size();
	}

	@Override
	public List<SampleArray> namedInputs() {
		return described;
	}

	@Override
	public String singleInputProblem() {
		return singleInputProblem;
	}

	@Override
	public Batch read(int from, int to) {
		Batch first = base.read(from, to);
		if (!aligned) {
			return first;
		}
		Map<String, NdArray> named = new LinkedHashMap<>();
		arrays.forEach((k, a) -> named.put(k, a.read(from, to).inputs()));
		return new Batch(first.inputs(), first.labels(), named);
	}

	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		return base.readInputs(from, to, reuse);
	}

	/** The arrays as stored, each named: a text model's ids and mask are not one input's values. */
	@Override
	public String preprocessing() {
		return "none (arrays as stored: " + String.join(", ", described.stream().map(a -> a.name() + " "
				+ a.type().displayName().toLowerCase(java.util.Locale.ROOT)).toList()) + ")";
	}
}
