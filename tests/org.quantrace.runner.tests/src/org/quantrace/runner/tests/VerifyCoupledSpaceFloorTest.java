package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.Parameter;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.runner.verify.ChannelRanking;

/**
 * Global channel pruning's floor for a space of several layers joined by residual Adds (a P-th of one layer's, P its layers): the
 * zoo's MobileNetV2 at 10 % global, whose stem shares its 16 channels with the first block's projection, keeps 15 at least, the
 * pruning record says which layers the floor held and why, and verify re-derives the floor from the record's space (its layers'
 * names): a record whose stem space lost a second channel, as the engine chose before the rule (top-1 0.8587 → about 0.66 for that
 * space alone), is named.
 */
class VerifyCoupledSpaceFloorTest {

	private static final String STEM = "channel scores: /features/features.0/features.0.0/Conv, ";

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			out = ZooRuns.run("verify-coupled-space-floor", "recipe zoo_mobilenetv2_coupled {\nresponsible \"tests\"\nmodel mobilenetv2 \"mobilenetv2.onnx\" id MOBILENETV2 version 1\n"
					+ ZooRuns.CALIBRATION + "prune {\npattern channel\nsparsity 10 %\n}\nschemes drq\n}\n", "mobilenetv2.onnx").resolve("out");
		}
		return out;
	}

	@Test
	void theRunHoldsTheStemSpaceAndVerifiesClean() throws IOException {
		assertEquals(List.of(), Verification.verify(out()).problems());
		String trace = Tampering.read(out().resolve("trace.xmi"));
		assertTrue(trace.contains("of a space of 2 layers joined by residual Adds 1/2 of that (7.5 %)"), "the record says why the stem space was held");
	}

	@Test
	void aStemSpaceThatLostASecondChannelIsNamed() throws IOException {
		List<Problem> problems = Tampering.traceForged(out(), "coupled-floor", t -> {
			Parameter stem = t.getOptimizations().stream().filter(o -> o.getPruning() != null).findFirst().orElseThrow().getPruning()
					.getAdditionalConfiguration().stream().filter(p -> p.getKey().startsWith(STEM)).findFirst().orElseThrow();
			ChannelRanking.Space s = ChannelRanking.parse(stem.getKey().substring("channel scores: ".length()), stem.getValue());
			int lowestKept = -1;
			for (int c = s.removed().nextClearBit(0); c < s.scores().length; c = s.removed().nextClearBit(c + 1)) {
				lowestKept = lowestKept < 0 || s.scores()[c] < s.scores()[lowestKept] ? c : lowestKept;
			}
			s.removed().set(lowestKept);
			StringBuilder removed = new StringBuilder("removed");
			s.removed().stream().forEach(c -> removed.append(' ').append(c));
			stem.setValue(removed + "; scores" + stem.getValue().split("; scores", 2)[1]);
		});
		Tampering.foundInTrace(problems, STEM, "kept 14 of 16 channels", "at least 15 kept", "a space of 2 layers joined by residual Adds 1/2 of that (7.50 %)");
	}
}
