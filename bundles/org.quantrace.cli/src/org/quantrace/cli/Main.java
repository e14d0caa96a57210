package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.IoErrors;
import org.quantrace.engine.QuantraceException;

import picocli.CommandLine;

/** The {@code quantrace} command line: {@code java -cp ... org.quantrace.cli.Main COMMAND ...}. */
public final class Main {

	private Main() {
	}

	public static void main(String[] args) {
		PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
		PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
		Interruption.install(err); // Ctrl-C and SIGTERM, for every command
		System.exit(execute(args, out, err));
	}

	/** Runs a command line and returns its exit code (see {@link ExitCodes}); used by tests too. */
	public static int execute(String[] args, PrintWriter out, PrintWriter err) {
		CommandLine cli = new CommandLine(new QuantraceCommand());
		cli.setHelpFactory(new HelpLayout());
		ExitCodes.listIn(cli);
		cli.setOut(out);
		cli.setErr(err);
		// --data "$DATA" with DATA unset: the empty path was the current folder, read as the dataset (or as the recipe's folder)
		cli.registerConverter(java.nio.file.Path.class, s -> {
			if (s.isEmpty()) {
				throw new CommandLine.TypeConversionException("an empty path (a shell variable that is not set, or quotes with nothing inside?):"
						+ " give the file or folder (. for the current folder)");
			}
			if (s.equals("-")) { // many tools' stdin or stdout: read as a file named "-" (run -o - wrote a folder "-", which inspect - then read)
				throw new CommandLine.TypeConversionException(STANDARD_STREAM);
			}
			try {
				return java.nio.file.Path.of(s);
			} catch (java.nio.file.InvalidPathException e) { // picocli: "cannot convert 'mod��le.onnx' to Path (java.nio.file.InvalidPathException: ...)"
				throw new CommandLine.TypeConversionException(org.quantrace.model.FileNameEncoding.why(s, e));
			}
		});
		cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> e instanceof Interruption.Stopped ? interrupted(parseResult, err) : report(e, err));
		cli.setExecutionStrategy(parsed -> {
			try {
				CommandOutput.check(parsed); // before any work: an output never destroys an input
			} catch (QuantraceException e) {
				return report(e, err);
			}
			return new CommandLine.RunLast().execute(parsed);
		});
		cli.setParameterExceptionHandler((e, a) -> {
			String unknown = unknownCommand(e, cli);
			if (unknown != null) { // not picocli's "Unmatched arguments from index 0" and the whole usage
				err.println("quantrace: " + unknown);
				return ExitCodes.INVALID_INPUT;
			}
			// what was wrong and where the help is, not the whole help after it (40 lines, the error scrolled away); an unknown
			// argument first: a misspelt required option (--shceme) was said to be missing
			String unmatched = unknownArguments(e.getCommandLine());
			err.println("quantrace: error: " + (unmatched != null ? unmatched : missingOptions(e)));
			java.util.List<Path> pattern = ExpandedPattern.files(e.getCommandLine().getUnmatchedArguments().stream().map(Path::of).toList());
			err.println("quantrace: hint: " + (pattern.isEmpty() ? "see " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help"
					: ExpandedPattern.hint(pattern)));
			return ExitCodes.INVALID_INPUT;
		});
		int code;
		try {
			code = cli.execute(args);
		} catch (OutOfMemoryError e) { // picocli hands on only Exceptions: an Error left the process with exit 1, the code of a rejected run
			err.println("quantrace: error: out of memory (" + e.getMessage() + ")");
			err.println("quantrace: hint: give Java more heap, e.g. QUANTRACE_JAVA_OPTS=-Xmx4g, or fewer samples (--samples, a smaller --batch)");
			code = ExitCodes.FAILED;
		} catch (Error e) {
			code = report(e, err);
		}
		Interruption signal = Interruption.current();
		if (signal != null && signal.came() && code != signal.exitCode()) { // after "stopping...": say that it did not stop
			err.println("quantrace: the signal came after the last step of the work, which ended as it would have (exit " + code + ")");
		}
		out.flush();
		err.flush();
		return code;
	}

	/** Why '-' is no path here: every input is read more than once and every output is written whole beside its name, then moved. */
	static final String STANDARD_STREAM = "'-' (standard input or output in many tools): quantrace reads and writes named files only, as it reads"
			+ " each input more than once and writes each output whole before it takes its name: give the file or folder (./- for one named '-';"
			+ " inspect and evaluate print to the terminal without -o)";

	/**
	 * picocli's message, but a missing option named as the usage line names it (its first name): picocli names an option by its
	 * longest name, so evaluate and debug without --data said "Missing required option: '--calibration=DATASET'", an option
	 * their usage does not show (--calibration is quantize's other spelling of --data).
	 */
	static String missingOptions(CommandLine.ParameterException e) {
		if (!(e instanceof CommandLine.MissingParameterException m) || m.getMissing() == null || m.getMissing().isEmpty()
				|| !m.getMissing().stream().allMatch(CommandLine.Model.OptionSpec.class::isInstance)) {
			return e.getMessage();
		}
		java.util.List<String> names = m.getMissing().stream().map(CommandLine.Model.OptionSpec.class::cast)
				.map(o -> "'" + o.names()[0] + (o.arity().max() > 0 ? "=" + o.paramLabel() : "") + "'").toList();
		return "Missing required option" + (names.size() > 1 ? "s: " : ": ") + String.join(", ", names);
	}

	/**
	 * What a command did not take, said as picocli users expect: the unknown options, each with a close match, or the extra
	 * arguments (a path with spaces given unquoted, {@code verify out dir é}); null when every argument was taken. picocli printed
	 * "Unmatched arguments from index 2" and then the whole help (40 lines), and a misspelt required option ({@code --shceme})
	 * was reported as that option missing.
	 */
	static String unknownArguments(CommandLine command) {
		java.util.List<String> unmatched = command.getUnmatchedArguments();
		if (unmatched.isEmpty()) {
			return null;
		}
		// an unknown option's value follows it unmatched too ('--shceme drq'): the options alone are named
		java.util.List<String> options = unmatched.stream().filter(a -> a.startsWith("-") && a.length() > 1 && !a.matches("-[0-9.].*"))
				.map(a -> a.contains("=") ? a.substring(0, a.indexOf('=')) : a).distinct().toList();
		if (options.isEmpty()) {
			return "unexpected argument" + (unmatched.size() == 1 ? " " : "s ") + quoted(unmatched) + ": " + command.getCommandSpec().qualifiedName()
					+ " takes " + positionals(command) + " (a path holding spaces is one argument only in quotes)";
		}
		java.util.Set<String> names = command.getCommandSpec().optionsMap().keySet();
		java.util.List<String> said = options.stream().map(o -> {
			String meant = org.quantrace.dsl.Suggestions.didYouMean(o, names);
			return "'" + o + "'" + (meant == null ? "" : " (" + meant + ")");
		}).toList();
		return "unknown option" + (said.size() == 1 ? " " : "s ") + String.join(", ", said);
	}

	private static String quoted(java.util.List<String> words) {
		return String.join(", ", words.stream().map(w -> "'" + w + "'").toList());
	}

	/** The positional parameters a command takes, as its usage names them ("DIR", "MODEL.onnx..."), or "no other arguments". */
	private static String positionals(CommandLine command) {
		java.util.List<String> labels = command.getCommandSpec().positionalParameters().stream()
				.map(p -> p.paramLabel() + (p.arity().max() > 1 ? "..." : "")).toList();
		return labels.isEmpty() ? "no other arguments" : String.join(" ", labels);
	}

	/** What other tools call our commands: a user's first guess. */
	private static final java.util.Map<String, String> SYNONYMS = java.util.Map.of("check", "validate", "lint", "validate", "execute", "run", "exec",
			"run", "start", "run", "quantise", "quantize", "info", "inspect", "show", "inspect");

	/** What to say when the first word is no command (a typo, a command of another tool, a recipe without run); null otherwise. */
	private static String unknownCommand(CommandLine.ParameterException e, CommandLine top) {
		if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getCommandLine() != top || u.getUnmatched().isEmpty()) {
			return null;
		}
		String word = u.getUnmatched().get(0);
		if (word.startsWith("-")) {
			return null;
		}
		if (word.endsWith(".qr")) {
			return "'" + word + "' is a recipe, not a command: run it with quantrace run " + org.quantrace.runner.ShellWord.quote(word) + " (or check it with quantrace validate "
					+ org.quantrace.runner.ShellWord.quote(word) + ")";
		}
		String meant = SYNONYMS.get(word.toLowerCase(java.util.Locale.ROOT));
		String suggestion = meant != null ? "did you mean '" + meant + "'?" : org.quantrace.dsl.Suggestions.didYouMean(word, top.getSubcommands().keySet());
		return "unknown command '" + word + "': " + (suggestion == null ? "the" : suggestion + " The") + " commands are "
				+ String.join(", ", top.getSubcommands().keySet()) + " (quantrace help COMMAND).";
	}

	/**
	 * A command stopped by Ctrl-C or SIGTERM at a step of its work, before it wrote anything (its writes come after its last
	 * step, and are atomic): said, and the shells' code for the signal. It ended at the JVM's default before, exit 130 without a word.
	 */
	private static int interrupted(CommandLine.ParseResult parsed, PrintWriter err) {
		Path target = CommandOutput.target(parsed);
		err.println("quantrace: interrupted; nothing was written" + (target == null ? "" : " (" + target + " is as it was)"));
		Interruption i = Interruption.current();
		return i == null ? ExitCodes.INTERRUPTED : i.exitCode();
	}

	private static int report(Throwable e, PrintWriter err) {
		if (e instanceof QuantraceException q) {
			err.println("quantrace: error: " + q.getMessage());
			if (q.hint() != null) {
				err.println("quantrace: hint: " + q.hint());
			}
			return q instanceof InvalidInputException ? ExitCodes.INVALID_INPUT : ExitCodes.FAILED;
		}
		if (e instanceof java.io.UncheckedIOException io) { // a file the work could not write or read: the disk, not Quantrace
			err.println("quantrace: error: cannot read or write a file (" + IoErrors.describe(io.getCause()) + ")");
			err.println("quantrace: hint: " + IoErrors.hint(io.getCause(), "check the files and folders the command reads and writes"));
			return ExitCodes.FAILED;
		}
		if (e instanceof java.nio.file.InvalidPathException path) { // a recipe's or a dataset's path the locale cannot name (LANG=C): exit 70 before
			err.println("quantrace: error: " + org.quantrace.model.FileNameEncoding.why(path.getInput(), path));
			return ExitCodes.INVALID_INPUT;
		}
		err.println("quantrace: internal error (please report it with the command line and this trace):");
		e.printStackTrace(err);
		return ExitCodes.INTERNAL_ERROR;
	}
}
