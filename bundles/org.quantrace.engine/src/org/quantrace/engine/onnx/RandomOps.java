package org.quantrace.engine.onnx;

import java.util.List;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;

/**
 * The ops that draw random numbers. Without a {@code seed} attribute ONNX Runtime seeds them from the clock once per
 * process (its utils::GetRandomSeed), so a model holding one computes other outputs in every process: its calibration
 * ranges, its quantized file and every figure measured on it differ from run to run, and no second run derives them
 * again. Found with make_unseen17.py "noisy" (a Gaussian-noise layer left on at inference, exported as
 * RandomNormalLike): two `quantize` runs wrote two different fiq-int8 files, and two evaluations of the same model read
 * 0.5860 and 0.5960 with the noise scaled to 3. With a seed, every session draws the same values for the same batches.
 */
public final class RandomOps {

	/** ONNX's random generators (ai.onnx). */
	public static final Set<String> GENERATORS = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
			"Bernoulli");

	private RandomOps() {
	}

	/** The random generators of {@code model}, subgraphs included, that have no seed attribute. */
	public static List<Node> unseeded(OnnxModel model) {
		return model.graph().allNodes().stream().filter(n -> GENERATORS.contains(n.opType()) && n.attribute("seed").isEmpty()).toList();
	}

	/** What makes {@code model} draw other outputs in every process, or null when it holds no unseeded random op. */
	public static String unseededIn(OnnxModel model, String name) {
		List<Node> found = unseeded(model);
		if (found.isEmpty()) {
			return null;
		}
		Node first = found.get(0);
		return name + " holds " + found.size() + " random op" + (found.size() == 1 ? "" : "s") + " without a seed (the first: " + first.opType()
				+ (first.name().isEmpty() ? "" : " '" + first.name() + "'") + "): ONNX Runtime seeds it from the clock, so the model's outputs differ"
				+ " from process to process";
	}

	/**
	 * Refuses a model whose outputs ONNX Runtime draws anew in every process ({@code what}: what would differ from run to run).
	 *
	 * @throws InvalidInputException naming the unseeded ops, with how to remove them or seed them as the hint
	 */
	public static void requireSeeded(OnnxModel model, String name, String what) {
		String unseeded = unseededIn(model, name);
		if (unseeded != null) {
			throw new InvalidInputException(unseeded + ", and so would " + what, HINT);
		}
	}

	/** How to make such a model repeatable. */
	public static final String HINT = "remove it from the inference graph (torch: draw the noise under `if self.training:` and export after"
			+ " model.eval()), or give it a seed attribute (onnx: helper.make_attribute(\"seed\", 0.0)) so that every run draws the same values";
}
