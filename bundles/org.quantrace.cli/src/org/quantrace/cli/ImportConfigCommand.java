package org.quantrace.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.eclipse.emf.common.util.URI;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.RecipeTexts;
import org.quantrace.model.recipe.RecipeFile;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "import-config", mixinStandardHelpOptions = true,
		header = "Convert the quantization SDK's configuration.json to a recipe.",
		description = "The recipe calibrates on dataset_image_dir (batch_size x iteration_count images at input_tensor_size), then evaluates"
				+ " the converted and the quantized model on evaluate_image_dir. Prints the recipe, or writes it with -o; paths in it are"
				+ " relative to where it is written.")
final class ImportConfigCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "configuration.json", description = "The SDK configuration file.")
	Path configuration;

	@Option(names = { "-o", "--output" }, paramLabel = "RECIPE.qr", description = "Write the recipe here (default: print it; paths then relative to the current folder).")
	Path output;

	@Option(names = "--name", paramLabel = "NAME", defaultValue = "configuration", description = "The recipe's name (default: ${DEFAULT-VALUE}).")
	String name;

	@Option(names = "--force", description = "Replace the file -o names if it exists (default: refuse it, exit 2).")
	boolean force;

	@Override
	public Integer call() {
		// an existing file at -o is replaced only with --force (CommandOutput.check, before this): a recipe is its user's writing
		Path folder = output != null ? output.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
		RecipeFile recipe = SdkConfiguration.read(configuration).toRecipe(name, folder);
		Path where = output != null ? output.toAbsolutePath() : folder.resolve(name + ".qr");
		String text = "// Imported from " + configuration.getFileName() + " by quantrace import-config: check the preprocess block against the\n"
				+ "// preprocessing the model was trained with (the SDK's notebook sets it in code).\n\n"
				+ RecipeFiles.injector().getInstance(RecipeTexts.class).write(recipe, URI.createFileURI(where.toString()));
		if (output == null) {
			spec.commandLine().getOut().print(text);
			return ExitCodes.OK;
		}
		CommandOutput.text(output, text, "recipe");
		RecipeFiles.load(output).diagnostics().forEach(d -> spec.commandLine().getErr().println(d));
		spec.commandLine().getErr().println("Wrote " + output);
		return ExitCodes.OK;
	}
}
