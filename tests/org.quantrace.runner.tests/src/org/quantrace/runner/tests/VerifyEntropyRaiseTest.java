package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * {@code verify --deep} counts each raised entropy threshold again (issue 13, entropy28's leftover: "KL threshold T saturated P %;
 * raised to R" was the run's statement, the range taken alone held). The zoo's ResNet with entropy calibration raises several
 * thresholds: its honest run is clean; a folder whose one raise states another share and another a lower raised threshold,
 * every document and list made again from the edited trace, passes plain verify (nothing held them) and is found by --deep,
 * naming the tensor and both values.
 */
class VerifyEntropyRaiseTest {

	private static final Pattern RAISE = Pattern.compile("'(.*)': KL threshold \\S+ saturated (\\S+) % of .*; raised to ([^\\s(]+).*", Pattern.DOTALL);

	@Test
	void eachRaiseIsCountedAgainAndAForgedShareOrThresholdIsFound() throws IOException {
		Path dir = ZooRuns.runOneScheme("entropy-raise", """
				quantize ent_int8 extends fiq_int8 "entropy thresholds" {
					calibrate entropy
				}
				""", "ent_int8", "resnet");
		Path out = dir.resolve("out");
		Path recipe = dir.resolve("zoo.qr");
		Verification.Result honest = deep(out, recipe);
		assertEquals(List.of(), honest.problems(), "the honest run verifies clean with --deep");
		assertTrue(honest.notes().stream().anyMatch(n -> n.matches("optimization \\S+ entropy threshold raised \\(re-counted\\): [2-9]\\d* raised thresholds counted"
				+ " again on 300 calibration samples of calib in verify's own session .*the KL thresholds themselves are the outcome of the calibration's"
				+ " histogram search, which the calibrated ranges' check makes again")), honest.notes().toString());
		assertTrue(honest.notes().stream().anyMatch(n -> n.matches("optimization \\S+ calibrated range \\(re-measured\\): \\d+ entropy ranges \\(of \\d+ tensors\\)"
				+ " measured again on 300 calibration samples of calib in verify's own session .*")), "the KL thresholds searched again: " + honest.notes());

		// the log says which part of the statement verify --deep counts again and which is the run's
		String log = Tampering.read(out.resolve("logs/PhIMT0003-resnet.md"));
		assertTrue(log.contains("(the KL threshold is the outcome of the calibration's histogram search, which verify --deep makes again; the share it saturates and the"
				+ " threshold taken verify --deep counts again from the calibration samples, within one histogram bin;"), "PhIMT0003's Calibration row");

		Path forged = Runs.copy(out, dir.resolve("forged"));
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		OptimizationRecord o = trace.getOptimizations().stream().filter(x -> "ent_int8".equals(x.getScheme())).findFirst().orElseThrow();
		List<Parameter> raises = o.getQuantization().getCalibration().getParameters().stream().filter(p -> p.getKey().equals("entropy threshold raised")).toList();
		// the first raise says three times its share and a point more; the second a threshold 20 % lower
		Matcher first = matched(raises.get(0));
		String share = String.format(Locale.ROOT, "%.3g", 3 * Double.parseDouble(first.group(2)) + 1);
		raises.get(0).setValue(raises.get(0).getValue().replace("saturated " + first.group(2) + " %", "saturated " + share + " %"));
		Matcher second = matched(raises.get(1));
		String lower = String.format(Locale.ROOT, "%.4g", 0.8 * Double.parseDouble(second.group(3)));
		raises.get(1).setValue(raises.get(1).getValue().replace("raised to " + second.group(3), "raised to " + lower));
		Tampering.remadeFromTrace(forged, trace);

		Verification.Result plain = Verification.verify(forged, new Verification.Options(recipe, null, false, false, Progress.NONE));
		assertTrue(plain.passed(), "without --deep nothing holds the statement: " + plain.problems());
		List<Problem> found = deep(forged, recipe).problems();
		assertEquals(2, found.size(), found.toString());
		Tampering.foundInTrace(found, "entropy threshold raised (re-counted) tensor '" + first.group(1) + "' share saturated at the KL threshold", ": says "
				+ Double.parseDouble(share) + " %, re-derived ");
		Tampering.foundInTrace(found, "entropy threshold raised (re-counted) tensor '" + second.group(1) + "' raised threshold: says " + Double.parseDouble(lower)
				+ ", the least threshold saturating at most 0.01 % of the non-zero values, re-derived ");
	}

	private static Matcher matched(Parameter p) {
		Matcher m = RAISE.matcher(p.getValue());
		assertTrue(m.matches(), p.getValue());
		return m;
	}

	private static Verification.Result deep(Path out, Path recipe) {
		return Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
	}
}
