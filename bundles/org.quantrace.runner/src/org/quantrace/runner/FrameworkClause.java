package org.quantrace.runner;

import java.util.Locale;
import java.util.Set;

/**
 * A model's {@code framework "PyTorch 1.13.0"} clause held against what the ONNX file says wrote it (producer_name,
 * producer_version): the one rule of the {@code model-framework} warning. The run says it on the clause's line before its work
 * (DataChecks), so the trace, results.json, report.html and both logs hold it as they hold every printed warning, and verify
 * derives it again from the recipe and the file's producer read by its own code. Before, the logs alone printed it (assessor59).
 * <p>
 * Only a contradiction is a warning. A producer that is the declared framework with another version, or another training
 * framework (a torch export declared as TensorFlow), contradicts the clause. A producer that is an exporter or any other tool
 * (tf2onnx, skl2onnx, onnxmltools, a quantizer) names who wrote the file, not what trained the model: the clause names the
 * training framework, which such a file does not record, so there is nothing to hold it against and nothing is said (the logs
 * print the producer beside the clause). A file that names no producer is likewise left alone.
 */
public final class FrameworkClause {

	/** Producers that are training frameworks writing their own ONNX files (normalized: lower case, letters and digits). */
	private static final Set<String> TRAINING_FRAMEWORKS = Set.of("pytorch", "torch", "tensorflow", "keras", "paddle", "paddlepaddle", "mxnet", "caffe2",
			"jax", "chainer", "cntk", "matlab");

	/**
	 * Producers that name the framework but carry their exporter's version: Paddle2ONNX writes producer_name "PaddlePaddle" with
	 * its own version (make_exporters30's paddle10seg: 0.9.2), so only the name is held against the clause.
	 */
	private static final Set<String> EXPORTER_VERSIONED = Set.of("paddle", "paddlepaddle");

	private FrameworkClause() {
	}

	/**
	 * The warning's message for model {@code model} ({@code path} as the recipe names it) declared {@code declared}, whose file's
	 * producer is {@code producerName} {@code producerVersion}; null when they do not contradict each other.
	 */
	public static String warning(String model, String path, String declared, String producerName, String producerVersion) {
		if (declared == null || declared.isBlank() || producerName == null || producerName.isBlank()) {
			return null;
		}
		String name = normal(producerName);
		if (name.contains("2onnx") || name.startsWith("onnx")) {
			return null; // an exporter or ONNX's own tools (keras2onnx, onnxmltools, onnxruntime.quantization): its version is its own
		}
		String[] d = split(declared);
		String version = producerVersion == null ? "" : producerVersion.trim();
		String producer = (producerName.trim() + " " + version).trim();
		String head = "model " + model + " (\"" + path + "\") declares framework \"" + declared + "\", but its ONNX producer metadata says " + producer;
		boolean sameName = !normal(d[0]).isEmpty() && (name.contains(normal(d[0])) || normal(d[0]).contains(name));
		if (sameName) {
			return EXPORTER_VERSIONED.contains(name) || sameVersion(d[1], version) ? null
					: head + ": correct the framework clause to the version the model was exported from, or re-export the model";
		}
		return TRAINING_FRAMEWORKS.contains(name) ? head + ", another training framework: correct the framework clause, or check that the file is the model meant"
				: null;
	}

	/** A declared version agrees with the producer's: none declared, equal, or its prefix ("1.13" of "1.13.0"; "2.x" of "2.12.0"). */
	private static boolean sameVersion(String declared, String producer) {
		String v = declared.replaceAll("(\\.[xX*])+$", "");
		return v.isEmpty() || producer.equals(v) || producer.startsWith(v + ".") || producer.startsWith(v + "+");
	}

	/** "PyTorch 1.13.0" → {"PyTorch", "1.13.0"}; "TensorFlow 2.x (tf2onnx, opset 11)" → {"TensorFlow", "2.x"}: the version is the first word opening with a digit. */
	private static String[] split(String framework) {
		String[] words = framework.trim().split("\\s+");
		StringBuilder name = new StringBuilder();
		for (String w : words) {
			if (!w.isEmpty() && Character.isDigit(w.charAt(0))) {
				return new String[] { name.toString().trim(), w.replaceAll("[,;)]+$", "") };
			}
			name.append(w).append(' ');
		}
		return new String[] { name.toString().trim(), "" };
	}

	private static String normal(String s) {
		return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
	}
}
