package org.quantrace.ide.run;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.TraceModel;

/**
 * What a run found, as problem markers on the recipe: each variant that failed an acceptance criterion
 * (on the criterion's line), the errors that stopped the run. They are replaced by the next run of the
 * recipe and are apart from the editor's problems, which a run does not touch.
 */
public final class RunMarkers {

	public static final String MARKER = "org.quantrace.ide.run.problem";
	/** "rejected" for a failed criterion, "run-failed" when the run stopped, else the recipe's issue code. */
	public static final String CODE = "code";
	/** The variant (scheme) a rejection is about. */
	public static final String VARIANT = "variant";
	public static final String REJECTED = "rejected";
	public static final String FAILED = "run-failed";

	private RunMarkers() {
	}

	static void clear(IFile recipe) throws CoreException {
		recipe.deleteMarkers(MARKER, false, IResource.DEPTH_ZERO);
	}

	/** A marker per failed criterion of every rejected variant; returns how many. */
	static int rejections(IFile recipe, TraceModel trace) throws CoreException {
		RecipeFiles.Loaded loaded = RecipeFiles.load(recipe.getLocation().toPath());
		Recipe r = loaded.recipe() == null || loaded.recipe().getRecipes().isEmpty() ? null : loaded.recipe().getRecipes().get(0);
		int count = 0;
		for (EvaluationRecord e : trace.getEvaluations()) {
			if (!e.isSetAccepted() || e.isAccepted()) {
				continue;
			}
			for (AcceptanceResult a : e.getAcceptance()) {
				if (a.isPassed()) {
					continue;
				}
				String message = String.format(Locale.ROOT, "%s rejected: %s does not hold (measured %s %s)", e.getVariant(), a.getCriterion(),
						Double.isNaN(a.getMeasured()) ? "nothing: the metric was not evaluated" : String.format(Locale.ROOT, "%.3g", a.getMeasured()),
						Double.isNaN(a.getMeasured()) ? "" : a.getUnit());
				Map<String, Object> attributes = attributes(IMarker.SEVERITY_ERROR, message.strip() + " [" + REJECTED + "]", REJECTED);
				attributes.put(VARIANT, e.getVariant());
				AcceptanceCriterion criterion = r == null ? null : criterion(r, e.getVariant(), a);
				ICompositeNode node = criterion == null ? null : NodeModelUtils.findActualNodeFor(criterion);
				place(attributes, node);
				recipe.createMarker(MARKER, attributes);
				count++;
			}
		}
		return count;
	}

	/** The recipe's criterion a result comes from: same metric, and it applies to the variant. */
	private static AcceptanceCriterion criterion(Recipe recipe, String variant, AcceptanceResult result) {
		for (AcceptanceCriterion c : recipe.getAcceptance()) {
			boolean applies = c.getSchemes().isEmpty() || c.getSchemes().stream().map(QuantizationConfig::getName).anyMatch(n -> n != null && n.equals(variant));
			if (applies && result.getCriterion() != null && result.getCriterion().startsWith(c.getMetric().getLiteral() + " ")) {
				return c;
			}
		}
		return recipe.getAcceptance().isEmpty() ? null : recipe.getAcceptance().get(0);
	}

	/**
	 * The diagnostics that stopped a run: before it began (those that are only warnings while editing, missing files, are
	 * errors now), or, {@code stoppedAt} not null, once its work had started (a sample found unreadable when decoded, a data range
	 * the evaluation's reference refuses: nothing was written, the previous outputs are as they were; the summary said "nothing was
	 * run" there too).
	 */
	static void invalid(IFile recipe, List<RecipeFiles.Diagnostic> diagnostics, String stoppedAt) throws CoreException {
		long errors = diagnostics.stream().filter(d -> d.severity() == Severity.ERROR).count();
		for (RecipeFiles.Diagnostic d : diagnostics) {
			if (d.severity() != Severity.ERROR || stoppedAt == null && !IssueCodes.ERRORS_AT_RUN.contains(d.code())) {
				continue; // the editor's markers show the rest (not what stopped a run midway: a sample found unreadable then)
			}
			IFile file = fileOf(d.file(), recipe);
			Map<String, Object> attributes = attributes(IMarker.SEVERITY_ERROR, d.message() + " (an error when the recipe runs) [" + d.code() + "]", d.code());
			attributes.put(IMarker.LINE_NUMBER, d.line());
			file.createMarker(MARKER, attributes);
		}
		Map<String, Object> summary = attributes(IMarker.SEVERITY_ERROR, summary(errors, stoppedAt) + " [" + FAILED + "]", FAILED);
		summary.put(IMarker.LINE_NUMBER, 1);
		recipe.createMarker(MARKER, summary);
	}

	/**
	 * The words of the marker on line 1 of a recipe whose run {@link #invalid} stopped ({@code stoppedAt}: where, RecipeRunner's
	 * words; null: the recipe's errors stopped it before any work).
	 */
	public static String summary(long errors, String stoppedAt) {
		return stoppedAt != null ? "the run stopped " + stoppedAt + ": nothing was written, the outputs are as the previous run left them"
				+ " (see the error's line)" : "nothing was run: the recipe has " + errors + (errors == 1 ? " error" : " errors") + " (see the recipe's problems)";
	}

	/**
	 * A marker per warning or note the run's work found ({@code RecipeRunner.Outcome.runWarnings}: a quantizer's warning on the model's
	 * line, a prune step's on its line, a calibration's on its dataset's line), with its code, as warnings or infos; returns how many.
	 * The console printed them as the run went; the editor's checks cannot find them, so without these an IDE user saw none.
	 */
	static int runWarnings(IFile recipe, List<RecipeFiles.Diagnostic> found) throws CoreException {
		for (RecipeFiles.Diagnostic d : found) {
			int severity = d.severity() == Severity.ERROR ? IMarker.SEVERITY_ERROR : d.severity() == Severity.WARNING ? IMarker.SEVERITY_WARNING : IMarker.SEVERITY_INFO;
			Map<String, Object> attributes = attributes(severity, d.message() + " [" + d.code() + "]", d.code());
			attributes.put(IMarker.LINE_NUMBER, d.line());
			fileOf(d.file(), recipe).createMarker(MARKER, attributes);
		}
		return found.size();
	}

	/** A run that stopped: what went wrong and how to fix it. */
	static void failed(IFile recipe, String message) throws CoreException {
		Map<String, Object> attributes = attributes(IMarker.SEVERITY_ERROR, message + " [" + FAILED + "]", FAILED);
		attributes.put(IMarker.LINE_NUMBER, 1);
		recipe.createMarker(MARKER, attributes);
	}

	private static IFile fileOf(Path path, IFile fallback) {
		IFile[] files = ResourcesPlugin.getWorkspace().getRoot().findFilesForLocationURI(path.toAbsolutePath().toUri());
		return files.length > 0 && files[0].exists() ? files[0] : fallback;
	}

	private static void place(Map<String, Object> attributes, ICompositeNode node) {
		if (node == null) {
			attributes.put(IMarker.LINE_NUMBER, 1);
			return;
		}
		attributes.put(IMarker.LINE_NUMBER, node.getStartLine());
		attributes.put(IMarker.CHAR_START, node.getOffset());
		attributes.put(IMarker.CHAR_END, node.getEndOffset());
	}

	private static Map<String, Object> attributes(int severity, String message, String code) {
		Map<String, Object> a = new HashMap<>();
		a.put(IMarker.SEVERITY, severity);
		a.put(IMarker.MESSAGE, message);
		a.put(CODE, code);
		a.put(IMarker.SOURCE_ID, "Quantrace run");
		return a;
	}
}
