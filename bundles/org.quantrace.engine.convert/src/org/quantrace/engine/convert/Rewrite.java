package org.quantrace.engine.convert;

/**
 * One function-preserving rewrite the conversion made, as PhIMT0002 lists it: of which kind (constant nodes, constant
 * folding, shape arithmetic, control flow, fusion, opset, layout transposes, channel pieces, activations,
 * model-local functions, precision, no-op casts, matrix products) and what was found and done, naming the nodes.
 */
public record Rewrite(String kind, String description, boolean made) {

	/** A rewrite made. */
	public Rewrite(String kind, String description) {
		this(kind, description, true);
	}

	/** One that was found but not made, and why (reported all the same). */
	static Rewrite notMade(String kind, String description) {
		return new Rewrite(kind, description, false);
	}

	public static final String CONSTANT_NODES = "constant nodes";
	public static final String CONSTANTS = "constant folding";
	public static final String SHAPES = "shape arithmetic";
	public static final String CONTROL_FLOW = "control flow";
	public static final String FUSION = "fusion";
	public static final String OPSET = "opset";
	public static final String FUNCTIONS = "model-local functions";
	public static final String PRECISION = "precision";
	public static final String NO_OP_CASTS = "no-op casts";
	/** Einsum, MatMul and Gemm rewritten into the forms integer kernels read (weights second, no transA). */
	public static final String MATRIX_PRODUCTS = "matrix products";
	/** The model's own Transposes cancelled in inverse pairs (an NHWC export's wrappers around each Conv, pool and BatchNormalization). */
	public static final String LAYOUT = "layout transposes";
	/** A Conv that only channel Slices or Splits read written as one Conv per piece ({@link ChannelPieces}). */
	public static final String CHANNEL_PIECES = "channel pieces";
	/** An activation written in an equivalent form integer kernels run (a per-channel PRelu as products and a sum, {@link PReluForms}). */
	public static final String ACTIVATIONS = "activations";
	/** A Sum of n inputs written as n - 1 Adds, which integer kernels run ({@link SumAsAdds}). */
	public static final String SUMS = "sums";

	/** An attention's scalar 1/√d Mul or Div folded into the weights and bias of Q's projection ({@link AttentionScales}). */
	public static final String ATTENTION_SCALES = "attention scales";

	/** A quantization-aware-trained export's QDQ Conv with what follows it folded into its scales, its codes kept ({@link TrainedCodes}). */
	public static final String TRAINED_CODES = "trained quantization";

	@Override
	public String toString() {
		return kind + ": " + description;
	}
}
