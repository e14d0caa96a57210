package org.quantrace.engine.data;

import org.quantrace.engine.runtime.NdArray;

/** A dataset's first samples, or all of them, under a name of its own; reads go to the underlying dataset. */
record DatasetView(Dataset base, String name, int size) implements ForwardingDataset {

	@Override
	public Batch read(int from, int to) {
		if (to > size) {
			throw new IndexOutOfBoundsException("samples [" + from + ", " + to + ") of " + size + " in " + name);
		}
		return base.read(from, to);
	}

	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		if (to > size) {
			throw new IndexOutOfBoundsException("samples [" + from + ", " + to + ") of " + size + " in " + name);
		}
		return base.readInputs(from, to, reuse);
	}

	/** The base's own subset (an image folder takes every class in turn), under this view's name. */
	@Override
	public Dataset limit(int n) {
		if (n <= 0 || n >= size) {
			return this;
		}
		Dataset inner = base.limit(n);
		String suffix = inner.name().startsWith(base.name()) ? inner.name().substring(base.name().length()) : " (first " + n + ")";
		return new DatasetView(inner, name + suffix, n);
	}
}
