package org.quantrace.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.model.trace.ModelArtifact;

/**
 * What the recipe declares about a model checked against what the model file says of itself: a declared
 * framework version ("PyTorch 1.13.1") that the ONNX producer metadata contradicts ("pytorch 1.13.0") is
 * printed in the log as a warning, never silently next to each other.
 */
final class Consistency {

	private Consistency() {
	}

	static List<String> warnings(ModelArtifact original) {
		List<String> w = new ArrayList<>();
		String declared = original == null ? null : original.getFramework();
		if (declared == null || declared.isBlank()) {
			return w;
		}
		String producer = ((original.getProducerName() == null ? "" : original.getProducerName()) + " "
				+ (original.getProducerVersion() == null ? "" : original.getProducerVersion())).trim();
		if (producer.isEmpty()) {
			w.add("the recipe declares " + declared + " for model " + RunSummary.model(original)
					+ "; the model file names no producer (ONNX producer_name/producer_version), so this cannot be checked");
			return w;
		}
		String[] d = split(declared);
		String name = original.getProducerName() == null ? "" : original.getProducerName();
		String version = original.getProducerVersion() == null ? "" : original.getProducerVersion();
		boolean sameName = normal(name).contains(normal(d[0])) || normal(d[0]).contains(normal(name));
		boolean sameVersion = d[1].isEmpty() || version.equals(d[1]) || version.startsWith(d[1] + ".") || version.startsWith(d[1] + "+");
		if (!sameName || !sameVersion) {
			w.add("the recipe declares " + declared + " for model " + RunSummary.model(original) + ", but the model's producer metadata says " + producer
					+ ": check which is right and correct the recipe's framework clause or re-export the model");
		}
		return w;
	}

	/** "PyTorch 1.13.1" → {"PyTorch", "1.13.1"}. */
	private static String[] split(String framework) {
		String s = framework.trim();
		int i = s.lastIndexOf(' ');
		return i < 0 ? new String[] { s, "" } : new String[] { s.substring(0, i), s.substring(i + 1) };
	}

	private static String normal(String s) {
		return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
	}
}
