package org.quantrace.runner;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import org.quantrace.engine.Progress;

/**
 * How to run a recipe: the output folder, the schemes to run (empty: all), the shard, the run time
 * written into the trace and logs, and whether wall-clock measurements (latency) are left out so that two
 * runs give byte-identical outputs (reproducible mode, as under SOURCE_DATE_EPOCH).
 */
public record RunOptions(Path out, Set<String> only, Shard shard, Instant runTime, boolean reproducible, Progress progress, PrintWriter log) {

	/** The run time: SOURCE_DATE_EPOCH (seconds) when set, which also makes the run reproducible; else now. */
	public static RunOptions of(Path out, Set<String> only, Shard shard, Progress progress, PrintWriter log) {
		String epoch = System.getenv("SOURCE_DATE_EPOCH");
		if (epoch != null && epoch.trim().matches("\\d+")) {
			return new RunOptions(out, only, shard, Instant.ofEpochSecond(Long.parseLong(epoch.trim())), true, progress, log);
		}
		return new RunOptions(out, only, shard, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), false, progress, log);
	}

	public RunOptions withRunTime(Instant time, boolean reproducibleRun) {
		return new RunOptions(out, only, shard, time, reproducibleRun, progress, log);
	}
}
