package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * verify on a model whose layers live in the branches of an If (the zoo's if_cnn, torch.jit.script: the whole
 * network in both branches, reading its weights from the main graph). FIQ int8 quantizes the branch calibration
 * took (the else branch: the data is in [0, 1]) as a graph of its own and stores its codes, scales and zero
 * points inside that branch; verify must read them there, with the names the branch reads from the main graph,
 * and agree with every figure of every document. A changed scale inside the branch is found and named.
 */
class VerifyIfBranchesTest {

	private static final String RECIPE = """
			recipe zoo_if "Zoo model with an If" {
				responsible "tests"
				conversion-id CONV-IF-1
				optimization-id OPT-IF-1
				model ifcnn "if_cnn.onnx" id IFCNN version 1
			""" + ZooRuns.CALIBRATION + ZooRuns.DRQ_AND_FIQ_INT8;

	/** The else branch's first Conv weight ("54", read from the main graph): its per-channel scale, an initializer of the branch. */
	private static final String TENSOR = "54";
	private static final String SCALE = "54_scale";

	/** The recipe, model and data; {@code out} is the run's output. */
	private static Path dir;

	@BeforeAll
	static void run() throws IOException {
		dir = ZooRuns.run("verify-if", RECIPE, "if_cnn.onnx");
	}

	/**
	 * Every figure agrees with the files (222 mismatches before verify read the branches; the If's output, float32
	 * while the trace said int8 I/O, is quantized after the If since; the tensor inventories typed the branches'
	 * values UNKNOWN until the inspector ran the branches).
	 */
	@Test
	void everyFigureAgreesWithTheFiles() {
		List<Problem> r = Verification.verify(dir.resolve("out")).problems();
		assertTrue(r.isEmpty(), r.size() + " mismatches: " + r);
	}

	/** Channel 0 of the else branch's first Conv weight scale made twice what it was, every hash recomputed. */
	@Test
	void aChangedScaleInsideTheBranchIsFound() {
		Path out = Runs.copy(dir, TestData.tempDir("verify-if-scale").resolve("zoo")).resolve("out");
		float[] was = new float[1];
		Tampering.editInitializer(out, "models/ifcnn/fiq_int8.onnx", SCALE, scale -> {
			was[0] = Tampering.floats(scale)[0];
			return Tampering.times(scale, 0, 2);
		});
		List<Problem> r = Verification.verify(out).problems();
		assertFalse(r.isEmpty(), "a doubled scale inside the else branch passed verify");
		String doubled = String.valueOf(was[0] * 2);
		assertTrue(r.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("optimization OPT-IF-1/ifcnn/fiq_int8 tensor " + TENSOR + " (weight)")
				&& p.what().contains(doubled)), r.toString());
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-ifcnn." + format) && p.what().contains(TENSOR) && p.what().contains(doubled)),
					format + ": " + r);
		}
	}
}
