package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class InspectCommandTest {

	private static final String MODEL = TestData.example("model/fashion_cnn_trained.onnx").toString();

	@Test
	void textReportShowsLayerIndexTensorsAndTotals() {
		Cli cli = Cli.run("inspect", MODEL);
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("Layer index"), cli.out());
		assertTrue(cli.out().contains("BatchNormalization: 2"), cli.out());
		assertTrue(cli.out().contains("FLOAT32 tensors:"), cli.out());
		assertTrue(cli.out().contains("parameters   106,059"), cli.out());
	}

	@Test
	void jsonReportCarriesTheSameCounts() throws IOException {
		Cli cli = Cli.run("inspect", MODEL, "--format", "json");
		assertEquals(0, cli.exitCode(), cli.err());
		JsonNode json = new ObjectMapper().readTree(cli.out());
		JsonNode expected = TestData.expectedInspection("fashion_cnn_trained");
		assertEquals(expected.get("nodes").asInt(), json.get("totals").get("nodes").asInt());
		assertEquals(expected.get("parameters").asLong(), json.get("totals").get("parameters").asLong());
		assertEquals(expected.get("layers").size(), json.get("layers").size());
		assertEquals("BatchNormalization", json.get("layers").get(1).get("opType").asText());
	}

	@Test
	void reportGoesToAFileWhenAsked() throws IOException {
		Path out = TestData.tempDir("inspect").resolve("report.json");
		Cli cli = Cli.run("inspect", MODEL, "--format", "json", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertEquals("", cli.out());
		assertTrue(new ObjectMapper().readTree(out.toFile()).has("tensors"));
	}

	@Test
	void aBadModelExitsWithTwoNamesTheFileAndWritesNothing() throws IOException {
		Path dir = TestData.tempDir("inspect-bad");
		byte[] full = Files.readAllBytes(Path.of(MODEL));
		Path truncated = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(full, 1000));
		Path out = dir.resolve("report.json");
		Cli cli = Cli.run("inspect", truncated.toString(), "--format", "json", "-o", out.toString());
		assertEquals(2, cli.exitCode());
		assertTrue(cli.err().contains("quantrace: error: " + truncated + ": truncated ONNX file"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: "), cli.err());
		assertFalse(Files.exists(out), "nothing is written on failure");
		try (var files = Files.list(dir)) {
			assertEquals(1, files.count(), "no temporary files are left behind");
		}
	}

	@Test
	void usageErrorsExitWithTwo() {
		Cli cli = Cli.run("inspect");
		assertEquals(2, cli.exitCode());
		assertTrue(cli.err().contains("Missing required parameter"), cli.err());
		assertEquals(2, Cli.run("inspect", MODEL, "--format", "xml").exitCode());
	}
}
