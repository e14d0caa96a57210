package org.quantrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The model zoo of tests/data/zoo (made by make_zoo.py): small real architectures trained on
 * Fashion-MNIST, each with its provenance JSON (accuracy of the torch model, torch's own PTQ).
 */
public final class Zoo {

	/** Architecture families, which decide the targets (integer share, speed-up). */
	public enum Family {
		CNN, TRANSFORMER, RECURRENT
	}

	/** One zoo model and its provenance. */
	public record Model(String name, Path onnx, JsonNode provenance) {

		public boolean multilabel() {
			return "multilabel".equals(provenance.path("task").asText());
		}

		/** Top-1 (multiclass) or binary accuracy (multilabel) of the torch model on the 10,000 test images. */
		public double torchAccuracy() {
			return provenance.path("evaluation").path("torch_fp32").asDouble();
		}

		/** Accuracy of torch's own int8 PTQ of the same model on the same data. */
		public double torchPtqAccuracy() {
			return provenance.path("torch_ptq").path("accuracy").asDouble();
		}

		/**
		 * More calibration sets of torch's PTQ of this model, each with torch's accuracy on the 10,000 test images (provenance
		 * {@code torch_ptq.sets}, written by the script its {@code torch_ptq.sets_script} names; empty for most models): one set
		 * compares one draw of each quantizer, and a draw moves a model by a few tenths of a point.
		 */
		public List<PtqSet> torchPtqSets() {
			List<PtqSet> sets = new java.util.ArrayList<>();
			provenance.path("torch_ptq").path("sets").forEach(s -> sets.add(new PtqSet(s.path("name").asText(), TestData.root().resolve(s.path("images").asText()),
					s.path("accuracy").asDouble())));
			return sets;
		}

		public String torchPtqMethod() {
			return provenance.path("torch_ptq").path("method").asText();
		}

		public int opset() {
			return provenance.path("export").path("opset").asInt();
		}

		/** Evaluation labels: the test set's IDX labels, or the attribute targets for the multilabel model. */
		public Path evaluationLabels() {
			return multilabel() ? dir().resolve("data/t10k-attributes.npy") : testLabels();
		}

		public Family family() {
			return name.equals("vit") ? Family.TRANSFORMER : name.equals("lstm") || name.equals("gru") ? Family.RECURRENT : Family.CNN;
		}
	}

	/** A calibration set of torch's PTQ: its name, its images (IDX), torch's accuracy calibrated on it. */
	public record PtqSet(String name, Path images, double accuracy) {
	}

	private Zoo() {
	}

	public static Path dir() {
		return TestData.data("zoo");
	}

	/** Every model of the zoo, by name. */
	public static List<Model> models() {
		try (Stream<Path> files = Files.list(dir())) {
			return files.filter(p -> p.toString().endsWith(".json") && Files.exists(Path.of(p.toString().replaceFirst("\\.json$", ".onnx")))).sorted()
					.map(p -> {
						String name = p.getFileName().toString().replaceFirst("\\.json$", "");
						return new Model(name, dir().resolve(name + ".onnx"), TestData.json(p));
					}).toList();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	public static Model model(String name) {
		return models().stream().filter(m -> m.name().equals(name)).findFirst()
				.orElseThrow(() -> new IllegalArgumentException("no zoo model " + name + " in " + dir()));
	}

	/** The 300 calibration images (IDX, from the training set, never trained on). */
	public static Path calibrationImages() {
		return dir().resolve("data/calib300-images-idx3-ubyte.gz");
	}

	public static Path calibrationLabels() {
		return dir().resolve("data/calib300-labels-idx1-ubyte.gz");
	}

	/** The 10,000 Fashion-MNIST test images (IDX). */
	public static Path testImages() {
		return TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz");
	}

	public static Path testLabels() {
		return TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz");
	}
}
