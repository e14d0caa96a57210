package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.evaluate.TensorInventory;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.runner.verify.ModelFacts;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * The element-type inventory of a model with tensor sequences and a Loop over them (round 18's seqops, small), counted by the
 * engine (ONNX Runtime's run and load inference: what the trace and report.html write) and recounted by verify from the file
 * by ONNX's type rules (ModelFacts): both must give the same figures. verify typed SequenceLength by its input (FLOAT32, not
 * INT64), and the engine left the Loop body's tensors UNKNOWN: an honest run of seqops verified with 36 mismatches.
 */
class SequenceInventoryTest {

	@Test
	void theEngineAndVerifyCountALoopOverASplitToSequenceAlike() throws IOException {
		Path file = TestModels.write(TestData.tempDir("sequence-inventory").resolve("loop.onnx"), TestModels.loopOverSplit());
		Map<String, Integer> engine = new TreeMap<>();
		TensorInventory.of(OnnxModel.load(file), "loop").byType().forEach((type, c) -> engine.put(type, c.tensors()));
		Map<String, Integer> verify = new TreeMap<>();
		ModelFacts.read(file).inventory().forEach((type, c) -> verify.put(type, c.tensors()));
		// x r p q y; the stored condition and the body's c2; n; the sequences s acc out a2 (no tensors, no element type of their own)
		Map<String, Integer> expected = new TreeMap<>(Map.of("UINT8", 0, "INT8", 0, "INT16", 0, "INT32", 0, "FLOAT32", 5, "BOOL", 2, "INT64", 1, "UNKNOWN", 4));
		assertAll(() -> assertEquals(expected, engine, "the engine's inventory"), () -> assertEquals(expected, verify, "verify's recount"));
	}

	/**
	 * A SequenceMap's output sequence holds what its body outputs: verify left its element type unknown, so the
	 * ConcatFromSequence of it (j) was UNKNOWN to verify and FLOAT32 to the engine (make_seq2.py's seqmap: 24 mismatches).
	 */
	@Test
	void theEngineAndVerifyCountASequenceMapAlike() throws IOException {
		// x r q j y (a body's formal input, p, is not counted, as the Loop body's); the sequences s s2
		assertSameCounts(TestModels.sequenceMap(), "map.onnx", Map.of("FLOAT32", 5, "UNKNOWN", 2));
	}

	/**
	 * Optional values are no tensors, counted UNKNOWN on both sides (o, the If's oi, the branches' om and oe); what
	 * OptionalGetElement takes out of one is a tensor of its element type (y, the then branch's g and m), OptionalHasElement's
	 * output BOOL. verify typed an Optional as its input's tensor and OptionalHasElement as FLOAT32; the engine could not run the
	 * model at all (ONNX Runtime's Java API cannot describe an optional output) and left every value UNKNOWN.
	 */
	@Test
	void theEngineAndVerifyCountOptionalsAlike() throws IOException {
		assertSameCounts(TestModels.optionalThroughIf(), "optional.onnx", Map.of("FLOAT32", 5, "BOOL", 1, "UNKNOWN", 4));
	}

	private static void assertSameCounts(ai.onnx.proto.OnnxMl.ModelProto model, String name, Map<String, Integer> counts) throws IOException {
		Path file = TestModels.write(TestData.tempDir("sequence-inventory").resolve(name), model);
		Map<String, Integer> engine = new TreeMap<>();
		TensorInventory.of(OnnxModel.load(file), name).byType().forEach((type, c) -> engine.put(type, c.tensors()));
		Map<String, Integer> verify = new TreeMap<>();
		ModelFacts.read(file).inventory().forEach((type, c) -> verify.put(type, c.tensors()));
		Map<String, Integer> expected = new TreeMap<>(Map.of("UINT8", 0, "INT8", 0, "INT16", 0, "INT32", 0, "FLOAT32", 0));
		expected.putAll(counts);
		assertAll(() -> assertEquals(expected, engine, "the engine's inventory"), () -> assertEquals(expected, verify, "verify's recount"));
	}
}
