package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/** Same recipe, same run time: the same bytes; and verify finds any byte changed afterwards. */
class ReproducibilityTest {

	@Test
	void twoRunsGiveByteIdenticalOutputsWhereverTheProjectLies() throws IOException {
		// two checkouts of the same project in different folders, as on a developer's machine and on CI
		Path first = Runs.exampleCopy("twice-a").resolve("out");
		Path second = Runs.exampleCopy("twice-b").resolve("out");
		assertEquals(0, Runs.run(first.resolveSibling("fashion_cnn.qr"), first).exitCode());
		assertEquals(0, Runs.run(second.resolveSibling("fashion_cnn.qr"), second).exitCode());
		List<String> sums = Files.readAllLines(first.resolve("SHA256SUMS"));
		assertTrue(sums.stream().anyMatch(l -> l.endsWith("models/cnn/fiq_int8.onnx")));
		assertTrue(sums.stream().anyMatch(l -> l.endsWith("logs/PhIMT0003-cnn.docx")));
		assertTrue(sums.stream().anyMatch(l -> l.endsWith("results.json")));
		// SHA256SUMS lists every file with its hash: equal lists are byte-identical models, results, logs and report
		assertEquals(sums, Files.readAllLines(second.resolve("SHA256SUMS")));
		assertEquals(Files.readString(first.resolve("trace.xmi")), Files.readString(second.resolve("trace.xmi")));
		assertFalse(Files.readString(first.resolve("results.json")).contains("latency"), "no wall-clock figures in a reproducible run");
		String project = first.getParent().toAbsolutePath().toString();
		for (String f : List.of("trace.xmi", "results.json", "logs/PhIMT0002-cnn.md", "logs/PhIMT0003-cnn.md", "report.html")) {
			assertFalse(Files.readString(first.resolve(f)).contains(project), f + " names a path of this machine: " + project);
		}
	}

	@Test
	void verifyPassesOnFreshOutputsAndFailsOnAChangedModelOrDataset() throws IOException {
		Path example = Runs.exampleCopy("verify");
		Path out = example.resolve("out");
		assertEquals(0, Runs.run(example.resolve("fashion_cnn.qr"), out).exitCode());
		Verification.Result fresh = Verification.verify(out);
		assertTrue(fresh.passed(), fresh.problems().toString());
		assertTrue(fresh.checked() > 1300, "models, 1,300 images, every output: " + fresh.checked());

		Path model = out.resolve("models/cnn/fiq_int8.onnx");
		byte[] bytes = Files.readAllBytes(model);
		bytes[bytes.length / 2] ^= 1;
		Files.write(model, bytes);
		Verification.Result tampered = Verification.verify(out);
		assertEquals("models/cnn/fiq_int8.onnx", tampered.problems().get(0).file());
		assertTrue(tampered.problems().stream().allMatch(p -> p.toString().contains("fiq_int8")), "all about that model: " + tampered.problems());
		bytes[bytes.length / 2] ^= 1;
		Files.write(model, bytes);
		assertTrue(Verification.verify(out).passed());

		Path image = example.resolve("data/evaluation/bag/00018.png");
		Files.write(image, new byte[] { 0 }, java.nio.file.StandardOpenOption.APPEND);
		Verification.Result data = Verification.verify(out);
		assertEquals(List.of("eval: bag/00018.png"), data.problems().stream().map(Verification.Problem::file).toList());
	}
}
