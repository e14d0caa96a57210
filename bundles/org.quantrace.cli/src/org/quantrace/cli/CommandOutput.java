package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.onnx.OnnxModel;

import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Where every command's output goes, checked once for all of them before any work: the {@code -o} target
 * against every path the command line names (models, data, labels, baselines, configurations, and the
 * external data of the models), by {@link SafeFiles}' custody rule. A command added later is covered
 * without a line of its own. The writes themselves are atomic: a failure leaves no half-written file.
 */
final class CommandOutput {

	private CommandOutput() {
	}

	/**
	 * Refuses a command whose {@code -o} would replace or write inside one of its inputs, or replace a
	 * read-only file (an {@link org.quantrace.engine.InvalidInputException}, exit 2, nothing run).
	 */
	static void check(ParseResult parsed) {
		ParseResult command = parsed;
		while (command.subcommand() != null) {
			command = command.subcommand();
		}
		OptionSpec out = command.commandSpec().findOption("-o");
		if (out == null || !command.hasMatchedOption(out) || !(out.getValue() instanceof Path target)) {
			return;
		}
		List<Path> inputs = inputs(command, out);
		if (out.paramLabel().equals("DIR")) {
			SafeFiles.checkOutputFolder(target, inputs);
			return;
		}
		SafeFiles.checkOutputFile(target, inputs);
		if (Files.exists(target)) { // only an existing file can be a model's external data
			for (Path in : inputs) {
				if (Files.isRegularFile(in) && in.getFileName().toString().endsWith(".onnx")
						&& OnnxModel.externalDataFiles(in).stream().anyMatch(data -> SafeFiles.sameFile(target, data))) {
					throw new InvalidInputException(target + ": holds tensor data of " + in + " (its external data), an input of this command: "
							+ "writing the output there would destroy it", "write the output to another path");
				}
			}
		}
		// a model replaces an earlier model; any other file there (a recipe, labels, notes) is the user's
		if (out.paramLabel().endsWith(".onnx") && Files.isRegularFile(target) && !OnnxModel.isModelFile(target)) {
			throw new InvalidInputException(target + ": exists and is not an ONNX model: writing the model there would destroy it",
					"give another output path (-o OUT.onnx), or move that file away first if it may go");
		}
	}

	/** Every path the command line gives but {@code output}: what the command reads. */
	private static List<Path> inputs(ParseResult command, ArgSpec output) {
		List<Path> inputs = new ArrayList<>();
		for (ArgSpec a : command.matchedArgs()) {
			if (a == output) {
				continue;
			}
			Object v = a.getValue();
			if (v instanceof Path p) {
				inputs.add(p);
			} else if (v instanceof Collection<?> c) {
				c.stream().filter(Path.class::isInstance).map(Path.class::cast).forEach(inputs::add);
			}
		}
		return inputs;
	}

	/** Writes a command's resulting model atomically. */
	static void model(OnnxModel model, Path output) {
		try {
			model.save(output);
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the model (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder exists and is writable"), e);
		}
	}

	/** Writes a command's text output (a report, JSON, a recipe) atomically; {@code what} names it in errors. */
	static void text(Path output, String text, String what) {
		try {
			SafeFiles.writeAtomically(output, text);
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the " + what + " (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder exists and is writable"), e);
		}
	}
}
