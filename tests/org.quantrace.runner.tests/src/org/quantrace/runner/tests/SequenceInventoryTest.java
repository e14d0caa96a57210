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
}
