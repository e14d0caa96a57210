package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.runner.Verification;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", mixinStandardHelpOptions = true,
		description = { "Recompute every SHA-256 a run recorded: the models in its trace (outputs and originals), the dataset files in",
				"its manifests, and every output file in SHA256SUMS. Exits 1 on any mismatch (a replaced model, a changed dataset)." })
final class VerifyCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "OUTDIR", description = "The output folder of a run.")
	Path out;

	@Override
	public Integer call() {
		Verification.Result r;
		try {
			r = Verification.verify(out);
		} catch (IOException e) {
			throw new InvalidInputException(out + ": not the output folder of a run (" + e.getMessage() + ")", "give the folder quantrace run wrote");
		}
		r.problems().forEach(p -> spec.commandLine().getOut().println("MISMATCH " + p));
		spec.commandLine().getOut().printf("%d files checked, %d mismatch%s%n", r.checked(), r.problems().size(), r.problems().size() == 1 ? "" : "es");
		return r.passed() ? ExitCodes.OK : ExitCodes.REJECTED;
	}
}
