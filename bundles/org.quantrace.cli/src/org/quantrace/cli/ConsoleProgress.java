package org.quantrace.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

import org.quantrace.engine.Progress;

/**
 * Progress on the console. On a terminal, one line redrawn in place, as tqdm draws it:
 * {@code evaluating 2 models:  45%|#####      | 450/1000 [00:03<00:04, 150 samples/s]}, never wider than the
 * terminal (the bar shrinks, then the label), and left as the last state once when the work ends. Elsewhere
 * (CI logs, pipes), plain lines: at the start, at most every 5 s, and a summary. Times are measured, not
 * rounded to whole seconds, so short work gets its real rate.
 */
public final class ConsoleProgress implements Progress {

	/** Plain lines at most this often. */
	static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;
	/** The terminal line at most this often. */
	static final long REDRAW_INTERVAL_NANOS = 100_000_000L;

	private final PrintWriter err;
	private final boolean terminal;
	private final int columns;
	private final LongSupplier clock;

	/**
	 * @param err      where the progress goes
	 * @param terminal redraw one line in place (a terminal), or print plain lines (a log)
	 * @param columns  the terminal's width; lines stay one character narrower, so that no terminal wraps them
	 * @param clock    nanoseconds, as {@link System#nanoTime()}
	 */
	public ConsoleProgress(PrintWriter err, boolean terminal, int columns, LongSupplier clock) {
		this.err = err;
		this.terminal = terminal;
		this.columns = Math.max(20, columns);
		this.clock = clock;
	}

	/**
	 * A line in place on an interactive terminal, plain lines to {@code err} elsewhere (QUANTRACE_PROGRESS=plain|bar|none
	 * overrides the choice); the width is $COLUMNS, else 80.
	 */
	static Progress forConsole(PrintWriter err) {
		// every command's work stops at its next step after Ctrl-C or SIGTERM, as run's did: nothing half-written, exit 130/143
		return Interruption.watched(unwatched(err));
	}

