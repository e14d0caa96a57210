package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.quantrace.engine.Keyword;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.Node;

/**
 * Fully resolved quantization options, the engine's own: every option has its value (a front end such as
 * the recipe runner or the command line fills them from its own terms, starting from {@link #builder} or a
 * preset of {@link Schemes}). The quantizer reads only this.
 */
public record QuantizationSpec(String name, Technique technique, IoType io, TensorSpec weights, TensorSpec activations, boolean reduceRange,
		int opset, CalibrationSettings calibration, List<Exclusion> exclusions, List<Override> overrides, Kernels kernels,
		boolean alignDepthwise, boolean floatSlowKernels, boolean biasCorrection) {

	/** Whether and how a model is quantized. */
	public enum Technique implements Keyword {
		/** The model stays float (the deck's unquantized conversion). */
		NONE,
		/** Int8 weights; activations quantized at run time from each batch's range. */
		DYNAMIC_RANGE,
		/** Weights and activations quantized (QDQ), activation ranges calibrated. */
		FULL_INTEGER
	}

	/**
	 * Which kernels dynamic-range quantization writes. ONNX Runtime's dynamic integer kernels are not always
	 * faster than float (ConvInteger ran at 0.07-0.24x the float Conv): AUTO takes them only where they were
	 * measured faster (large MatMul/Gemm weights, LSTM) and elsewhere stores int8 weights that are dequantized
	 * once, at load, and computed in float (weight-only); DYNAMIC takes them wherever one exists (and warns
	 * where they are slower); WEIGHT_ONLY never.
	 */
	public enum Kernels implements Keyword {
		AUTO, DYNAMIC, WEIGHT_ONLY
	}

	/** The element type of the model's inputs and outputs. */
	public enum IoType implements Keyword {
		FLOAT32, INT8, UINT8;

		/** The integer type, or null for float32. */
		public QuantType quantType() {
			return switch (this) {
			case FLOAT32 -> null;
			case INT8 -> QuantType.INT8;
			case UINT8 -> QuantType.UINT8;
			};
		}
	}

	/** Symmetric: zero point 0 (signed) or mid-range (unsigned); asymmetric: the range's own. */
	public enum Symmetry implements Keyword {
		SYMMETRIC, ASYMMETRIC
	}

	/** One scale per tensor, per output channel, or per group of a channel's weights. */
	public enum Granularity implements Keyword {
		PER_TENSOR, PER_CHANNEL, PER_GROUP
	}

	public QuantizationSpec {
		exclusions = List.copyOf(exclusions);
		overrides = List.copyOf(overrides);
	}

	/** Precision, scheme and granularity of one kind of tensor (in an {@link Override}, null = the scheme's). */
	public record TensorSpec(QuantType precision, Symmetry scheme, Granularity granularity) {
	}

	/**
	 * Leave nodes float by name or op type; {@code pattern} may use * and ? wildcards. {@code by}: who excluded them, as the
	 * layer's reason says it ("the recipe, line 12", "the command's --exclude op:Gemm"): a `quantrace quantize --exclude` has no
	 * recipe, and its reasons said "excluded by the recipe".
	 */
	public record Exclusion(Kind kind, String pattern, String reason, String by) {

		/** Who excluded a node when the caller does not say. */
		public static final String RECIPE = org.quantrace.engine.ExcludedBy.RECIPE;

		public Exclusion(Kind kind, String pattern, String reason) {
			this(kind, pattern, reason, RECIPE);
		}

		/** The layer's reason: the exclusion's own words, else {@link #byWhom}. */
		public String words() {
			return reason != null && !reason.isBlank() ? reason : byWhom();
		}

		/** "excluded by the recipe, line 12 (op Gemm)", "excluded by the command's option --exclude (node /c1/Conv)". */
		public String byWhom() {
			return org.quantrace.engine.ExcludedBy.words(by, kind.literal(), pattern);
		}

		/** What the pattern matches: the node's name, or its op type. */
		public enum Kind implements Keyword {
			NODE, OP
		}

		public boolean matches(Node node) {
			return matches(node.name(), node.opType());
		}

		/** Whether it matches a node of that name and op type: a node of the model, or a layer's record (verify). */
		public boolean matches(String name, String opType) {
			return glob(pattern).matcher(kind == Kind.OP ? opType : name).matches();
		}
	}

	/** Per-layer settings: any field may be null (= the scheme's setting). */
	public record Override(String layer, TensorSpec weights, TensorSpec activations, Range outputRange) {
		public boolean matches(Node node) {
			return glob(layer).matcher(node.name()).matches();
		}
	}

	static Pattern glob(String pattern) {
		StringBuilder re = new StringBuilder();
		for (char c : pattern.toCharArray()) {
			re.append(switch (c) {
			case '*' -> ".*";
			case '?' -> ".";
			default -> Pattern.quote(String.valueOf(c));
			});
		}
		return Pattern.compile(re.toString());
	}

	public boolean isQuantized() {
		return technique != Technique.NONE;
	}

	/** The override for {@code node}, if any (the last matching one wins, as in a recipe read top-down). */
	public Optional<Override> overrideFor(Node node) {
		Override found = null;
		for (Override o : overrides) {
			if (o.matches(node)) {
				found = o;
			}
		}
		return Optional.ofNullable(found);
	}

	public Optional<Exclusion> exclusionFor(Node node) {
		return exclusionFor(node.name(), node.opType());
	}

	/**
	 * The exclusion that leaves a node of that name and op type float: the first matching one (a base scheme's before its
	 * refinement's). verify asks it of each layer's record, to hold the reason against the recipe with the rule the run decided by.
	 */
	public Optional<Exclusion> exclusionFor(String name, String opType) {
		return exclusions.stream().filter(e -> e.matches(name, opType)).findFirst();
	}

	/** Weight settings of {@code node}, its override applied. */
	public TensorSpec weightsFor(Node node) {
		return overrideFor(node).map(Override::weights).map(w -> merge(w, weights)).orElse(weights);
	}

	/** Output activation settings of {@code node}, its override applied. */
	public TensorSpec activationsFor(Node node) {
		return overrideFor(node).map(Override::activations).map(a -> merge(a, activations)).orElse(activations);
	}

	private static TensorSpec merge(TensorSpec specific, TensorSpec general) {
		return new TensorSpec(specific.precision() != null ? specific.precision() : general.precision(),
				specific.scheme() != null ? specific.scheme() : general.scheme(),
				specific.granularity() != null ? specific.granularity() : general.granularity());
	}

	/** Whether any tensor is quantized to 16 bits (needs opset 21 QDQ). */
	public boolean usesInt16() {
		return weights.precision() == QuantType.INT16 || activations.precision() == QuantType.INT16
				|| overrides.stream().anyMatch(o -> (o.weights() != null && o.weights().precision() == QuantType.INT16)
						|| (o.activations() != null && o.activations().precision() == QuantType.INT16));
	}

	/** The widest activation type, per-layer overrides included (what calibration must serve). */
	public int activationBits() {
		int bits = activations.precision().bits();
		for (Override o : overrides) {
			if (o.activations() != null && o.activations().precision() != null) {
				bits = Math.max(bits, o.activations().precision().bits());
			}
		}
		return bits;
	}

	// ------------------------------------------------------------------ building

	/**
	 * A spec named {@code name} with the defaults: full-integer with float32 I/O, int8 symmetric per-channel
	 * weights, uint8 asymmetric per-tensor activations (ONNX Runtime fuses these U8S8 QDQ groups into
	 * integer kernels on x86-64), MinMax calibration, depthwise Convs widened to the channel multiple ONNX Runtime's integer
	 * depthwise kernel needs (unless {@link #ALIGN_DEPTHWISE} is "false").
	 */
	public static Builder builder(String name) {
		return new Builder(new QuantizationSpec(name, Technique.FULL_INTEGER, IoType.FLOAT32,
				new TensorSpec(QuantType.INT8, Symmetry.SYMMETRIC, Granularity.PER_CHANNEL),
				new TensorSpec(QuantType.UINT8, Symmetry.ASYMMETRIC, Granularity.PER_TENSOR), false, 0, CalibrationSettings.minMax(), List.of(),
				List.of(), Kernels.AUTO, !"false".equals(System.getProperty(ALIGN_DEPTHWISE)), "true".equals(System.getProperty(FLOAT_SLOW_KERNELS)),
				false));
	}

	/**
	 * The system property that sets {@link Builder#floatSlowKernels}'s default for a whole JVM
	 * ({@code -Dquantrace.quantize.floatSlowKernels=true}, e.g. through QUANTRACE_JAVA_OPTS or JAVA_TOOL_OPTIONS for the zoo bench).
	 */
	public static final String FLOAT_SLOW_KERNELS = "quantrace.quantize.floatSlowKernels";

	/**
	 * The system property that sets {@link Builder#alignDepthwise}'s default for a whole JVM, for a front end that
	 * offers no switch of its own ({@code -Dquantrace.quantize.alignDepthwise=false}, e.g. through QUANTRACE_JAVA_OPTS,
	 * to measure or quantize without the padding). The logs say either way which layers were widened.
	 */
	public static final String ALIGN_DEPTHWISE = "quantrace.quantize.alignDepthwise";

	/** A builder starting from this spec. */
	public Builder toBuilder() {
		return new Builder(this);
	}

	/** Sets options one by one; exclusions and overrides add up, later ones winning as in a recipe read top-down. */
	public static final class Builder {
		private String name;
		private Technique technique;
		private IoType io;
		private TensorSpec weights;
		private TensorSpec activations;
		private boolean reduceRange;
		private int opset;
		private CalibrationSettings calibration;
		private final List<Exclusion> exclusions;
		private final List<Override> overrides;
		private Kernels kernels;
		private boolean alignDepthwise;
		private boolean floatSlowKernels;
		private boolean biasCorrection;

		private Builder(QuantizationSpec s) {
			name = s.name;
			technique = s.technique;
			io = s.io;
			weights = s.weights;
			activations = s.activations;
			reduceRange = s.reduceRange;
			opset = s.opset;
			calibration = s.calibration;
			exclusions = new ArrayList<>(s.exclusions);
			overrides = new ArrayList<>(s.overrides);
			kernels = s.kernels;
			alignDepthwise = s.alignDepthwise;
			floatSlowKernels = s.floatSlowKernels;
			biasCorrection = s.biasCorrection;
		}

		/**
		 * Whether full-integer quantization widens depthwise Convs with zero channels to the channel multiple ONNX
		 * Runtime's fast symmetric int8 depthwise kernel needs ({@link DepthwisePadding}; on by default: the network
		 * computes the same, with a few percent more MACs, and the logs say which layers were widened). Off keeps
		 * every weight at its float model's shape.
		 */
		public Builder alignDepthwise(boolean a) {
			alignDepthwise = a;
			return this;
		}

		/**
		 * Whether full-integer quantization leaves float the nodes whose integer kernel the op table records as slower
		 * than float for that node ({@link OpRule.Kernel#slowerFor}: narrow Convs), with the ops around them as one float
		 * island. Off by default: on the zoo MobileNetV3s it saved 2-6 % of the one-thread CPU time and ran 5-9 % faster
		 * head to head with two threads on a quiet machine (the float island's layout changes and Q/DQ nodes cost most of
		 * what the narrow Convs save); it leaves 2-3 % of the MACs float and improves accuracy slightly
		 * (docs/zoo-bench.md, "MobileNetV3 int8 after the padding"). Measured again as a default candidate on the 18 zoo and
		 * unseen models it changes (tests/data/wild/README.md, branch speed12): 1-23 % faster on most, but 5-26 % slower on
		 * shufflev1 and res2net (their exact grouped-as-dense and pool rewrites undone in the float island), below 90 % integer
		 * MACs on shufflev1 and tfsame, and 0.13-0.24 pt less accurate on four; so it stays a request.
		 */
		public Builder floatSlowKernels(boolean f) {
			floatSlowKernels = f;
			return this;
		}

		/**
		 * Whether full-integer quantization corrects each int32 bias by the per-channel mean error of its layer over the
		 * calibration samples ({@link BiasCorrection}). Off by default: it recovered round 23's shift (fiq-float32 0.6680 to
		 * 0.6810, fp32 0.6795) but cost MobileNetV2 0.35 pt in a simulation (tests/data/wild/README.md, accuracy26), where 300
		 * samples estimate a depthwise channel's mean coarsely; so it is a request.
		 */
		public Builder biasCorrection(boolean b) {
			biasCorrection = b;
			return this;
		}

		/** Which kernels dynamic-range quantization writes. */
		public Builder kernels(Kernels k) {
			kernels = k;
			return this;
		}

		public Builder name(String n) {
			name = n;
			return this;
		}

		public Builder technique(Technique t) {
			technique = t;
			return this;
		}

		public Builder io(IoType t) {
			io = t;
			return this;
		}

		/** The weights' settings; null fields keep the current ones. */
		public Builder weights(TensorSpec w) {
			weights = merge(w, weights);
			return this;
		}

		/** The activations' settings; null fields keep the current ones. */
		public Builder activations(TensorSpec a) {
			activations = merge(a, activations);
			return this;
		}

		public Builder reduceRange(boolean r) {
			reduceRange = r;
			return this;
		}

		/** The opset to write (0: the lowest the quantization needs). */
		public Builder opset(int o) {
			opset = o;
			return this;
		}

		public Builder calibration(CalibrationSettings c) {
			calibration = c;
			return this;
		}

		public Builder exclude(Exclusion.Kind kind, String pattern, String reason) {
			exclusions.add(new Exclusion(kind, pattern, reason));
			return this;
		}

		/** An exclusion whose reason names {@code by} as who excluded the nodes ({@link Exclusion#by}). */
		public Builder exclude(Exclusion.Kind kind, String pattern, String reason, String by) {
			exclusions.add(new Exclusion(kind, pattern, reason, by));
			return this;
		}

		public Builder override(Override o) {
			overrides.add(o);
			return this;
		}

		public QuantizationSpec build() {
			return new QuantizationSpec(name, technique, io, weights, activations, reduceRange, opset, calibration, exclusions, overrides, kernels, alignDepthwise, floatSlowKernels,
					biasCorrection);
		}
	}
}
