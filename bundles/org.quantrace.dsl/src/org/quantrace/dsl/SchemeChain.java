package org.quantrace.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.DynamicKernels;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.TensorQuantization;

/**
 * What a scheme says once its {@code extends} chain is applied: every option from the scheme itself, else
 * from its base, its base's base..., else the language's default. The validator checks schemes by it and
 * the runner resolves them to the engine's spec by it, so both read a chain the same way. The defaults are
 * the engine's (a runner test compares them).
 */
public final class SchemeChain {

	private SchemeChain() {
	}

	/** The scheme, then its base, its base's base...; a cycle (which the validator reports) ends the chain, as does an unresolved base. */
	public static List<QuantizationConfig> of(QuantizationConfig config) {
		List<QuantizationConfig> chain = new ArrayList<>();
		// seen by identity in a set: the list's contains made each chain quadratic, and a recipe of 3,000 chained schemes took minutes
		// to validate (hostile16)
		java.util.Set<QuantizationConfig> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
		for (QuantizationConfig c = config; c != null && !c.eIsProxy() && seen.add(c); c = c.getBase()) {
			chain.add(c);
		}
		return chain;
	}

	public static QuantizationTechnique technique(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetTechnique, QuantizationConfig::getTechnique, QuantizationTechnique.FULL_INTEGER);
	}

	public static IOType io(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetIo, QuantizationConfig::getIo, IOType.FLOAT32);
	}

	public static boolean reduceRange(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetReduceRange, QuantizationConfig::isReduceRange, false);
	}

	/** Which kernels dynamic-range quantization writes; auto by default. */
	public static DynamicKernels kernels(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetKernels, QuantizationConfig::getKernels, DynamicKernels.AUTO);
	}

	/** Whether full-integer quantization leaves float the layers ONNX Runtime's integer kernels run slower; off by default. */
	public static boolean floatSlowKernels(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetFloatSlowKernels, QuantizationConfig::isFloatSlowKernels, false);
	}

	/** Whether full-integer quantization corrects its int32 biases by the calibration data's mean error; off by default. */
	public static boolean biasCorrection(QuantizationConfig c) {
		return first(c, QuantizationConfig::isSetBiasCorrection, QuantizationConfig::isBiasCorrection, false);
	}

	/** The opset to write; 0: the lowest the quantization needs. */
	public static int opset(QuantizationConfig c) {
		return first(c, x -> x.getOpset() > 0, QuantizationConfig::getOpset, 0);
	}

	/** The calibration block the scheme uses: its own, else its base chain's (null: MinMax on the recipe's calibration data). */
	public static Calibration calibration(QuantizationConfig c) {
		return first(c, x -> x.getCalibration() != null, QuantizationConfig::getCalibration, null);
	}

	/** Weights: int8 by default; activations: uint8 (ONNX Runtime fuses U8S8 QDQ groups into integer kernels on x86-64). */
	public static Precision precision(QuantizationConfig c, boolean weights) {
		return tensor(c, weights, TensorQuantization::isSetPrecision, TensorQuantization::getPrecision, weights ? Precision.INT8 : Precision.UINT8);
	}

	public static QuantizationScheme scheme(QuantizationConfig c, boolean weights) {
		return tensor(c, weights, TensorQuantization::isSetScheme, TensorQuantization::getScheme,
				weights ? QuantizationScheme.SYMMETRIC : QuantizationScheme.ASYMMETRIC);
	}

	public static Granularity granularity(QuantizationConfig c, boolean weights) {
		return tensor(c, weights, TensorQuantization::isSetGranularity, TensorQuantization::getGranularity,
				weights ? Granularity.PER_CHANNEL : Granularity.PER_TENSOR);
	}

	private static <T> T tensor(QuantizationConfig c, boolean weights, Predicate<TensorQuantization> isSet, Function<TensorQuantization, T> get,
			T fallback) {
		Function<QuantizationConfig, TensorQuantization> of = weights ? QuantizationConfig::getWeights : QuantizationConfig::getActivations;
		return first(c, x -> of.apply(x) != null && isSet.test(of.apply(x)), x -> get.apply(of.apply(x)), fallback);
	}

	private static <T> T first(QuantizationConfig c, Predicate<QuantizationConfig> isSet, Function<QuantizationConfig, T> get, T fallback) {
		for (QuantizationConfig x : of(c)) {
			if (isSet.test(x)) {
				return get.apply(x);
			}
		}
		return fallback;
	}
}
