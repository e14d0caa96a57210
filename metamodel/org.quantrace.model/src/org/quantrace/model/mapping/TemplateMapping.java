package org.quantrace.model.mapping;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.eclipse.emf.ecore.EPackage;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.trace.TracePackage;

/**
 * Which trace-metamodel features fill which row of the AI-FSM log templates, read from
 * mapping/aifsm-template-mapping.tsv. The log generator renders rows from it, in order.
 */
public final class TemplateMapping {

	/** Template ids as they appear in the mapping. */
	public static final String CONVERSION_LOG = "PhIMT0002";
	public static final String OPTIMIZATION_LOG = "PhIMT0003";

	/** One line of the mapping: a section heading (no paths) or a row filled from feature paths. */
	public record Entry(String template, boolean section, String sectionLabel, String label, List<FeaturePath> paths) {
	}

	private static final String RESOURCE = "/mapping/aifsm-template-mapping.tsv";

	private final List<Entry> entries;

	private TemplateMapping(List<Entry> entries) {
		this.entries = List.copyOf(entries);
	}

	/** Loads the mapping shipped with this bundle, resolving every path against the metamodel. */
	public static TemplateMapping load() {
		try (InputStream in = TemplateMapping.class.getResourceAsStream(RESOURCE)) {
			if (in == null) {
				throw new IllegalStateException("missing resource " + RESOURCE + " in org.quantrace.model");
			}
			return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Parses mapping text.
	 *
	 * @throws IllegalArgumentException with the line number for a malformed line or a path that does not resolve
	 */
	public static TemplateMapping parse(String text) {
		EPackage[] packages = { TracePackage.eINSTANCE, RecipePackage.eINSTANCE };
		List<Entry> entries = new ArrayList<>();
		int lineNo = 0;
		try (BufferedReader reader = new BufferedReader(new java.io.StringReader(text))) {
			for (String line; (line = reader.readLine()) != null;) {
				lineNo++;
				if (line.isBlank() || line.startsWith("#")) {
					continue;
				}
				String[] cells = line.split("\t", -1);
				String where = "aifsm-template-mapping.tsv:" + lineNo + ": ";
				if (cells.length < 3) {
					throw new IllegalArgumentException(where + "expected template, kind, section[, row, paths]");
				}
				boolean section = switch (cells[1]) {
				case "section" -> true;
				case "row" -> false;
				default -> throw new IllegalArgumentException(where + "kind must be 'section' or 'row', not '" + cells[1] + "'");
				};
				if (section) {
					entries.add(new Entry(cells[0], true, cells[2], cells[2], List.of()));
					continue;
				}
				if (cells.length < 5 || cells[3].isBlank() || cells[4].isBlank()) {
					throw new IllegalArgumentException(where + "a row needs a label and at least one feature path");
				}
				List<FeaturePath> paths = new ArrayList<>();
				for (String p : Arrays.stream(cells[4].split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
					try {
						paths.add(FeaturePath.resolve(p, packages));
					} catch (IllegalArgumentException e) {
						throw new IllegalArgumentException(where + e.getMessage(), e);
					}
				}
				entries.add(new Entry(cells[0], false, cells[2], cells[3], paths));
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return new TemplateMapping(entries);
	}

	public List<Entry> entries() {
		return entries;
	}

	/** The entries of one template, in template order. */
	public List<Entry> entries(String template) {
		return entries.stream().filter(e -> e.template().equals(template)).toList();
	}
}
