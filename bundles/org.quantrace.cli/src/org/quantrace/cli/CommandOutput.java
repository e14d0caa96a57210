package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
	 * Refuses a command whose {@code -o} would replace or write inside one of its inputs or inside a folder quantrace wrote, or
	 * replace a read-only file (an {@link org.quantrace.engine.InvalidInputException}, exit 2, nothing run).
	 */
	static void check(ParseResult parsed) {
		ParseResult command = leaf(parsed);
		OptionSpec out = command.commandSpec().findOption("-o");
		if (out == null || !command.hasMatchedOption(out) || !(out.getValue() instanceof Path target)) {
			return;
		}
		List<Path> inputs = inputs(command, out);
		org.quantrace.runner.OutputOwnership.checkNotInsideOutput(target);
		if (out.paramLabel().equals("DIR")) {
			SafeFiles.checkOutputFolder(target, inputs);
			org.quantrace.engine.OutputNames.checkFits(target, org.quantrace.runner.OutputFolder.SIBLING_NAME_EXTRA, ".NAME.partial-PID");
			return;
		}
		SafeFiles.checkOutputFile(target, inputs);
		org.quantrace.engine.OutputNames.checkFits(target, SafeFiles.TEMPORARY_NAME_EXTRA, ".NAME.RANDOM.tmp");
		if (Files.exists(target)) { // only an existing file can be a model's external data
			for (Path in : inputs) {
				if (Files.isRegularFile(in) && in.getFileName().toString().endsWith(".onnx")
						&& OnnxModel.externalDataFiles(in).stream().anyMatch(data -> SafeFiles.sameFile(target, data))) {
					throw new InvalidInputException(target + ": holds tensor data of " + in + " (its external data), an input of this command: "
							+ "writing the output there would destroy it", "write the output to another path");
				}
			}
		}
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			checkReplaceable(command, out, target);
		}
	}

	/** The {@code -o} path the command line gives, or null (no such option, or not given). */
	static Path target(ParseResult parsed) {
		ParseResult command = leaf(parsed);
		OptionSpec out = command.commandSpec().findOption("-o");
		return out != null && command.hasMatchedOption(out) && out.getValue() instanceof Path target ? target : null;
	}

	private static ParseResult leaf(ParseResult parsed) {
		ParseResult command = parsed;
		while (command.subcommand() != null) {
			command = command.subcommand();
		}
		return command;
	}

	/**
	 * A command whose {@code -o FILE} may replace a file it wrote before, which it tells by the file's content: running a
	 * command again onto its own earlier output is what a script does, and that file holds nothing of the user's.
	 */
	interface RecognizesOutput {

		/** What the command writes, as a refusal names it: "a JSON result of quantrace evaluate". */
		String outputKind();

		/** Whether {@code existing} is, by its content, an output of this command (of any of its formats). */
		boolean isOwnOutput(Path existing);
	}

	/**
	 * The one rule for an existing file at {@code -o}: it is replaced when it is the command's own kind of output (a model for
	 * the commands writing models, {@link RecognizesOutput} for the others) or when {@code --force} asks for it; anything else
	 * there (a recipe, labels, notes, a report of another command) is the user's and refused, exit 2, before any work. A
	 * command that recognizes nothing as its own (import-config: a recipe is edited after it is written) replaces only with
	 * {@code --force}.
	 */
	private static void checkReplaceable(ParseResult command, OptionSpec out, Path target) {
		OptionSpec force = command.commandSpec().findOption("--force");
		if (force != null && command.hasMatchedOption(force)) {
			return;
		}
		String name = command.commandSpec().name();
		String kind;
		boolean own;
		if (out.paramLabel().endsWith(".onnx")) {
			kind = "an ONNX model";
			own = Files.isRegularFile(target) && OnnxModel.isModelFile(target);
		} else if (command.commandSpec().userObject() instanceof RecognizesOutput r) {
			kind = r.outputKind();
			own = Files.isRegularFile(target) && r.isOwnOutput(target);
		} else {
			kind = null;
			own = false;
		}
		if (own) {
			return;
		}
		String hint = "give another output path (-o " + out.paramLabel() + "), or " + (force != null ? "add --force to replace it" : "move that file away first if it may go");
		throw new InvalidInputException(kind == null ? target + ": exists already; " + name + " does not replace a file"
				: target + ": exists and is not " + kind + ": writing the output there would destroy it", hint);
	}

	/** Every path the command line of {@code spec} gives but its {@code -o}: what the command reads. */
	static List<Path> inputs(picocli.CommandLine.Model.CommandSpec spec) {
		return inputs(spec.commandLine().getParseResult(), spec.findOption("-o"));
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
