package org.quantrace.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.quantrace.model.mapping.FeaturePath;
import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.trace.TracePackage;

/**
 * Fills a template's rows from a record by the mapping (aifsm-template-mapping.tsv): each row shows what
 * its feature paths reach. Paths that share a prefix are read together, element by element (a tool's name
 * with its version, a parameter's key with its value); long lists show their first entries and point to
 * the appendix that has them all.
 */
final class TemplateRows {

	/** Entries a row lists before pointing to an appendix. */
	static final int LIMIT = 8;

	private TemplateRows() {
	}

	/** The rows of {@code template} for {@code record}; {@code appendixOf} names the appendix of a long list, if any. */
	static List<LogDocument.Row> rows(TemplateMapping mapping, String template, EObject record, String anchorPrefix,
			java.util.function.Function<String, String> appendixOf) {
		List<LogDocument.Row> rows = new ArrayList<>();
		for (TemplateMapping.Entry e : mapping.entries(template)) {
			String anchor = anchorPrefix + "-" + LogValues.slug((e.sectionLabel() == null ? "" : e.sectionLabel() + "-") + e.label());
			if (e.section()) {
				rows.add(new LogDocument.Row(anchor, e.label(), true, List.of()));
			} else {
				rows.add(new LogDocument.Row(anchor, e.label(), false, lines(e, record, appendixOf)));
			}
		}
		return rows;
	}

	static List<String> lines(TemplateMapping.Entry e, EObject record, java.util.function.Function<String, String> appendixOf) {
		Map<String, List<FeaturePath>> groups = new LinkedHashMap<>();
		for (FeaturePath p : e.paths()) {
			String text = p.text();
			groups.computeIfAbsent(text.substring(0, text.lastIndexOf('.')), k -> new ArrayList<>()).add(p);
		}
		List<String> lines = new ArrayList<>();
		for (Map.Entry<String, List<FeaturePath>> g : groups.entrySet()) {
			FeaturePath prefix = g.getKey().contains(".") ? FeaturePath.resolve(g.getKey(), TracePackage.eINSTANCE, RecipePackage.eINSTANCE) : null;
			boolean list = prefix != null && prefix.lastFeature().isMany();
			List<Object> elements = prefix == null ? List.of(record) : prefix.evaluate(record);
			boolean labelled = !list && (g.getValue().size() > 1 || groups.size() > 1) && !namesTheRow(g.getValue(), e.label());
			List<String> items = new ArrayList<>();
			for (Object element : elements) {
				String item = item((EObject) element, g.getValue(), list, labelled);
				if (!item.isEmpty()) {
					items.add(item);
				}
			}
			lines.addAll(limited(items, appendixOf.apply(g.getKey())));
		}
		return lines;
	}

	/** A single value whose feature is what the row is about ("Scale factor": scale factor formula) needs no label of its own. */
	private static boolean namesTheRow(List<FeaturePath> paths, String rowLabel) {
		if (paths.size() != 1) {
			return false;
		}
		String feature = LogValues.words(paths.get(0).lastFeature().getName());
		String row = rowLabel.toLowerCase(java.util.Locale.ROOT);
		return feature.startsWith(row) || row.startsWith(feature);
	}

	/** One element read by a group of paths: "name version", "key: value", or its values, labelled where that helps. */
	private static String item(EObject element, List<FeaturePath> paths, boolean listItem, boolean labelled) {
		if (element instanceof org.quantrace.model.trace.EliminatedOperation e) { // a sentence, not "not-present, details ..."
			return LogValues.elimination(e);
		}
		if (element instanceof org.quantrace.model.trace.RecoveryTrial t) { // "trial 1: ... left in float; accuracy drop < 1 pt: measured 1.2 pt, rejected"
			return Verdicts.trialLine(t);
		}
		List<String> names = paths.stream().map(p -> p.lastFeature().getName()).toList();
		List<String> values = paths.stream().map(p -> LogValues.text(element.eGet(p.lastFeature()))).toList();
		if (names.equals(List.of("key", "value"))) {
			return values.get(0) + ": " + setting(values.get(1));
		}
		if (names.equals(List.of("name", "version"))) {
			return (values.get(0) + " " + values.get(1)).trim();
		}
		List<String> parts = new ArrayList<>();
		for (int i = 0; i < names.size(); i++) {
			if (!values.get(i).isEmpty()) {
				boolean label = labelled || listItem && i > 0;
				parts.add(label ? LogValues.words(names.get(i)) + (listItem ? " " : ": ") + values.get(i) : values.get(i));
			}
		}
		return String.join(listItem ? ", " : "; ", parts);
	}

	private static final java.util.regex.Pattern WORD_LIST = java.util.regex.Pattern.compile("\\[([a-z][a-z0-9-]*(?:, [a-z][a-z0-9-]*)*)\\]");

	/**
	 * A setting's value as a person writes it: a flag as yes or no, a list of names without Java's brackets
	 * ("[dropout, batch-normalization]" → "dropout, batch-normalization"), an empty list as "none" (a drq record's "dynamic
	 * integer kernels" of a model none of whose layers has one printed "dynamic integer kernels: " and nothing after); anything
	 * else, a range "[0, 1]" among them, as it is.
	 */
	static String setting(String value) {
		if (value.isBlank()) {
			return "none";
		}
		if (value.equals("true") || value.equals("false")) {
			return value.equals("true") ? "yes" : "no";
		}
		java.util.regex.Matcher m = WORD_LIST.matcher(value);
		return m.matches() ? m.group(1) : value;
	}

	private static List<String> limited(List<String> items, String appendix) {
		if (items.size() <= LIMIT || appendix == null) {
			return items;
		}
		List<String> shown = new ArrayList<>(items.subList(0, LIMIT));
		shown.add("... " + (items.size() - LIMIT) + " more: all " + items.size() + " in " + appendix);
		return shown;
	}
}
