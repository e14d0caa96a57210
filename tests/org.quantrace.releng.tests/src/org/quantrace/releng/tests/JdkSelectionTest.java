package org.quantrace.releng.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * .mvn/select-jdk.sh, which ./mvnw, ./quantrace and .ci/run source, reads the JDK's major version from
 * {@code java -version}. A JVM prints "Picked up JAVA_TOOL_OPTIONS: ..." first when that variable is set (common
 * on company machines): the launchers then found "no JDK 21" although one was there.
 */
class JdkSelectionTest {

	@Test
	void theVersionIsReadWithJavaToolOptionsSetAndWithout() throws IOException, InterruptedException {
		String expected = String.valueOf(Runtime.version().feature());
		assertEquals(expected, major(null));
		assertEquals(expected, major("-Dquantrace.test=1"));
	}

	private static String major(String toolOptions) throws IOException, InterruptedException {
		Path script = TestData.path(".mvn/select-jdk.sh");
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". \"$0\"; qr_java_major \"$1\"", script.toString(), java.toString());
		pb.environment().remove("JAVA_TOOL_OPTIONS");
		if (toolOptions != null) {
			pb.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
		}
		Process p = pb.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		assertEquals(0, p.waitFor(), out);
		return out;
	}
}
