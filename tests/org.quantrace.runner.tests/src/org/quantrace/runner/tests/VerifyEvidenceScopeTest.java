package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.report.EvidenceScope;
import org.quantrace.runner.Outputs;
import org.quantrace.runner.Verification;

/**
 * What the documents and verify say verify does with each kind of figure (evidence7, 2026-12-05). The logs' Evidence section
 * said "quantrace verify OUTPUT_FOLDER checks every file and input against it" beside the run's time, the machine and the
 * latencies, which no check re-derives (a forged CPU count, latency or date, every document made again and SHA256SUMS
 * re-sealed, passed verify; only --expect found them). Now each document and verify's notes say which figures are re-derived,
 * which only by --deep, and which are the run's own statement bound by --expect alone; each re-derived kind names its checks.
 */
class VerifyEvidenceScopeTest {

	@Test
	void everyKindTheDocumentsCallReDerivedNamesAnExistingCheck() throws ClassNotFoundException {
		for (EvidenceScope e : EvidenceScope.values()) {
			List<String> checks = Verification.CHECKED_BY.get(e);
			if (e.kind() == EvidenceScope.Kind.STATEMENT) {
				assertTrue(checks == null, e + " is the run's own statement, yet names checks " + checks);
				continue;
			}
			assertTrue(checks != null && !checks.isEmpty(), e + " (" + e.figures() + ") is said re-derived, and names no check");
			for (String c : checks) {
				Class.forName(c, false, Verification.class.getClassLoader()); // a check renamed or removed fails here
			}
		}
	}

	@Test
	void theLogsTheReportAndVerifySayWhatIsReDerivedAndWhatOnlyTheFingerprintBinds() {
		Path out = VerifyDeclaredStepsTest.out();
		for (String document : List.of("logs/PhIMT0002-cnn.md", "logs/PhIMT0003-cnn.md", "report.html")) {
			String text = Tampering.read(out.resolve(document));
			assertFalse(text.contains("checks every file and input against it"), document + " still says verify checks everything");
			for (EvidenceScope.Kind k : EvidenceScope.Kind.values()) {
				assertTrue(text.contains(k.heading()), document + " lacks " + k.heading());
				for (EvidenceScope e : EvidenceScope.of(k)) {
					assertTrue(text.contains(e.figures().substring(0, Math.min(25, e.figures().length()))), document + " lacks " + e.figures());
				}
			}
		}
		Verification.Result unbound = Verification.verify(out);
		assertTrue(unbound.passed(), unbound.problems().toString());
		assertTrue(unbound.notes().contains("not re-derivable and not bound (only --expect FINGERPRINT binds them): " + EvidenceScope.line(EvidenceScope.Kind.STATEMENT)),
				unbound.notes().toString());
		assertTrue(unbound.notes().contains("not re-derived (only verify --deep runs the models again): " + EvidenceScope.line(EvidenceScope.Kind.DEEP)),
				unbound.notes().toString());
		Verification.Result bound = Verification.verify(out, new Verification.Options(null, Outputs.fingerprint(out), false, false, Progress.NONE));
		assertTrue(bound.passed() && bound.notes().contains("not re-derivable, bound by the fingerprint you kept (--expect): " + EvidenceScope.line(EvidenceScope.Kind.STATEMENT)),
				bound.problems() + " " + bound.notes());
	}

	/**
	 * The logs' Evidence list names what --deep measures again and the per-channel scale check (evidence15): it said only the
	 * evaluations, the debugger and the conversion, while verify --deep also measured every bias correction again (biascorr3)
	 * and plain verify derived each channel's weight scale (evidence14). Every *Recheck class of the runner (the --deep checks
	 * that run the models again) must be named by an entry re-derived only by --deep, and PhIMT0003 must say each.
	 */
	@Test
	void theEvidenceListNamesEveryDeepCheckAndThePerChannelScales() throws java.io.IOException {
		List<String> deep = EvidenceScope.of(EvidenceScope.Kind.DEEP).stream().flatMap(e -> Verification.CHECKED_BY.get(e).stream()).toList();
		try (java.util.stream.Stream<Path> sources = java.nio.file.Files.list(org.quantrace.testing.TestData.path("bundles/org.quantrace.runner/src/org/quantrace/runner"))) {
			List<String> rechecks = sources.map(f -> f.getFileName().toString()).filter(f -> f.endsWith("Recheck.java"))
					.map(f -> "org.quantrace.runner." + f.substring(0, f.length() - ".java".length())).toList();
			assertTrue(rechecks.contains("org.quantrace.runner.BiasCorrectionRecheck"), rechecks.toString());
			for (String c : rechecks) {
				assertTrue(deep.contains(c), c + " runs under --deep and no entry re-derived only by --deep names it: " + deep);
			}
		}
		for (String check : List.of("ChannelScales", "WeightCodes", "LstmCodes")) {
			assertTrue(Verification.CHECKED_BY.get(EvidenceScope.QUANTIZATION).contains("org.quantrace.runner.verify." + check), check);
		}
		String log = Tampering.read(VerifyDeclaredStepsTest.out().resolve("logs/PhIMT0003-cnn.md"));
		for (String said : List.of("every channel's scale of a per-channel weight from that channel's float weights",
				"the integer weights' codes as the float weights quantized at their scales", "each recorded bias correction, measured again",
				"each raised entropy threshold", "the KL threshold an entropy threshold was raised from")) {
			assertTrue(log.contains(said), "PhIMT0003 lacks: " + said);
		}
	}
}
