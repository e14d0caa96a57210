package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A node's name may hold a comma ("layer,2"): PhIMT0003's precision row lists the layers in no node of the model joined by
 * ", ", and verify split the list back at every comma, so an honest run of the example CNN with such names had 4
 * mismatches, one per format ("layers in no node of the model: says [layer, 2], re-derived [layer,2]"). The list is read
 * back by the record's layer names; a name the row should not hold is still found.
 */
class CommaNodeNamesRunTest {

	@Test
	void nodeNamesHoldingCommasVerifyCleanAndAForgedListIsFound() throws IOException {
		Path copy = Runs.exampleCopy("comma-names");
		ModelProto cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = cnn.getGraph().toBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			g.setNode(i, g.getNode(i).toBuilder().setName("layer," + i));
		}
		Files.write(copy.resolve("model/comma.onnx"), cnn.toBuilder().setGraph(g).build().toByteArray());
		Path out = copy.resolve("out");
		var outcome = Runs.run(Runs.recipe(copy, "comma.qr", """
				recipe comma {
					model cnn "model/comma.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
				}
				"""), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		found(forged(out, "other", "in no node of the model: layer,2 (", "in no node of the model: layer,3 ("),
				"layers in no node of the model: says [layer,3], re-derived [layer,2]");
		found(forged(out, "added", "in no node of the model: layer,2 (", "in no node of the model: layer,2, layer,6 ("),
				"layers in no node of the model: says [layer,2, layer,6], re-derived [layer,2]");
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
