package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * Channel pruning by activations with a per-layer target (issue 13, prune9's leftover): the space the target names ranks alone
 * at its own share, the others together under the global floor, and verify re-derives both. Main's verify skipped every record
 * with a per-layer target, so a score swap within the named layer, every document made again from the edited trace, passed. The
 * step scores on its own {@code samples 50} of the calibration dataset's 100.
 */
class VerifyPerLayerPruningTest {

	static final String LAYER = "/features/features.4/Conv";

	static final String RECIPE = """
			import "project.qr"

			recipe perlayer {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				prune {
					criterion activation
					pattern channel
					scope global
					sparsity 10 %
					layer "/features/features.4/*" sparsity 25 %
					samples 50
				}
				schemes fiq_int8
			}
			""";

	private static Path out;

	static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("per-layer-prune");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "perlayer.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	/** The pruning record of {@code trace} and its scores parameter of {@code layers}. */
	static Parameter scores(TraceModel trace, String layers) {
		OptimizationRecord o = trace.getOptimizations().stream().filter(x -> x.getPruning() != null).findFirst().orElseThrow();
		return o.getPruning().getAdditionalConfiguration().stream().filter(p -> p.getKey().equals("channel scores: " + layers)).findFirst().orElseThrow();
	}

	/** The channel of the highest score among those not {@code removed}. */
	static int highestKept(String[] scores, java.util.Collection<Integer> removed) {
		int highest = -1;
		for (int c = 0; c < scores.length; c++) {
			if (!removed.contains(c) && (highest < 0 || Double.parseDouble(scores[c]) > Double.parseDouble(scores[highest]))) {
				highest = c;
			}
		}
		return highest;
	}

	@Test
	void theNamedLayerRanksAloneAtItsShareAndVerifies() throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out().resolve("trace.xmi"));
		String value = scores(trace, LAYER).getValue();
		assertEquals(8, value.substring("removed".length(), value.indexOf(';')).trim().split(" ").length, "25 % of its 32 channels: " + value);
		String scoredOn = trace.getOptimizations().get(0).getPruning().getAdditionalConfiguration().stream().filter(x -> x.getKey().equals("channels scored on"))
				.findFirst().orElseThrow().getValue();
		assertTrue(scoredOn.startsWith("50 samples of dataset 'calib'"), "the prune step's samples, not the dataset's 100: " + scoredOn);
		Verification.Result verified = Verification.verify(out());
		assertEquals(List.of(), verified.problems());
	}

	/** The named layer's first removed channel given the highest kept score of that layer, the other's the lower one. */
	@Test
	void aScoreSwapWithinTheNamedLayerIsNamed() throws IOException {
		Path forged = Runs.copy(out(), out().resolveSibling("out-per-layer-swapped"));
		TraceModel trace = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		Parameter p = scores(trace, LAYER);
		String[] parts = p.getValue().split("; scores ");
		int removed = Integer.parseInt(parts[0].split(" ")[1]);
		List<String> removedAll = Arrays.asList(parts[0].substring("removed ".length()).split(" "));
		String[] s = parts[1].split(" ");
		int highest = highestKept(s, removedAll.stream().map(Integer::valueOf).toList());
		String swap = s[removed];
		s[removed] = s[highest];
		s[highest] = swap;
		p.setValue(parts[0] + "; scores " + String.join(" ", s));
		Tampering.remadeFromTrace(forged, trace);
		List<Problem> problems = Verification.verify(forged).problems();
		String named = LAYER + " channel " + removed + ": says removed with score " + Double.parseDouble(s[removed]);
		assertTrue(problems.stream().anyMatch(x -> x.what().contains(named) && x.what().contains("not the lowest-scored channels")), named + " not found: " + problems);
		// nothing else tells the forgery: without the per-layer ranking the folder verified clean
		assertTrue(problems.stream().allMatch(x -> x.what().contains("pruning channel scores: " + LAYER)), problems.toString());
	}

	/**
	 * verify --deep measures every space's scores again on the 50 calibration samples (prune9's leftover: only the ranking was
	 * re-derived, from the recorded scores). A forger who raises every kept channel's score of the named layer by a tenth keeps
	 * the ranking, and every document made again from the edited trace agrees: verify passes it; --deep names the layer.
	 */
	@Test
	void deepMeasuresTheScoresAgainAndNamesRaisedOnes() throws IOException {
		Verification.Options deep = new Verification.Options(out().resolveSibling("perlayer.qr"), null, false, true, Progress.NONE);
		Verification.Result honest = Verification.verify(out(), deep);
		assertEquals(List.of(), honest.problems(), "the honest run verifies clean with --deep");
		assertTrue(honest.notes().stream().anyMatch(n -> n.matches("optimization \\S+ pruning channel scores \\(re-measured\\): 3 channel spaces measured again on 50"
				+ " samples of calib in verify's own session \\(largest relative difference \\S+, allowed 1e-04\\)")), honest.notes().toString());

		Path forged = Runs.copy(out(), out().resolveSibling("out-per-layer-raised"));
		TraceModel trace = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		Parameter p = scores(trace, LAYER);
		String[] parts = p.getValue().split("; scores ");
		List<String> removed = Arrays.asList(parts[0].substring("removed ".length()).split(" "));
		String[] s = parts[1].split(" ");
		int firstKept = -1;
		for (int c = 0; c < s.length; c++) {
			if (!removed.contains(Integer.toString(c))) {
				s[c] = String.format(java.util.Locale.ROOT, "%.6g", 1.1 * Double.parseDouble(s[c]));
				firstKept = firstKept < 0 ? c : firstKept;
			}
		}
		p.setValue(parts[0] + "; scores " + String.join(" ", s));
		Tampering.remadeFromTrace(forged, trace);
		assertEquals(List.of(), Verification.verify(forged).problems(), "the ranking holds: only --deep can tell");
		List<Problem> found = Verification.verify(forged, deep).problems();
		String named = "pruning channel scores (re-measured) channel scores: " + LAYER + " channel " + firstKept;
		assertTrue(!found.isEmpty() && found.stream().allMatch(x -> x.what().contains(named) && x.what().contains("24 of 32 channels differ by more than a relative 1e-04")),
				named + " not found alone: " + found);
	}

	/** A record naming other samples than those fed (their hash edited, every document made again) passes verify; --deep names it. */
	@Test
	void deepNamesSamplesOtherThanTheRecordSays() throws IOException {
		Path forged = Runs.copy(out(), out().resolveSibling("out-per-layer-other-samples"));
		TraceModel trace = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		Parameter on = trace.getOptimizations().get(0).getPruning().getAdditionalConfiguration().stream().filter(x -> x.getKey().equals("channels scored on"))
				.findFirst().orElseThrow();
		String other = "0123456789abcdef".repeat(4);
		on.setValue(on.getValue().replaceFirst("[0-9a-f]{64}", other));
		Tampering.remadeFromTrace(forged, trace);
		assertEquals(List.of(), Verification.verify(forged).problems(), "nothing but the samples can tell");
		List<Problem> found = Verification.verify(forged, new Verification.Options(out().resolveSibling("perlayer.qr"), null, false, true, Progress.NONE)).problems();
		assertTrue(found.stream().anyMatch(x -> x.what().contains("pruning channel scores (re-measured) samples: says SHA-256 of the float32 inputs fed " + other)),
				found.toString());
	}

	/**
	 * Every layer excluded: criterion activation scores nothing, and the record names no samples. verify --deep reported that as
	 * a mismatch ("the samples scored on ...: ''") of an honest run; it now says that nothing was scored.
	 */
	@Test
	void nothingScoredIsNoMismatch() throws IOException {
		Path example = Runs.exampleCopy("all-excluded-prune");
		Path recipe = Runs.recipe(example, "excluded.qr", RECIPE.replace("samples 50", "exclude \"*\""));
		assertEquals(0, Runs.run(recipe, example.resolve("out")).exitCode());
		Verification.Result r = Verification.verify(example.resolve("out"), new Verification.Options(recipe, null, false, true, Progress.NONE));
		assertEquals(List.of(), r.problems());
		assertTrue(r.notes().stream().anyMatch(n -> n.endsWith("pruning channel scores (re-measured): no channel space scored, none measured")), r.notes().toString());
	}

	/**
	 * The record says the named layer's highest-scored kept channel went instead of its first removed one, the two scores swapped
	 * so that the ranking holds, every document made again: the count and the ranking agree, and only the models tell that the
	 * pruned layer kept other channels (its biases are the original's at the channels it really kept).
	 */
	@Test
	void aRecordNamingOtherRemovedChannelsIsNamed() throws IOException {
		Path forged = Runs.copy(out(), out().resolveSibling("out-per-layer-other-channels"));
		TraceModel trace = QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		Parameter p = scores(trace, LAYER);
		String[] parts = p.getValue().split("; scores ");
		java.util.TreeSet<Integer> removed = new java.util.TreeSet<>();
		Arrays.stream(parts[0].substring("removed ".length()).split(" ")).forEach(c -> removed.add(Integer.parseInt(c)));
		String[] s = parts[1].split(" ");
		int highest = highestKept(s, removed);
		int first = removed.first();
		String swap = s[first];
		s[first] = s[highest];
		s[highest] = swap;
		removed.remove(first);
		removed.add(highest);
		p.setValue("removed " + String.join(" ", removed.stream().map(String::valueOf).toList()) + "; scores " + String.join(" ", s));
		Tampering.remadeFromTrace(forged, trace);
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(!problems.isEmpty() && problems.stream().allMatch(x -> x.what().contains("pruning channel scores: " + LAYER + " kept channel ")
				&& x.what().contains("the model kept other channels than the record says")), problems.toString());
	}
}
