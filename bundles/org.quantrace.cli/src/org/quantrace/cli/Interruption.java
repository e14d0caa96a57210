package org.quantrace.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

import org.quantrace.engine.Progress;

import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM stop a long command between two batches instead of killing the JVM inside ONNX Runtime
 * (whose native teardown can crash a process stopped mid-inference): the first signal asks the work to
 * stop at the next progress step, which unwinds normally and leaves nothing half-written; a second one
 * stops at once.
 */
final class Interruption {

	/** Thrown at the next progress step after a signal. */
	static final class Stopped extends RuntimeException {
		private static final long serialVersionUID = 1L;

		Stopped() {
			super("interrupted");
		}
	}

	private final AtomicBoolean requested = new AtomicBoolean();

	private Interruption() {
	}

	/** Installs the handlers for the rest of the process; outside a console JVM (tests) it does nothing and never interrupts. */
	static Interruption install(PrintWriter err) {
		Interruption i = new Interruption();
		try {
			for (String name : new String[] { "INT", "TERM" }) {
				Signal.handle(new Signal(name), s -> {
					if (i.requested.getAndSet(true)) {
						Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
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

	/** {@code progress}, stopping the work at its next step once a signal came. */
	Progress watch(Progress progress) {
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
		if (requested.get()) {
			throw new Stopped();
		}
	}
}
