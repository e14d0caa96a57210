package org.quantrace.engine.data;

import java.util.HashMap;
import java.util.Map;

import org.quantrace.engine.runtime.NdArray;

/**
 * A dataset's inputs read chunk after chunk into arrays kept for the next chunk of the same size
 * ({@link Dataset#readInputs}), for a caller that runs each chunk and is done with it before reading the next. Reading
 * each chunk into new memory made the garbage of a pass over the data grow with the number of samples: 8 images of
 * 320x320 are 10 MB, and the collector lets such garbage pile up to hundreds of MB before it collects. A pass in chunks
 * of k has at most two sizes (k and the rest), so at most two arrays are kept; a dataset that does not write into the
 * array it is offered (samples that are not float) is not offered one again.
 */
public final class InputChunks {

	private final Dataset data;
	private final long sampleElements;
	private final Map<Integer, float[]> arrays = new HashMap<>();
	private boolean offer = true;

	public InputChunks(Dataset data) {
		this.data = data;
		long n = 1;
		for (long d : data.sampleShape()) {
			n *= Math.max(0, d);
		}
		this.sampleElements = n;
	}

	/** The inputs of samples {@code [from, to)}; valid until the next read of as many samples. */
	public NdArray read(int from, int to) {
		int count = to - from;
		float[] offered = offer && count * sampleElements <= Integer.MAX_VALUE - 8
				? arrays.computeIfAbsent(count, k -> new float[Math.toIntExact(k * sampleElements)])
				: null;
		NdArray x = data.readInputs(from, to, offered);
		if (offered != null && x.data() != offered) {
			offer = false;
			arrays.clear();
		}
		return x;
	}
}
