package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.Node;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.ExclusionKind;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.LayerOverride;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.TensorQuantization;

/**
 * Fully resolved quantization options: a recipe's {@link QuantizationConfig} with its base schemes
 * applied and every unset option given its default. The engine reads only this.
 */
public record QuantizationSpec(String name, QuantizationTechnique technique, IOType io, TensorSpec weights, TensorSpec activations,
		boolean reduceRange, int opset, CalibrationSettings calibration, List<Exclusion> exclusions, List<Override> overrides) {

	/** Precision, scheme and granularity of one kind of tensor. */
	public record TensorSpec(Precision precision, QuantizationScheme scheme, Granularity granularity) {
		public QuantType type() {
			return QuantType.of(precision);
		}
	}

	/** Leave nodes float by name or op type; {@code pattern} may use * and ? wildcards. */
	public record Exclusion(ExclusionKind kind, String pattern, String reason) {
		public boolean matches(Node node) {
			return glob(pattern).matcher(kind == ExclusionKind.OP_TYPE ? node.opType() : node.name()).matches();
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
		return technique != QuantizationTechnique.NONE;
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
		return exclusions.stream().filter(e -> e.matches(node)).findFirst();
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
		return weights.precision() == Precision.INT16 || activations.precision() == Precision.INT16
				|| overrides.stream().anyMatch(o -> (o.weights() != null && o.weights().precision() == Precision.INT16)
						|| (o.activations() != null && o.activations().precision() == Precision.INT16));
	}

	// ------------------------------------------------------------------ resolution from the recipe model

	/** Resolves a recipe scheme: options come from the scheme, else its base chain, else the defaults. */
	public static QuantizationSpec of(QuantizationConfig config) {
		List<QuantizationConfig> chain = chain(config);
		QuantizationTechnique technique = first(chain, QuantizationConfig::isSetTechnique, QuantizationConfig::getTechnique,
				QuantizationTechnique.FULL_INTEGER);
		IOType io = first(chain, QuantizationConfig::isSetIo, QuantizationConfig::getIo, IOType.FLOAT32);
		boolean reduceRange = first(chain, QuantizationConfig::isSetReduceRange, QuantizationConfig::isReduceRange, false);
		int opset = first(chain, c -> c.getOpset() > 0, QuantizationConfig::getOpset, 0);
		TensorSpec weights = tensor(chain, true);
		TensorSpec activations = tensor(chain, false);
		Calibration calibration = calibration(config);
		CalibrationSettings settings = CalibrationSettings.minMax();
		if (calibration != null) {
			settings = new CalibrationSettings(calibration.getMethod(), calibration.getPercentile(), calibration.getAveragingConstant(),
					calibration.getBins(), activations.type().bits() == 8 ? 128 : 1 << (activations.type().bits() - 1), calibration.getBatchSize(),
					calibration.getSamples());
		}
		List<Exclusion> exclusions = new ArrayList<>();
		List<Override> overrides = new ArrayList<>();
		for (int i = chain.size() - 1; i >= 0; i--) { // base first, so the refining scheme's entries win
			chain.get(i).getExclusions().forEach(e -> exclusions.add(new Exclusion(e.getKind(), e.getPattern(), e.getReason())));
			for (LayerOverride o : chain.get(i).getOverrides()) {
				Range forced = o.isSetRangeMin() && o.isSetRangeMax() ? new Range(o.getRangeMin(), o.getRangeMax()) : null;
				overrides.add(new Override(o.getLayer(), partial(o.getWeights()), partial(o.getActivations()), forced));
			}
		}
		return new QuantizationSpec(config.getName(), technique, io, weights, activations, reduceRange, opset, settings, exclusions, overrides);
	}

	/** The scheme, then its base, its base's base...; a cycle (which the recipe validator reports) ends the chain. */
	public static List<QuantizationConfig> chain(QuantizationConfig config) {
		List<QuantizationConfig> chain = new ArrayList<>();
		for (QuantizationConfig c = config; c != null && !chain.contains(c); c = c.getBase()) {
			chain.add(c);
		}
		return chain;
	}

	/** The calibration block the scheme uses: its own, else its base chain's (null: MinMax on the recipe's calibration data). */
	public static Calibration calibration(QuantizationConfig config) {
		return first(chain(config), c -> c.getCalibration() != null, QuantizationConfig::getCalibration, null);
	}

	private static TensorSpec tensor(List<QuantizationConfig> chain, boolean weights) {
		java.util.function.Function<QuantizationConfig, TensorQuantization> get = weights ? QuantizationConfig::getWeights
				: QuantizationConfig::getActivations;
		// uint8 activations by default: ONNX Runtime fuses U8S8 QDQ groups into integer kernels on x86-64
		Precision precision = first(chain, c -> get.apply(c) != null && get.apply(c).isSetPrecision(), c -> get.apply(c).getPrecision(),
				weights ? Precision.INT8 : Precision.UINT8);
		QuantizationScheme scheme = first(chain, c -> get.apply(c) != null && get.apply(c).isSetScheme(), c -> get.apply(c).getScheme(),
				weights ? QuantizationScheme.SYMMETRIC : QuantizationScheme.ASYMMETRIC);
		Granularity granularity = first(chain, c -> get.apply(c) != null && get.apply(c).isSetGranularity(), c -> get.apply(c).getGranularity(),
				weights ? Granularity.PER_CHANNEL : Granularity.PER_TENSOR);
		return new TensorSpec(precision, scheme, granularity);
	}

	private static TensorSpec partial(TensorQuantization t) {
		if (t == null) {
			return null;
		}
		return new TensorSpec(t.isSetPrecision() ? t.getPrecision() : null, t.isSetScheme() ? t.getScheme() : null,
				t.isSetGranularity() ? t.getGranularity() : null);
	}

	private static <T> T first(List<QuantizationConfig> chain, java.util.function.Predicate<QuantizationConfig> isSet,
			java.util.function.Function<QuantizationConfig, T> get, T fallback) {
		for (QuantizationConfig c : chain) {
			if (isSet.test(c)) {
				return get.apply(c);
			}
		}
		return fallback;
	}
}
