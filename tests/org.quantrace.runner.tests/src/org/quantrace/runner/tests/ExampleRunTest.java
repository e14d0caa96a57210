package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.model.mapping.TemplateTable;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/** The README's main job: the example recipe, run as a user runs it, and what it leaves behind. */
class ExampleRunTest {

	private static final List<String> VARIANTS = List.of("original", "converted", "unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8");

	private static Path out;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() {
		out = TestData.tempDir("example-run").resolve("out");
		outcome = Runs.run(TestData.example("fashion_cnn.qr"), out);
	}

	@Test
	void allFiveSchemesRunAndAreAccepted() {
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		JsonNode results = TestData.json(out.resolve("results.json"));
		assertTrue(results.get("accepted").asBoolean());
		JsonNode variants = results.at("/models/0/variants");
		List<String> names = new ArrayList<>();
		variants.forEach(v -> names.add(v.get("variant").asText()));
		assertEquals(VARIANTS, names);
		assertEquals(0.915, variants.get(0).at("/metrics/accuracy").asDouble(), 1e-9, "the original on the 1,000 evaluation images (provenance.json)");
		assertEquals("model/fashion_cnn_trained.onnx", variants.get(0).path("input").asText(), "the original named as the recipe names it, no path climbing out of the output");
		assertEquals("fashion_cnn.qr", results.path("recipeFile").asText());
		for (JsonNode v : variants) {
			// a model the run wrote is named relative to the output folder; the original, an input, relative to the recipe's folder
			Path model = v.has("file") ? out.resolve(v.get("file").asText()) : TestData.example(v.get("input").asText());
			assertTrue(Files.isRegularFile(model), model.toString());
			try (var s = InferenceSession.open(OnnxModel.load(model), SessionSettings.defaults(), model.toString())) {
				assertFalse(s.inputs().isEmpty(), "ONNX Runtime loads " + model);
			}
			if (v.has("scheme") && !v.get("scheme").asText().equals("unquantized")) {
				assertTrue(v.get("accepted").asBoolean(), v.toString());
				assertTrue(v.at("/criteria/0/measured").asDouble() < 1, "within 1 pt of the original: " + v.at("/criteria/0"));
				assertTrue(v.get("sizeBytes").asLong() < variants.get(0).get("sizeBytes").asLong() / 3, "quantized to about a quarter");
			}
		}
		assertEquals("~", variants.get(2).at("/markers/accuracy").asText(), "the converted model computes what the original does");
		for (String f : List.of("trace.xmi", "report.html", "SHA256SUMS", "debug/cnn/fiq_int8/debug.csv", "recipe/fashion_cnn.qr")) {
			assertTrue(Files.isRegularFile(out.resolve(f)), f);
		}
	}

	@Test
	void everyTemplateRowIsPresentAndFilled() throws IOException {
		check("PhIMT0002", "PhIMT0002-model-conversion-log.txt", 1);
		check("PhIMT0003", "PhIMT0003-model-optimization-log.txt", 4);
		for (String log : List.of("PhIMT0002-cnn", "PhIMT0003-cnn")) {
			assertTrue(Files.size(out.resolve("logs/" + log + ".html")) > 1000, log + ".html");
		}
	}

	@Test
	void theDocxLogsHaveTheTemplatesTablesFilled() throws IOException {
		checkDocx("PhIMT0002", "PhIMT0002-model-conversion-log.txt", 1);
		checkDocx("PhIMT0003", "PhIMT0003-model-optimization-log.txt", 4);
	}

	/** As {@link #check}, on the DOCX a safety team files: two-column tables, section rows shaded and without a value. */
	private void checkDocx(String code, String template, int tables) throws IOException {
		List<String> labels = TemplateTable.labels(Files.readString(TestData.path("metamodel/org.quantrace.model/templates/" + template)));
		try (XWPFDocument doc = new XWPFDocument(Files.newInputStream(out.resolve("logs/" + code + "-cnn.docx")))) {
			List<XWPFTable> info = doc.getTables().stream().filter(t -> t.getRow(0).getCell(0).getText().equals(labels.get(0))).toList();
			assertEquals(tables, info.size(), code + " information tables");
			for (int n = 0; n < info.size(); n++) {
				XWPFTable t = info.get(n);
				assertEquals(labels.size(), t.getNumberOfRows(), code + " table " + (n + 1) + " rows");
				for (int r = 0; r < labels.size(); r++) {
					XWPFTableRow row = t.getRow(r);
					assertEquals(labels.get(r), row.getCell(0).getText(), code + " table " + (n + 1) + " row " + (r + 1));
					boolean section = "D9E2F3".equals(row.getCell(0).getColor());
					assertTrue(section || !row.getCell(1).getText().isBlank(), code + " table " + (n + 1) + ": '" + labels.get(r) + "' is empty");
				}
			}
		}
	}

	/** Each information table of the log lists the template's rows in the template's order, none of them empty. */
	private void check(String code, String template, int tables) throws IOException {
		List<String> labels = TemplateTable.labels(Files.readString(TestData.path("metamodel/org.quantrace.model/templates/" + template)));
		List<String> lines = Files.readAllLines(out.resolve("logs/" + code + "-cnn.md"));
		int found = 0;
		for (int i = 0; i < lines.size(); i++) {
			if (!lines.get(i).contains("*Table ")) {
				continue;
			}
			found++;
			List<String> rows = lines.subList(i + 4, i + 4 + labels.size());
			for (int r = 0; r < labels.size(); r++) {
				String[] cells = rows.get(r).split("(?<!\\\\)\\|");
				String label = cells[1].trim().replace("**", "");
				assertEquals(labels.get(r), label, code + " table " + found + " row " + (r + 1));
				boolean section = cells[1].contains("**");
				assertTrue(section || !cells[2].isBlank(), code + " table " + found + ": '" + label + "' is empty");
			}
		}
		assertEquals(tables, found, code + " tables");
	}
}
