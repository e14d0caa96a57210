package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A node's name may hold whitespace (hostile16: "layer 2\nx", "conv 1"): verify takes whitespace out of a log cell, as a document
 * read back may add some anywhere, and then looked the name up among the model's names with their whitespace still in, so an honest
 * run of the example CNN with such names had 7 PhIMT0003 mismatches ("re-derived [layer2x]"). And commas (evidence18).
 */
class SpacedNodeNamesRunTest {

	@Test
	void nodeNamesHoldingSpacesAndLineBreaksVerifyCleanInEveryLogFormat() throws IOException {
		Path out = renamedRun("spaced-names", i -> "layer " + i + "\nx", "drq, fiq_int8");

		// a name is still held to the file: another layer, or a name the model does not have, is found
		found(forged(out, "folded", "in no node of the model: layer 2<br>x", "in no node of the model: layer 3<br>x"),
				"layers in no node of the model: says [layer3x], re-derived [layer2x]");
		found(forged(out, "stem", "output quantization of 'layer 0<br>x'", "output quantization of 'layer 0<br>y'"),
				"re-derived no QuantizeLinear reads the output of 'layer0y'");
	}

	/**
	 * A name may hold a comma ("layer,2", "layer, 12"): the precision row lists the layers in no node of the model joined by ", ",
	 * and Appendix A's "unread: READERS" the readers, and verify split both lists at every comma, so an honest run had 12
	 * mismatches, 3 per format ("layers in no node of the model: says [layer, 2], re-derived [layer,2]", "why layer, 10: says
	 * unread: layer, 12, re-derived read in the verified model by layer, 12"). Both lists are read back by the names of the record
	 * or the model; a name the row should not hold is found.
	 */
	@Test
	void nodeNamesHoldingCommasVerifyCleanAndAForgedListIsFound() throws IOException {
		Path out = renamedRun("comma-names", i -> "layer," + (i % 3 == 0 ? " " : "") + i, "fiq_int8");
		found(forged(out, "other", "in no node of the model: layer,2 (", "in no node of the model: layer,3 ("),
				"layers in no node of the model: says [layer,3], re-derived [layer,2]");
		found(forged(out, "added", "in no node of the model: layer,2 (", "in no node of the model: layer,2, layer,6 ("),
				"layers in no node of the model: says [layer,2, layer,6], re-derived [layer,2]");
	}

	/** The example CNN with node {@code i} named {@code name(i)}, run with {@code schemes} (and evaluated, debugged): verified clean. */
	private static Path renamedRun(String dir, IntFunction<String> name, String schemes) throws IOException {
		Path copy = Runs.exampleCopy(dir);
		ModelProto cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = cnn.getGraph().toBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			g.setNode(i, g.getNode(i).toBuilder().setName(name.apply(i)));
		}
		Files.write(copy.resolve("model/renamed.onnx"), cnn.toBuilder().setGraph(g).build().toByteArray());
		Path out = copy.resolve("out");
		var outcome = Runs.run(Runs.recipe(copy, "renamed.qr", """
				recipe renamed {
					model cnn "model/renamed.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes SCHEMES
					evaluate on eval metrics accuracy
					debug fiq_int8 threshold rmse/scale > 0.5
				}
				""".replace("SCHEMES", schemes)), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		return out;
	}

	/** verify's findings in PhIMT0003-cnn.md of a copy of the run whose log has {@code old} (which must occur) replaced, every hash recomputed. */
	private static List<Problem> forged(Path out, String name, String old, String now) {
		Path forged = Tampering.edited(out, out.resolveSibling("out-" + name), "logs/PhIMT0003-cnn.md", old, now);
		return Verification.verify(forged).problems().stream().filter(p -> p.file().equals("logs/PhIMT0003-cnn.md")).toList();
	}

	private static void found(List<Problem> problems, String what) {
		assertTrue(problems.stream().anyMatch(p -> p.what().contains(what)), what + " not found: " + problems);
	}
}
