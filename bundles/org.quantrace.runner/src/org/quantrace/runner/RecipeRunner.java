package org.quantrace.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.quantrace.engine.IoErrors;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;

/**
 * Runs a recipe: validates it with the editor's rules, then for every model its float chain, its
 * schemes (this shard's share of the model x scheme pipelines), the evaluation with acceptance and
 * recovery, and the debug steps; then writes the outputs. All of it lands in the output folder at once
 * at the end, or not at all.
 */
public final class RecipeRunner {

	/**
	 * What a run ended with: the exit code (0 accepted, 1 rejected, 2 invalid recipe), where the outputs are, what was wrong;
	 * {@code stopped}: the run stopped after the work had started, on a diagnostic found then (a sample whose pixels are cut
	 * short, found when decoded): nothing was written, the previous outputs are as they were. {@code diagnostics}: the checks'
	 * before any work, then {@code runWarnings}, the warnings and notes the run's work found and printed in its log as it went (a
	 * quantizer's warning on the model's line, a prune step's on its line, a calibration's on its dataset's line), each with its
	 * code: the IDE marks them all on the recipe; a console prints only {@link #unlogged}, since the log said the others already.
	 */
	public record Outcome(int exitCode, Path out, TraceModel trace, List<RecipeFiles.Diagnostic> diagnostics, List<Path> documents, boolean stopped,
			List<RecipeFiles.Diagnostic> runWarnings) {

		public Outcome(int exitCode, Path out, TraceModel trace, List<RecipeFiles.Diagnostic> diagnostics, List<Path> documents) {
			this(exitCode, out, trace, diagnostics, documents, false);
		}

		public Outcome(int exitCode, Path out, TraceModel trace, List<RecipeFiles.Diagnostic> diagnostics, List<Path> documents, boolean stopped) {
			this(exitCode, out, trace, diagnostics, documents, stopped, List.of());
		}

		/** The diagnostics the run's log did not print: those of the checks before any work (the console prints them at the end). */
		public List<RecipeFiles.Diagnostic> unlogged() {
			return diagnostics.stream().filter(d -> runWarnings.stream().noneMatch(w -> w == d)).toList();
		}

		public boolean accepted() {
			return exitCode == 0;
		}

		/**
		 * Where a run that {@link #stopped} after its work began stopped, as the console and the IDE say it after "the run stopped
		 * ": at a data range the evaluation's reference refuses, or on a sample that could not be read (each diagnostic on its line).
		 */
		public String stoppedAt() {
			return diagnostics.stream().anyMatch(d -> org.quantrace.dsl.validation.IssueCodes.DATA_RANGE.equals(d.code()))
					? "at an evaluation whose data range its reference refuses" : "on a sample it could not read";
		}
	}

	private RecipeRunner() {
	}

	public static Outcome run(Path recipeFile, RunOptions options) {
		return run(RecipeFiles.load(recipeFile), options);
	}

	/**
	 * Runs a recipe file {@link RecipeFiles#load} read: the text parsed then is the recipe that runs, the one the outputs copy and
	 * hash, whatever the file holds by the time the run writes them.
	 */
	public static Outcome run(RecipeFiles.Loaded loaded, RunOptions options) {
		Path recipeFile = loaded.file();
		if (loaded.hasErrors()) {
			return new Outcome(2, null, null, loaded.diagnostics(), List.of());
		}
		if (loaded.recipe().getRecipes().size() != 1) {
			throw new InvalidInputException(recipeFile + ": " + recipeCount(loaded),
					loaded.recipe().getRecipes().isEmpty() ? "run a recipe file (recipe NAME { ... }); a file of shared declarations is imported by recipes"
							: SEVERAL_RECIPES_HINT);
		}
		Checked checked = checkModelsAndData(recipeFile, loaded, options.only(), false, options.progress());
		RecipeContext ctx = checked.ctx();
		List<ResolvedScheme> schemes = checked.schemes();
		List<RecipeFiles.Diagnostic> diagnostics = new ArrayList<>(checked.diagnostics()); // warnings too (files in a dataset folder that are not read): said, and the run goes on
		diagnostics.addAll(DocumentDates.check(ctx, options, recipeFile));
		if (diagnostics.stream().anyMatch(d -> d.severity() == org.eclipse.xtext.diagnostics.Severity.ERROR)) {
			return new Outcome(2, null, null, diagnostics, List.of());
		}
		options.shard().requireAtMost(ctx.models().size(), schemes.size(), !options.only().isEmpty());
		try {
			return runChecked(ctx, schemes, diagnostics, options);
		} catch (org.quantrace.engine.evaluate.ReferenceSpan.Refused refused) {
			// found after the evaluation's pass (the reference's span is known only then): on the line of the range it is held against
			List<RecipeFiles.Diagnostic> all = new ArrayList<>(diagnostics);
			all.add(DataChecks.rangeRefused(ctx, recipeFile, refused));
			return new Outcome(2, null, null, all, List.of(), true);
		} catch (RuntimeException e) {
			DeclaredDataset.Unreadable unreadable = unreadable(e);
			if (unreadable == null) {
				throw e;
			}
			// on the dataset's line with the code the checks before any work give a damaged header (validate decodes every image)
			List<RecipeFiles.Diagnostic> all = new ArrayList<>(diagnostics);
			all.add(DataChecks.unreadable(ctx, unreadable.declaration(), recipeFile, unreadable));
			return new Outcome(2, null, null, all, List.of(), true);
		}
	}

