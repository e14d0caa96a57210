package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * The example's trained CNN with only its opset import raised from 13 to 17: its training-mode BatchNormalizations write five
 * outputs, which opset 15 and later do not define, so ONNX Runtime does not load the model, and the engine, which types the
 * values a model computes by ONNX Runtime's inference, records them as of no element type; the run's convert step removes the
 * BatchNormalizations and the run succeeds. verify typed the same values by the operator rules and called the honest run's
 * inventory of the original 6 mismatches (FLOAT32 19 against 39, BOOL 1 against 2, no element type 21 against 0, in the
 * trace and report.html).
 */
class VerifyUnloadableOriginalTest {

	@Test
	void anHonestRunOfAModelOnnxRuntimeDoesNotLoadVerifies() throws IOException {
		Path copy = Runs.exampleCopy("opset17-original");
		Path trained = copy.resolve("model/fashion_cnn_trained.onnx");
		ModelProto.Builder m = ModelProto.parseFrom(Files.readAllBytes(trained)).toBuilder();
		m.getOpsetImportBuilderList().stream().filter(o -> o.getDomain().isEmpty()).forEach(o -> o.setVersion(17));
		Files.write(copy.resolve("model/cnn17.onnx"), m.build().toByteArray());
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(Runs.fiqInt8Recipe(copy, "cnn17.qr", "cnn17", "model/cnn17.onnx"), out).exitCode());
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("elementType=\"UNKNOWN\""), "the original's computed values are recorded untyped");
		Verification.Result r = Verification.verify(out);
		assertTrue(r.passed(), r.problems().toString());
	}
}
