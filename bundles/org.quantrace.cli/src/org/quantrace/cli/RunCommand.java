package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.Progress;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.Outputs;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true,
		header = "Run a recipe and write its models, logs, trace and report.",
		description = { "Converts, prunes, factorizes, quantizes, evaluates and debugs as the recipe declares, then writes the models,"
				+ " results.json, the trace (trace.xmi), the AI-FSM logs (PhIMT0002/0003 as .md, .html, .docx, .pdf) and report.html."
				+ " The output folder is replaced only when the run finishes.",
				"SOURCE_DATE_EPOCH, when set, is the run time and"
						+ " makes the outputs byte-identical across runs." })
final class RunCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "RECIPE.qr", description = "The recipe.")
	Path recipe;

	@Option(names = { "-o", "--out" }, paramLabel = "DIR", description = "Output folder (default: quantrace-out/RECIPE).")
	Path out;

	@Option(names = "--only", split = ",", paramLabel = "SCHEME", description = "Run only these of the recipe's schemes.")
	List<String> only = List.of();

	@Option(names = "--shard", paramLabel = "i/n", description = "Run every n-th pipeline, starting with the i-th (CI matrices; join with merge).")
	String shard;

	@Override
	public Integer call() {
		long start = System.nanoTime();
		PrintWriter err = spec.commandLine().getErr();
		PrintWriter stdout = spec.commandLine().getOut();
		Path target = out != null ? out : Path.of("quantrace-out", recipe.getFileName().toString().replaceFirst("\\.qr$", ""));
		Progress progress = ConsoleProgress.forConsole(err); // watched for Ctrl-C and SIGTERM
		RunOptions options = RunOptions.of(target, new LinkedHashSet<>(only), shard == null ? Shard.ALL : Shard.parse(shard), progress, err);
		RecipeRunner.Outcome outcome;
		try {
			outcome = RecipeRunner.run(recipe, options);
		} catch (Interruption.Stopped e) {
			err.println("quantrace: interrupted; " + target + " is as the previous run left it");
			return Interruption.current().exitCode();
		}
		// the checks' diagnostics; the warnings the work found, the log printed as it went (once: outcome.runWarnings() holds them too)
		outcome.unlogged().forEach(d -> (d.severity() == org.eclipse.xtext.diagnostics.Severity.ERROR ? stdout : err).println(d));
		if (outcome.exitCode() == ExitCodes.INVALID_INPUT) {
			err.println(!outcome.stopped() ? "quantrace: the recipe has errors: nothing was run"
					: "quantrace: the run stopped " + outcome.stoppedAt() + ": nothing was written; " + target + " is as the previous run left it");
			return ExitCodes.INVALID_INPUT;
		}
		summary(outcome.trace(), stdout);
		stdout.printf(Locale.ROOT, "%nOutputs in %s (%.1f s):%n", outcome.out(), (System.nanoTime() - start) / 1e9);
		stdout.println("  report   " + outcome.out().resolve("report.html"));
		outcome.documents().stream().filter(p -> p.toString().endsWith(".html") && p.getParent().getFileName().toString().equals("logs"))
				.forEach(p -> stdout.println("  log      " + p + " (also .md, .docx, .pdf)"));
		stdout.println("  results  " + outcome.out().resolve("results.json"));
		stdout.println("  trace    " + outcome.out().resolve("trace.xmi"));
		stdout.println(outcome.accepted() ? RunSummary.verdictLine(outcome.trace()) : "Rejected: a variant failed its acceptance criteria (exit code 1).");
		// last, so that it is the line a user copies: the one value that proves later that no file of the folder changed
		stdout.println("Fingerprint " + Outputs.fingerprint(outcome.out()) + " (keep it: quantrace verify " + org.quantrace.runner.ShellWord.quote(outcome.out()) + " --expect FINGERPRINT)");
		return outcome.accepted() ? ExitCodes.OK : ExitCodes.REJECTED;
	}

	/** Per model, a line per variant: size, the accuracy-like first metric or every reconstruction metric with its marker, verdict. */
	static void summary(TraceModel trace, PrintWriter out) {
		for (String model : RunSummary.models(trace)) {
			out.printf(Locale.ROOT, "%n%s%n", model);
			for (ModelArtifact a : RunSummary.artifacts(trace, model)) {
				EvaluationRecord e = RunSummary.evaluation(trace, a);
				StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-14s %,10d bytes", a.getName(), a.getSizeBytes()));
				if (e != null && !e.getMetrics().isEmpty()) {
					// outputs against a reference: every metric the recipe declares (mse, psnr, ssim), as results.json has them; class
					// scores: the first (accuracy), the rest of the deck is in the report
					// (latency and size, which every evaluation adds, are not declared: the size is in the line already)
					for (MetricValue m : RunSummary.reference(e) != null ? e.getMetrics().stream().filter(x -> !x.getName().equals(Metrics.LATENCY)
							&& !x.getName().equals(Metrics.MODEL_SIZE)).toList() : e.getMetrics().subList(0, 1)) {
						line.append(String.format(Locale.ROOT, "  %s %s%s", m.getName(), Metrics.text(m.getName(), m.getValue(), 4),
								RunSummary.symbol(m.getMarker())));
					}
					if (e.isSetAccepted()) {
						line.append(e.isAccepted() ? "  accepted" : "  REJECTED");
						for (AcceptanceResult r : e.getAcceptance()) {
							if (!r.isPassed()) {
								line.append(String.format(Locale.ROOT, " (%s: %s %s)", r.getCriterion(), Double.isInfinite(r.getMeasured()) ? (r.getMeasured() > 0 ? "inf" : "-inf")
										: String.format(Locale.ROOT, "%.3g", r.getMeasured()), r.getUnit()));
							}
						}
					}
				}
				out.println(line);
			}
		}
	}
}
