package org.quantrace.engine.data;

import java.util.Arrays;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/** A float dataset held in memory (small data sets and tests). */
public final class ArrayDataset implements Dataset {

	private final String name;
	private final float[] values;
	private final long[] sampleShape;
	private final int sampleSize;
	private final Labels labels;

	public ArrayDataset(String name, float[] values, long[] sampleShape, Labels labels) {
		this.name = name;
		this.values = values;
		this.sampleShape = sampleShape.clone();
		this.sampleSize = Math.toIntExact(Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b));
		this.labels = labels;
		if (values.length % sampleSize != 0) {
			throw new IllegalArgumentException(values.length + " values do not make whole samples of shape " + Arrays.toString(sampleShape));
		}
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public int size() {
		return values.length / sampleSize;
	}

	@Override
	public long[] sampleShape() {
		return sampleShape.clone();
	}

	@Override
	public Batch read(int from, int to) {
		NdArray inputs = NdArray.ofFloats(batchShape(to - from), Arrays.copyOfRange(values, from * sampleSize, to * sampleSize));
		return new Batch(inputs, labels == null ? null : slice(labels, from, to));
	}

	/** The inputs of samples {@code [from, to)}, copied into {@code reuse} when it has exactly their number of values. */
	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		int n = (to - from) * sampleSize;
		if (reuse == null || reuse.length != n) {
			return read(from, to).inputs();
		}
		System.arraycopy(values, from * sampleSize, reuse, 0, n);
		return NdArray.ofFloats(batchShape(to - from), reuse);
	}

	private long[] batchShape(int samples) {
		long[] shape = new long[sampleShape.length + 1];
		shape[0] = samples;
		System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
		return shape;
	}

	static Labels slice(Labels labels, int from, int to) {
		return labels.isMultilabel() ? Labels.multilabel(Arrays.copyOfRange(labels.flags(), from * labels.width(), to * labels.width()), labels.width())
				: Labels.singleLabel(Arrays.copyOfRange(labels.classes(), from, to));
	}

	/** The element type of the inputs. */
	public DataType type() {
		return DataType.FLOAT;
	}
}
