package org.quantrace.testing;

import java.util.ArrayList;
import java.util.List;

/** The quantrace command line in its own JVM (the p2 repository's plugins as classpath), for tests about processes: kills, locks, working folders. */
public final class QuantraceProcess {

	private QuantraceProcess() {
	}

	/** A process builder for {@code quantrace ARGS}, with {@code jvmOptions} (e.g. -D test hooks) before the main class. */
	public static ProcessBuilder of(List<String> jvmOptions, String... args) {
		List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
				// ONNX Runtime's native teardown can crash a killed JVM: its report goes to the temp folder, not the checkout
				"-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/quantrace-test-hs_err_%p.log"));
		command.addAll(jvmOptions);
		command.addAll(List.of("-cp", TestData.path("releng/org.quantrace.repository/target/repository/plugins") + "/*", "org.quantrace.cli.Main"));
		command.addAll(List.of(args));
		return new ProcessBuilder(command);
	}
}
