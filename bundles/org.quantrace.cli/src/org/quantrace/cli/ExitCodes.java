package org.quantrace.cli;

/** Exit codes shared by every command, so builds and scripts can react to them. */
public final class ExitCodes {

	/** Done; for runs: every acceptance criterion held. */
	public static final int OK = 0;
	/** A run completed but an acceptance criterion failed (the best variant is still saved). */
	public static final int REJECTED = 1;
	/** Invalid input: bad arguments, a missing or malformed file; nothing was run or written. */
	public static final int INVALID_INPUT = 2;
	/** The work started but failed (e.g. ONNX Runtime could not run the model); nothing half-written is left. */
	public static final int FAILED = 3;
	/** Stopped by Ctrl-C (SIGINT); the previous outputs are unchanged (128 + 2, as shells report a process SIGINT ended). */
	public static final int INTERRUPTED = 130;
	/** Stopped by SIGTERM (kill, a CI timeout, docker stop); the previous outputs are unchanged (128 + 15, as shells report it). */
	public static final int TERMINATED = 143;
	/** A bug in Quantrace: the stack trace is printed. */
	public static final int INTERNAL_ERROR = 70;

	/**
	 * The codes as every command's --help ends with them (the README's list): set on each command by {@link #listIn}, so
	 * that no command's help lists a few of them in its own words (run's said 0, 1 and 2 only).
	 */
	static final String[] HELP = { "", "Exit codes: 0 ok; 1 an acceptance criterion failed (verify: a mismatch, or",
			"documents it could not check); 2 invalid input (nothing written); 3 the work", "failed; 130 stopped by Ctrl-C (SIGINT); 143 stopped by SIGTERM; "
					+ INTERNAL_ERROR + " a bug in", "Quantrace (its stack trace is printed: please report it)." };

	/** Ends the help of {@code cli} and of each of its subcommands with {@link #HELP}. */
	static void listIn(picocli.CommandLine cli) {
		cli.getCommandSpec().usageMessage().footer(HELP);
		cli.getSubcommands().values().forEach(ExitCodes::listIn);
	}

	private ExitCodes() {
	}
}
