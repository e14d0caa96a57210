package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.quantize.InputResolution;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizerWarning;
import org.quantrace.runner.QuantizerWarnings;

/**
 * The code a run records a quantizer warning under (trace, results.json, the logs) is the one the engine made it with, not one
 * read from its words: the runner told the positive-mask warning by {@code POSITIVE_MASK_WORDS}, the nothing-quantized one by
 * {@code NOTHING_WORDS} and the input-resolution one by {@code InputResolution.WORDS}, so a sentence reworded in the engine would
 * have been recorded as {@code quantize-warning}, a statement verify does not derive again (warn35).
 */
class QuantizerWarningCodesTest {

	@Test
	void aWarningRewordedKeepsItsCode() {
		assertEquals("quantize-mask-positive", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.MASK_POSITIVE, "mask_add",
				"the mask 'mask_add' held a 2 on sample 3 (reworded)")));
		assertEquals("quantize-nothing", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.NOTHING, "m", "no layer runs on integers (reworded)")));
		assertEquals("quantize-input-resolution", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.INPUT_RESOLUTION, "x",
				"input 'x' is too coarse (reworded)")));
	}

	@Test
	void wordsOfAnotherWarningDoNotMakeItsCode() {
		assertEquals("quantize-warning", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.OTHER, "m",
				"m computes in half precision; its mask " + QuantizationResult.POSITIVE_MASK_WORDS)));
		assertEquals("quantize-warning", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.OTHER, "m",
				QuantizationResult.NOTHING_WORDS + "(quoted) and " + InputResolution.WORDS)));
		assertEquals("quantize-warning", QuantizerWarnings.code(new QuantizerWarning(QuantizerWarning.BIAS_CLAMPED, "c", "the bias of 'c' is clamped")));
	}
}
