package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.OpRule.Drq;
import org.quantrace.engine.quantize.OpRule.DrqForm;
import org.quantrace.engine.quantize.OpRule.Form;
import org.quantrace.engine.quantize.OpRule.Kernel;
import org.quantrace.engine.quantize.OpRule.WeightInput;

/**
 * The table of {@link OpRule}s, one per op family, and the lookups every quantization step uses. The kernel
 * facts are ONNX Runtime 1.29's (CPU, x86-64), read from the models it optimizes (see docs/build-notes.md);
 * the dynamic-range speed facts were measured with interleaved runs against float (same notes).
 */
public final class OpRules {

	/** Dynamic MatMul beats float MatMul once the weight has this many elements (K·N; 128x128 gained ~10 %, 256x256 ~1.8x). */
	static final long DYNAMIC_MATMUL_MIN_WEIGHTS = 32_768;

	private static final List<OpRule> RULES = new ArrayList<>();
	private static final Map<String, OpRule> BY_OP = new HashMap<>();

	static final String FLOAT_ISLAND = "it runs in float; its input is dequantized once and its output quantized only where an integer op reads it";

	/**
	 * Ops whose 8-bit output loses what float ops after them compare: a Sigmoid's codes at scale 1/255 put every input above
	 * ~5.5 on the top code. Round 20's centernet (make_unseen20.py) takes its class scores and detections from a Sigmoid heat
	 * map through float ops only (the MaxPool peak trick's Equal, Cast and Mul, ReduceMax, TopK): with QLinearSigmoid 20 % of
	 * 2,000 images had their two best classes on one code, fiq-float32 at 0.7635 against fp32's 0.8060. Such an op is
	 * computed in float when no integer op reads its output ({@code QuantizationPlan}); its readers' DequantizeLinear moves
	 * before it (one either way).
	 */
	static final Set<String> SATURATING = Set.of("Sigmoid");

	private static final String DATA_MOVEMENT = "data movement";

