package org.quantrace.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;

import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM stop a long command between two batches instead of killing the JVM inside ONNX Runtime
 * (whose native teardown can crash a process stopped mid-inference): the first signal asks the work to
 * stop at the next progress step, which unwinds normally and leaves nothing half-written; a second one
 * stops at once. Either way the exit code is the shells' 128 + the signal's number ({@link #exitCode}): 130 for
 * Ctrl-C, 143 for SIGTERM, so a script or a CI runner can tell who stopped the run.
 */
final class Interruption {

	/** Thrown at the next progress step after a signal. */
	static final class Stopped extends RuntimeException {
		private static final long serialVersionUID = 1L;

		Stopped() {
			super("interrupted");
		}
	}

	/** The first signal's exit code (0: none came). */
	private final AtomicInteger requested = new AtomicInteger();
	/** Whether a command's work watches for the first signal (it has made its progress): else a signal ends the process at once. */
	private volatile boolean armed;

	private Interruption() {
	}

	/** The handlers {@link Main#main} installed for this process: null in a test or a host calling {@link Main#execute}. */
	private static volatile Interruption installed;

	/**
	 * The process's handlers, installed by {@link Main#main} for every command (run only had them: Ctrl-C of quantize,
	 * evaluate, debug... ended at the JVM's default, exit 130 without a word); null outside the command line.
	 */
	static Interruption current() {
		return installed;
	}

	/** Installs the handlers for the rest of the process; outside a console JVM (tests) it does nothing and never interrupts. */
	static Interruption install(PrintWriter err) {
		Interruption i = new Interruption();
		installed = i;
		try {
			for (String name : new String[] { "INT", "TERM" }) {
				Signal.handle(new Signal(name), s -> {
					int code = exitCode(s.getName());
					if (!i.armed) { // no work watches for it (lsp, inspect, validate): the JVM's default, which runs the shutdown hooks
						SafeFiles.removeUnfinished(); // an -o write ending with the process would leave its temporary file
						System.exit(code);
					}
					if (i.requested.getAndUpdate(first -> first == 0 ? code : first) != 0) {
						SafeFiles.removeUnfinished(); // halting skips the write's cleanup: its temporary file would stay
						Runtime.getRuntime().halt(code);
					}
					err.println("quantrace: stopping (press Ctrl-C again to stop at once)...");
					err.flush();
				});
			}
		} catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
			// signals not available here: the default handling applies
		}
		return i;
	}

	/** The exit code of a command stopped by the signal named {@code signal} ("INT", "TERM"). */
	static int exitCode(String signal) {
		return "TERM".equals(signal) ? ExitCodes.TERMINATED : ExitCodes.INTERRUPTED;
	}

	/** Whether a signal came (it stops the work at its next step; after the last one, the work ends as it would have). */
	boolean came() {
		return requested.get() != 0;
	}

	/** The exit code for the signal that stopped the work: 143 after SIGTERM, else 130. */
	int exitCode() {
		int code = requested.get();
		return code == 0 ? ExitCodes.INTERRUPTED : code;
	}

	/** {@code progress}, stopping the work at its next step once a signal came: the {@link #current} handlers', if any. */
	static Progress watched(Progress progress) {
		Interruption i = installed;
		return i == null ? progress : i.watch(progress);
	}

	/** {@code progress}, stopping the work at its next step once a signal came. */
	private Progress watch(Progress progress) {
		armed = true;
		return (label, total, unit) -> {
			check();
			Progress.Task task = progress.start(label, total, unit);
			return new Progress.Task() {
				@Override
				public void advance(long amount) {
					task.advance(amount);
					check();
				}

				@Override
				public void close() {
					task.close();
				}
			};
		};
	}

	private void check() {
		if (requested.get() != 0) {
			throw new Stopped();
		}
	}
}
