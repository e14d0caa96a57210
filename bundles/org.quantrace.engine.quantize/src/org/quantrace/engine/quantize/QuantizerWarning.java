package org.quantrace.engine.quantize;

/**
 * One warning of the quantizer, made where its condition is found: {@code code} says what kind it is, {@code subject} what it is
 * about (the node, tensor or model input it names; the model's name for one about the whole model), {@code message} the
 * sentence the user reads. Callers decide by the code, never by the words: a recipe run recorded the positive-mask warning under
 * its code because the sentence held {@code POSITIVE_MASK_WORDS}, and a sentence reworded would have been recorded as any other
 * warning, which verify does not derive again (warn35).
 */
public record QuantizerWarning(String code, String subject, String message) {

	/** A mask computed from an integer input taken as 0/1 added positive values on the calibration samples ({@link MaskedScores}). */
	public static final String MASK_POSITIVE = "quantize-mask-positive";
	/** The scheme quantized no layer and stored no integer weight ({@link QuantizationResult#nothingQuantized}). */
	public static final String NOTHING = "quantize-nothing";
	/** A tabular input whose features span fewer than a few steps of its one integer scale ({@link InputResolution}). */
	public static final String INPUT_RESOLUTION = InputResolution.CODE;
	/** Any other: a half-precision model quantized from its float32 form, dynamic kernels slower than float or rounding raw features. */
	public static final String OTHER = "quantize-warning";
	/** An activation's range far wider than its values: the calibration record says it. */
	public static final String WIDE_RANGE = "quantize-wide-range";
	/** A layer's weight scale widened for its int32 bias: the layer's reason says it. */
	public static final String WEIGHT_SCALE_WIDENED = "quantize-weight-scale-widened";
	/** A layer's bias clamped to int32: the layer's reason says it. */
	public static final String BIAS_CLAMPED = "quantize-bias-clamped";

	@Override
	public String toString() {
		return message;
	}
}
