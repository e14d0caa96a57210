package org.quantrace.engine.runtime;

import java.nio.file.Path;

/**
 * How an {@link InferenceSession} runs: threads for one operator (0 = ONNX Runtime's default, one per
 * core), graph optimization level, optionally where to save the graph ONNX Runtime optimized (to check
 * which kernels it fused), and whether its threads spin between runs (fastest back-to-back inference, but
 * they hold the cores while Java works on the outputs between runs).
 */
public record SessionSettings(int intraOpThreads, Optimization optimization, Path optimizedModelPath, boolean spinning) {

	/** ONNX Runtime graph optimization levels. */
	public enum Optimization {
		NONE, BASIC, EXTENDED, ALL
	}

	public static SessionSettings defaults() {
		return new SessionSettings(0, Optimization.ALL, null, true);
	}

	public SessionSettings withThreads(int threads) {
		return new SessionSettings(threads, optimization, optimizedModelPath, spinning);
	}

	public SessionSettings withOptimization(Optimization level) {
		return new SessionSettings(intraOpThreads, level, optimizedModelPath, spinning);
	}

	public SessionSettings withOptimizedModelPath(Path path) {
		return new SessionSettings(intraOpThreads, optimization, path, spinning);
	}

	/** Threads that sleep as soon as a run ends, leaving the cores to Java's work between runs. */
	public SessionSettings withoutSpinning() {
		return new SessionSettings(intraOpThreads, optimization, optimizedModelPath, false);
	}
}
