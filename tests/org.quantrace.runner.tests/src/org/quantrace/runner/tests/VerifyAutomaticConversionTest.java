package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * Quantize's automatic pre-processing (a recipe without a convert step: the trained CNN's BatchNorm folded, its Dropout
 * removed), recorded as a conversion whose first row says why it ran, held against the recipe and the rule it ran by
 * (evidence8, 2026-12-06). Its converted model was already held against its original (ConversionRecheck); its rows were held
 * against nothing: the reason made to name another difference, the row removed (so that the conversion reads as a convert
 * step's), or its configuration edited, every hash recomputed, passed. The documents are not made again here; the findings
 * asserted are the trace's.
 */
class VerifyAutomaticConversionTest {

	private static List<Problem> forged(String name, String regex, String replacement) {
		Path out = VerifyClassMetricsTest.single();
		return Verification.verify(Tampering.forgedTrace(out, out.resolveSibling("out-auto-" + name), regex, replacement)).problems();
	}

	@Test
	void theHonestRunRecordsTheAutomaticConversionAndVerifiesClean() {
		Path out = VerifyClassMetricsTest.single();
		assertTrue(Tampering.read(out.resolve("trace.xmi")).contains("key=\"declared by\" value=\"automatic pre-processing before quantization"), "the run pre-processed");
		Verification.Result r = Verification.verify(out);
		assertTrue(r.passed(), r.problems().toString());
	}

	@Test
	void aReasonNamingAnotherDifferenceIsFound() {
		Tampering.foundInTrace(forged("reason", "(key=\"declared by\" value=\"[^\"]*max \\|difference\\| )[0-9.e+-]+ on", "$19.99e-10 on"),
				"declared by: says automatic pre-processing before quantization", "max |difference| 9.99e-10 on", "where the recipe declares no convert step");
	}

	@Test
	void theRowRemovedSoThatTheConversionReadsAsAConvertStepsIsFound() {
		Tampering.foundInTrace(forged("row", "<converterConfiguration key=\"declared by\"[^>]*/>", ""), "declared by: says nothing (as a convert step's)");
	}

	@Test
	void aConfigurationOtherThanQuantizesDefaultIsFound() {
		Tampering.foundInTrace(forged("opset", "key=\"fold constants\" value=\"true\"", "key=\"fold constants\" value=\"false\""),
				"fold constants: says false, quantize's automatic pre-processing uses true");
	}
}
