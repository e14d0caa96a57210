package org.quantrace.ide.run;

import java.util.Locale;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.OperationCanceledException;
import org.quantrace.engine.Progress;

/**
 * The engine's progress reports (calibrating, evaluating...) as the sub-task of an Eclipse job, so they show
 * in the Progress view; Cancel stops the run at its next step, which unwinds and leaves nothing half-written.
 */
final class JobProgress implements Progress {

	private static final long REFRESH_NANOS = 150_000_000L;

	private final IProgressMonitor monitor;

	JobProgress(IProgressMonitor monitor) {
		this.monitor = monitor;
	}

	@Override
	public Task start(String label, long total, String unit) {
		check();
		monitor.subTask(label);
		return new Task() {
			private long done;
			private long shown = System.nanoTime();

			@Override
			public void advance(long amount) {
				done += amount;
				long now = System.nanoTime();
				if (now - shown > REFRESH_NANOS || done >= total) {
					shown = now;
					monitor.subTask(total > 0 ? String.format(Locale.ROOT, "%s: %,d of %,d %s", label, done, total, unit) : label);
				}
				check();
			}

			@Override
			public void close() {
			}
		};
	}

	private void check() {
		if (monitor.isCanceled()) {
			throw new OperationCanceledException();
		}
	}
}
