package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * evaluate keeps every model it is given (issue 16, item 1): the deck's models are all called model.onnx, so a row
 * is named by the shortest end of its path that tells it apart.
 */
class ModelNamesTest {

	@Test
	void modelsOfTheSameFileNameKeepTheirRowsNamedByTheirFolders() throws IOException {
		Path dir = TestData.tempDir("names");
		Path model = TestData.example("model/fashion_cnn.onnx");
		Path a = Files.copy(model, Files.createDirectories(dir.resolve("fiq/int8")).resolve("model.onnx"));
		Path b = Files.copy(model, Files.createDirectories(dir.resolve("drq/int8")).resolve("model.onnx"));
		Path c = Files.copy(model, Files.createDirectories(dir.resolve("original")).resolve("model.onnx"));
		Cli cli = Cli.run("evaluate", a.toString(), b.toString(), c.toString(), "--baseline", c.toString(), "--data",
				TestData.example("data/evaluation").toString(), "--labels", TestData.example("data/labels.json").toString(), "--samples", "50",
				"--format", "json");
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("evaluating 3 models"), cli.err());
		JsonNode variants = new ObjectMapper().readTree(cli.out()).at("/evaluation/variants");
		assertEquals(List.of("fiq/int8/model", "drq/int8/model", "original/model"), List.of(variants.get(0).get("name").asText(),
				variants.get(1).get("name").asText(), variants.get(2).get("name").asText()), "every model, in the order given");
		assertEquals("original/model", new ObjectMapper().readTree(cli.out()).at("/evaluation/baseline").asText());

		Cli twice = Cli.run("evaluate", a.toString(), a.toString(), "--data", TestData.example("data/evaluation").toString(), "--labels",
				TestData.example("data/labels.json").toString());
		assertEquals(2, twice.exitCode(), twice.err());
		assertTrue(twice.err().contains("is given twice"), twice.err());
	}
}
