package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
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
	/** drq's cell of a node in a branch of the If (assessor16): main (b8446c6a) left them blank, 23 rows of Appendix D. */
	private static final String IN_BODY = "in a body of /If (index 2): not a layer of its own in this scheme's record, which records the If as one layer (its cell)";

	/**
	 * Appendix D's drq column: drq records the If as one layer (its bodies' weights in its note), fiq_int8 each node of the branches;
	 * each branch node's drq cell says where the node is instead of being blank, in every format.
	 */
	@Test
	void eachBranchNodeSaysWhereItIsUnderDrq() throws IOException {
		String md = Files.readString(dir.resolve("out/logs/PhIMT0003-ifcnn.md"));
		int from = md.indexOf("Quantization per layer\n");
		String appendix = md.substring(from, md.indexOf("## ", from + 10));
		assertTrue(appendix.contains("| 4 | /net/features/0/0/Conv | Conv | " + IN_BODY + " | float32 (note 6) |"), appendix);
		assertTrue(appendix.contains("| 15 | /net_1/Conv | Conv | " + IN_BODY + " | quantized |"), appendix);
		assertFalse(appendix.contains("|  |"), "no blank cell: " + appendix);
		assertEquals(23, appendix.lines().filter(l -> l.contains(IN_BODY)).count(), appendix);
		String html = LogFormatsTest.text(dir.resolve("out/logs/PhIMT0003-ifcnn.html"));
		assertTrue(html.contains("<td>/net_1/Gemm</td><td>Gemm</td><td>" + IN_BODY + "</td>"), html);
		// the PDF's narrow columns wrap the cells among their neighbours' lines
		String docx = LogFormatsTest.text(dir.resolve("out/logs/PhIMT0003-ifcnn.docx")).replaceAll("\\s+", " ");
		assertTrue(docx.contains("/net_1/Gemm Gemm " + IN_BODY), docx);
	}

	/** The trace forged so that drq records no layer of /Greater, a node of the main graph: its cell then says it is in the If's body. */
	@Test
	void aMainGraphNodeSaidInTheIfsBodyIsFound() {
		List<Problem> r = Tampering.traceForged(dir.resolve("out"), "in-body", t -> t.getOptimizations().stream().filter(o -> "drq".equals(o.getScheme()))
				.findFirst().orElseThrow().getQuantization().getLayers().removeIf(l -> l.getNode().equals("/Greater")));
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-ifcnn." + format) && p.what().contains("/Greater, drq")
					&& p.what().contains("a Greater node of the model's main graph")), format + ": " + r);
		}
	}
	/** The Convs and Gemm of both branches; the else branch's read the weights drq stored for the then branch's (one initializer each). */
	private static final List<String> BRANCH_LAYERS = List.of("/net/features/0/0/Conv", "/net/features/2/0/Conv", "/net/features/4/0/Conv", "/net/fc/Gemm",
			"/net_1/Conv", "/net_1/Conv_1", "/net_1/Conv_2", "/net_1/Gemm");

	/**
	 * drq's note of the If names every layer of both branches on int8 weights: it named the then branch's alone, though the else
	 * branch's read the same int8 codes dequantized at load (branch drq40). verify derives the list from the model's bodies: the note
	 * forged back to the then branch's layers is found, in the trace and in every log format.
	 */
	@Test
	void drqsIfNoteNamesTheLayersOfBothBranchesAndVerifyHoldsIt() throws IOException {
		String reason = ifRecord(dir.resolve("out")).getReason();
		for (String layer : BRANCH_LAYERS) {
			assertTrue(reason.contains(" '" + layer + "': int8 weights only"), layer + ": " + reason);
		}
		List<Problem> r = Tampering.traceForged(dir.resolve("out"), "then-only", t -> {
			org.quantrace.model.trace.LayerQuantizationRecord l = ifRecord(t);
			l.setReason(l.getReason().replaceAll("; \\w+ '/net_1/[^;]*", ""));
		});
		assertTrue(r.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer /If (If) layers on int8 weights in its bodies")
				&& p.what().contains("/net_1/Conv: int8 weights only")), r.toString());
	}

	private static org.quantrace.model.trace.LayerQuantizationRecord ifRecord(Path out) throws IOException {
		return ifRecord(org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi")));
	}

	private static org.quantrace.model.trace.LayerQuantizationRecord ifRecord(org.quantrace.model.trace.TraceModel t) {
		return t.getOptimizations().stream().filter(o -> "drq".equals(o.getScheme())).findFirst().orElseThrow().getQuantization().getLayers().stream()
				.filter(l -> l.getOpType().equals("If")).findFirst().orElseThrow();
	}

	/** The per-tensor appendix's node cell of the model's input, which no node writes: main (b8446c6a) left it blank. */
	@Test
	void theInputsTensorRowsNameNoNodeAndSayWhy() throws IOException {
		String md = Files.readString(dir.resolve("out/logs/PhIMT0003-ifcnn.md"));
		assertTrue(md.contains("| input | input | none: the model's input | int8 | asymmetric | per-tensor |"), md);
		assertFalse(md.contains("| input | input |  |"), md);
		// the record's input renamed (every document made again): the cell says "none", and verify finds the file's input of that name
		List<Problem> r = Tampering.traceForged(dir.resolve("out"), "no-node", t -> t.getOptimizations().stream().filter(o -> "fiq_int8".equals(o.getScheme()))
				.findFirst().orElseThrow().getOutput().getInputs().get(0).setName("renamed"));
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-ifcnn.md") && p.what().contains("input (input), node")), r.toString());
	}
}
