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
 * A Dropout whose training_mode input (opset 12+) is true, or not a constant, draws its mask the same way (ONNX Runtime's
 * Dropout kernel, clock-seeded without a {@code seed} attribute; round 17's dropt.onnx, noisy's noise swapped for
 * Dropout(h, 0.2, true)) wherever ONNX Runtime keeps it: a session that reads its output (calibration and the debugger read
 * every tensor), its mask read, or a session run unoptimized. Where only the next node reads it, ONNX Runtime's optimizer
 * removes it (EliminateDropout ignores training_mode outside training builds), so a plain evaluation happens to repeat
 * (UnseededRandomOpsTest). Freezing a model for inference (quantrace convert, quantize's pre-processing, a recipe's
 * original evaluated as it behaves at inference) sets every Dropout to inference mode, so it draws nothing then.
 */
public final class RandomOps {

	/** ONNX's random generators (ai.onnx). */
	public static final Set<String> GENERATORS = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
			"Bernoulli");

	private RandomOps() {
	}

	/** The random generators of {@code model}, and its Dropouts in training mode, subgraphs included, that have no seed attribute. */
	public static List<Node> unseeded(OnnxModel model) {
		return model.graph().allNodes().stream().filter(n -> (GENERATORS.contains(n.opType()) || trainingDropout(n)) && n.attribute("seed").isEmpty())
				.toList();
	}

	/**
	 * A Dropout that may draw a mask at run time: its training_mode input is given and is not a constant false (a constant
	 * true, or a graph input or computed value that may be true), and its ratio is not a constant 0 (nothing dropped).
	 */
	static boolean trainingDropout(Node n) {
		if (!n.opType().equals("Dropout") || !n.domain().isEmpty() || n.inputs().size() < 3 || n.input(2).isEmpty()) {
			return false;
		}
		Tensor mode = n.graph().constant(n.input(2));
		Tensor ratio = n.input(1).isEmpty() ? null : n.graph().constant(n.input(1));
		boolean nothingDropped = ratio != null && ratio.toFloatArray().length == 1 && ratio.toFloatArray()[0] == 0f;
		return !nothingDropped && (mode == null || mode.toLongArray().length != 1 || mode.toLongArray()[0] != 0);
	}

	/** How {@code n} is named in a message: its op (a Dropout with its mode), and its name. */
	private static String named(Node n) {
		return n.opType() + (n.opType().equals("Dropout") ? " in training mode" : "") + (n.name().isEmpty() ? "" : " '" + n.name() + "'");
	}

	/**
	 * The unseeded random ops that draw in a session that reads the model's outputs only (an evaluation): ONNX Runtime's optimizer
	 * removes a Dropout whose output only other nodes read and whose mask nothing reads, whatever its training_mode.
	 */
	public static List<Node> unseededInEvaluation(OnnxModel model) {
		Graph main = model.graph();
		return unseeded(model).stream().filter(n -> !n.opType().equals("Dropout") || n.graph().isOutput(n.output(0))
				|| n.outputs().size() > 1 && !n.output(1).isEmpty() && main.allNodes().stream().anyMatch(r -> r.inputs().contains(n.output(1)))).toList();
	}

	/** What makes {@code model} draw other outputs in every process, or null when it holds no unseeded random op. */
	public static String unseededIn(OnnxModel model, String name) {
		return described(unseeded(model), name);
	}

	/** {@link #unseededIn} of the ops that draw in an evaluation ({@link #unseededInEvaluation}). */
	public static String unseededInEvaluation(OnnxModel model, String name) {
		return described(unseededInEvaluation(model), name);
	}

	/** What {@code found} (unseeded random ops of the model {@code name}) make the model do, or null when there are none. */
	public static String described(List<Node> found, String name) {
		if (found.isEmpty()) {
			return null;
		}
		Node first = found.get(0);
		return name + " holds " + found.size() + " random op" + (found.size() == 1 ? "" : "s") + " without a seed (the first: " + named(first)
				+ "): ONNX Runtime seeds it from the clock, so the model's outputs differ"
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
			+ " model.eval()), or give it a seed attribute (onnx: helper.make_attribute(\"seed\", 0.0)) so that every run draws the same values; a Dropout in training mode (it draws wherever ONNX Runtime keeps it: a session reading its output, as"
			+ " calibration and the debugger do): `quantrace convert` (a recipe's convert step) sets it to inference mode, where it passes its input through";
}
