package org.quantrace.engine.evaluate;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.NdArray;

/**
 * How samples feed a model's input for evaluation and debugging: as they are when their type is the input's, or, for an
 * integer input that one DequantizeLinear reads ({@link IoQuantization#inputs}), float samples as q = r / S + Z with that
 * reader's S and Z. One owner, so that a recipe's data check accepts exactly the data {@code quantrace evaluate} feeds (it
 * refused float samples for an integer-input model that the command line evaluated).
 */
public final class IntegerFeed {

	private IntegerFeed() {
	}

	/** Whether samples of type {@code given} feed an input of type {@code input}; {@code io}: the input's scale and zero point, or null. */
	public static boolean accepts(DataType given, DataType input, IoQuantization.Io io) {
		return given.feeds(input) || given == DataType.FLOAT && io != null;
	}

	/** The samples as the input takes them: float samples quantized with {@code io}'s S and Z when it is not null, else as they are. */
	public static NdArray feed(NdArray x, IoQuantization.Io io) {
		if (io == null || x.type() != DataType.FLOAT) {
			return x;
		}
		float[] f = x.floats();
		if (io.type() == DataType.INT16) {
			short[] q = new short[f.length];
			for (int i = 0; i < f.length; i++) {
				q[i] = (short) io.quantize(f[i]);
			}
			return NdArray.ofShorts(DataType.INT16, x.shape(), q);
		}
		byte[] q = new byte[f.length];
		for (int i = 0; i < f.length; i++) {
			q[i] = (byte) io.quantize(f[i]);
		}
		return NdArray.ofBytes(io.type(), x.shape(), q);
	}
}
