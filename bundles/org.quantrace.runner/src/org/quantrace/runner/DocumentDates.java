package org.quantrace.runner;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.dsl.DocumentInfos;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.dsl.validation.RecipeValidator;
import org.quantrace.model.recipe.DocumentInfo;
import org.quantrace.model.recipe.RevisionEntry;

/**
 * The document's history against the run's date: the logs print each entry in their Review / Modification History, and
 * an entry dated after the run that wrote them records a revision that had not happened (the assessor's pass: a
 * "2.0" dated six weeks after the run, accepted silently). The language checks against today; a run's date may be
 * earlier (SOURCE_DATE_EPOCH), so the run checks again, before any work, on the entry's line.
 */
final class DocumentDates {

	private DocumentDates() {
	}

	static List<RecipeFiles.Diagnostic> check(RecipeContext ctx, RunOptions options, Path recipeAsGiven) {
		List<RecipeFiles.Diagnostic> problems = new ArrayList<>();
		LocalDate run = LocalDate.ofInstant(options.runTime(), ZoneOffset.UTC); // the logs' dates are UTC
		Set<String> versions = new HashSet<>();
		for (DocumentInfo d : DocumentInfos.chain(ctx.recipe().getDocument())) {
			for (RevisionEntry e : d.getHistory()) {
				LocalDate date = date(e.getDate());
				if (versions.add(e.getVersion()) && date != null && date.isAfter(run)) { // the entry the logs print for its version
					problems.add(DataChecks.diagnostic(ctx, e, recipeAsGiven, IssueCodes.FUTURE_DATE, RecipeValidator.futureHistory(e, date, run,
							options.reproducible() ? "the run's date, which SOURCE_DATE_EPOCH sets" : "the run's date"), Severity.ERROR));
				}
			}
		}
		return problems;
	}


	private static LocalDate date(String text) {
		try {
			return text == null ? null : LocalDate.parse(text, DateTimeFormatter.ofPattern("uuuu/M/d").withResolverStyle(ResolverStyle.STRICT));
		} catch (DateTimeParseException e) {
			return null; // the language's error
		}
	}
}