	/** The sample a run found unreadable once its work had started, wherever in the causes it is. */
	private static DeclaredDataset.Unreadable unreadable(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof DeclaredDataset.Unreadable u) {
				return u;
			}
		}
		return null;
	}

	private static Outcome runChecked(RecipeContext ctx, List<ResolvedScheme> schemes, List<RecipeFiles.Diagnostic> diagnostics, RunOptions options) {
		try (OutputFolder folder = OutputFolder.open(options.out(), ctx.inputs())) {
			Path out = folder.path();
			TraceAssembler trace = TraceAssembler.start(ctx, Date.from(options.runTime()), out);
			TraceModel model = trace.trace();
			if (options.shard().count() > 1) { // a share of the run: merge requires shards 1..n of one n
				model.setShard(options.shard().toString());
			}
			if (!options.only().isEmpty()) { // the recipe's other schemes left out: its logs say so, as a shard's do
				schemes.forEach(s -> model.getOnlySchemes().add(s.name()));
			}
			WarningRecords.addAll(model, ctx, diagnostics); // what the run printed and went on after is evidence too
			int checked = model.getWarnings().size();
			List<RecipeFiles.Diagnostic> notes = new ArrayList<>();
			int position = 0;
			for (ModelDeclaration m : ctx.models()) {
				List<ResolvedScheme> mine = new ArrayList<>();
				for (ResolvedScheme s : schemes) {
					if (options.shard().includes(position++)) {
						mine.add(s);
					}
				}
				if (!mine.isEmpty() || schemes.isEmpty() && options.shard().includes(position++)) {
					notes.addAll(runModel(ctx, m, mine, options, out, trace));
				}
			}
			trace.datasetInputs(ctx);
			trace.checkInputsUnchanged();
			List<Path> documents;
			// a step of its own, so that a stop asked for while the records are written (a third of the example's run)
			// is seen before the commit: it came to nothing before, and the new outputs replaced the earlier ones
			try (org.quantrace.engine.Progress.Task writing = options.progress().start("writing the trace, results, logs and report", 1, "folder")) {
				documents = Outputs.writeAll(model, out);
				writing.advance(1);
			}
			folder.commit();
			List<Path> placed = documents.stream().map(p -> folder.target().resolve(out.relativize(p))).toList();
			// the warnings the work recorded (a recovery replaced its scheme's first ones in the trace), then the notes no record holds
			List<RecipeFiles.Diagnostic> found = new ArrayList<>();
			model.getWarnings().subList(checked, model.getWarnings().size()).forEach(w -> found.add(WarningRecords.diagnostic(w, ctx)));
			found.addAll(notes);
			List<RecipeFiles.Diagnostic> all = new ArrayList<>(diagnostics);
			all.addAll(found);
			return new Outcome(RunSummary.accepted(model) ? 0 : 1, folder.target(), model, all, placed, false, found);
		}
	}

	/**
	 * The diagnostics {@code quantrace validate} prints for a recipe file: the language's, and, for a file of one recipe the
	 * language finds no error in, those of the checks a run makes of its models and data before any work ({@link DataChecks}:
	 * file headers and one sample, no inference). Validate said "0 errors" for a recipe whose model is quantized already or whose
	 * data does not fit the model, which the run then refused (found by the hostile pass); now both say the same, from one place.
	 */
	public static List<RecipeFiles.Diagnostic> validate(Path recipeFile) {
		RecipeFiles.Loaded loaded = RecipeFiles.load(recipeFile);
		if (loaded.hasErrors() || loaded.recipe().getRecipes().isEmpty()) { // a file of shared declarations has no models to read
			return loaded.diagnostics();
		}
		if (loaded.recipe().getRecipes().size() > 1) { // validate said "0 errors" for a file that run refuses (hostile pass 2)
			List<RecipeFiles.Diagnostic> diagnostics = new ArrayList<>(loaded.diagnostics());
			org.eclipse.xtext.nodemodel.INode second = org.eclipse.xtext.nodemodel.util.NodeModelUtils.getNode(loaded.recipe().getRecipes().get(1));
			diagnostics.add(new RecipeFiles.Diagnostic(recipeFile, second == null ? 1 : second.getStartLine(), 1,
					org.eclipse.xtext.diagnostics.Severity.ERROR, org.quantrace.dsl.validation.IssueCodes.SEVERAL_RECIPES,
					recipeCount(loaded) + ": " + SEVERAL_RECIPES_HINT));
			return diagnostics;
		}
		return checkModelsAndData(recipeFile, loaded, java.util.Set.of(), true, org.quantrace.engine.Progress.NONE).diagnostics();
	}

	/**
	 * The warnings a run of {@code recipeFile} prints before its work and goes on after (the language's and those of the
	 * checks of its models and data, headers and first samples as the run reads them, for the schemes {@code only}), derived
	 * again from the inputs as they are now; null when the recipe no longer passes them (verify reports that elsewhere).
	 */
	static List<RecipeFiles.Diagnostic> runWarnings(Path recipeFile, java.util.Set<String> only) {
		RecipeFiles.Loaded loaded = RecipeFiles.load(recipeFile);
		if (loaded.hasErrors() || loaded.recipe().getRecipes().size() != 1) {
			return null;
		}
		List<RecipeFiles.Diagnostic> all = checkModelsAndData(recipeFile, loaded, only, false, org.quantrace.engine.Progress.NONE).diagnostics();
		if (all.stream().anyMatch(d -> d.severity() == org.eclipse.xtext.diagnostics.Severity.ERROR)) {
			return null;
		}
		return all.stream().filter(d -> d.severity() != org.eclipse.xtext.diagnostics.Severity.IGNORE).toList();
	}

	private static final String SEVERAL_RECIPES_HINT = "put each recipe in its own file (shared declarations can be imported)";

	/** Why a file is not one run: "holds 2 recipes; a run takes a file with one", said alike by run and validate. */
	private static String recipeCount(RecipeFiles.Loaded loaded) {
		return "holds " + loaded.recipe().getRecipes().size() + " recipes; a run takes a file with one";
	}

	/** A recipe as the run reads it, and its diagnostics: the language's, then those of its models and data. */
	private record Checked(RecipeContext ctx, List<ResolvedScheme> schemes, List<RecipeFiles.Diagnostic> diagnostics) {
	}

	/**
	 * The checks before any work, of a file that holds one recipe without language errors; {@code decodeAll}: every sample of
	 * every dataset is read too (validate), not only the headers and the first sample (run: it finds a damaged sample when it
	 * reads it, and says it on the same line).
	 */
	private static Checked checkModelsAndData(Path recipeFile, RecipeFiles.Loaded loaded, java.util.Set<String> only, boolean decodeAll,
			org.quantrace.engine.Progress progress) {
		Recipe recipe = loaded.recipe().getRecipes().get(0);
		byte[] parsed = org.quantrace.dsl.RecipeFiles.bytesAsParsed(recipe.eResource().getResourceSet(), recipeFile);
		String text;
		try { // the text parsed, which the trace holds: the file read again may have been edited since
			text = parsed != null ? new String(parsed, java.nio.charset.StandardCharsets.UTF_8) : Files.readString(recipeFile);
		} catch (IOException e) {
			throw new QuantraceException(recipeFile + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
		RecipeContext ctx = new RecipeContext(recipe, recipeFile.toAbsolutePath().normalize(), text);
		ctx.reportTo(progress);
		List<ResolvedScheme> schemes = ctx.schemes(only);
		List<RecipeFiles.Diagnostic> diagnostics = new ArrayList<>(loaded.diagnostics());
		// the data against the models before any work: a wrong image size is a recipe error found in seconds
		diagnostics.addAll(DataChecks.check(ctx, schemes, recipeFile, decodeAll));
		return new Checked(ctx, schemes, diagnostics);
	}

	/** Runs model {@code m}; returns the notes its work logged that no warning record of the trace holds ({@link ModelRun#notes}). */
	private static List<RecipeFiles.Diagnostic> runModel(RecipeContext ctx, ModelDeclaration m, List<ResolvedScheme> schemes, RunOptions options, Path out,
			TraceAssembler trace) {
		ModelRun run = new ModelRun(ctx, m, options, out, trace);
		run.runFloatChain(schemes.stream().anyMatch(s -> s.spec().isQuantized()));
		trace.modelInputs(ctx, m, run.source());
		if (schemes.isEmpty()) { // a recipe of no schemes: its pruning or factorization is still an optimization on record
			run.recordFloatOptimization();
		}
		for (ResolvedScheme s : schemes) {
			run.runScheme(s);
		}
		ModelEvaluation evaluation = new ModelEvaluation(ctx, run, options, out, trace);
		evaluation.evaluate();
		evaluation.recover();
		evaluation.linkAll();
		evaluation.debug();
		return run.notes();
	}
}
