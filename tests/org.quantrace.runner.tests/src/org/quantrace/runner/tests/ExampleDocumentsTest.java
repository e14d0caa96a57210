package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * What the example's documents say, read against its files and one another as an assessor reads them (2026-12-05). report.html's
 * first line says what the run's logs and console say of its verdict. Before: a recipe without acceptance
 * criteria got "all variants accepted" in report.html, while its PhIMT0003 said "No acceptance criteria declared" and its
 * console "Neither accepted nor rejected" (round 12's dae through try2.sh, an assessor's reading of 2026-12-05); with criteria
 * for drq only, the report called the original and unquantized variants accepted too. And PhIMT0003's worked example
 * "channel C of T, range [α, β]" printed the whole tensor's range as if it were channel C's (the example's channel 0 of
 * features.0.weight_bn_folded holds [-3.847, 3.164], printed [-3.847, 3.368]).
 */
class ExampleDocumentsTest {

	private static final String RECIPE = """
			recipe verdict {
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json"
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert { }
				schemes unquantized, drq
				evaluate on eval
			%s}
			""";

	@Test
	void aRunWithoutCriteriaIsNeitherAcceptedNorRejectedInItsReport() throws IOException {
		Path out = withoutCriteria();
		assertEquals("neither accepted nor rejected: the recipe declares no acceptance criteria", verdict(out));
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("**No acceptance criteria declared; the evaluation is in Appendix A.**"),
				"PhIMT0003's first page");
		assertEquals("neither accepted nor rejected: the recipe declares no acceptance criteria", TestData.json(out.resolve("results.json")).get("verdict").asText());
		Verification.Result verified = Verification.verify(out);
		assertTrue(verified.passed(), verified.problems().toString());