	/**
	 * Ops of the data-movement rule around which ONNX Runtime 1.29 (CPU) keeps DequantizeLinear → op → QuantizeLinear of one
	 * scale as three nodes, computing in float between them: its DropQDQNodes rules do not name them (SpaceToDepth: round 20's
	 * probes; TopK: branch rules' probes, both in tests/data/wild/README.md; Pad). Quantrace writes them on the codes itself, as
	 * every op of the rule, also where they read an integer model input (QdqWriter.readsIntegerInputCodes); a file holding their
	 * QDQ group runs them in float.
	 */
	private static final Set<String> PAIR_KEPT = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(Set.of("Pad", "SpaceToDepth", "TopK")));

	/**
	 * Data movement that outputs exactly the values it reads, rearranged (as many out as in): a QuantizeLinear after it does the
	 * same work before it.
	 */
	private static final Set<String> REARRANGING = Set.of("Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "DepthToSpace",
			"SpaceToDepth");

	/** {@link #FLOAT_ISLAND} for an op that reads only float ops' unquantized outputs (QuantizationPlan's floatIslandInputs). */
	static final String INSIDE_FLOAT_ISLAND = "it runs in float, in the float island its inputs come from (no DequantizeLinear before it); its output is"
			+ " quantized only where an integer op reads it";

	static {
		Drq noDynamicConv = new Drq(DrqForm.DYNAMIC, "ConvInteger", null,
				"ONNX Runtime's ConvInteger ran at 0.07-0.24x the float Conv's throughput on the zoo's CNNs");
		add(new OpRule("Conv", Set.of("Conv"), Form.WEIGHTED, List.of(weight(1, (n, r) -> 0)), 2,
				new Kernel("QLinearConv", true, false, "ONNX Runtime fuses DequantizeLinear → Conv → QuantizeLinear into QLinearConv"
						+ " (depthwise: its fast kernel needs a multiple of " + OpRules.DEPTHWISE_CHANNEL_ALIGNMENT + " channels; Quantrace can pad them with zero weights;"
						+ " a grouped Conv with a channel multiplier above 1 is rewritten as a depthwise one on repeated channels, one of"
						+ " 2-" + OpRules.NARROW_CONV + " input channels per group as one dense Conv)",
						OpRules::narrowConv, OpRules::volumetricConv, n -> {
							String multiplier = channelMultiplierConv(n);
							return multiplier != null ? multiplier : groupedAsDenseConv(n);
						}),
				noDynamicConv, null));
		add(new OpRule("ConvTranspose", Set.of("ConvTranspose"), Form.WEIGHTED,
				List.of(weight(1, (n, r) -> n.intAttribute("group", 1) == 1 ? 1 : -1)), 2,
				new Kernel(null, false, false, "ONNX Runtime (CPU) has no integer ConvTranspose kernel: it computes in float between DequantizeLinear and"
						+ " QuantizeLinear (int8 weights kept); full-integer schemes write a 2-D one as a sub-pixel Conv and an interleave of its phases",
						null, null, OpRules::subPixelConvTranspose),
				Drq.weightOnly("ONNX Runtime has no dynamic ConvTranspose kernel"), null));
		add(new OpRule("Gemm", Set.of("Gemm"), Form.WEIGHTED, List.of(weight(1, (n, r) -> n.intAttribute("transB", 0) == 1 ? 0 : 1)), 2,
				new Kernel("QGemm", true, true, "ONNX Runtime fuses the QDQ Gemm into QGemm (with a float output when no QuantizeLinear follows)"),
				new Drq(DrqForm.DYNAMIC, "MatMulInteger (fused into DynamicQuantizeMatMul)", OpRules::largeWeights,
						"dynamic MatMul ran at ~1.1x float with 64x64 weights, ~1.8x with 256x256"),
				null)); // transA=1: QGemm has the attribute and ONNX Runtime fuses the QDQ group (OpRulesTest); the dynamic form refuses it (DynamicRangeWriter)
		// A MatMul of two activations (attention's Q·Kᵀ and A·V) is quantized too. Measured on the zoo's ViT (4 heads of
		// 17x16 · 16x17, batch 64, two threads, docs/zoo-bench.md "ViT int8"): on integers Q·Kᵀ (MatMulIntegerToFloat plus the
		// scale Mul ONNX Runtime no longer folds) ran at 0.65x the float FusedMatMul and A·V (QLinearMatMul) at 0.92x, yet
		// the model with them float ran at 0.98-1.00x the one with them integer: the head reshapes, Split and Transposes
		// then move float tensors instead of int8 codes, which costs more than the integer products lose.
		// Weights of rank 3+ (a batched product, [f, i, o]: make_unseen31's nam, per-feature einsums) are quantized per tensor.
		// ONNX Runtime 1.29 fuses a per-axis DequantizeLinear of such a B (axis 0 or 2) into QLinearMatMul or
		// MatMulIntegerToFloat and then refuses to run the session ("weight zero point must be a scalar, 1D tensor of size 1,
		// or last to second dimension is 1"), which no DequantizeLinear can express; per tensor it runs QLinearMatMul (a one-op
		// probe's optimized model, tests/data/wild/README.md drq40). A grouped 1x1 Conv in its place (QLinearConv, per channel)
		// ran that product 12x the float MatMul's CPU time with the batch as N, 2.5x with it as a spatial axis (QLinearMatMul: 1.7-2x,
		// its input and output QuantizeLinear/DequantizeLinear included; [49, 64, 32] x [49, 32, 16], one thread).
		add(new OpRule("MatMul", Set.of("MatMul"), Form.WEIGHTED, List.of(weight(1, (n, r) -> r == 2 ? 1 : -1)), -1,
				new Kernel("QLinearMatMul", true, true,
						"ONNX Runtime fuses the QDQ MatMul into QLinearMatMul (MatMulIntegerToFloat, or QGemm with its bias Add, when no QuantizeLinear follows)",
						null, OpRules::batchedWeightsSlower),
				new Drq(DrqForm.DYNAMIC, "DynamicQuantizeMatMul", OpRules::largeWeights, "dynamic MatMul ran at ~1.1x float with 64x64 weights, ~1.8x with 256x256"),
				n -> {
					Tensor w = n.graph().constant(n.input(1));
					return w != null && w.dims().length < 2 ? "MatMul weights of rank " + w.dims().length + " (a vector: no integer MatMul kernel reads one)" : null;
				}));
		add(new OpRule("LSTM", Set.of("LSTM"), Form.RECURRENT, List.of(weight(1, (n, r) -> 1), weight(2, (n, r) -> 1)), -1,
				Kernel.none("ONNX Runtime has no QDQ form of LSTM: its weights are stored as int8 and dequantized to float once, at load"),
				new Drq(DrqForm.DYNAMIC, "DynamicQuantizeLSTM", n -> true, "DynamicQuantizeLSTM ran at 1.2-1.6x the float LSTM (hidden 128)"), OpRules::recurrentRefusal));
		add(new OpRule("GRU", Set.of("GRU", "RNN"), Form.RECURRENT, List.of(weight(1, (n, r) -> 1), weight(2, (n, r) -> 1)), -1,
				Kernel.none("ONNX Runtime has no QDQ form of GRU/RNN: their weights are stored as int8 and dequantized to float once, at load"),
				Drq.weightOnly("ONNX Runtime has no dynamic GRU/RNN kernel"), OpRules::recurrentRefusal));
		add(compute("Add", "QLinearAdd", MaskedScores::addRefusal)); // an additive attention mask stays float (MaskedScores)
		add(new OpRule("Mul", Set.of("Mul"), Form.COMPUTE, List.of(), -1, new Kernel("QLinearMul", true, false,
				"ONNX Runtime fuses DequantizeLinear → Mul → QuantizeLinear into QLinearMul", null, null, OpRules::channelScaleAsConv), Drq.none(), null));
		add(compute("Concat", "QLinearConcat"));
		add(compute("Where", "QLinearWhere"));
		// SiLU x·sigmoid(x) stays integer (QLinearSigmoid + QLinearMul) although ONNX Runtime fuses the float pair into
		// QuickGelu: left float between one DequantizeLinear and one QuantizeLinear, ONNX Runtime gives the Sigmoid and the
		// Mul a DequantizeLinear each (one per node unit), so QuickGelu no longer matches and Sigmoid, Mul and 26
		// DequantizeLinear run in float. Measured on tests/data/wild's EfficientNet (batch 64, 2 threads, load 1.3-4.6):
		// 0.51x fp32 against 0.82x with SiLU integer. Written as com.microsoft.QuickGelu between DequantizeLinear and
		// QuantizeLinear it is no better (0.62x): QuickGelu has no NHWC form, so ONNX Runtime puts 30 Transposes around it
		// between the NHWC QLinearConvs (4,437 µs against 418) (tests/data/wild/README.md).
		add(compute("Sigmoid", "QLinearSigmoid"));
		add(compute("LeakyRelu", "QLinearLeakyRelu"));
		// Its NCHW QLinearGlobalAveragePool ran 10-20x its NHWC one; before a Flatten its codes go through a Transpose of its
		// size-1 axes, so that ONNX Runtime runs it channels-last behind a lowered HardSwish too ({@link PooledCodesChannelsLast}).
		add(compute("GlobalAveragePool", "QLinearGlobalAveragePool"));
		// Re-measured on torchvision's ViT at 224x224 (4 heads of 197x197 scores, batch 8, one thread): QLinearSoftmax took
		// 0.27x the float Softmax's throughput and the model 1.22x the CPU time (tests/data/wild/README.md, branch vitfloat).
		// Except over scores masked with a fill whose exp is denormal, which the float Softmax computes many times slower
		// (MaskedScores: round 27's gat, speed31).
		add(slower("Softmax", "QLinearSoftmax", "0.26-0.31x", null, n -> null, n -> MaskedScores.mask(n) != null));
		add(slower("AveragePool", "QLinearAveragePool", "0.02-0.03x", OpRules::averagePoolAsConv, OpRules::averagePoolMapTooLarge));
		add(new OpRule("Div", Set.of("Div"), Form.RESCALE, List.of(), -1,
				new Kernel("no node: DequantizeLinear with the scale divided", true, false, "the division by a constant becomes the scale of the codes"),
				Drq.none(), n -> rescaleFactor(n) > 0 ? null : "Div by anything but a positive scalar constant has no integer kernel in ONNX Runtime: " + FLOAT_ISLAND));
		add(new OpRule("Relu/Clip", Set.of("Relu", "Clip"), Form.CLAMP, List.of(), -1,
				new Kernel("the QuantizeLinear of the op before (zero point at qmin)", true, false,
						"ONNX Runtime does not fuse Relu/Clip after a QDQ op: Quantrace removes it and lets the QuantizeLinear clamp"),
				Drq.none(), n -> n.opType().equals("Clip") && !clipFromZero(n) ? "Clip whose minimum is not 0: " + FLOAT_ISLAND : null));
		// MaxPool on codes: where ONNX Runtime cannot move it to NHWC (ShuffleNet's MaxPool after the channel-shuffle
		// Reshape/Transpose, or right after a QLinearConcat) it runs its generic 8-bit NCHW MaxPool, 749-2,486 µs against
		// 33-219 in float at batch 64. Written float between DequantizeLinear and QuantizeLinear it changes nothing: ONNX
		// Runtime propagates the Q/DQ pair through it and drops it again (same scale) and runs the same 8-bit kernel. Only a
		// QuantizeLinear with another scale keeps it float (90 µs), worth 0.48x -> 0.54x fp32 on that ShuffleNet. Behind a
		// Reshape/Transpose it is therefore written on NHWC codes ({@link NhwcMaxPool}): 0.41x -> 0.77x.
		// GatherElements (a mixture of experts picking its top-k experts' outputs, make_unseen14's moe) only picks values:
		// ONNX Runtime 1.29 (CPU) drops the pair around DequantizeLinear → GatherElements → QuantizeLinear of one scale and
		// runs its type-generic kernel on the uint8 codes (the optimized graph of such a tiny graph: QuantizeLinear,
		// GatherElements, DequantizeLinear).
		// SpaceToDepth (make_unseen20's s2d, TF's space_to_depth as tf2onnx writes it): ONNX Runtime 1.29's CPU kernel takes uint8
		// and int8 and moves the codes exactly, but its QDQ fusion keeps DequantizeLinear → SpaceToDepth → QuantizeLinear as
		// three nodes (PAIR_KEPT): Quantrace writes it on the codes (QdqWriter.sameScaleOutput), as every op of this rule.
		// TopK (make_unseen21's tabnet sorts by it, make_unseen20's centernet picks its detections): ONNX Runtime 1.29's CPU TopK-11
		// takes uint8 and int8 and returns the k largest codes in order (a one-node probe: 200, 3, 128, 255, 0, 77, 130, 10 →
		// 255, 200, 130 at 3, 0, 6), as for the values they stand for (a positive scale keeps the order); its QDQ fusion keeps
		// the pair (PAIR_KEPT). Only its values are codes: one whose indices are read stays float (codesRefusal).
		add(new OpRule(DATA_MOVEMENT, Set.of("MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Resize", "Slice", "Split", "Expand",
				"Tile", "DepthToSpace", "SpaceToDepth", "Gather", "GatherElements", "ReduceMax", "TopK", "Pad", "Identity"), Form.CODES, List.of(), -1,
				new Kernel("the integer codes", true, false,
						"moves integer codes: ONNX Runtime drops the DequantizeLinear/QuantizeLinear around it (" + String.join(", ", PAIR_KEPT)
								+ ": it keeps them, Quantrace writes the op on the codes; Pad pads with the zero point)"),
				Drq.none(), OpRules::codesRefusal));
		// A HardSigmoid that alone reads a Conv's output (a squeeze-excitation gate) is folded into that Conv instead
		// ({@link #hardSigmoidIntoConv}, {@link HardSigmoidIntoConv}).
		add(new OpRule("HardSigmoid/HardSwish", Set.of("HardSigmoid", "HardSwish"), Form.LOWERED, List.of(), -1,
				new Kernel("QLinearAdd (+ QLinearMul for HardSwish)", true, false,
						"no integer HardSigmoid/HardSwish kernel in ONNX Runtime: lowered to x·α+β clamped to [0, 1] by the quantization (QLinearAdd), times x (QLinearMul)",
						null, null, OpRules::hardSigmoidIntoConv),
				Drq.none(), null));
		add(floatRule("normalization", Set.of("LayerNormalization", "InstanceNormalization", "LpNormalization", "GroupNormalization")));
		add(floatRule("transcendental", Set.of("Tanh", "Erf", "Gelu", "Exp", "Log", "Sqrt", "Pow", "Reciprocal", "Sin", "Cos", "Softplus", "Elu", "Selu", "Mish")));
		// Neg (make_unseen21's rotary: rotate-half as Slice, Neg, Concat): probed on ONNX Runtime 1.29 (branch rules,
		// tests/data/wild/README.md)
		add(new OpRule("Neg", Set.of("Neg"), Form.FLOAT, List.of(), -1, Kernel.none("ONNX Runtime 1.29 (CPU) negates int8 codes only (ONNX defines no"
				+ " uint8 Neg) and returns code -128 as -128 (a one-node probe), and its QDQ fusion keeps DequantizeLinear → Neg → QuantizeLinear;"
				+ " codes of zero point z negate to 2z - q, outside the type's range unless z is its middle: " + FLOAT_ISLAND), Drq.none(), null));
		// CumSum (make_unseen21's tabnet: sparsemax's running sum of the sorted values)
		add(new OpRule("CumSum", Set.of("CumSum"), Form.FLOAT, List.of(), -1, Kernel.none("ONNX defines CumSum for 32- and 64-bit integers and"
				+ " floats only (ONNX Runtime 1.29 refuses an int8 or uint8 one as an invalid model), and its QDQ fusion keeps DequantizeLinear →"
				+ " CumSum → QuantizeLinear; a running sum of codes would need a wider accumulator anyway: " + FLOAT_ISLAND), Drq.none(), null));
		// ScatterElements and ScatterND (make_unseen27's tome merges tokens by scatter_add, ScatterElements with reduction add;
		// make_unseen15's typed writes a token by ScatterND), whose record said "has no rule in Quantrace's op table". ONNX
		// defines them for every type, but they write a second tensor's values into the first: on codes both would need one
		// scale and zero point, and a reduction would add or multiply codes, each offset by its zero point
		add(new OpRule("index write", Set.of("ScatterElements", "ScatterND", "Scatter"), Form.FLOAT, List.of(), -1, Kernel.none("an index write"
				+ " of its updates' values into its data, for which Quantrace writes no integer form (on codes the two would need one scale and"
				+ " zero point, and a reduction would add or multiply codes, each offset by its zero point, not the values): " + FLOAT_ISLAND),
				Drq.none(), null));
		// DFT and STFT (make_unseen19's fnet mixes tokens by a DFT, make_unseen25's stft is a spectrogram front end): ONNX defines
		// both for float types only (T1: float16, float, double, bfloat16), so no integer kernel can run them; their input is a
		// signal, their output real and imaginary parts, neither codes
		add(new OpRule("signal", Set.of("DFT", "STFT"), Form.FLOAT, List.of(), -1, Kernel.none("ONNX defines DFT and STFT for float types"
				+ " only, so no integer kernel can run them: " + FLOAT_ISLAND), Drq.none(), null));
		// the reductions ONNX defines for 32- and 64-bit integers and floats only (make_unseen26's sinkhorn: torch.logsumexp as
		// ReduceLogSumExp, whose record said "has no rule in Quantrace's op table"); ReduceMax moves codes (data movement)
		add(floatRule("arithmetic", Set.of("Sub", "Abs", "Max", "Min", "Sum", "Mean", "ReduceMean", "ReduceSum", "ReduceL2", "ReduceL1",
				"ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "ReduceProd", "Floor", "Ceil", "Round")));
		// what an exporter writes for a dynamic batch (torch's GRU/LSTM initial state: Shape → Gather → ... → ConstantOfShape):
		// they read a tensor's shape, not its values, so no Q/DQ is written around them and "dequantized once" would be untrue
		add(new OpRule("shape computation", Set.of("Shape", "Size", "ConstantOfShape"), Form.FLOAT, List.of(), -1,
				Kernel.none("computes on a tensor's shape, not on its values: nothing to quantize, it runs as it is"), Drq.none(), null));
		// their outputs are bools or indices (an If's condition, a classifier's ArgMax): nothing of theirs is quantized
		add(new OpRule("comparison and index", Set.of("Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal", "ArgMax", "ArgMin", "NonZero"),
				Form.FLOAT, List.of(), -1, Kernel.none("computes bools or indices, which are not quantized: it runs in float, on its input dequantized"
						+ " where an integer op made it"), Drq.none(), null));
		// Hardmax (make_unseen18's proto ends in one) is an argmax made one-hot: on codes of one scale, a monotone map, it would pick
		// the same index, but ONNX defines it for float types only (T: float16, float, bfloat16, double), so no integer kernel can
		// run it. Its output, 0 and 1, is exact in the output quantization of any full-integer scheme (int8 1/255 - 128: -128, 127).
		add(new OpRule("Hardmax", Set.of("Hardmax"), Form.FLOAT, List.of(), -1, Kernel.none("ONNX defines Hardmax for float types only (an argmax"
				+ " made one-hot, which on codes of one scale would pick the same index): " + FLOAT_ISLAND + "; its one-hot output, 0 and 1, is exact"
				+ " in any 8-bit quantization whose range holds 0 and 1"), Drq.none(), null));
		// Sign (make_unseen23's bnn: XNOR-Net's binary activations, BatchNorm → Sign → Conv) is defined by ONNX on every numeric
		// type, but on codes it computes the sign of the code, not of the value it stands for: sign(q) for uint8 (0 or 1 above the
		// zero point's side too), and for int8 codes of any zero point but 0 likewise off by the zero point.
		add(new OpRule("Sign", Set.of("Sign"), Form.FLOAT, List.of(), -1, Kernel.none("ONNX's Sign of 8-bit codes is the sign of the code q,"
				+ " not of the value q − z it stands for (uint8 codes are never negative), so no integer kernel computes it: " + FLOAT_ISLAND
				+ "; its output, −1, 0 and 1, is exact in any 8-bit quantization whose range holds them"), Drq.none(), null));
		add(new OpRule("training ops", Set.of("BatchNormalization", "Dropout"), Form.FLOAT, List.of(), -1,
				Kernel.none("a training-time op here: freeze the model first (quantrace convert) to fold or remove it"), Drq.none(), null));
		add(new OpRule("control flow", Set.of("If", "Loop", "Scan"), Form.CONTROL_FLOW, List.of(), -1,
				Kernel.none("control flow: ONNX Runtime runs the QDQ groups of its bodies as of any graph"),
				Drq.weightOnly("the weights of the bodies' layers are quantized as in the main graph"), null));
	}

	/**
	 * ONNX Runtime (x86-64) runs a depthwise QLinearConv with its symmetric depthwise kernel only when the channel
	 * count is a multiple of 16 (MLAS's MlasConvSymPackWSize); otherwise a generic kernel ran 2-3.5x slower per op
	 * than the float Conv (zoo MobileNetV3, 72 and 120 channels, batch 64: docs/zoo-bench.md "MobileNetV3 int8").
	 * {@link DepthwisePadding} widens such Convs, exactly, before quantizing (on unless
	 * {@link QuantizationSpec.Builder#alignDepthwise} turns it off).
	 */
	static final int DEPTHWISE_CHANNEL_ALIGNMENT = 16;

	/**
	 * A Conv with at most this many output channels and at most this many products per output value (input channels
	 * per group × kernel area) is "narrow": ONNX Runtime's QLinearConv spends its time per output pixel and per image
	 * (an indirection buffer, a requantization, one parallel section per image of the batch), not in MACs. Measured on
	 * the zoo MobileNetV3 (ORT 1.29, batch 64, 14x14, one thread, docs/zoo-bench.md "MobileNetV3 int8 after the
	 * padding"): the first Conv (1 → 16, 3x3) 396-552 µs as QLinearConv against 62-207 as float Conv, the 16-channel
	 * depthwise 3x3 213-489 against 48-157, the 1x1 16 → 16 at par. Left float, the island's layout changes and Q/DQ
	 * nodes cost most of what they save, hence only on request ({@link QuantizationSpec.Builder#floatSlowKernels}).
	 */
	static final int NARROW_CONV = 16;

	private OpRules() {
	}

	/**
	 * A depthwise Conv (one input channel per group) with a kernel of at least this many taps (5x5 and larger) and fewer
	 * than {@link #SLOW_DEPTHWISE_CHANNELS} channels runs slower as QLinearConv than as float Conv. Measured with tiny
	 * graphs (Conv 1 → C 2x2 stride 2, three depthwise 'same' Convs with Relu at 14x14, GAP, Gemm; ORT 1.29, one thread,
	 * {@code org.quantrace.measure.Profile}, kernel µs of the three depthwise Convs at batch 64, tests/data/wild/README.md
	 * "Depthwise kernels"), QLinearConv / float Conv for 3x3, 5x5, 7x7, 9x9 at load 3.4: 16 channels 3.0, 2.9, 3.0, 2.6;
	 * 48 channels 1.5, 1.4, 1.4, 1.4; 64: 1.7, 1.5, 1.4, 1.3; 96: 1.4, 1.3, 1.2, 1.2; 128: 1.3, 1.2, 1.1, 1.2 (at load 7-14:
	 * 1.1-1.8 from 48 to 96 channels, 1.06-1.15 at 128). So the gap is not the kernel size's (MLAS's depthwise kernel is
	 * slower at every size, larger kernels a little less) but the channel count's. 3x3 is left out of
	 * the fact all the same: the MobileNets' 3x3 depthwise Convs (the zoo's, the switch's measured speed) sit inside whole
	 * models where they measured at par (docs/zoo-bench.md), and the narrow rule covers the 16-channel ones. Left float,
	 * the Conv costs a Q/DQ pair and, between NHWC integer kernels, Transposes and NCHWc reorders, so whole models did not
	 * gain: ConvMixer (4 depthwise 7x7 Convs of 48 channels between GELUs) took 17.0-19.2 ms CPU per batch of 64 with them
	 * float against 18.2-19.4 with them integer, and the zoo MobileNetV3 with --float-slow-kernels, where its three 5x5
	 * Convs of 96 and 120 channels went float with the HardSwish and squeeze-excitation around them, 10.6 ms against 7.8
	 * (1.35x slower, 0.8585 against 0.8597). So the fact decides no placement, neither by default nor under the switch:
	 * the layer stays integer and its log row says that its kernel is slower than float ({@link #slowDepthwiseFact}).
	 */
	static final int SLOW_DEPTHWISE_TAPS = 25;

	/** See {@link #SLOW_DEPTHWISE_TAPS}: from this many channels on the depthwise QLinearConv was within 6-17 % of float (5x5 to 9x9). */
	static final int SLOW_DEPTHWISE_CHANNELS = 128;

	/** The measured fact that makes {@code n} a slow depthwise Conv ({@link #SLOW_DEPTHWISE_TAPS}), or null when it is not one. */
	static String slowDepthwiseFact(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (!n.opType().equals("Conv") || w == null || w.dims().length != 4) {
			return null;
		}
		long[] d = w.dims();
		long group = n.intAttribute("group", 1);
		long taps = d[2] * d[3];
		if (group <= 1 || d[1] != 1 || d[0] != group || taps < SLOW_DEPTHWISE_TAPS || d[0] >= SLOW_DEPTHWISE_CHANNELS) {
			return null;
		}
		return "a depthwise " + d[2] + "x" + d[3] + " Conv of " + d[0] + " channels: ONNX Runtime's depthwise QLinearConv ran 1.1-1.8x slower than"
				+ " the float Conv for 5x5 to 9x9 kernels at 48-96 channels and 1.9-3x at 16 (batch 64)";
	}

	/**
	 * Why and how a grouped 2-D Conv with one input channel per group and a channel multiplier k &gt; 1 (group = C_in,
	 * C_out = k·C_in, float weights: GhostNet's cheap operation) is rewritten before quantizing, or null for any other
	 * node. ONNX Runtime 1.29 fuses its QDQ form into QLinearConv, but MLAS's depthwise kernel takes only one output
	 * channel per group, so it runs a generic grouped kernel: on tests/data/wild's ghostnet (make_unseen7.py; one
	 * thread, batch 64, {@code org.quantrace.measure.Profile}) the ten multiplier-2 3x3 Convs took 4-11x their float time
	 * (b.1's 16 → 32: 65,490 µs against 6,202) and the int8 model 3.7x the float model's CPU time (119,709 against 32,267
	 * µs), while its true depthwise Convs ran at par. Written as a Gather of the input channels [0, 0, 1, 1, ...] (which
	 * ONNX Runtime runs on the codes) and a depthwise Conv of C_out groups on the same weights, which computes exactly the
	 * same, the same Convs took 203-4,910 µs as depthwise QLinearConv, the ten Gathers 852 µs together, and the int8 model
	 * 0.66x the float model's CPU time (21,172 against 32,267 µs) ({@link RepeatedChannels}).
	 */
	static String channelMultiplierConv(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (!n.opType().equals("Conv") || w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length != 4) {
			return null;
		}
		long[] d = w.dims();
		long group = n.intAttribute("group", 1);
		if (group <= 1 || d[1] != 1 || d[0] <= group || d[0] % group != 0) {
			return null;
		}
		return "a grouped Conv with a channel multiplier of " + d[0] / group + " (" + group + " groups, " + group + " → " + d[0] + " channels): ONNX"
				+ " Runtime's QLinearConv has no depthwise kernel for it and ran such Convs 4-11x slower than float (ghostnet, batch 64), a depthwise"
				+ " QLinearConv on the channels repeated runs at par, and both compute the same";
	}

	/**
	 * Why and how a grouped 2-D Conv of g &gt; 1 groups with 2-{@link #NARROW_CONV} input channels each (float weights) is
	 * rewritten before quantizing as one dense Conv with block-diagonal weights, or null for any other node
	 * ({@link GroupedAsDense}). ONNX Runtime 1.29 fuses its QDQ form into QLinearConv, which runs a small GEMM per group and
	 * per image. Measured (tests/data/wild/README.md, branch mbv3speed; one thread, batch 64, org.quantrace.measure.Profile,
	 * whole-model CPU time int8 dense / int8 grouped): shufflev1's eight 4-group 1x1 Convs of 4-16 channels per group 0.73-0.80
	 * (int8 from 1.28-1.37x the fp32 model's time to 0.93-1.09x), sknet's six 4-group 3x3 Convs of 4-8 channels per group
	 * 0.45-0.51, stacks of four grouped Convs 0.45 (8 per group), 0.54 (4 per group, 32 groups, 3x3) and 0.91 (16 per group,
	 * 3x3), but 1.05-2.19 at 32-64
	 * channels per group, where the g times the MACs cost more than the per-group GEMMs: hence at most {@link #NARROW_CONV}.
	 */
	static String groupedAsDenseConv(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (!n.opType().equals("Conv") || w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length != 4) {
			return null;
		}
		long[] d = w.dims();
		long group = n.intAttribute("group", 1);
		if (group <= 1 || d[1] < 2 || d[1] > NARROW_CONV || d[0] % group != 0) {
			return null;
		}
		return "a grouped Conv of " + d[1] + " input channels per group: ONNX Runtime's QLinearConv runs a small GEMM per group and image, and"
				+ " ran such Convs slower than one dense QLinearConv doing " + group + " times the MACs (shufflev1, sknet, batch 64); the zero"
				+ " weights between the groups add nothing, so both compute the same";
	}

	/**
	 * Why and how a 2-D ConvTranspose is rewritten before quantizing as a sub-pixel Conv and an interleave of its phases
	 * ({@link SubPixelConvs}), or null for a node that is no ConvTranspose or one {@link #subPixelRefusal} refuses. ONNX Runtime
	 * 1.29 (CPU) has no integer ConvTranspose: its QDQ form computes in float between DequantizeLinear and QuantizeLinear. A
	 * ConvTranspose of stride s is exactly a Conv of s·s·C_out output channels (each phase's taps, flipped) whose output
	 * phases are interleaved by moving codes (and cropped by a Slice for its pads), and that Conv runs as QLinearConv.
	 * Measured (tests/data/wild/README.md, branch speed13, one thread, batch 64, org.quantrace.measure.Profile, whole-model CPU
	 * time, the interleave as channel-last Transposes and Reshapes): dae's two 2x2 stride-2 ConvTransposes 0.79-0.84x the int8
	 * model's time with them float, the zoo unet's one 0.91-0.92x; the float model so written was 1.08-1.35x slower (dae), so
	 * only integer schemes make it. As built here (branch speed14, same client, three runs at load 6-16): dae 0.76-0.79x,
	 * unet 0.89-0.92x main's int8 CPU time.
	 */
	static String subPixelConvTranspose(Node n) {
		if (!n.opType().equals("ConvTranspose") || subPixelRefusal(n) != null) {
			return null;
		}
		return "ONNX Runtime has no integer ConvTranspose (it ran in float between DequantizeLinear and QuantizeLinear); as a Conv of each"
				+ " phase's taps it runs as QLinearConv, and the phases' interleave moves codes: the same sums, the int8 model took 0.76-0.92x the CPU"
				+ " time with it float (dae, unet, batch 64)";
	}

	/**
	 * Why the ConvTranspose {@code n} is not written as a sub-pixel Conv ({@link #subPixelConvTranspose}), or null when it is:
	 * only the forms whose exactness the tests check against ONNX Runtime's ConvTranspose (2-D, float constant weights, one
	 * group, no dilation, explicit pads, no output_shape).
	 */
	static String subPixelRefusal(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return "its weights are not a float constant";
		}
		if (w.dims().length != 4) {
			return "it is not 2-D (weights of rank " + w.dims().length + ")";
		}
		if (n.intAttribute("group", 1) != 1) {
			return "it has " + n.intAttribute("group", 1) + " groups (only one group is rewritten)";
		}
		if (n.intsAttribute("dilations").stream().anyMatch(d -> d != 1)) {
			return "it is dilated " + n.intsAttribute("dilations") + " (only dilations 1 are rewritten)";
		}
		if (!"NOTSET".equals(n.stringAttribute("auto_pad", "NOTSET"))) {
			return "its pads are auto_pad " + n.stringAttribute("auto_pad", "") + " (only explicit pads are rewritten)";
		}
		if (n.attribute("output_shape").isPresent()) {
			return "it states an output_shape (only explicit pads are rewritten)";
		}
		long[] d = w.dims();
		List<Long> strides = n.intsAttribute("strides");
		List<Long> pads = n.intsAttribute("pads");
		for (int a = 0; a < 2; a++) {
			long s = strides.isEmpty() ? 1 : strides.get(a);
			long k = d[2 + a];
			if (!pads.isEmpty() && (pads.get(a) < 0 || pads.get(2 + a) < 0 || pads.get(a) / s > (k + s - 1) / s - 1)) {
				return "its pads " + pads + " reach past its kernel's phases";
			}
		}
		return null;
	}

	/**
	 * Why and how a 2-D AveragePool (no ceil_mode, no dilations, explicit or no padding) is rewritten before quantizing where
	 * both its neighbours are integer, or null for any other node. Two forms are exact in float ({@link PoolAsConv}):
	 * <ul>
	 * <li>every window counts kh·kw values ({@link #poolCountsWholeWindows}: no padding, or the padding counted,
	 * count_include_pad = 1), any stride: a depthwise Conv of weights 1/(kh·kw) with the pool's window, padding and
	 * strides. tests/data/wild's shufflev1 (make_unseen8.py: the stride-2 unit's shortcut Pad → AveragePool 3x3 stride 2 →
	 * Concat, one thread, batch 64) ran int8 1.73x the float model's CPU time with the pool float between integer ops (its
	 * DequantizeLinear/QuantizeLinear pair and ONNX Runtime's NHWC Transposes around it, 26 in all) and 1.31x with the pool
	 * written so by hand, every layer integer (the unseen8 section of tests/data/wild/README.md);</li>
	 * <li>the padding left out of the count (count_include_pad = 0), padded, stride 1, the output as large as the input: a
	 * depthwise Conv of weights 1/(kh·kw) and a Mul by the constant map kh·kw/count. On tests/data/wild's factinc
	 * (make_unseen7.py; two 3x3 pools, one thread, batch 64) the two QLinearAveragePools ONNX Runtime fused took 34,998 µs
	 * of kernel time against 2,193 for the float pools, and the int8 model 1.43x the float model's CPU time; written so
	 * ({@code avgpool_as_dwconv.py}, exact in float), 0.95x.</li>
	 * </ul>
	 * A strided pool that leaves its padding out of the count would need the map of a size the model does not state (the
	 * input's, not the output's), and ceil_mode windows that run past the padding count differently: both are left as they are.
	 */
	static String averagePoolAsConv(Node n) {
		if (!n.opType().equals("AveragePool") || !n.isStandard() || n.outputs().size() != 1 || n.intAttribute("ceil_mode", 0) != 0
				|| !n.stringAttribute("auto_pad", "NOTSET").equals("NOTSET")) {
			return null;
		}
		List<Long> k = n.intsAttribute("kernel_shape");
		List<Long> pads = n.intsAttribute("pads");
		List<Long> strides = n.intsAttribute("strides");
		List<Long> dilations = n.intsAttribute("dilations");
		if (k.size() != 2 || k.stream().anyMatch(x -> x < 1) || !pads.isEmpty() && (pads.size() != 4 || pads.stream().anyMatch(p -> p < 0))
				|| !strides.isEmpty() && (strides.size() != 2 || strides.stream().anyMatch(x -> x < 1))
				|| !dilations.isEmpty() && !dilations.equals(List.of(1L, 1L))) {
			return null;
		}
		if (poolCountsWholeWindows(n)) {
			return "ONNX Runtime's QLinearAveragePool ran at 0.02-0.03x the float AveragePool's throughput, and a float AveragePool between"
					+ " integer ops costs a DequantizeLinear, a QuantizeLinear and NHWC Transposes around it (shufflev1's stride-2 shortcut: int8"
					+ " 1.73x fp32, 1.31x with the pool as a Conv, batch 64); every window counts " + k.get(0) * k.get(1) + " values, so a depthwise"
					+ " QLinearConv of weights 1/" + k.get(0) * k.get(1) + " computes the same";
		}
		if (!poolExcludesPaddingSameSize(n) || poolMapFactor(n) > POOL_MAP_LIMIT) {
			return null;
		}
		return "ONNX Runtime's QLinearAveragePool with the padding left out of the count ran 16x slower than the float AveragePool (factinc,"
				+ " batch 64); a depthwise QLinearConv and a QLinearMul compute the same";
	}

	/**
	 * Why and how a Mul of a 4-D activation by a per-channel float constant ([C, 1, 1] or [1, C, 1, 1], every factor non-zero
	 * and finite) is rewritten before quantizing where both its neighbours are integer, or null for any other node
	 * ({@link ChannelScaleAsConv}): it is a depthwise 1x1 Conv whose weights are the factors, and an Add of a per-channel
	 * constant right after it (a BatchNormalization that follows no Conv: DenseNet's pre-activation BatchNorms after each
	 * Concat and transition pool, as {@code convert} writes them) is that Conv's bias. As QLinearMul ONNX Runtime multiplies
	 * every element by the constant quantized per tensor (uint8) and requantizes, and a QLinearAdd after it requantizes
	 * again; the depthwise QLinearConv does both in one pass with per-channel int8 weights and an int32 bias. Measured on
	 * tests/data/wild's densenet (/tmp/narrow/w, nine such BatchNorms, one thread, batch 64, {@code org.quantrace.measure.Profile},
	 * tests/data/wild/README.md "speed10"): the nine QLinearMul + QLinearAdd took 47,536 µs of kernel time per run, the nine
	 * depthwise QLinearConvs 14,126, and the int8 model 0.80-0.88x the float model's CPU time before, 0.50-0.56x after (four
	 * runs); accuracy on the 10,000 test images 0.7136 before, 0.7159 after (fp32 0.7284). Where the plan leaves the Conv's
	 * neighbours float (a channels-first LayerNorm's Mul after its float Div) the rewrite is undone: unseen8's gatedmix ran
	 * 8,318 → 9,044 µs per batch with its two such Muls integer between float ops.
	 */
	static String channelScaleAsConv(Node n) {
		if (!n.opType().equals("Mul") || !n.isStandard() || n.inputs().size() != 2 || n.outputs().size() != 1) {
			return null;
		}
		float[] factors = channelConstant(n);
		if (factors == null) {
			return null;
		}
		for (float f : factors) {
			if (f == 0 || !Float.isFinite(f)) {
				return null;
			}
		}
		return "ONNX Runtime's QLinearMul quantizes a per-channel constant per tensor and requantizes every element (and a QLinearAdd after it"
				+ " a second time); a Mul by " + factors.length + " per-channel factors is a depthwise 1x1 Conv of those weights, an Add of a per-channel"
				+ " constant after it that Conv's bias, which ONNX Runtime runs as one depthwise QLinearConv with per-channel weights (densenet's"
				+ " nine BatchNorms after Concats and pools: int8 0.80-0.88x → 0.50-0.56x the fp32 CPU time, batch 64)";
	}

	/**
	 * Why a HardSigmoid that alone reads a Conv's output (float weights of rank 3 or more, a float bias of one value per output
	 * channel or none, both read by that Conv alone) is folded into that Conv before quantizing ({@link HardSigmoidIntoConv}), or null. Lowered, it costs a
	 * QLinearAdd of the Conv's codes read at scale·α plus β (rounded twice, its saturation the clamp) that fp32 does not have:
	 * ONNX Runtime fuses the float Conv and HardSigmoid into one FusedConv. Folded, the Conv computes α·(W·x + b) + β and its
	 * output quantization, zero point at 0 and the top at most 1, clamps as the HardSigmoid did (a Clip to [0, 1] left for it).
	 * Measured (tests/data/wild/README.md, speed26): one-thread CPU time at batch 1 1-5 % less than the lowered form in 12 of 12
	 * passes (the zoo's MobileNetV3, its 4 gates; make_unseen8's mbv3h, 3; make_unseen11's paddle10, 2), par at batch 64;
	 * accuracy within ±0.15 pt of the lowered form's on the 10,000 test images.
	 */
	static String hardSigmoidIntoConv(Node h) {
		if (!h.opType().equals("HardSigmoid") || !h.isStandard() || h.inputs().size() != 1 || h.outputs().size() != 1) {
			return null;
		}
		float alpha = h.floatAttribute("alpha", 0.2f);
		float beta = h.floatAttribute("beta", 0.5f);
		Graph g = h.graph();
		Node conv = g.producer(h.input(0)).orElse(null);
		// one group: a depthwise Conv's group is widened by depthwise padding on the written node, which an undo would lose
		if (alpha == 0 || !Float.isFinite(alpha) || !Float.isFinite(beta) || conv == null || !conv.opType().equals("Conv") || !conv.isStandard()
				|| conv.intAttribute("group", 1) != 1
				|| conv.outputs().size() != 1 || conv.inputs().size() < 2 || g.consumers(h.input(0)).size() != 1 || g.isOutput(h.input(0))) {
			return null;
		}
		Tensor w = g.constant(conv.input(1));
		Tensor b = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? g.constant(conv.input(2)) : null;
		boolean noBias = conv.inputs().size() < 3 || conv.input(2).isEmpty();
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length < 3 || g.consumers(conv.input(1)).size() != 1
				|| !noBias && (b == null || b.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || b.elementCount() != w.dims()[0]
						|| g.consumers(conv.input(2)).size() != 1)) {
			return null; // a weight or bias another node reads too is not the Conv's alone to fold
		}
		return "no integer HardSigmoid kernel in ONNX Runtime, and lowered it is a QLinearAdd of the codes of Conv '" + conv.name() + "' that fp32 does"
				+ " not have (ONNX Runtime fuses the float pair into one FusedConv); HardSigmoid(W·x + b) = clamp(α·W·x + α·b + β, 0, 1): the Conv with"
				+ " weights ×α and bias ×α + β, its output quantization (zero point at 0, top at most 1) the clamp";
	}

	/**
	 * The largest spread max|s|/min|s| of a per-channel Mul's factors over the channels of a Concat it reads that one input
	 * scale serves ({@link #channelScaleSplit}).
	 */
	static final double MAX_FACTOR_SPREAD = 8;

	/**
	 * Why a Mul by per-channel factors whose magnitudes span more than {@link #MAX_FACTOR_SPREAD}x, reading a Concat of
	 * channels, is split over the Concat's inputs before it is rewritten as depthwise Convs ({@link ChannelScaleAsConv}), or
	 * null. A Concat's output has one scale, set by its widest channels; a BatchNorm after it (DenseNet's pre-activation
	 * BatchNorm, x·s + t with s = γ/σ) multiplies each channel by about 1/its spread, so the narrowest channels' rounding error
	 * grows by the factors' spread against the output's own scale (tests/data/wild densenet: the stem's 16 channels, range ~1.3,
	 * share the Concat's step 0.095 with the growth channels' range ~23, factors 2.4-13 against 0.4-0.8: 33x; `debug` shows the
	 * accumulated rmse/scale jump from 0.32 at the Concat to 2.6 at the BatchNorm's Relu). Split, each input's channels are read
	 * at the scale of their own producer and multiplied by their own factors; the pieces' outputs, normalized by the BatchNorm,
	 * are joined by a Concat. Exact in float (a per-channel op and a Relu commute with a Concat of channels). densenet on the
	 * 10,000 test images: 0.7159 → 0.7286 (fp32 0.7284), its int8 CPU time 12-16 % higher (0.58-0.64x fp32's instead of 0.50-0.57x; four Profile runs, README "acc11").
	 */
	static String channelScaleSplit(float[] factors) {
		return ChannelScaleAsConv.spread(factors) ? "its factors span more than " + (int) MAX_FACTOR_SPREAD + "x and it reads a Concat whose output has one scale,"
				+ " set by its widest channels: split over the Concat's inputs, each input's channels are read at their own producer's scale"
				+ " (densenet's BatchNorms after Concats: 0.7159 → 0.7286 on 10,000 images, fp32 0.7284)" : null;
	}

	/**
	 * The per-channel values of a Mul's or Add's constant operand ([C, 1, 1] or [1, C, 1, 1], float, the other operand not a
	 * constant), or null when the node has no such operand.
	 */
	static float[] channelConstant(Node n) {
		if (n.inputs().size() != 2) {
			return null;
		}
		Tensor a = n.graph().constant(n.input(0));
		Tensor b = n.graph().constant(n.input(1));
		Tensor c = a != null && b == null ? a : b != null && a == null ? b : null;
		if (c == null || c.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return null;
		}
		long[] d = c.dims();
		boolean perChannel = d.length == 3 && d[1] == 1 && d[2] == 1 || d.length == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1;
		return perChannel && d[d.length - 3] > 1 ? c.toFloatArray() : null;
	}

	/**
	 * The largest factor a count map of {@link PoolAsConv} may hold. The map multiplies the window sums' codes, and with them their
	 * quantization error, by kh·kw/count: by 9 in the corner of a 3x3 pool padded [2, 2, 0, 0] (its window there counts one
	 * value). Measured on a tiny graph (Conv 3x3 → Relu → that pool → Conv 1x1, 8 channels of 16x16, 200 random images, fiq-int8,
	 * the debugger against ONNX Runtime's float model; tests/data/wild/README.md, branch trust7): accumulated rmse/scale at the
	 * pool 0.597 as Conv and map (factor 9) against 0.401 with the pool left float, 1.184 against 0.327 for a 5x5 pool padded
	 * [4, 4, 0, 0] (factor 25), 0.468 against 0.347 for 3x3 padded symmetrically (factor 2.25). A symmetric padding gives at most
	 * (k/⌈k/2⌉)² < 4 for any odd k; 4 admits every symmetric one and leaves the far-off-centre windows float.
	 */
	static final double POOL_MAP_LIMIT = 4;

	/**
	 * The largest factor kh·kw/count of the count map of a pool that leaves its padding out of the count, for an image at least
	 * as large as the window: the window at the corner where the padding is widest counts (kh - max(top, bottom))·(kw - max(left,
	 * right)) values.
	 */
	static double poolMapFactor(Node n) {
		List<Long> k = n.intsAttribute("kernel_shape");
		List<Long> pads = n.intsAttribute("pads");
		long count = (k.get(0) - Math.max(pads.get(0), pads.get(2))) * (k.get(1) - Math.max(pads.get(1), pads.get(3)));
		return count <= 0 ? Double.POSITIVE_INFINITY : (double) (k.get(0) * k.get(1)) / count;
	}

	/** A pool that leaves its padding out of the count, padded, stride 1, its output as large as its input: the map form's pools. */
	private static boolean poolExcludesPaddingSameSize(Node n) {
		List<Long> k = n.intsAttribute("kernel_shape");
		List<Long> pads = n.intsAttribute("pads");
		List<Long> strides = n.intsAttribute("strides");
		boolean strided = !strides.isEmpty() && !strides.equals(List.of(1L, 1L));
		return !poolCountsWholeWindows(n) && k.size() == 2 && pads.size() == 4 && !strided && pads.get(0) + pads.get(2) == k.get(0) - 1
				&& pads.get(1) + pads.get(3) == k.get(1) - 1;
	}

	/**
	 * Why a pool of the map form stays float: its map's largest factor exceeds {@link #POOL_MAP_LIMIT}, so the Conv and Mul would
	 * multiply the sums' rounding error at the image's edge by it; null for any other node (its rule's words then apply).
	 */
	static String averagePoolMapTooLarge(Node n) {
		if (!"AveragePool".equals(n.opType()) || n.intAttribute("ceil_mode", 0) != 0 || !n.stringAttribute("auto_pad", "NOTSET").equals("NOTSET")
				|| !poolExcludesPaddingSameSize(n) || poolMapFactor(n) <= POOL_MAP_LIMIT) {
			return null;
		}
		return "an AveragePool that leaves its padding " + n.intsAttribute("pads") + " out of the count: as a depthwise Conv and a Mul by the map"
				+ " kh·kw/count its largest factor would be " + factor(poolMapFactor(n)) + " (more than "
				+ factor(POOL_MAP_LIMIT) + "), multiplying the window sums' rounding error by that much at the image's edge, and ONNX Runtime's QLinearAveragePool ran at"
				+ " 0.02-0.03x the float pool's throughput, so " + FLOAT_ISLAND;
	}

	private static String factor(double f) {
		return f == Math.rint(f) ? String.valueOf((long) f) : String.format(java.util.Locale.ROOT, "%.2f", f);
	}

	/**
	 * Whether every window of a 2-D AveragePool without ceil_mode counts all its kh·kw values: it has no padding, or counts the
	 * padding (count_include_pad = 1). Then it is exactly a depthwise Conv of weights 1/(kh·kw) with its window, padding and
	 * strides, and needs no map of counts.
	 */
	static boolean poolCountsWholeWindows(Node n) {
		return n.intAttribute("count_include_pad", 0) != 0 || n.intsAttribute("pads").stream().allMatch(p -> p == 0);
	}

	/** Why a narrow Conv ({@link #NARROW_CONV}) runs slower as QLinearConv than in float, or null when it is not narrow. */
	static String narrowConv(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (w == null || w.dims().length < 3) {
			return null;
		}
		long[] d = w.dims();
		long products = 1;
		for (int i = 1; i < d.length; i++) {
			products *= d[i];
		}
		if (d[0] > NARROW_CONV || products > NARROW_CONV) {
			return null;
		}
		return "a narrow Conv (" + d[0] + " output channels, " + products + " products per output): ONNX Runtime's QLinearConv spends its time per"
				+ " pixel and per image, not in MACs, and ran 2.5-9x slower than the float Conv at batch 64 (MobileNetV3's first Conv and 16-channel"
				+ " depthwise Conv), so it stays float with the ops around it (float-slow-kernels)";
	}

	/**
	 * Why a 2-D Conv of one input channel (a grayscale stem, group 1) that reads an integer model input of another type than
	 * the activations (fiq-int8: an int8 input, uint8 activations) reads that input's codes dequantized, with no
	 * requantization to the activations' type, so that ONNX Runtime computes it in float; or null for any other Conv (the
	 * planner checks what it reads: {@code QuantizationPlan}'s floatStem). ONNX Runtime 1.29 fuses a QDQ Conv into
	 * QLinearConv only when it reads and writes one type, so this group of an int8 input and a uint8 output stays a float
	 * Conv on the dequantized input, int8 weights and int32 bias: what the file states. The 1 → 16 QLinearConv at 28x28
	 * took 4-10x the float Conv's time (speed13, speed14; round 15's hyper 4.1-5.3 ms against 0.8 ms per batch of 64), and
	 * whole fiq-int8 models whose stem only Convs read took less CPU time with the stem so (tests/data/wild/README.md,
	 * speed15 and islands; one thread, batch 64, org.quantrace.measure.CpuTime, int8 / fp32 with the stem integer → so):
	 * dae 0.99-1.02 → 0.73-0.76, hyper 1.13-1.16 → 0.77-0.81, typed 1.13-1.18 → 0.76-0.85, unet 0.50 → 0.46, the same
	 * predictions. Left float with its float weights instead, the Conv is not what ONNX Runtime runs: its
	 * WeightBiasQuantization gives a Conv after a DequantizeLinear int8 per-tensor weights when the model is loaded
	 * (org.quantrace.measure.LoadRewrites: 39,268 of dae's 235,200 output values differed from the unoptimized run).
	 */
	static String oneChannelStem(Node n) {
		return stemComputedInFloat(n, "its QLinearConv ran 4-10x slower than the float Conv (1 → 16 at 28x28, one thread), and whole models whose stem only"
				+ " Convs read ran faster so (dae, unet, hyper, typed; batch 64)");
	}

	/** What a one-channel stem on the int8 model input that the planner keeps float runs, then {@code why}; null for another Conv. */
	private static String stemComputedInFloat(Node n, String why) {
		if (!oneChannelConv(n)) {
			return null;
		}
		return "a Conv of one input channel on the int8 model input: it reads the input's int8 codes dequantized (no requantization to uint8),"
				+ " and ONNX Runtime, which has no QLinearConv reading int8 and writing uint8, computes it in float on them and on its int8 weights"
				+ " and int32 bias; " + why;
	}

	/**
	 * Why a one-channel stem on the int8 model input whose output only float ops read (through a data movement: GroupNorm's
	 * Reshape → InstanceNormalization) is computed in float, or null: the QLinearConv's excess and the QuantizeLinear/DequantizeLinear
	 * hop into the island both go (make_unseen10.py normnet: 0.71-0.77x fp32's CPU time so, against 0.87-0.93x; branch ops2).
	 */
	static String oneChannelStemIntoFloatIsland(Node n) {
		return stemComputedInFloat(n, "only float ops read its output (directly or through a Reshape or Transpose), so it is not quantized:"
				+ " it goes on in float into that float island (normnet's GroupNorm: 0.71-0.77x fp32's CPU time so, 0.87-0.93x as QLinearConv,"
				+ " QuantizeLinear, Reshape of codes and DequantizeLinear; one thread, batch 64)");
	}

	/**
	 * Why an Identity that writes an integer model output of the activations' own type, its input's codes also read by another
	 * op, computes in float (QdqWriter's identityReadsFloat): ONNX Runtime removes the Identity at load, and with it the
	 * DequantizeLinear and QuantizeLinear of equal parameters around it by renaming codes the other op still reads (it refused
	 * the model: make_unseen33.py sklsvc's scores beside their ArgMax under fiq_uint8). It reads the float tensor instead, whose
	 * QuantizeLinear ONNX Runtime merges with the output's: the output holds the codes of the op before it all the same.
	 */
	static String identityBeforeIntegerOutput() {
		return "an Identity before an integer model output of the activations' type whose input's codes another op reads: it reads"
				+ " the float input, quantized straight to the output's type and scale (the codes the op before it writes); through the"
				+ " codes, ONNX Runtime's removal of the Identity at load would leave the other reader without input";
	}

	/** The global pools a one-channel stem's output may feed beside its float island ({@link #oneChannelStemReadByFloatIsland}): one value per channel. */
	public static final Set<String> GLOBAL_POOLS = Set.of("GlobalAveragePool", "GlobalMaxPool");

	/** The words before the float readers' names in {@link #oneChannelStemReadByFloatIsland}'s reason (verify reads the names after them). */
	public static final String FLOAT_READERS = "only ops that compute in float read its output (";

	/** The words before the global pools' names in {@link #oneChannelStemReadByFloatIsland}'s reason. */
	public static final String POOL_READERS = "), and global pools that reduce it to one value per channel (";

	/**
	 * Why a one-channel stem on the int8 model input whose output only ops the plan keeps float read, besides global pools
	 * (QuantizationPlan's stemsIntoIsland), is computed in float and writes no QuantizeLinear; null for another Conv. As a
	 * QLinearConv its whole output was quantized only for a DequantizeLinear to give it back to the float ops (ONNX Runtime
	 * gives each float reader its own copy of that DequantizeLinear, and a Transpose from the QLinearConv's channels-last
	 * codes), while the pools reduce it to one value per channel. make_unseen31's dyrelu (Dynamic ReLU-B: the Muls by per-sample
	 * coefficients and the hyper branch's GlobalAveragePool read the stem): see tests/data/wild/README.md, stem42.
	 */
	static String oneChannelStemReadByFloatIsland(Node n, List<Node> floatReaders, List<Node> pools) {
		return stemComputedInFloat(n, FLOAT_READERS + names(floatReaders) + (pools.isEmpty() ? "" : POOL_READERS + names(pools)) + "): integer, its whole"
				+ " output would be quantized only to be read back in float through a DequantizeLinear by those ops, so it writes no"
				+ " QuantizeLinear: they read its float output as it is" + (pools.isEmpty() ? "" : ", and each pool computes in float on it, its"
				+ " one value per channel quantized where an integer op reads it") + " (make_unseen31's dyrelu: " + DYRELU_FIGURES + ")");
	}

	/** dyrelu's measured CPU time against fp32 ({@link #oneChannelStemReadByFloatIsland}). */
	private static final String DYRELU_FIGURES = "1.09-1.24x fp32's CPU time with the stem a QLinearConv, 0.73-0.81x so at batch 64; 1.36-1.54x, 1.03-1.16x at batch 1; one thread";

	private static String names(List<Node> nodes) {
		return String.join(", ", nodes.stream().map(r -> "'" + r.name() + "'").toList());
	}

	/** The words before the stem's name in {@link #stemInputScaling}'s reason (verify reads the name after them). */
	public static final String SCALED_FOR_STEM = "and the one-channel stem '";

	/**
	 * Why {@code n}, a per-tensor Mul, Add, Sub or Div by a constant between the 8-bit model input {@code input} and the one-channel
	 * stem {@code stem} ({@link ScaledStemInput}), computes in float on the input's codes dequantized: the stem then reads a float
	 * op's output and stays in that float island with its float weights ({@link #floatFedStem}), where quantized the chain
	 * requantized the input and the stem ran as ONNX Runtime's QLinearConv of one input channel, 2-3.6x the float Conv's time up to 32
	 * output channels (the input channels', not the outputs', cost). Measured with tiny graphs (one thread, org.quantrace.measure.CpuTime, batch 64, 28x28,
	 * tests/data/wild/README.md, stem65): QuantizeLinear + QLinearConv against the float Conv 1 → 8/16/32/64 3x3 2.4-2.8x,
	 * 2.0-2.5x, 1.7-1.8x, 1.3x; 5x5 3.6x, 3.0-3.2x, 2.2-2.4x, 1.3-1.4x; 7x7 1 → 16 2.5-2.6x; the float Conv with its output's
	 * QuantizeLinear 1.0-1.4x; 1x1 at par (so not taken); 8 input channels 0.8x (integer wins). make_unseen35.py caffe6
	 * (x · 2 − 0.5, then 16 × 1 × 5 × 5 stride 2): 1.86-2.07x fp32's CPU time with the chain and stem integer, 1.01-1.08x so (batch 1:
 * 1.39-1.66x, 1.07-1.22x). A stem the input reads directly keeps main's reader-specific rules: seg9's (read by a MaxPool and a
 * residual Add) ran 1.34-1.39x fp32 in float against 1.06-1.10x as QLinearConv, the layout changes costing more than it saves.
	 */
	static String stemInputScaling(Node n, Node stem, String input, String ioType) {
		long[] d = stem.graph().constant(stem.input(1)).dims();
		return "a per-tensor " + n.opType() + " by a constant between the " + ioType + " model input '" + input + "' " + SCALED_FOR_STEM + stem.name()
				+ "' (1 → " + d[0] + ", " + d[2] + "x" + d[3] + "): computed in float on the input's codes dequantized, so that the stem stays in"
				+ " that float island with its float weights; integer, the input was requantized and the stem ran as ONNX Runtime's QLinearConv"
				+ " of one input channel, 2-3.6x the float Conv's CPU time from 8 to 32 output channels (3x3 to 7x7 at 28x28, one thread,"
				+ " batch 64), and make_unseen35's caffe6 took 1.86-2.07x fp32's CPU time so, 1.01-1.08x with the chain and stem float";
	}

	/**
	 * Why a one-channel stem on a model input whose pooled activation only float ops read (a Loop whose body holds its Conv) stays
	 * float with its float weights, or null for another Conv ({@code QuantizationPlan}'s stemPooledIntoFloatOps checks what reads it).
	 * Measured on hand-written forms of round 22's loopconv (tests/data/wild/README.md, branch speed24; one thread, batch 64, CPU
	 * time against fp32): 1.71-1.82x with the stem a QLinearConv, 1.29-1.32x with it float on int8 weights, 1.04-1.06x on float ones.
	 */
	static String oneChannelStemPooledIntoFloatOps(Node n) {
		if (!oneChannelConv(n)) {
			return null;
		}
		return "a Conv of one input channel on the model input whose pooled activation only float ops read (a Loop, whose body runs in float):"
				+ " no integer op gains from its codes, so it computes in float with its float weights, and its activation and MaxPool with it"
				+ " (round 22's loopconv: 1.71-1.82x fp32's CPU time with it a QLinearConv, 1.04-1.06x so with the pool after the Loop on codes"
				+ " channels-last; one thread, batch 64)";
	}

	/**
	 * Why a one-channel stem on the int8 model input that a SiLU x·sigmoid(x) alone reads ({@link SiluReaders}: EfficientNet's
	 * and EfficientDet's stems, Conv → Swish) is computed in float with that SiLU, or null for another Conv. Integer, the stem
	 * ran as ONNX Runtime's QLinearConv of one input channel and the SiLU as QLinearSigmoid + QLinearMul; float, the SiLU reads
	 * the float Conv's output (no DequantizeLinear), so ONNX Runtime fuses it into QuickGelu as in fp32, and one QuantizeLinear
	 * after it feeds the integer ops. Measured on round 26's bifpn (tests/data/wild/README.md, speed29; one thread,
	 * org.quantrace.measure.CpuTime, int8 / fp32 in the same passes): batch 1 1.30-1.31x → 1.17-1.21x, batch 64 0.98-1.00x →
	 * 0.87-0.89x. The SiLU's nodes say so in their own records ({@link #siluAfterFloatStem}).
	 */
	static String oneChannelStemBeforeSilu(Node n, List<Node> silu) {
		return stemComputedInFloat(n, "a SiLU x·sigmoid(x) alone reads its output ('" + silu.get(0).name() + "' and '" + silu.get(1).name() + "'), so it"
				+ " writes no QuantizeLinear: the SiLU computes in float after it, which ONNX Runtime fuses into QuickGelu as in fp32, and is"
				+ " quantized once for the integer ops after it (round 26's bifpn: 1.30-1.31x fp32's CPU time at batch 1 with the stem a"
				+ " QLinearConv and the SiLU QLinearSigmoid + QLinearMul, 1.17-1.21x so; batch 64 0.98-1.00x, 0.87-0.89x so; one thread)");
	}

	/** Why the Sigmoid or Mul {@code n} of a SiLU after the float one-channel stem {@code stem} stays float ({@link #oneChannelStemBeforeSilu}). */
	static String siluAfterFloatStem(Node n, Node stem) {
		return "part of the SiLU x·sigmoid(x) that alone reads the one-channel stem '" + stem.name() + "', which computes in float on the int8"
				+ " model input's codes: computed in float with it, so that ONNX Runtime fuses the SiLU into QuickGelu as in fp32 and one"
				+ " QuantizeLinear after it feeds the integer ops (round 26's bifpn: 1.17-1.21x fp32's CPU time at batch 1 so, 1.30-1.31x with the"
				+ " stem and the SiLU integer; one thread)";
	}

	/** Why a one-channel stem beside a float pool path on the same int8 input ({@link OneChannelInput}) is computed in float, or null. */
	static String oneChannelStemBesidePool(Node n) {
		String stem = oneChannelStem(n);
		return stem == null ? null : stem + "; beside a float pool path on the same input, its activation read by Convs or MaxPools (octave:"
				+ " 0.76-0.81x fp32's CPU time so, 1.14-1.18x with both stems and the pool integer; one thread, batch 64)";
	}

	/**
	 * Why a one-channel stem whose activation one MaxPool reads, and only Convs and Pads on its codes the pool's output, is computed in float
	 * ({@link QuantizationPlan}'s floatStem), or null. Measured on hand-written forms of the frozen CLI's fiq-int8 files (one
	 * thread, batch 64, CPU time against fp32; tests/data/wild/README.md, branch speed18).
	 */
	static String oneChannelStemBeforePool(Node n) {
		String stem = oneChannelStem(n);
		return stem == null ? null : stem + "; its activation is read by one MaxPool, which runs channels-last on its codes, and only Convs and Pads on"
				+ " its codes read the pool (psp 0.95x → 0.66-0.68x, noisy 1.31x → 1.00-1.03x, the fashion example's CNN 1.56x → 0.90x,"
				+ " invol 0.91-1.07x → 0.78-0.94x fp32's CPU time so)";
	}

	/**
	 * Why a one-channel stem whose Relu only float ops read (ops without an integer kernel, or refused one: round 18's unpool, two
	 * MaxPools that write their indices for a MaxUnpool) is computed in float, or null. Its QLinearConv 1 → 16 took 5,321 µs per
	 * batch of 64 against the float Conv's 2,106 (tests/data/wild/README.md, branch speed19); ONNX Runtime's QDQ propagation
	 * copies the pool's QuantizeLinear back over it anyway, so the stem's output is quantized once (the Relu folded into that
	 * QuantizeLinear) and the float ops read those codes dequantized, as they did after the QLinearConv. Measured on the written
	 * files (one thread, batch 64, CPU time against fp32; branch speed20): 1.07-1.09x with the QLinearConv stem, 0.94-0.95x so.
	 */
	static String oneChannelStemBeforeFloatOps(Node n, Node activation) {
		String stem = oneChannelStem(n);
		return stem == null ? null : stem + "; only float ops read its " + activation.opType() + " (folded into its output quantization), so no"
				+ " integer op gains from its codes (round 18's unpool, MaxPools that write their indices: 1.07-1.09x fp32's CPU time as QLinearConv, 0.94-0.95x so; one thread, batch 64)";
	}

	/**
	 * Why the activation {@code n} (not a Relu, which folds into the stem's QuantizeLinear) of a one-channel stem computed in
	 * float before one MaxPool ({@link #oneChannelStemBeforePool}) computes in float too. Measured on hand-written forms of
	 * main's fiq-int8 file of round 18's specnorm (stem → LeakyRelu → MaxPool → Conv; one thread, batch 64, CPU time against
	 * fp32, two orders; tests/data/wild/README.md, branch speed19): QLinearLeakyRelu and the MaxPool on NCHW codes 1.98-2.02x,
	 * the stem a QLinearConv 1.13-1.16x, the LeakyRelu in float and the pool channels-last 0.74-0.76x.
	 */
	static String activationAfterPooledStem(Node n, Node stem) {
		return "computed in float after '" + stem.name() + "', a one-channel stem computed in float: its output is quantized once for the MaxPool,"
				+ " which pools those codes channels-last; as QLinear" + n.opType() + " it would read the stem's output quantized and dequantized,"
				+ " and ONNX Runtime pooled its codes channel-first (specnorm: 1.98-2.02x fp32's CPU time so, 0.74-0.76x in float; one thread, batch 64)";
	}

	/**
	 * Why the Pad or pool {@code n} of a pool path on a one-channel int8 model input ({@link OneChannelInput}) stays float: it
	 * reads the input's codes dequantized, and the one-channel Convs after it stay float with it (floatFedStem).
	 */
	static String oneChannelInputPool(Node n) {
		if (!OneChannelInput.readByConvs(n.graph(), n)) {
			return "the " + n.opType() + " of a pool path on the one-channel int8 model input, read by no Conv: it reads the input's codes dequantized"
					+ " and stays float, its output quantized once for the integer ops after it; integer, the whole input was requantized to the"
					+ " activations' uint8 codes and the pool ran on them (an AveragePool as a 1 → 1 QLinearConv between layout Transposes: round 29's crossnet, int8"
					+ " 1.21-1.25x the converted fp32's CPU time so, 0.93-1.08x float; one thread, batch 64)";
		}
		return "the " + n.opType() + " of a pool path on the one-channel int8 model input, read by Convs of one input channel: it reads the input's"
				+ " codes dequantized and stays float with them, since those Convs as QLinearConv and the pool as a 1 → 1 QLinearConv ran"
				+ " slower than float (octave: 19,921 and 1,783 µs against 235 and 1,359 per batch of 64, two threads)";
	}

	/**
	 * Why per-feature affine op {@code n} (an Add/Sub/Mul/Div by a constant of the feature axis' length: a Scaler's) stays float
	 * with the tabular model input it reads ({@link InputResolution}): one scale for the raw features put most of them on a
	 * handful of codes (wine 0.9861 → 0.5278 under fiq-int8); in float, the integer layers after it read codes of the scaled
	 * features, which share one spread.
	 */
	static String inputKeptFloat(Node n, InputResolution.Finding f) {
		return "reads the model input '" + f.input() + "', kept float32: " + f.shortFeatures().size() + " of its " + f.spans().length
				+ " features span fewer than " + InputResolution.STEPS + " steps of one " + f.type().name().toLowerCase(java.util.Locale.ROOT)
				+ " scale on the calibration samples, so the per-feature " + n.opType() + " runs in float on the raw features and its output is"
				+ " quantized only where an integer op reads it";
	}

	/** A 2-D Conv of one input channel (group 1) with float weights stored in the model. */
	static boolean oneChannelConv(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		return n.opType().equals("Conv") && n.intAttribute("group", 1) == 1 && w != null && w.dataType() == org.quantrace.engine.onnx.DataType.FLOAT
				&& w.dims().length == 4 && w.dims()[1] == 1;
	}

	/**
	 * Why an integer element-wise op whose one reader ({@code slow}) stays float for its slow integer kernel computes in float:
	 * see QuantizationPlan's beforeSlowKernel.
	 */
	static String beforeSlowKernel(Node slow) {
		return "its one reader, " + slow.opType() + " '" + slow.name() + "', runs in float (" + of(slow).kernel().name() + " is slower than float),"
				+ " so it computes in float too: with its output quantized, ONNX Runtime would fuse DequantizeLinear → " + slow.opType()
				+ " → QuantizeLinear into " + of(slow).kernel().name() + " all the same";
	}

	/**
	 * Why a 2-D Conv of one input channel whose input is the output of the float op {@code producer} (the planner checks that
	 * it is float and read by this Conv alone: {@code QuantizationPlan}'s floatFedStem) stays float, with its float weights, in
	 * that op's float island; or null for any other Conv. Quantized, it would need a QuantizeLinear/DequantizeLinear hop on
	 * its input and run as ONNX Runtime's 1-input-channel QLinearConv, 4-8x the float Conv's time (round 16's stn: its
	 * classifier stem after the GridSample 2,760 µs against 410 per batch of 64 at one thread; stn's fiq-int8 CPU time from
	 * 1.45x fp32's to 1.10-1.21x with this rule, tests/data/wild/README.md, branch stems2). With no DequantizeLinear before
	 * it, ONNX Runtime leaves its float weights as they are (WeightBiasQuantization rounds only a Conv that reads one).
	 */
	static String floatFedStem(Node n, Node producer) {
		if (!oneChannelConv(n)) {
			return null;
		}
		return "a Conv of one input channel after the float " + producer.opType() + " '" + producer.name() + "': it stays in that float island with"
				+ " its float weights (no QuantizeLinear/DequantizeLinear hop before it), since ONNX Runtime's QLinearConv of one input channel ran"
				+ " 4-8x slower than the float Conv (stn's after its GridSample: 2,760 against 410 µs per batch of 64, one thread)";
	}

	/**
	 * Why a Conv over three spatial dimensions (Conv3d: weights of rank 5) stays float in every full-integer scheme, or
	 * null for any other Conv. ONNX Runtime 1.29 fuses its QDQ form into QLinearConv like any Conv, but runs the 3-D
	 * case several times slower than float: on tests/data/wild's conv3d (two Conv3d 3x3x3, BatchNorm3d folded,
	 * MaxPool3d; `evaluate` of 2,000 images, all models in one batched pass, 2 cores) fiq-int8 took 1.95 ms per sample
	 * and fiq-uint8 1.55 against 0.24 for the converted float model. Its weights stay float too: a DequantizeLinear
	 * before the weight with one before the input and a QuantizeLinear after would be fused into that kernel again.
	 */
	static String volumetricConv(Node n) {
		Tensor w = n.inputs().size() > 1 ? n.graph().constant(n.input(1)) : null;
		if (w == null || w.dims().length != 5) {
			return null;
		}
		return "a 3-D Conv: ONNX Runtime's QLinearConv ran it 6-8x slower than the float Conv (tests/data/wild's conv3d: 1.95 ms per"
				+ " sample as int8 against 0.24 in float), so it stays float; " + FLOAT_ISLAND;
	}

	/**
	 * Why {@code node} stays float although its rule has an integer kernel: the kernel is unusable for it, or (only when the
	 * spec asks for it, {@link QuantizationSpec#floatSlowKernels}) slower than float. Null: the integer kernel is used.
	 */
	static String keptFloat(QuantizationSpec spec, Node node) {
		OpRule rule = of(node);
		if (rule == null) {
			return null;
		}
		String tail = groupNormSiluTail(node);
		if (tail != null) {
			return tail;
		}
		String between = convBeforeFloatGroupNorm(spec, node);
		if (between != null) {
			return between;
		}
		String stage = narrowStage(spec, node);
		if (stage != null) {
			return stage;
		}
		String unusable = rule.kernel().unusableFor(node);
		return unusable != null ? unusable : spec.floatSlowKernels() ? rule.kernel().slowerFor(node) : null;
	}

	/**
	 * Why {@code node} stays float as part of the narrow stage an int8 or float32 model input feeds ({@link NarrowStage}: a
	 * one-channel stem and the narrow Convs, element-wise ops and pools after it), when the activations are 8-bit and of
	 * another type than the input (fiq-int8, fiq-float32); null otherwise. Integer, the stage is ONNX Runtime's one-input-channel QLinearConv, its
	 * requantizations and narrow QLinearConvs that spend their time per pixel and per image ({@link #NARROW_CONV}); float,
	 * it is one island from the input's DequantizeLinear to a QuantizeLinear where a wider integer op reads it, and with no
	 * QuantizeLinear after the stem ONNX Runtime keeps the stem's float weights (its WeightBiasQuantization rounds only a
	 * Conv whose result reaches a QuantizeLinear through Relu/Clip) and runs it as its NCHWc Conv with the activation fused.
	 * Measured (tests/data/wild/README.md, speed30; one thread, CPU time against the model's fp32, the same passes, as an
	 * island / integer): the zoo MobileNetV3 batch 64 0.59-0.65 / 0.63-0.70 (3-10 % less in each of 19 passes, its
	 * hand-made form's included), batch 1 0.89-1.05 / 0.94-1.06; its opset-11 twin 0.48-0.49 / 0.51-0.52; MobileNetV2
	 * (stem → Clip → depthwise → Clip → 1x1 → Add) 0.56-0.58 / 0.62-0.66, batch 1 0.64-0.69 / 0.74-0.77; accuracy on the
	 * 10,000 test images 0.8606, 0.8168, 0.8587 against 0.8594, 0.8153, 0.8583 (fp32 0.8600, 0.8163, 0.8587). The
	 * switch's form ({@link QuantizationSpec#floatSlowKernels}: the stem written with int8 weights before a QuantizeLinear,
	 * its HardSwish integer) ran at par with the stage integer. uint8 input codes (fiq-uint8) are the activations' own: no
	 * DequantizeLinear starts an island there, and the stage stays integer. A float32 model input with 8-bit activations
	 * (fiq-float32) starts the island itself, without a DequantizeLinear: integer, the stage was the input's QuantizeLinear and
	 * the same narrow QLinearConvs. Measured (tests/data/wild/README.md, mnv67; `Measure`, the island's file against the
	 * integer stage's, 9-11 interleaved rounds, ×b64 / ×b1): the zoo MobileNetV3 two threads 1.23, 1.04, 1.04, 1.07 / 1.02, 0.98,
	 * 1.03, 1.07, one thread 1.06 / 1.06;
	 * its opset-11 twin 1.04 / 1.17, 1.07 / 1.08; MobileNetV2 1.09 / 1.00, 1.08 / 1.08; accuracy on the 10,000 test images
	 * 0.8599, 0.8170, 0.8594 against 0.8598, 0.8166, 0.8589.
	 */
	static String narrowStage(QuantizationSpec spec, Node node) {
		if (!node.isStandard() || !node.opType().equals("Conv") && !NarrowStage.BETWEEN.contains(node.opType())) {
			return null; // quick: no walk of the graph for other ops
		}
		List<Node> stage = NarrowStage.of(node.graph());
		if (!stage.contains(node)) {
			return null;
		}
		QuantizationSpec.TensorSpec activations = spec.activationsFor(stage.get(0));
		boolean floatInput = spec.technique() == QuantizationSpec.Technique.FULL_INTEGER && spec.io() == QuantizationSpec.IoType.FLOAT32
				&& activations.precision().bits() == 8;
		if (!floatInput && !QuantizationPlan.inputCodesDiffer(spec, activations)) {
			return null;
		}
		Node stem = stage.get(0);
		String island = floatInput
				? "one float island from the float32 model input to the QuantizeLinear where a wider integer op reads it (integer, its narrow"
						+ " QLinearConvs spend their time per pixel and per image: with this island the zoo MobileNets ran 1.04-1.23x the images per"
						+ " second of the stage integer at batch 64, two threads)"
				: "one float island from the " + spec.io().literal() + " input's DequantizeLinear to the QuantizeLinear where a wider"
						+ " integer op reads it (integer, its narrow QLinearConvs spend their time per pixel and per image: the zoo MobileNetV3, 16"
						+ " channels at 14x14, took 3-10 % more CPU time at batch 64 with the stage integer than as this island, one thread)";
		if (node == stem) {
			return "the one-channel stem of the narrow stage the " + spec.io().literal() + " model input feeds (" + stage.size() + " ops up to '"
					+ stage.get(stage.size() - 1).name() + "': narrow Convs of at most " + NARROW_CONV + " channels and the element-wise ops and"
					+ " pools between them): computed in float with its float weights, " + island + "; no QuantizeLinear follows it, so ONNX"
					+ " Runtime keeps its float weights and runs it as its NCHWc Conv";
		}
		return "part of the narrow stage the " + spec.io().literal() + " model input feeds from the one-channel stem '" + stem.name() + "' ("
				+ stage.size() + " ops): kept float with it, " + island;
	}

	/**
	 * Why a node of a GroupNorm's tail before a SiLU ({@link GroupNormTail}: PyTorch's nn.GroupNorm below opset 18, Reshape →
	 * InstanceNormalization → Reshape → Mul → Add, then x·sigmoid(x)) stays float with the InstanceNormalization before it, or
	 * null for any other node. The InstanceNormalization has no integer kernel; integer, its tail was a QuantizeLinear after it, a
	 * Reshape of codes, the affine as a depthwise QLinearConv 1x1 ({@link ChannelScaleAsConv}) with layout Transposes around it,
	 * QLinearSigmoid and QLinearMul: the lead's GroupNorm model (tests/data/wild make_gn.py) ran fiq-int8 at 1.4-2.0x fp32's
	 * CPU time. Float, the island runs from the InstanceNormalization's one DequantizeLinear to one QuantizeLinear after the
	 * SiLU, which ONNX Runtime fuses into QuickGelu as in fp32: 1.1-1.4x, in the same passes (tests/data/wild/README.md, speed28;
	 * one thread, batch 1 and 64, org.quantrace.measure.CpuTime).
	 */
	static String groupNormSiluTail(Node node) {
		Node norm = GroupNormTail.normOf(node);
		if (norm == null) {
			return null;
		}
		List<Node> tail = GroupNormTail.of(norm);
		String silu = "'" + tail.get(tail.size() - 2).name() + "' and '" + tail.get(tail.size() - 1).name() + "'";
		return "part of the float tail of the GroupNorm whose InstanceNormalization '" + norm.name() + "' has no integer kernel (Reshape back,"
				+ " per-channel Mul and Add, as PyTorch exports nn.GroupNorm) and of the SiLU x·sigmoid(x) after it (" + silu + "): kept float with"
				+ " them, one float island from the normalization's input DequantizeLinear to one QuantizeLinear after the SiLU, which ONNX Runtime"
				+ " fuses into QuickGelu as in fp32; integer, the tail's QuantizeLinear/DequantizeLinear hops, layout Transposes, depthwise"
				+ " QLinearConv, QLinearSigmoid and QLinearMul took the model 1.4-2.0x fp32's CPU time, 1.1-1.4x so (tests/data/wild make_gn.py,"
				+ " one thread, batch 1 and 64)";
	}

	/**
	 * Why a Conv between two float islands stays float, or null: its input comes from an op this table keeps float (the
	 * narrow stage an int8 input feeds, ...) and only a GroupNorm whose tail stays float ({@link #groupNormSiluTail}) reads
	 * it, through its Reshape to groups. Integer, it was an island of one integer op: a QuantizeLinear before it, two layout
	 * Transposes around ONNX Runtime's channels-last QLinearConv and a DequantizeLinear after the Reshape of its codes, for a
	 * Conv whose float kernel is fused in the NCHWc chain: the GroupNorm model (tests/data/models/gn_groupnorm.onnx, its first
	 * block's 1x1 Conv 16 → 32 after the float narrow stage) ran fiq-int8 at 1.15-1.20x fp32's CPU time at batch 1 with it
	 * integer, 1.09-1.11x with it float (tests/data/wild/README.md, speed33; one thread, org.quantrace.measure.CpuTime).
	 */
	static String convBeforeFloatGroupNorm(QuantizationSpec spec, Node node) {
		if (!node.isStandard() || !node.opType().equals("Conv") || node.inputs().isEmpty() || node.outputs().size() != 1) {
			return null;
		}
		Graph g = node.graph();
		List<Node> grouping = g.isOutput(node.output(0)) ? List.of() : g.consumers(node.output(0));
		if (grouping.size() != 1 || !grouping.get(0).opType().equals("Reshape") || g.isOutput(grouping.get(0).output(0))) {
			return null;
		}
		List<Node> norms = g.consumers(grouping.get(0).output(0));
		Node producer = g.producer(node.input(0)).orElse(null);
		if (norms.size() != 1 || GroupNormTail.of(norms.get(0)).isEmpty() || producer == null || keptFloat(spec, producer) == null) {
			return null;
		}
		return "a Conv between two float islands: its input comes from '" + producer.name() + "', which stays float, and only the GroupNorm whose"
				+ " InstanceNormalization '" + norms.get(0).name() + "' has no integer kernel reads it (through its Reshape to groups): computed in"
				+ " float with its float weights, no QuantizeLinear/DequantizeLinear hop; integer, it was one integer op paying a QuantizeLinear, a"
				+ " DequantizeLinear and two layout Transposes (tests/data/models/gn_groupnorm.onnx: 1.15-1.20x fp32's CPU time at batch 1 with it"
				+ " integer, 1.09-1.11x float; one thread)";
	}

	/** Why and how the op table rewrites {@code node} exactly before quantizing ({@link OpRule.Kernel#rewriteFor}), or null. */
	static String rewriteOf(Node node) {
		OpRule rule = of(node);
		return rule == null ? null : rule.kernel().rewriteFor(node);
	}

	/** The rule for {@code node}, or null: ops in other domains and ops nobody described stay float. */
	public static OpRule of(Node node) {
		if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
			return null;
		}
		return BY_OP.get(node.opType());
	}

	/**
	 * Whether the op table has {@code op} move or select integer codes (the data-movement rule): written on the codes, it
	 * computes nothing. The one fact the quantizer writes by and verify re-derives by (runner.verify.Quantizations).
	 */
	public static boolean movesCodes(String op) {
		OpRule r = BY_OP.get(op);
		return r != null && r.family().equals(DATA_MOVEMENT);
	}

	/**
	 * Whether ONNX Runtime 1.29 (CPU) runs DequantizeLinear → {@code op} → QuantizeLinear of one type, scale and zero point on
	 * the codes, dropping the pair (its DropQDQNodes rules): an op that {@link #movesCodes} but not one of {@link #PAIR_KEPT}.
	 */
	public static boolean pairDroppedByOnnxRuntime(String op) {
		return movesCodes(op) && !pairKeptByOnnxRuntime(op);
	}

	/** Whether {@code op} moves codes only where Quantrace writes it on them: ONNX Runtime keeps the pair around it ({@link #PAIR_KEPT}). */
	public static boolean pairKeptByOnnxRuntime(String op) {
		return PAIR_KEPT.contains(op);
	}

	/** Whether {@code op} outputs exactly the values it reads, rearranged: a QuantizeLinear after it can come before it. */
	public static boolean rearranges(String op) {
		return REARRANGING.contains(op);
	}

	/** Every rule, in table order. */
	public static List<OpRule> all() {
		return List.copyOf(RULES);
	}

	/** Whether {@code node} has this form under its rule. */
	public static boolean is(Node node, Form form) {
		OpRule r = of(node);
		return r != null && r.form() == form;
	}

	/** Why {@code node} stays float when its rule (or the lack of one) says it has no integer form. */
	public static String floatReason(Node node) {
		if (node.domain().equals("ai.onnx.ml")) { // ONNX's own traditional-ML domain (skl2onnx's Scaler, LinearClassifier): no custom op
			return "ai.onnx.ml op " + node.opType() + " (ONNX's traditional machine-learning domain) has no integer form: " + FLOAT_ISLAND;
		}
		if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
			return "custom-domain op " + node.domain() + "." + node.opType() + " is not quantized";
		}
		OpRule r = of(node);
		if (r == null) {
			return node.opType() + " has no rule in Quantrace's op table: " + FLOAT_ISLAND;
		}
		return r.kernel().note();
	}

	/**
	 * The factor a Mul or Div by a positive scalar constant applies (Div: 1/c), or 0 when it is not one: then
	 * the output is the input's codes with the scale multiplied.
	 */
	public static float rescaleFactor(Node node) {
		if (!node.opType().equals("Mul") && !node.opType().equals("Div") || node.inputs().size() != 2) {
			return 0;
		}
		int constant = -1;
		for (int i = 0; i < 2; i++) {
			Tensor t = node.graph().constant(node.input(i));
			if (t != null && t.elementCount() == 1 && t.dims().length <= 1 && t.dataType() == org.quantrace.engine.onnx.DataType.FLOAT) {
				constant = i;
			}
		}
		if (constant < 0 || node.opType().equals("Div") && constant != 1) {
			return 0;
		}
		float c = node.graph().constant(node.input(constant)).toFloatArray()[0];
		float factor = node.opType().equals("Div") ? 1 / c : c;
		return factor > 0 && Float.isFinite(factor) ? factor : 0;
	}

	/**
	 * Why a MatMul of batched constant weights (rank 3+, [f, K, N]) stays float in full-integer schemes, or null. Its
	 * per-tensor QLinearMatMul runs, yet quantized (drq40, one thread, batch 64, against the converted fp32 model) nam's
	 * fiq-int8 took 1.48-1.66x and crossnet's 1.56-1.74x the float CPU time (float: 0.99-1.12, 0.97-1.09): the
	 * products sit between float ops, and the QuantizeLinear/DequantizeLinear around each short integer stretch cost more
	 * than the integer products save. Dynamic-range schemes still store them as int8 (DynamicQuantizeMatMul or weights only:
	 * nam's drq 0.98-0.99x, a third of the size).
	 */
	static String batchedWeightsSlower(Node node) {
		Tensor w = node.inputs().size() > 1 ? node.graph().constant(node.input(1)) : null;
		return w != null && w.dims().length > 2
				? "MatMul weights of rank " + w.dims().length + " (a batched product): quantized, these products between float ops made"
						+ " the model 1.5-1.7x slower than float (the QuantizeLinear/DequantizeLinear around each short integer stretch),"
						+ " so full-integer schemes keep them float; a dynamic-range scheme stores them as int8"
				: null;
	}

	/** Whether the dynamic integer MatMul beats float for this node's weight (K·N elements). */
	static boolean largeWeights(Node node) {
		Tensor w = node.graph().constant(node.input(1));
		if (w == null || w.dims().length < 2) {
			return false;
		}
		// one matrix product's weights (K·N): a batched B [f, K, N] runs f products of that size, each as small as one
		long[] d = w.dims();
		return d[d.length - 2] * d[d.length - 1] >= DYNAMIC_MATMUL_MIN_WEIGHTS;
	}

	static boolean clipFromZero(Node n) {
		if (n.opType().equals("Relu")) {
			return true;
		}
		if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
			Tensor t = n.graph().constant(n.input(1));
			return t != null && t.elementCount() == 1 && t.toFloatArray()[0] == 0f;
		}
		return n.attribute("min").map(a -> a.getF() == 0f).orElse(false);
	}

	/**
	 * Whether ONNX Runtime removes this clamp before a QuantizeLinear with its zero point at the range's minimum 0 whatever that
	 * QuantizeLinear's scale (ReluQuantFusion, ClipQuantFusion): a Relu, or a Clip from 0 with no upper bound, as torch writes
	 * torch.clamp(x, min=0) (make_unseen24's sparsemax, max(z - tau, 0)). A Clip with a finite maximum is removed only when the
	 * calibrated range ends below it, which the plan does not know.
	 */
	static boolean clampsOnlyAtZero(Node n) {
		float[] bounds = clampBounds(n);
		return bounds != null && bounds[0] == 0f && bounds[1] >= Float.MAX_VALUE;
	}

	/** A Relu's or Clip's [min, max] (a bound left out: the float range's end); null for another op or a computed bound. */
	static float[] clampBounds(Node n) {
		if (n.opType().equals("Relu")) {
			return new float[] { 0f, Float.MAX_VALUE };
		}
		Float min = n.opType().equals("Clip") ? clipBound(n, 1, "min", -Float.MAX_VALUE) : null;
		Float max = n.opType().equals("Clip") ? clipBound(n, 2, "max", Float.MAX_VALUE) : null;
		return min == null || max == null ? null : new float[] { min, max };
	}

	/** A Clip's bound: its input (opset 11+), its attribute (older), or the default; null when computed. */
	private static Float clipBound(Node n, int input, String attribute, float otherwise) {
		if (n.inputs().size() > input && !n.input(input).isEmpty()) {
			Tensor t = n.graph().constant(n.input(input));
			return t == null || t.elementCount() != 1 ? null : t.toFloatArray()[0];
		}
		return n.attribute(attribute).map(a -> a.getF()).orElse(otherwise);
	}

	private static String codesRefusal(Node n) {
		return switch (n.opType()) {
		case "Resize" -> "nearest".equals(n.stringAttribute("mode", "nearest")) ? null
				: "Resize in " + n.stringAttribute("mode", "") + " mode computes new values: " + FLOAT_ISLAND;
		case "Pad" -> {
			String mode = n.stringAttribute("mode", "constant");
			if (!mode.equals("constant")) {
				yield null; // reflect and edge copy codes
			}
			Tensor value = n.inputs().size() > 2 && !n.input(2).isEmpty() ? n.graph().constant(n.input(2)) : null;
			yield n.inputs().size() > 2 && !n.input(2).isEmpty() && value == null ? "Pad with a computed pad value: " + FLOAT_ISLAND : null;
		}
		case "Gather" -> n.intAttribute("axis", 0) < 0 && n.graph().constant(n.input(0)) != null ? "Gather with a negative axis on a constant table" : null;
		// a SegNet's MaxPool hands its int64 indices to a MaxUnpool: the codes pass through output 0 only, and a
		// DequantizeLinear written on the indices made a model ONNX Runtime does not load (make_unseen18's unpool)
		case "MaxPool" -> n.outputs().size() > 1 && !n.output(1).isEmpty()
				? "MaxPool that also writes its indices (for a MaxUnpool): " + FLOAT_ISLAND : null;
		case "TopK" -> n.outputs().size() > 1 && (!n.graph().consumers(n.output(1)).isEmpty()
				|| n.graph().outputs().stream().anyMatch(v -> v.getName().equals(n.output(1))))
						? "TopK whose indices are read: its values and indices stay together in float; " + FLOAT_ISLAND : null;
		default -> null;
		};
	}

	private static String recurrentRefusal(Node n) {
		for (int i = 1; i <= 2; i++) {
			Tensor w = n.graph().constant(n.input(i));
			if (w == null || w.dims().length != 3) {
				return n.opType() + " weights '" + n.input(i) + "' are computed at run time, not stored in the model";
			}
		}
		return null;
	}

	private static WeightInput weight(int input, java.util.function.ToIntBiFunction<Node, Integer> axis) {
		return new WeightInput(input, axis);
	}

	private static OpRule compute(String op, String kernel) {
		return compute(op, kernel, null);
	}

	private static OpRule compute(String op, String kernel, java.util.function.Function<Node, String> refusal) {
		return new OpRule(op, Set.of(op), Form.COMPUTE, List.of(), -1,
				new Kernel(kernel, true, false, "ONNX Runtime fuses DequantizeLinear → " + op + " → QuantizeLinear into " + kernel), Drq.none(), refusal);
	}

	/**
	 * An op whose integer kernel exists but was measured slower than its float kernel: it stays float (the kernel is
	 * "unusable"), except where the planner finds it between a DequantizeLinear and a QuantizeLinear all the same (both
	 * neighbours integer), which ONNX Runtime fuses into the kernel whatever the plan says.
	 */
	private static OpRule slower(String op, String kernel, String measured, java.util.function.Function<Node, String> rewrite) {
		return slower(op, kernel, measured, rewrite, n -> null);
	}

	/** {@link #slower}, with {@code reason} saying why a node stays float in its own words where it has some (else the rule's). */
	private static OpRule slower(String op, String kernel, String measured, java.util.function.Function<Node, String> rewrite,
			java.util.function.Function<Node, String> reason) {
		return slower(op, kernel, measured, rewrite, reason, n -> false);
	}

	/** {@link #slower}, except for the nodes {@code faster} holds, whose integer kernel was measured faster than their float one. */
	private static OpRule slower(String op, String kernel, String measured, java.util.function.Function<Node, String> rewrite,
			java.util.function.Function<Node, String> reason, java.util.function.Predicate<Node> faster) {
		String why = "ONNX Runtime's " + kernel + " ran at " + measured + " the throughput of the float " + op + " (one thread, zoo-sized tensors), so "
				+ FLOAT_ISLAND;
		return new OpRule(op, Set.of(op), Form.COMPUTE, List.of(), -1, new Kernel(kernel, true, false, why, null, n -> {
			String own = reason.apply(n);
			return own != null ? own : faster.test(n) ? null : why;
		}, rewrite), Drq.none(), null);
	}

	private static OpRule floatRule(String family, Set<String> ops) {
		return new OpRule(family, ops, Form.FLOAT, List.of(), -1, Kernel.none("ONNX Runtime (CPU) has no integer kernel for it: " + FLOAT_ISLAND), Drq.none(), null);
	}

	private static void add(OpRule rule) {
		RULES.add(rule);
		for (String op : rule.opTypes()) {
			if (BY_OP.put(op, rule) != null) {
				throw new IllegalStateException(op + " has two rules");
			}
		}
	}
}
