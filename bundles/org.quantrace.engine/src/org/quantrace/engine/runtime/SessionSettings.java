package org.quantrace.engine.runtime;

import java.nio.file.Path;

/**
 * How an {@link InferenceSession} runs: threads for one operator (0 = ONNX Runtime's default, one per
 * core), graph optimization level, and optionally where to save the graph ONNX Runtime optimized
 * (to check which kernels it fused).
 */
public record SessionSettings(int intraOpThreads, Optimization optimization, Path optimizedModelPath) {

	/** ONNX Runtime graph optimization levels. */
	public enum Optimization {
		NONE, BASIC, EXTENDED, ALL
	}

	public static SessionSettings defaults() {
		return new SessionSettings(0, Optimization.ALL, null);
	}

	public SessionSettings withThreads(int threads) {
		return new SessionSettings(threads, optimization, optimizedModelPath);
	}

	public SessionSettings withOptimization(Optimization level) {
		return new SessionSettings(intraOpThreads, level, optimizedModelPath);
	}

	public SessionSettings withOptimizedModelPath(Path path) {
		return new SessionSettings(intraOpThreads, optimization, path);
	}
}
