package org.quantrace.releng.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarInputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The p2 repository zip users install Quantrace from: every feature and bundle in it, its categories, well-formed plugin.xml files. */
class RepositoryTest {

	private static ZipFile zip;
	private static Set<String> features;
	private static Set<String> bundles;

	@BeforeAll
	static void open() throws IOException {
		Path target = TestData.path("releng/org.quantrace.repository/target");
		Path file;
		try (Stream<Path> s = Files.list(target)) {
			file = s.filter(p -> p.getFileName().toString().matches("org\\.quantrace\\.repository-.*\\.zip")).findFirst().orElseThrow();
		}
		zip = new ZipFile(file.toFile());
		features = ids("features/");
		bundles = ids("plugins/");
	}

	private static Set<String> ids(String folder) {
		Set<String> ids = new TreeSet<>();
		zip.stream().map(ZipEntry::getName).filter(n -> n.startsWith(folder) && n.endsWith(".jar"))
				.forEach(n -> ids.add(n.substring(folder.length(), n.lastIndexOf('_'))));
		return ids;
	}

	@Test
	void everyFeatureIsThere() {
		assertEquals(Set.of("org.quantrace.runtime.feature", "org.quantrace.ide.feature", "org.quantrace.cli.feature"), features);
	}

	@Test
	void everyQuantraceBundleIsThere() throws IOException {
		List<String> expected = new ArrayList<>(List.of("org.quantrace.model"));
		try (Stream<Path> s = Files.list(TestData.path("bundles"))) {
			s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("org.quantrace.")).forEach(expected::add);
		}
		assertTrue(expected.size() >= 17, expected.toString());
		for (String b : expected) {
			assertTrue(bundles.contains(b), b + " is missing from the repository");
		}
	}

	@Test
	void theLibrariesComeAlongIncludingTheWrappedOnnxRuntime() throws IOException {
		for (String b : List.of("com.microsoft.onnxruntime", "org.tribuo.util.onnx", "com.google.protobuf", "org.eclipse.emf.ecore", "org.eclipse.emf.ecore.xmi",
				"org.eclipse.xtext", "org.eclipse.xtext.ide", "org.antlr.runtime", "org.eclipse.lsp4j", "org.eclipse.elk.alg.layered",
				"wrapped.org.apache.poi.poi-ooxml", "wrapped.org.ejml.ejml-ddense", "picocli")) {
			assertTrue(bundles.contains(b), b + " is missing from the repository");
		}
		ZipEntry ort = zip.stream().filter(e -> e.getName().startsWith("plugins/com.microsoft.onnxruntime_")).findFirst().orElseThrow();
		try (JarInputStream jar = new JarInputStream(zip.getInputStream(ort))) {
			assertEquals("com.microsoft.onnxruntime", jar.getManifest().getMainAttributes().getValue("Bundle-SymbolicName"));
			assertTrue(jar.getManifest().getMainAttributes().getValue("Export-Package").contains("ai.onnxruntime"));
			boolean natives = false;
			for (var e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
				natives |= e.getName().endsWith("libonnxruntime.so");
			}
			assertTrue(natives, "the wrapped jar carries ONNX Runtime's native libraries");
		}
	}

	@Test
	void theFeaturesAreCategorized() throws Exception {
		Document content = xml(zip.getInputStream(zip.getEntry("content.xml")));
		List<String> categories = new ArrayList<>();
		NodeList units = content.getElementsByTagName("unit");
		for (int i = 0; i < units.getLength(); i++) {
			Element unit = (Element) units.item(i);
			NodeList props = unit.getElementsByTagName("property");
			for (int j = 0; j < props.getLength(); j++) {
				Element p = (Element) props.item(j);
				if (p.getAttribute("name").equals("org.eclipse.equinox.p2.type.category") && p.getAttribute("value").equals("true")) {
					categories.add(unit.getAttribute("id"));
				}
			}
		}
		assertEquals(2, categories.size(), "Quantrace and Quantrace IDE integration: " + categories);
	}

	@Test
	void everyPluginXmlOfOurBundlesIsWellFormed() throws Exception {
		int checked = 0;
		for (ZipEntry e : zip.stream().filter(e -> e.getName().startsWith("plugins/org.quantrace.")).toList()) {
			try (JarInputStream jar = new JarInputStream(zip.getInputStream(e))) {
				for (var j = jar.getNextJarEntry(); j != null; j = jar.getNextJarEntry()) {
					if (j.getName().equals("plugin.xml")) {
						xml(jar); // throws on malformed XML (a "--" in a comment once hid the headless application)
						checked++;
					}
				}
			}
		}
		assertTrue(checked >= 4, "plugin.xml files: " + checked);
	}

	private static Document xml(InputStream in) throws Exception {
		byte[] bytes = in.readAllBytes();
		return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new java.io.ByteArrayInputStream(bytes));
	}
}
