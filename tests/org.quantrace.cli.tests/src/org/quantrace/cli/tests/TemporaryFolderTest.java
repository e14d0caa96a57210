package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.QuantraceProcess;
import org.quantrace.testing.TestData;

/**
 * ONNX Runtime's Java binding unpacks its native library into the temporary folder (java.io.tmpdir) when it first loads. With
 * that folder full, read-only or no folder, every command that runs a model stopped with "internal error (please report it ...)",
 * an ExceptionInInitializerError's stack trace, exit 70 (hostile12: also under `ulimit -f 0`): the machine's trouble, said as such.
 */
class TemporaryFolderTest {

	@Test
	void aTemporaryFolderOnnxRuntimeCannotUnpackIntoIsSaidWithWhatToDo() throws Exception {
		Path dir = TestData.tempDir("temporary-folder");
		Path notAFolder = Files.writeString(dir.resolve("tmp-is-a-file"), "");
		Process p = QuantraceProcess.of(List.of("-Djava.io.tmpdir=" + notAFolder), "evaluate", TestData.data("wild/hostile12/iris_mlp.onnx").toString(),
				"--data", TestData.data("wild/hostile12/iris.csv").toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
		String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), err);
		assertEquals(3, p.exitValue(), err);
		assertTrue(err.contains("quantrace: error: cannot load ONNX Runtime's native library, which it unpacks into the temporary folder " + notAFolder), err);
		assertTrue(err.contains("quantrace: hint: free space in " + notAFolder + " or make it a writable folder, or give another:"
				+ " QUANTRACE_JAVA_OPTS=-Djava.io.tmpdir=DIR"), err);
		assertFalse(err.contains("internal error"), err);
	}
}
