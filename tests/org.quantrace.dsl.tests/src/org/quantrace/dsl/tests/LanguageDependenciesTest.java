package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * The recipe language depends on Xtext and the metamodel only: no engine bundle and no ONNX Runtime or ONNX
 * classes, so the language server carries none of them (issue 16). The validator reads limits it shares
 * with the engine from the metamodel (CalibrationLimits).
 */
class LanguageDependenciesTest {

	/** The bundle or package names a header lists, without their attributes (commas inside quoted version ranges are not separators). */
	private static List<String> header(String name) throws IOException {
		try (InputStream in = Files.newInputStream(TestData.path("bundles/org.quantrace.dsl/META-INF/MANIFEST.MF"))) {
			String value = new Manifest(in).getMainAttributes().getValue(name);
			List<String> names = new ArrayList<>();
			boolean quoted = false;
			StringBuilder entry = new StringBuilder();
			for (char c : (value == null ? "" : value + ",").toCharArray()) {
				quoted ^= c == '"';
				if (c == ',' && !quoted) {
					names.add(entry.toString().trim().split(";")[0]);
					entry.setLength(0);
				} else {
					entry.append(c);
				}
			}
			names.removeIf(String::isEmpty);
			return names;
		}
	}

	@Test
	void theLanguageRequiresNoEngineBundle() throws IOException {
		List<String> required = header("Require-Bundle");
		assertTrue(required.contains("org.quantrace.model"), required.toString());
		assertEquals(List.of(), required.stream().filter(b -> b.startsWith("org.quantrace.") && !b.equals("org.quantrace.model")).toList());
	}

	@Test
	void theLanguageImportsNoOnnxClasses() throws IOException {
		List<String> imported = header("Import-Package");
		assertEquals(List.of(), imported.stream().filter(p -> p.startsWith("ai.onnx") || p.startsWith("com.google.protobuf")).toList());
	}
}
