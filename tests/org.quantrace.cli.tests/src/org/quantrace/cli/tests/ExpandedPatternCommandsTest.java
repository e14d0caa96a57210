package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.testing.TestData;

/**
 * An unquoted pattern the shell expanded (hostile14): {@code evaluate m.onnx --data data/evaluation/bag/*.png} gave --data the first
 * image and evaluate every other as a model ("data/evaluation/bag/00030.png: not an ONNX model ... give an .onnx file exported by a
 * framework"); {@code quantize ... --data data/calibration/}{@code *}{@code /} left the other class folders over with the hint "see
 * quantrace quantize --help". Both now say that a pattern was expanded and which one path to give.
 */
class ExpandedPatternCommandsTest {

	@TempDir
	Path dir;

	private static List<String> sorted(Path folder, boolean folders) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.filter(p -> Files.isDirectory(p) == folders).map(Path::toString).sorted().toList();
		}
	}

	@Test
	void imagesAfterDataAreNotTakenForModels() throws IOException {
		Path bag = TestData.example("data/evaluation/bag");
		List<String> args = new ArrayList<>(List.of("evaluate", TestData.example("model/fashion_cnn.onnx").toString(), "--data"));
		args.addAll(sorted(bag, false).subList(0, 5));
		Cli cli = Cli.run(args.toArray(String[]::new));
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: --data " + args.get(3) + " is followed by 4 more paths of its folder with its extension ("
				+ args.get(4) + ", ...), which evaluate takes as models\n"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: the shell expanded an unquoted pattern into paths of " + bag + " (" + Path.of(args.get(3)).getFileName()
				+ ", " + Path.of(args.get(4)).getFileName() + ", ...), each an argument of its own; Quantrace reads one dataset, a file or a folder (of class"
				+ " folders for images, e.g. " + bag.getParent() + "): give that one path\n"), cli.err());
		assertTrue(!cli.err().contains("not an ONNX model"), cli.err());
	}

	@Test
	void classFoldersLeftOverAreSaidToBeAPattern() throws IOException {
		Path calibration = TestData.example("data/calibration");
		List<String> folders = sorted(calibration, true);
		List<String> args = new ArrayList<>(List.of("quantize", TestData.example("model/fashion_cnn.onnx").toString(), "--scheme", "fiq-int8", "--data"));
		args.addAll(folders);
		args.addAll(List.of("-o", dir.resolve("q.onnx").toString()));
		Cli cli = Cli.run(args.toArray(String[]::new));
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: unexpected arguments '" + folders.get(1) + "'"), cli.err());
		assertTrue(cli.err().contains("quantrace: hint: the shell expanded an unquoted pattern into paths of " + calibration + " ("
				+ Path.of(folders.get(1)).getFileName() + ", " + Path.of(folders.get(2)).getFileName() + ", ...), each an argument of its own;"
				+ " Quantrace reads one dataset, a file or a folder (of class folders for images, e.g. " + calibration + "): give that one path\n"), cli.err());
		assertTrue(!Files.exists(dir.resolve("q.onnx")));
	}

	/** Paths of several folders, or a model among them, are no pattern: the usual hint. */
	@Test
	void argumentsOfSeveralFoldersKeepTheUsualHint() {
		Cli cli = Cli.run("verify", TestData.example("data/calibration").toString(), TestData.example("model").toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().endsWith("quantrace: hint: see quantrace verify --help\n"), cli.err());
	}
}
