package org.quantrace.engine.quantize;

import java.util.Map;

/**
 * The ops of ONNX Runtime's contrib domain that the quantizer's writers put in a layer's place under the layer's name:
 * the one list of what a file Quantrace wrote may hold of that domain for a layer of the float model. verify holds a
 * layer's node of another domain against it: a contrib op in a layer's place that no writer makes (a forger's fusion)
 * is found, where ONNX Runtime's own fusions happen when it loads the model and are never in the file.
 */
public final class ContribForms {

	/** ONNX Runtime's contrib operator domain. */
	public static final String DOMAIN = "com.microsoft";

	/** The layer's op → the contrib op written in its place ({@link SkipLayerNormFusion}, {@link NhwcMaxPool}, {@link DynamicRangeWriter}). */
	private static final Map<String, String> WRITTEN = Map.of(
			"LayerNormalization", SkipLayerNormFusion.OP,
			"MaxPool", NhwcMaxPool.OP,
			"LSTM", DynamicRangeWriter.LSTM_OP);

	private ContribForms() {
	}

	/** Whether a writer of the quantizer puts {@code domain}.{@code op} in the place of a layer of {@code layerOp}. */
	public static boolean written(String layerOp, String domain, String op) {
		return DOMAIN.equals(domain) && op != null && op.equals(WRITTEN.get(layerOp));
	}
}