		// results.json's verdict edited to read accepted (its lists recomputed): the variants' decisions say otherwise
		Path forged = Runs.copy(out, out.resolveSibling("out-forged"));
		Tampering.replace(forged.resolve("results.json"), "\"verdict\" : \"neither accepted nor rejected: the recipe declares no acceptance criteria\"",
				"\"verdict\" : \"accepted: every variant with acceptance criteria meets them\"");
		Tampering.resum(forged);
		Verification.Result r = Verification.verify(forged);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("results.json") && p.what().startsWith("verdict: says accepted: every variant")
				&& p.what().contains("re-derived neither accepted nor rejected (from the variants' decisions")), r.problems().toString());
	}

	@Test
	void aRunWhoseCriteriaAreMetSaysOfWhichVariants() throws IOException {
		Path out = run("met", "\taccept when accuracy drop < 50 pt for drq\n");
		assertEquals("accepted: every variant with acceptance criteria meets them", verdict(out));
		assertEquals(verdict(out), TestData.json(out.resolve("results.json")).get("verdict").asText(), "results.json");
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("Verdict: accepted. Every variant with acceptance criteria meets them (drq)"),
				"PhIMT0003's first page");
	}

	/** The worked example's range is the channel's own, or the line says it is the whole tensor's. */
	@Test
	void theWorkedExampleSaysWhoseRangeItPrints() throws IOException {
		Path out = withoutCriteria();
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		Matcher m = Pattern.compile("example \\(weights\\): channel (\\d+) of ([^,]+), range \\[([-0-9.e]+), ([-0-9.e]+)\\][^<|]*").matcher(log);
		assertTrue(m.find(), "a per-channel worked example");
		int channel = Integer.parseInt(m.group(1));
		TensorProto weight = StemDocumentsTest.initializer(ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/cnn/converted.onnx"))).getGraph(), m.group(2));
		float[] w = floats(weight);
		int per = w.length / (int) weight.getDims(0);
		float lo = Float.MAX_VALUE;
		float hi = -Float.MAX_VALUE;
		for (int i = channel * per; i < (channel + 1) * per; i++) {
			lo = Math.min(lo, w[i]);
			hi = Math.max(hi, w[i]);
		}
		boolean channelsOwn = Math.abs(Double.parseDouble(m.group(3)) - lo) <= 1e-3 * Math.abs(lo) && Math.abs(Double.parseDouble(m.group(4)) - hi) <= 1e-3 * Math.abs(hi);
		assertTrue(channelsOwn || m.group().contains("(the range is the whole tensor's"),
				m.group() + ": channel " + channel + " holds [" + lo + ", " + hi + "]");
	}

	/**
	 * PhIMT0002's verification data and report.html's Data table name a dataset one way, by its path relative to the recipe's
	 * folder, with the engine's selection words ("(64 of 300, each class in turn)"), however the recipe declares it. Before: a
	 * recipe declaring an absolute path (try2.sh's) got the absolute path in PhIMT0002 ("on 64 samples of /work/.../calib300-...
	 * (first 64)") and the relative one in report.html ("../../work/..."), round 12's dae, an assessor's reading of 2026-12-05.
	 */
	@Test
	void theVerificationDataIsNamedAsTheReportNamesIt() throws IOException {
		Path example = Runs.exampleCopy("verdict-absolute");
		Path out = example.resolve("out");
		String recipe = RECIPE.formatted("").replace("\"data/calibration\"", "\"" + example.resolve("data/calibration").toAbsolutePath().normalize() + "\"");
		assertTrue(recipe.contains(example.resolve("data/calibration").toAbsolutePath().normalize().toString()), recipe);
		assertEquals(0, Runs.run(Runs.recipe(example, "absolute.qr", recipe), out).exitCode());
		Matcher source = Pattern.compile("<tr id=\"dataset-calib\"><td>calib</td><td>([^<]*)</td>").matcher(Files.readString(out.resolve("report.html")));
		assertTrue(source.find(), "report.html's Data table");
		assertEquals("data/calibration", source.group(1), "relative to the recipe's folder");
		String log = Files.readString(out.resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains(" on 64 samples of data/calibration (64 of 300, each class in turn)"), log.lines().filter(l -> l.contains("verification")).toList().toString());
		assertTrue(!log.contains(example.resolve("data/calibration").toAbsolutePath().normalize().toString()), "no path of this machine");
		Verification.Result verified = Verification.verify(out);
		assertTrue(verified.passed(), verified.problems().toString());

		// the log edited back to the absolute path (every hash recomputed): not the document the trace makes
		Path forged = Runs.copy(out, out.resolveSibling("out-forged"));
		Path md = forged.resolve("logs/PhIMT0002-cnn.md");
		Tampering.write(md, Tampering.read(md).replace(" on 64 samples of data/calibration (", " on 64 samples of " + example.resolve("data/calibration").toAbsolutePath().normalize() + " ("));
		Tampering.rehashAll(forged);
		Verification.Result r = Verification.verify(forged);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("logs/PhIMT0002-cnn.md")), r.problems().toString());
	}

	private static float[] floats(TensorProto t) {
		if (t.getFloatDataCount() > 0) {
			float[] f = new float[t.getFloatDataCount()];
			for (int i = 0; i < f.length; i++) {
				f[i] = t.getFloatData(i);
			}
			return f;
		}
		float[] f = new float[t.getRawData().size() / 4];
		t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
		return f;
	}

	private static Path withoutCriteria;

	/** The run without acceptance criteria, made once for the tests that read it. */
	private static synchronized Path withoutCriteria() {
		if (withoutCriteria == null) {
			withoutCriteria = run("none", "");
		}
		return withoutCriteria;
	}

	private static Path run(String name, String criteria) {
		Path example = Runs.exampleCopy("verdict-" + name);
		Path out = example.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(example, name + ".qr", RECIPE.formatted(criteria)), out).exitCode(), name);
		return out;
	}

	/** The words of report.html's first paragraph after "recipe NAME (SHA-256 ...): ". */
	private static String verdict(Path out) throws IOException {
		Matcher m = Pattern.compile("<p>Run [^\\n]*?: <span class=\"([a-z]+)\">([^<]*)</span></p>").matcher(Files.readString(out.resolve("report.html")));
		assertTrue(m.find(), "report.html's first line");
		// green (ok) only for an acceptance, red (failed) only for a rejection
		assertEquals(m.group(2).startsWith("accepted") ? "ok" : m.group(2).startsWith("an acceptance criterion failed") ? "failed" : "undecided", m.group(1),
				"the first line's class");
		return m.group(2);
	}
}
