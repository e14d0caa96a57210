package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.verify.ModelFacts;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * verify re-derives a model's integer inputs from the file by code of its own (ModelFacts): an input read by DequantizeLinear
 * nodes that disagree states no scale and zero point, so a trace or log claiming one is a mismatch. It took the first reader's,
 * as the runner did, and would have agreed with a record of it.
 */
class ModelFactsIoTest {

	@Test
	void anInputWhoseReadersDisagreeHasNoScale() throws IOException {
		Path dir = TestData.tempDir("model-facts-io");
		ModelFacts.Io disagree = ModelFacts.read(TestModels.twoDequantizeLinearReaders(dir.resolve("two.onnx"), 0.2f)).inputs().get(0);
		assertNull(disagree.scale(), disagree.toString());
		assertNull(disagree.zeroPoint(), disagree.toString());
		ModelFacts.Io agree = ModelFacts.read(TestModels.twoDequantizeLinearReaders(dir.resolve("agree.onnx"), 0.1f)).inputs().get(0);
		assertEquals(0.1f, agree.scale(), 0f);
		assertEquals(0L, agree.zeroPoint());
	}
}
