package org.quantrace.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.runner.RecipeRunner;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "validate", mixinStandardHelpOptions = true,
		header = "Check recipes with the editor's rules, without running them.",
		description = "Prints every diagnostic as file:line:column: severity [code] message; exits 2 when there is an error. A missing"
				+ " file, a warning in the editor, is an error here, as it is when the recipe runs; so is what a run checks before any work"
				+ " (a model quantized already, data that does not fit the model: image headers and one sample are read, nothing is run).")
final class ValidateCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(arity = "1..*", paramLabel = "RECIPE.qr", description = "The recipe files.")
	List<Path> recipes;

	@Override
	public Integer call() {
		int errors = 0;
		int warnings = 0;
		for (Path recipe : recipes) {
			for (RecipeFiles.Diagnostic d : RecipeRunner.validate(recipe)) {
				spec.commandLine().getOut().println(d);
				errors += d.severity() == Severity.ERROR ? 1 : 0;
				warnings += d.severity() == Severity.WARNING ? 1 : 0;
			}
		}
		spec.commandLine().getErr().printf(Locale.ROOT, "%d recipe%s: %d error%s, %d warning%s%n", recipes.size(), recipes.size() == 1 ? "" : "s", errors,
				errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
		return errors > 0 ? ExitCodes.INVALID_INPUT : ExitCodes.OK;
	}
}
