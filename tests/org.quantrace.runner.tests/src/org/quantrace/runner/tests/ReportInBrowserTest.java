package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * report.html as a person opens it, in Debian's headless Chromium: every link of the report (and of the
 * logs it opens) lands on a file that exists and, with a fragment, on an element with that id; the lineage
 * diagram has its legend; the charts are drawn; a full-page screenshot is kept
 * (tests/org.quantrace.runner.tests/target/report-screenshot.png, copied to docs/ when the report changes).
 */
class ReportInBrowserTest {

	private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

	/** Every link target, resolved: HTML anchors and the lineage diagram's SVG anchors (whose href is not a string). */
	private static final String LINKS = "JSON.stringify(Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href') || a.getAttribute('xlink:href'))"
			+ ".filter(h => h).map(h => new URL(h, document.baseURI).href))";

	@Test
	void everyLinkOfTheReportLandsOnSomethingThatExists() throws Exception {
		Assumptions.assumeTrue(Chromium.available(), "chromium is not installed (/usr/bin/chromium; .ci/run installs Debian's package): "
				+ "the report is not checked in a browser");
		Path out = TestData.tempDir("report-browser").resolve("out");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
		Path report = out.resolve("report.html").toAbsolutePath();
		try (Chromium browser = new Chromium(TestData.tempDir("chromium-profile"))) {
			browser.open(report.toUri().toString());
			assertEquals("Quantrace run: fashion_cnn", browser.evaluate("document.title").asText());
			assertTrue(browser.evaluate("document.querySelectorAll('.legend span').length").asInt() >= 4, "the lineage diagram's legend");
			assertTrue(browser.evaluate("document.querySelectorAll('svg.lineage a').length").asInt() >= 10, "the lineage diagram's boxes link");
			assertTrue(browser.evaluate("document.querySelectorAll('.charts svg').length").asInt() >= 8, "metric and debugger charts");
			assertTrue(browser.evaluate("document.querySelector('.debug .layer-index table') !== null").asBoolean(), "the layer index beside the debugger charts");
			int chartTop = browser.evaluate("document.querySelector('.debug .charts svg').getBoundingClientRect().top|0").asInt();
			int indexTop = browser.evaluate("document.querySelector('.debug .layer-index').getBoundingClientRect().top|0").asInt();
			assertTrue(Math.abs(chartTop - indexTop) < 80, "charts beside the layer index, not below it: " + chartTop + " vs " + indexTop);

			Set<String> links = new LinkedHashSet<>();
			for (JsonNode l : JSON.readTree(browser.evaluate(LINKS).asText())) {
				links.add(l.asText());
			}
			assertTrue(links.size() > 20, "links in the report: " + links);
			List<String> broken = new ArrayList<>();
			Set<String> visited = new LinkedHashSet<>();
			follow(browser, report, links, broken, visited);
			// the logs the report opens: their own links (contents, appendix references) too
			for (String page : List.copyOf(visited)) {
				if (page.endsWith(".html") && !page.equals(report.toUri().toString())) {
					browser.open(page);
					Set<String> inner = new LinkedHashSet<>();
					JSON.readTree(browser.evaluate(LINKS).asText()).forEach(l -> inner.add(l.asText()));
					follow(browser, Path.of(URI.create(page)), inner, broken, new LinkedHashSet<>());
				}
			}
			assertTrue(broken.isEmpty(), "links that land nowhere: " + broken);
			assertTrue(visited.stream().anyMatch(v -> v.contains("PhIMT0003-cnn.html")), "the report opens the optimization log: " + visited);

			browser.open(report.toUri().toString());
			byte[] png = browser.fullPageScreenshot(1400);
			assertTrue(png.length > 50_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot");
			Path shot = TestData.root().resolve("tests/org.quantrace.runner.tests/target/report-screenshot.png");
			Files.createDirectories(shot.getParent());
			Files.write(shot, png);
		}
	}

	/**
	 * Each link: a file that exists; for a fragment, the page opened in the browser (once per page) has an
	 * element with that id.
	 */
	private static void follow(Chromium browser, Path from, Set<String> links, List<String> broken, Set<String> visited) throws IOException {
		java.util.Map<String, List<String>> fragments = new java.util.LinkedHashMap<>();
		for (String link : links) {
			URI uri = URI.create(link);
			if (!"file".equals(uri.getScheme())) {
				broken.add(from.getFileName() + ": " + link + " (not a file of the output)");
				continue;
			}
			Path target = Path.of(uri.getPath());
			if (!Files.isRegularFile(target) || Files.size(target) == 0) {
				broken.add(from.getFileName() + ": " + link + " (no such file)");
				continue;
			}
			String page = target.toUri().toString();
			visited.add(page);
			if (uri.getRawFragment() != null) {
				fragments.computeIfAbsent(page, k -> new ArrayList<>()).add(uri.getRawFragment());
			}
		}
		for (var e : fragments.entrySet()) {
			browser.open(e.getKey());
			for (String fragment : e.getValue()) {
				String id = java.net.URLDecoder.decode(fragment, java.nio.charset.StandardCharsets.UTF_8);
				if (!browser.evaluate("document.getElementById(" + JSON.writeValueAsString(id) + ") !== null").asBoolean()) {
					broken.add(from.getFileName() + ": " + e.getKey() + "#" + fragment + " (no element with that id)");
				}
			}
		}
	}
}
