package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.Progress;
import org.quantrace.runner.Verification;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", mixinStandardHelpOptions = true,
		header = "Check a run's output folder and the inputs it read.",
		description = "Checks every file against SHA256SUMS and the inventory (both ways: missing and added files), every input the run"
				+ " read (recipe files, models and their external data, dataset files) where the trace says it was read, and every figure"
				+ " results.json, trace.xmi, report.html and the logs print about a model, re-derived from the ONNX files. Exits 1 on any"
				+ " mismatch (naming the document, the field and both values) and when documents could not be checked whole (another Quantrace"
				+ " version wrote them, or they are laid out otherwise) and no --expect binds the folder, 2 if DIR is not an output folder.")
final class VerifyCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "DIR", description = "The output folder of a run.")
	Path out;

	@Option(names = "--expect", paramLabel = "FINGERPRINT",
			description = "The fingerprint run printed last (SHA-256 of SHA256SUMS): proves no file was changed, added or removed since.")
	String expect;

	@Option(names = "--recipe", paramLabel = "RECIPE.qr",
			description = "Where the recipe is now, when the output folder was moved or archived away from it (default: where the trace says).")
	Path recipe;

	@Option(names = "--outputs-only", description = "Check the folder alone, not the inputs (models, data) the run read.")
	boolean outputsOnly;

	@Option(names = "--deep", description = "Also run every evaluation again (same data, same preprocessing) and require the same metrics, and run"
			+ " the debugger again on each debug record's models and data and require the same per-layer figures (relative 1e-6),"
			+ " and measure each recorded bias correction again on the calibration samples (relative 1e-4, near 0 a hundredth of the bias's step),"
			+ " and count each raised entropy threshold's saturated share again on them (within one histogram bin).")
	boolean deep;

	@Override
	public Integer call() {
		if (recipe != null && outputsOnly) { // the usage says they exclude each other: --recipe was ignored without a word, exit 0
			throw new org.quantrace.engine.InvalidInputException("--recipe " + recipe + " and --outputs-only contradict each other: --outputs-only reads no input",
					"give --recipe to check the inputs where the recipe is now, or --outputs-only to check the folder alone");
		}
		PrintWriter stdout = spec.commandLine().getOut();
		Progress progress = ConsoleProgress.forConsole(spec.commandLine().getErr());
		Verification.Result r = Verification.verify(out, new Verification.Options(recipe, expect, outputsOnly, deep, progress));
		if (r.otherBuild() != null) { // first: an assessor reads the mismatches below knowing that another build wrote the folder
			stdout.println("note: " + r.otherBuild());
		}
		r.problems().forEach(p -> stdout.println("MISMATCH " + p));
		r.notes().forEach(n -> stdout.println("note: " + n));
		stdout.printf(Locale.ROOT, "%d files checked, %d mismatch%s%s%s%n", r.checked(), r.problems().size(), r.problems().size() == 1 ? "" : "es",
				r.passed() && !r.verified() ? "; NOT VERIFIED: " + r.unchecked().size() + " document" + (r.unchecked().size() == 1 ? "" : "s")
						+ " could not be checked whole (" + String.join(", ", r.unchecked()) + ": see the notes); --expect with the fingerprint the run printed binds them" : "",
				r.unbound().isEmpty() ? "" : "; not bound without the inputs: " + String.join(", ", r.unbound()) + " (see the notes)");
		// exit 0 says verified: a folder whose documents this version could not check is not, without the fingerprint the user kept
		return r.verified() ? ExitCodes.OK : ExitCodes.REJECTED;
	}
}
