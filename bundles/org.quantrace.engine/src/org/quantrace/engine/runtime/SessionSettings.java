package org.quantrace.engine.runtime;

import java.nio.file.Path;

/**
 * How an {@link InferenceSession} runs: threads for one operator (0 = ONNX Runtime's default, one per
 * core), graph optimization level, optionally where to save the graph ONNX Runtime optimized (to check
 * which kernels it fused), whether its threads spin between runs (fastest back-to-back inference, but
 * they hold the cores while Java works on the outputs between runs), whether its memory comes from an arena, and whether
 * ONNX Runtime keeps a second, prepacked copy of the weights.
 */
public record SessionSettings(int intraOpThreads, Optimization optimization, Path optimizedModelPath, boolean spinning, boolean arena, boolean prepacking) {

	/** ONNX Runtime graph optimization levels. */
	public enum Optimization {
		NONE, BASIC, EXTENDED, ALL
	}

	public static SessionSettings defaults() {
		return new SessionSettings(0, Optimization.ALL, null, true, true, true);
	}

	public SessionSettings withThreads(int threads) {
		return new SessionSettings(threads, optimization, optimizedModelPath, spinning, arena, prepacking);
	}

	public SessionSettings withOptimization(Optimization level) {
		return new SessionSettings(intraOpThreads, level, optimizedModelPath, spinning, arena, prepacking);
	}

	public SessionSettings withOptimizedModelPath(Path path) {
		return new SessionSettings(intraOpThreads, optimization, path, spinning, arena, prepacking);
	}

	/** Threads that sleep as soon as a run ends, leaving the cores to Java's work between runs. */
	public SessionSettings withoutSpinning() {
		return new SessionSettings(intraOpThreads, optimization, optimizedModelPath, false, arena, prepacking);
	}

	/**
	 * Memory taken from the system for each run and given back when it ends, instead of from ONNX Runtime's arena, which
	 * keeps the most a run ever needed until the session closes. For a session that runs once (the shape probe, the fusions'
	 * check): a session that runs again and again is faster with its arena (without, conversion's check of a 320x320 U-Net
	 * ran several times slower: every Conv's workspace taken from the system and given back), and keeps it small by running
	 * chunks within the {@link ActivationBudget}.
	 */
	public SessionSettings withoutArena() {
		return new SessionSettings(intraOpThreads, optimization, optimizedModelPath, spinning, false, prepacking);
	}

	/**
	 * Weights kept once, as the model stores them, instead of also in the layout ONNX Runtime's MatMul and Conv kernels
	 * prefer, which it otherwise makes when the session opens (a second copy of most of the weights: about 100 MB for
	 * ConvNeXt-T). Each run then packs what it multiplies, which costs little beside the run's own work for large inputs: for
	 * sessions that stay open beside another (conversion's check holds the original and the converted model).
	 */
	public SessionSettings withoutPrepacking() {
		return new SessionSettings(intraOpThreads, optimization, optimizedModelPath, spinning, arena, false);
	}
}
