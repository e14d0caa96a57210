package org.quantrace.runner;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.quantrace.engine.Versions;

/**
 * Which build of Quantrace is running: the qualifier of each bundle whose code makes or checks a run's models, records and documents.
 * The version a trace records is the engine bundle's alone, so two builds named one version where only the runner and the report
 * were rebuilt, and verify of a folder the other wrote failed on the Evidence lines one of them words otherwise, with nothing saying
 * why (hostile19). One qualifier when every bundle has it (a whole build); else each with its bundles, sorted.
 */
final class BuildIdentity {

	/** One class of each such bundle. */
	private static final List<Class<?>> BUNDLES = List.of(Versions.class, org.quantrace.engine.data.Dataset.class,
			org.quantrace.engine.calibrate.CalibrationResult.class, org.quantrace.engine.quantize.BiasCorrection.class,
			org.quantrace.engine.convert.Freezer.class, org.quantrace.engine.prune.Pruner.class,
			org.quantrace.engine.factorize.FactorizationResult.class, org.quantrace.engine.evaluate.ClassificationMetrics.class,
			org.quantrace.model.DatasetFormats.class, org.quantrace.dsl.RecipeFiles.class, org.quantrace.report.EvidenceScope.class,
			BuildIdentity.class);

	private static final String CURRENT = of(BUNDLES);

	private BuildIdentity() {
	}

	/** This build's identity. */
	static String current() {
		return CURRENT;
	}

	static String of(List<Class<?>> classes) {
		Map<String, TreeSet<String>> byVersion = new TreeMap<>();
		for (Class<?> c : classes) {
			byVersion.computeIfAbsent(Versions.of(c), v -> new TreeSet<>()).add(bundle(c));
		}
		if (byVersion.size() == 1) {
			return byVersion.keySet().iterator().next();
		}
		StringBuilder s = new StringBuilder();
		byVersion.forEach((v, bundles) -> s.append(s.isEmpty() ? "" : "; ").append(v).append(" (").append(String.join(", ", bundles)).append(')'));
		return s.toString();
	}

	/** The bundle a class of Quantrace lives in, by its package (org.quantrace.engine.quantize...). */
	private static String bundle(Class<?> c) {
		return c.getPackageName();
	}
}