	private static Progress unwatched(PrintWriter err) {
		String mode = System.getenv().getOrDefault("QUANTRACE_PROGRESS", "");
		if (mode.equals("none")) {
			return Progress.NONE;
		}
		boolean terminal = mode.equals("bar") || (!mode.equals("plain") && interactive() && !"dumb".equals(System.getenv("TERM")));
		int columns = 80;
		try {
			columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim());
		} catch (NumberFormatException e) {
			// keep 80
		}
		return new ConsoleProgress(err, terminal, columns, System::nanoTime);
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
		return terminal ? new LineInPlace(label, total, unit) : new PlainLines(label, total, unit);
	}

	/** What both forms measure. */
	private abstract class Measured implements Task {
		final String label;
		final long total;
		final String unit;
		final long start = clock.getAsLong();
		long done;

		Measured(String label, long total, String unit) {
			this.label = label;
			this.total = Math.max(0, total);
			this.unit = unit;
		}

		double seconds(long now) {
			return (now - start) / 1e9;
		}

		/** "150 samples/s", or "2.50 s/sample" below one per second, or "?" before anything is done. */
		String rate(long now) {
			double s = seconds(now);
			if (done == 0 || s <= 0) {
				return "? " + unit + "/s";
			}
			double perSecond = done / s;
			if (perSecond >= 1) {
				return number(perSecond) + " " + unit + "/s";
			}
			return number(1 / perSecond) + " s/" + singular(unit);
		}
	}

	/** The tqdm-like line, redrawn in place. */
	private final class LineInPlace extends Measured {
		private long lastDraw = Long.MIN_VALUE;
		private int drawn;
		/** The count the line shows: when the work ends on a drawn state, that line stays as it is (printed once). */
		private long drawnDone = -1;
		private boolean closed;

		LineInPlace(String label, long total, String unit) {
			super(label, total, unit);
			draw(start);
		}

		@Override
		public void advance(long amount) {
			done += amount;
			long now = clock.getAsLong();
			if (now - lastDraw >= REDRAW_INTERVAL_NANOS) {
				draw(now);
			}
		}

		@Override
		public void close() {
			if (closed) {
				return;
			}
			closed = true;
			if (done != drawnDone) {
				draw(clock.getAsLong());
			}
			err.print('\n');
			err.flush();
		}

		private void draw(long now) {
			lastDraw = now;
			drawnDone = done;
			String line = line(label, done, total, seconds(now), rate(now), columns - 1);
			// spaces over what the previous, longer line left
			err.print('\r' + line + " ".repeat(Math.max(0, drawn - line.length())));
			drawn = line.length();
			err.flush();
		}
	}

	/** A line at the start, then at most every 5 s, then a summary: for logs, where redrawing leaves garbage. */
	private final class PlainLines extends Measured {
		private long lastLine;
		private boolean closed;

		PlainLines(String label, long total, String unit) {
			super(label, total, unit);
			lastLine = start;
			err.printf(Locale.ROOT, "%s: 0/%d %s%n", label, total, unit);
			err.flush();
		}

		@Override
		public void advance(long amount) {
			done += amount;
			long now = clock.getAsLong();
			if (now - lastLine >= PLAIN_INTERVAL_NANOS && done < total) {
				lastLine = now;
				double perSecond = done / seconds(now);
				String eta = perSecond > 0 ? clockTime((total - done) / perSecond) : "?";
				err.printf(Locale.ROOT, "%s: %d/%d %s (%d%%), %s, %s left%n", label, done, total, unit, percent(done, total), rate(now), eta);
				err.flush();
			}
		}

		@Override
		public void close() {
			if (closed) {
				return;
			}
			closed = true;
			long now = clock.getAsLong();
			err.printf(Locale.ROOT, "%s: %d/%d %s in %s s (%s)%n", label, done, total, unit, number(seconds(now)), rate(now));
			err.flush();
		}
	}

	/**
	 * {@code label: pp%|bar| done/total [elapsed<remaining, rate]} in at most {@code width} characters: the bar takes what
	 * is left (dropped below 5 characters), then the label is shortened with "...".
	 */
	static String line(String label, long done, long total, double seconds, String rate, int width) {
		long shown = Math.min(done, Math.max(total, done));
		String remaining = done == 0 || total <= 0 ? "?" : clockTime(seconds * Math.max(0, total - done) / done);
		String counts = " " + shown + "/" + total + " [" + clockTime(seconds) + "<" + remaining + ", " + rate + "]";
		String pct = String.format(Locale.ROOT, "%3d%%", percent(done, total));
		int room = width - (label.length() + 2) - pct.length() - counts.length();
		if (room >= 7) { // "|#####|": a bar of at least 5
			int cells = room - 2;
			int filled = total <= 0 ? 0 : (int) Math.min(cells, cells * Math.min(done, total) / total);
			return label + ": " + pct + "|" + "#".repeat(filled) + " ".repeat(cells - filled) + "|" + counts;
		}
		String tail = ": " + pct + counts;
		int labelRoom = width - tail.length();
		if (labelRoom >= label.length()) {
			return label + tail;
		}
		String shortened = labelRoom > 3 ? label.substring(0, labelRoom - 3) + "..." : "";
		String line = shortened + tail;
		return line.length() <= width ? line : line.substring(0, width);
	}

	private static int percent(long done, long total) {
		return total <= 0 ? 100 : (int) Math.min(100, 100 * done / total);
	}

	/** 00:07, 12:34, 1:02:03 */
	static String clockTime(double seconds) {
		long s = Math.round(Math.max(0, seconds));
		return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
				: String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
	}

	/** Three significant digits at most, no exponent: 2857, 286, 28.6, 2.86, 0.286. */
	static String number(double v) {
		if (v >= 100) {
			return String.format(Locale.ROOT, "%.0f", v);
		}
		return String.format(Locale.ROOT, v >= 10 ? "%.1f" : v >= 1 ? "%.2f" : "%.3f", v);
	}

	private static String singular(String unit) {
		return unit.endsWith("s") && unit.length() > 1 ? unit.substring(0, unit.length() - 1) : unit;
	}
}
