package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.quantrace.testing.TestData;

/** Recipe folders over the zoo's models (tests/data/zoo) for the tests that verify what a run on them wrote. */
final class ZooRuns {

	/** The zoo's calibration images and their labels, in every folder. */
	private static final List<String> CALIBRATION_FILES = List.of("calib300-images-idx3-ubyte.gz", "calib300-labels-idx1-ubyte.gz");

	/** The clauses the zoo recipes share after their models: the calibration images scaled to [0, 1], and convert's eliminations. */
	static final String CALIBRATION = """
			dataset calib "calib300-images-idx3-ubyte.gz" role calibration format idx labels "calib300-labels-idx1-ubyte.gz"
			preprocess {
				scale 1/255
				layout NCHW
				dtype float32
			}
			convert {
				eliminate dropout, batch-normalization
			}
			""";

	/** The end of a zoo recipe: DRQ and FIQ int8, evaluated on the calibration images, accepted within 2 points. */
	static final String DRQ_AND_FIQ_INT8 = """
			schemes drq, fiq_int8
			evaluate on calib metrics accuracy
			accept when accuracy drop < 2 pt for drq, fiq_int8
		}
		""";

	private ZooRuns() {
	}

	/**
	 * A zoo recipe of one model ({@code model}.onnx, named {@code model}) quantized by one scheme, {@code scheme}, which
	 * {@code quantize} declares ("" for a preset), run as {@link #run} does.
	 */
	static Path runOneScheme(String name, String quantize, String scheme, String model) throws IOException {
		return run(name, quantize + "\nrecipe zoo_" + model + "_" + scheme + " {\nresponsible \"tests\"\nmodel " + model + " \"" + model + ".onnx\" id "
				+ model.toUpperCase(java.util.Locale.ROOT) + " version 1\n" + CALIBRATION + "schemes " + scheme + "\n}\n", model + ".onnx");
	}

	/**
	 * A temporary folder {@code name} with {@code files} (models from tests/data/zoo or their own folder, data from its data folder), the
	 * calibration images and labels, and {@code recipe} as zoo.qr, run into its folder out, which must end with exit
	 * code 0; returns the folder.
	 */
	static Path run(String name, String recipe, String... files) throws IOException {
		Path dir = TestData.tempDir(name);
		Path zoo = TestData.data("zoo");
		List<String> all = new ArrayList<>(List.of(files));
		all.addAll(CALIBRATION_FILES);
		for (String f : all) {
			Path model = zoo.resolve(f);
			// a model of the zoo's kind kept in its own folder (tests/data/bilstm/bilstm.onnx) when the zoo has no such file
			boolean own = !Files.exists(model) && f.endsWith(".onnx");
			Files.copy(Files.exists(model) ? model : own ? TestData.data(f.replace(".onnx", "")).resolve(f) : zoo.resolve("data").resolve(f), dir.resolve(f));
		}
		Files.writeString(dir.resolve("zoo.qr"), recipe);
		assertEquals(0, Runs.run(dir.resolve("zoo.qr"), dir.resolve("out")).exitCode());
		return dir;
	}
}
