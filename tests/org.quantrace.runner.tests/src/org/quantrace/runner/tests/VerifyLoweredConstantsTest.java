package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * The constants the quantizer writes when it lowers HardSwish/HardSigmoid to integer Add and Mul (β, stored as
 * the activations' uint8) on the zoo's MobileNetV3: the trace records them as what the file holds, and verify
 * still checks each by its own reading of the file. They were recorded as int8 weights (13 mismatches "against
 * weightPrecision" on this model). Its four squeeze-excitation HardSigmoids are since folded into their Convs
 * (HardSigmoidIntoConv): only the HardSwish βs are lowered constants, eight of its nine: the stem's HardSwish computes in float
 * with the narrow stage the int8 input feeds (OpRules.narrowStage).
 */
class VerifyLoweredConstantsTest {

	private static final String RECIPE = """
			recipe zoo_lowered "The zoo's MobileNetV3: HardSwish and HardSigmoid lowered" {
				responsible "tests"
				optimization-id OPT-ZOO-2
				model mnv3 "mobilenetv3_constants_opset11.onnx" id MNV3 version 1
			""" + ZooRuns.CALIBRATION + """
				schemes fiq_int8
			}
			""";

	private static final Pattern BETA_SCALE = Pattern.compile("(tensor=\"[^\"]*hardswish_beta_q\"[^>]*>\\s*<rangeMin>[^<]*</rangeMin>\\s*<rangeMax>[^<]*</rangeMax>\\s*<scales>)([^<]*)(</scales>)");

	@Test
	void theLoweredConstantsAreRecordedAsTheFileHoldsThemAndCheckedByVerify() throws IOException {
		Path out = ZooRuns.run("verify-lowered", RECIPE, "mobilenetv3_constants_opset11.onnx").resolve("out");

		OptimizationRecord fiq = QuantraceModel.loadTrace(out.resolve("trace.xmi")).getOptimizations().stream()
				.filter(o -> o.getQuantization() != null).findFirst().orElseThrow();
		List<TensorQuantizationRecord> betas = fiq.getQuantization().getTensors().stream().filter(t -> t.getTensor().endsWith("_beta_q")).toList();
		assertEquals(8, betas.size(), "one β per integer HardSwish (8 of the model's 9: the stem's is float), its HardSigmoids folded: " + betas.stream().map(TensorQuantizationRecord::getTensor).toList());
		for (TensorQuantizationRecord b : betas) {
			assertEquals(TensorRole.ACTIVATION, b.getRole(), b.getTensor());
			assertEquals("uint8", b.getElementType(), b.getTensor());
		}
		List<Problem> lowered = Verification.verify(out).problems().stream()
				.filter(p -> p.what().contains("_beta_q") || p.what().contains("against weightPrecision")).toList();
		assertTrue(lowered.isEmpty(), lowered.toString());

		// verify reads β from the file, not from the trace: a wrong scale in the trace (every hash made to fit) is named
		Path trace = out.resolve("trace.xmi");
		Matcher m = BETA_SCALE.matcher(Tampering.read(trace));
		assertTrue(m.find(), "a HardSwish's β record in the trace");
		Tampering.write(trace, m.replaceFirst("$1" + Float.toString(2 * Float.parseFloat(m.group(2))) + "$3"));
		Tampering.rehashAll(out);
		List<Problem> caught = Verification.verify(out).problems().stream().filter(p -> p.what().contains("hardswish_beta_q") && p.what().contains("scales"))
				.toList();
		assertTrue(caught.stream().anyMatch(p -> p.file().equals("trace.xmi")), "the trace's scale against the file's: " + Verification.verify(out).problems());
	}
}
