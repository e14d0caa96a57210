package org.quantrace.ide.run;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.eclipse.core.resources.IContainer;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IPath;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.OperationCanceledException;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.ILock;
import org.eclipse.core.runtime.jobs.Job;
import org.quantrace.engine.QuantraceException;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;

/**
 * "Run Quantrace recipe" as an Eclipse job: the runner (the command line's {@code run}) in the background,
 * its steps in the Progress view, cancellable between batches (the previous outputs then stay, as the
 * runner only swaps its output folder in at the end, and the markers of the previous run stay too). The outputs are refreshed into the workspace (and
 * marked derived: they are made, not written), rejected variants and errors become markers on the recipe,
 * and the report is opened. The output folder follows the command line's custody rules: a run replaces only
 * a folder an earlier run wrote (or a new or empty one); any other folder is refused before anything runs,
 * and the refusal is a marker on the recipe saying what is in the way.
 */
public final class RecipeRunJob extends Job {

	/** Family of all recipe runs, for tests and for waiting on them. */
	public static final Object FAMILY = RecipeRunJob.class;

	private final IFile recipe;
	private final IContainer out;
	private final Set<String> only;
	private final boolean openReport;
	private volatile RecipeRunner.Outcome outcome;

	/** Runs {@code recipe} into {@code out} (a folder of the workspace; it need not exist yet), only the schemes named (all when empty). */
	public RecipeRunJob(IFile recipe, IContainer out, Set<String> only, boolean openReport) {
		super("Running recipe " + recipe.getName());
		this.recipe = recipe;
		this.out = out;
		this.only = only;
		this.openReport = openReport;
		setUser(true);
	}

	/** The default output folder: quantrace-out/NAME beside the recipe, as the command line's default. */
	public static IContainer defaultOut(IFile recipe) {
		String name = recipe.getName().replaceFirst("\\.qr$", "");
		return recipe.getParent().getFolder(IPath.fromOSString("quantrace-out/" + name));
	}

	@Override
	public boolean belongsTo(Object family) {
		return family == FAMILY;
	}

	/** What the run ended with (null while it runs, and after a cancellation or a failure). */
	public RecipeRunner.Outcome outcome() {
		return outcome;
	}

	@Override
	protected IStatus run(IProgressMonitor monitor) {
		monitor.beginTask("Running " + recipe.getFullPath(), IProgressMonitor.UNKNOWN);
		PrintWriter log = RunConsole.get().writer();
		ILock lock = lock(out);
		lock.acquire();
		log.printf("Running %s into %s%n", recipe.getFullPath(), out.getFullPath());
		try {
			Path target = out.getLocation().toPath();
			RunOptions options = RunOptions.of(target, Set.copyOf(only), Shard.ALL, new JobProgress(monitor), log);
			outcome = RecipeRunner.run(recipe.getLocation().toPath(), options);
			RunMarkers.clear(recipe); // the run finished: its results replace the previous run's
			if (outcome.exitCode() == 2) {
				RunMarkers.invalid(recipe, outcome.diagnostics(), outcome.stopped() ? outcome.stoppedAt() : null);
				outcome.diagnostics().forEach(log::println);
				if (outcome.stopped()) { // a sample found unreadable, or a data range refused, once the work had started: said on its line
					log.println("The run stopped " + outcome.stoppedAt() + ": nothing was written.");
					return Status.info("The run of " + recipe.getName() + " stopped " + outcome.stoppedAt() + ": nothing was written (see the Problems view)");
				}
				log.println("The recipe has errors: nothing was run.");
				return Status.info("The recipe " + recipe.getName() + " has errors: nothing was run (see the Problems view)");
			}
			outcome.unlogged().forEach(log::println); // warnings of a run that went on (files of a dataset folder not read); the log said the rest
			refresh();
			RunMarkers.runWarnings(recipe, outcome.runWarnings()); // the quantizer's, pruning's and calibration's: no editor check finds them
			int rejected = RunMarkers.rejections(recipe, outcome.trace());
			log.println(outcome.accepted() ? org.quantrace.report.RunSummary.verdictLine(outcome.trace())
					: "Rejected: " + rejected + " acceptance criteria failed (see the Problems view).");
			log.println("Report: " + outcome.out().resolve("report.html"));
			if (openReport) {
				ReportOpener.open(out.getFile(IPath.fromOSString("report.html")));
			}
			return Status.OK_STATUS;
		} catch (OperationCanceledException e) {
			log.printf("Cancelled: %s is as the previous run left it.%n", out.getFullPath());
			return Status.CANCEL_STATUS;
		} catch (QuantraceException e) {
			// bad input (a refused output folder, a model ONNX Runtime cannot load...) or a step that failed:
			// the user can act on it, so it is a marker on the recipe, not an error dialog
			String message = e.getMessage() + (e.hint() != null ? ": " + inIde(e.hint()) : "");
			log.println(message);
			marker(message);
			return Status.warning("The run of " + recipe.getName() + " stopped: " + message);
		} catch (CoreException e) {
			return e.getStatus();
		} catch (RuntimeException e) {
			// a defect of ours: still a marker the user sees on the recipe, and the stack trace in the error log
			String message = "internal error: " + e;
			log.println(message);
			marker(message + " (details in the Error Log)");
			return Status.error("The run of " + recipe.getName() + " failed: " + e, e);
		} finally {
			lock.release();
			log.flush();
			monitor.done();
		}
	}

	/** The runner's hints speak of the command line's {@code -o}; here the output folder is the launch configuration's. */
	static String inIde(String hint) {
		return hint.replace("for -o", "as the output folder (Run > Run Configurations..., Recipe tab)");
	}

	private void marker(String message) {
		try {
			RunMarkers.clear(recipe);
			RunMarkers.failed(recipe, message);
		} catch (CoreException e) {
			// the recipe went away
		}
	}

	/** The outputs into the workspace, marked derived (made by the run: searches and validation skip them). */
	private void refresh() throws CoreException {
		IContainer parent = out.getParent();
		// one workspace operation: listeners (the recipe validation) see the outputs already marked derived
		ResourcesPlugin.getWorkspace().run(m -> {
			parent.refreshLocal(IResource.DEPTH_INFINITE, null);
			if (out.exists()) {
				out.setDerived(true, null);
			}
			if (parent.getType() == IResource.FOLDER && parent.getName().equals("quantrace-out") && parent.exists()) {
				parent.setDerived(true, null);
			}
		}, null, 0, null);
	}

	/**
	 * Two runs into the same output folder wait for each other; runs into different folders go side by side.
	 * (A lock, not a scheduling rule: the run refreshes and marks resources, which needs the workspace's own
	 * rules, and holding the project's rule for a whole run would block saving files in it.)
	 */
	private static ILock lock(IContainer out) {
		synchronized (LOCKS) {
			return LOCKS.computeIfAbsent(out.getFullPath(), p -> Job.getJobManager().newLock());
		}
	}

	private static final Map<IPath, ILock> LOCKS = new HashMap<>();

}
