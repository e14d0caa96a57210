package org.quantrace.runner.verify;

import java.util.Locale;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A DynamicQuantizeLSTM's int8 codes of W or R re-derived from the float LSTM's weight. The float weight is ONNX's
 * [dirs, 4H, in]; ONNX Runtime's contrib op reads the codes transposed, [dirs, in, 4H], with a scale and zero point per
 * direction ([dirs]) or per row of the float weight, one gate unit ([dirs, 4H]). Each code must be QuantizeLinear's
 * clamp(round_half_even(w / s) + z) of its float weight (w / s in float32) at its row's parameters, exactly: the writer
 * makes them so, and a row's codes changed with its scale kept (which the scale checks cannot see) differ here.
 */
final class LstmCodes {

	private LstmCodes() {
	}

	/** The float LSTM's weight input {@code tensor} is W (1) or R (2): the quantized node's input of the same index holds its codes. */
	static String codesOf(NodeProto floatLstm, NodeProto quantized, String tensor) {
		if (floatLstm == null || quantized == null) {
			return null;
		}
		for (int i = 1; i <= 2; i++) {
			if (floatLstm.getInputCount() > i && floatLstm.getInput(i).equals(tensor) && quantized.getInputCount() > i) {
				return quantized.getInput(i);
			}
		}
		return null;
	}

	/** Null when every code is its float weight quantized at its row's (or direction's) scale, else the count and the first that is not. */
	static String check(Tensor floats, Tensor codes, Quantizations.Params held) {
		long[] fd = floats.dims();
		long[] cd = codes.dims();
		if (fd.length != 3 || cd.length != 3 || cd[0] != fd[0] || cd[1] != fd[2] || cd[2] != fd[1]) {
			return "shape " + java.util.Arrays.toString(cd) + " is not the float weight's " + java.util.Arrays.toString(fd) + " transposed to [dirs, in, 4H]";
		}
		int dirs = (int) fd[0];
		int rows = (int) fd[1];
		int cols = (int) fd[2];
		boolean perRow = held.scales().size() == dirs * rows;
		if (!perRow && held.scales().size() != dirs) {
			return held.scales().size() + " scales: neither one per direction (" + dirs + ") nor one per row (" + dirs * rows + ")";
		}
		float[] w = floats.toFloatArray();
		long[] q = codes.toLongArray();
		long qmin = WeightCodes.min(held.type());
		long qmax = WeightCodes.max(held.type());
		int differ = 0;
		String first = null;
		for (int d = 0; d < dirs; d++) {
			for (int r = 0; r < rows; r++) {
				int p = perRow ? d * rows + r : d;
				float s = held.scales().get(p);
				long z = held.zeroPoints().get(p);
				for (int c = 0; c < cols; c++) {
					float x = w[(d * rows + r) * cols + c];
					long expected = (long) Math.max(qmin, Math.min(qmax, Math.rint(x / s) + z));
					long stored = q[(d * cols + c) * rows + r];
					if (stored != expected && differ++ == 0) {
						first = String.format(Locale.ROOT, "first: direction %d row %d (gate %s, unit %d) column %d holds %d, round(%s / %s) + %d = %d", d, r,
								"iofc".charAt(r / (rows / 4)), r % (rows / 4), c, stored, x, s, z, expected);
					}
				}
			}
		}
		return differ == 0 ? null : differ + " of " + q.length + " codes are not the float weights quantized at their " + (perRow ? "row's" : "direction's") + " scale (" + first + ")";
	}

	/**
	 * The float weight [dirs, 4H, in] as [dirs · 4H, in] when {@code held} has a scale per row: a bidirectional LSTM's [2, 4H]
	 * scales then pair with its rows over both directions ({@link BiasFitScales#channelRanges} takes the axis that has as many).
	 */
	static Tensor rows(Tensor floats, Quantizations.Params held) {
		long[] fd = floats.dims();
		return fd.length != 3 || held.scales().size() != fd[0] * fd[1] ? floats : Tensor.ofFloats("rows", new long[] { fd[0] * fd[1], fd[2] }, floats.toFloatArray());
	}
}
