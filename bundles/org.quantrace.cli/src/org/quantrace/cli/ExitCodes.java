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

	private ExitCodes() {
	}
}
