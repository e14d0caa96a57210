package org.quantrace.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

import org.quantrace.engine.Progress;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on the console: a live progress bar (rate and ETA) on a terminal, plain lines every few
 * seconds otherwise (CI logs, pipes), so long work is never silent and logs stay readable.
 */
final class ConsoleProgress implements Progress {

	private final PrintWriter err;
	private final boolean terminal;

	ConsoleProgress(PrintWriter err, boolean terminal) {
		this.err = err;
		this.terminal = terminal;
	}

	/**
	 * Bars on an interactive terminal, lines to {@code err} elsewhere (QUANTRACE_PROGRESS=plain|bar|none
	 * overrides the choice).
	 */
	static Progress forConsole(PrintWriter err) {
		String mode = System.getenv().getOrDefault("QUANTRACE_PROGRESS", "");
		if (mode.equals("none")) {
			return Progress.NONE;
		}
		boolean terminal = mode.equals("bar") || (!mode.equals("plain") && interactive() && !"dumb".equals(System.getenv("TERM")));
		return new ConsoleProgress(err, terminal);
	}

	/** Whether we run on a terminal: Console.isTerminal() from Java 22 on, console != null before. */
	private static boolean interactive() {
		java.io.Console console = System.console();
		if (console == null) {
			return false;
		}
		try {
			return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
		} catch (ReflectiveOperationException e) {
			return true;
		}
	}

	@Override
	public Task start(String label, long total, String unit) {
		if (terminal) {
			ProgressBar bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(total).setUnit(" " + unit, 1).showSpeed()
					.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
					.build();
			return new Task() {
				@Override
				public void advance(long amount) {
					bar.stepBy(amount);
				}

				@Override
				public void close() {
					bar.close();
				}
			};
		}
		return new LineTask(label, total, unit);
	}

	/** One line at start, then at most every 5 s, then a summary with the rate. */
	private final class LineTask implements Task {
		private final String label;
		private final long total;
		private final String unit;
		private final long start = System.nanoTime();
		private long done;
		private long lastLine = System.nanoTime();

		LineTask(String label, long total, String unit) {
			this.label = label;
			this.total = total;
			this.unit = unit;
			err.printf(Locale.ROOT, "%s: 0/%d %s%n", label, total, unit);
		}

		@Override
		public void advance(long amount) {
			done += amount;
			long now = System.nanoTime();
			if (now - lastLine > 5_000_000_000L && done < total) {
				lastLine = now;
				double seconds = (now - start) / 1e9;
				double rate = done / seconds;
				long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
				err.printf(Locale.ROOT, "%s: %d/%d %s (%d%%), %.0f %s/s, ETA %s%n", label, done, total, unit, 100 * done / Math.max(1, total), rate,
						unit, Duration.ofSeconds(eta).toString().substring(2).toLowerCase(Locale.ROOT));
			}
		}

		@Override
		public void close() {
			double seconds = (System.nanoTime() - start) / 1e9;
			err.printf(Locale.ROOT, "%s: %d/%d %s in %.1f s (%.0f %s/s)%n", label, done, total, unit, seconds, done / Math.max(seconds, 1e-9), unit);
		}
	}
}
