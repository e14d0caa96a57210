package org.quantrace.engine;

/**
 * Where long-running engine work reports how far it got. The command line shows a progress bar (or
 * plain lines when not on a terminal); tests and library users pass {@link #NONE}.
 */
public interface Progress {

	/** One unit of work with a known total, e.g. "calibrating" over 300 samples. */
	interface Task extends AutoCloseable {
		void advance(long amount);

		@Override
		void close();
	}

	/** Starts a task of {@code total} {@code unit}s (e.g. "samples"). */
	Task start(String label, long total, String unit);

	/** Reports nothing. */
	Progress NONE = (label, total, unit) -> new Task() {
		@Override
		public void advance(long amount) {
		}

		@Override
		public void close() {
		}
	};
}
