package org.quantrace.report;

import java.util.Arrays;
import java.util.List;

/**
 * What {@code quantrace verify} does with each kind of figure the documents print, as the documents and verify's own output say
 * it: re-derived from the files by every verify, re-derived only by {@code verify --deep} (which runs the models again), or the
 * run's own statement, which no check can make again (the time, the machine, what a clock measured): SHA256SUMS seals it, and
 * only {@code verify --expect FINGERPRINT} binds the folder to the fingerprint the run printed. The documents printed all three
 * alike beside one row "quantrace verify checks every file and input", which an assessor read as "verify re-derived the CPU
 * and the latencies". Each re-derived entry names a check of verify (the runner's {@code Verification.CHECKED_BY}, held against
 * this list by a test, so an entry added here without a check fails it).
 */
public enum EvidenceScope {

	MODEL_FILES(Kind.REDERIVED, "every file's SHA-256 against SHA256SUMS and the inventory; each model's size, header, parameter count, inputs and outputs and tensors by element type; of a model that arrived quantized, its form, quantized ops and layers on integer codes (8 bits or more; a layer on float8 or 4-bit codes computes in float) and in float"),
	QUANTIZATION(Kind.REDERIVED, "each quantized tensor's type, scheme, granularity, and its scales and zero points from the range its record holds, every channel's scale of a per-channel weight from that channel's float weights, the integer weights' codes as the float weights quantized at their scales (an LSTM's row by row, each direction), and an int32 bias's codes from its float bias less the correction recorded; each layer's precision; the parameters rewrites add; whether a dynamic-range scheme's weights are int8 at all, the layers on int8 weights a control-flow node's note names in its bodies, and the ops a one-channel stem kept float for its float island names as reading its float output; the model input and one-channel stem a per-tensor scale or shift kept float for that stem names; a dynamic-range layer's one weight scale per input feature of the tabular model input it reads, against the scales its weights are dequantized with; the warning that a scheme quantized no layer, from the layers and weights re-derived"),
	FLOAT_CONSTANTS(Kind.REDERIVED, "a layer kept float because a constant it reads holds a value no quantization scale can represent: that the constant holds it (inf, NaN, or beyond half of float's largest), from the float model's values"),
	MASK_WARNINGS(Kind.REDERIVED, "the quantizer's warning that a mask computed from an integer input taken as 0/1 added positive values: recorded exactly where the calibration samples hold a value above 1 in that input"),
	INPUT_RESOLUTION(Kind.REDERIVED, "the quantizer's warning that a tabular input's features span fewer than 4 steps of its one integer scale (at least one feature in 20): recorded exactly where the calibration samples bear it out, with its count and worst features, and the input float in the model file exactly where the warning says it was kept float"),
	CONVERSION_REASONS(Kind.REDERIVED, "why each node the conversion removed went (Appendix A), from the verified and the converted model: its op, the nodes that read it, the layer a BatchNormalization was folded into, and of a rewrite (a decomposition fused, a mean written as GlobalAveragePool or a 1x1 Conv, a Pad folded into its Conv, a Conv1d across the channels written as a 1x1 Conv, a matrix product rewritten, channel pieces, parallel Convs merged, a PRelu rewritten, a trained layer's follower folded, a function call inlined) where the node stood and the ops that replaced it, both run on seeded random inputs to the same values; and ONNX Runtime's contrib ops (fused Conv, Gemm, MatMul; Attention) the conversion says it wrote as standard ops, by count, name and each node's list of the standard ops, against the nodes that compute its outputs in the converted model"),
	MASKED_SUMS(Kind.REDERIVED, "each quantized model's mark of masked attention scores, which the debugger measures where the mask keeps them: the float model's Add or Where writes them from the scores the mark names, a Softmax reads them, its record says it runs on codes over those scores masked by that node, and the model quantizes them"),
	DEBUG_LEFT_OUT(Kind.REDERIVED, "each tensor the quantization debugger left out of its comparison: no row of its table, quantized in the quantized model, made after a NonMaxSuppression, NonZero, Unique or Compress in the float model or after a layer the quantizer widened with zero channels (why its sizes differ), its two sizes different"),
	STAGES(Kind.REDERIVED, "pruning and factorization per layer, from the models before and after; that channel pruning removed the lowest-scored channels under the layer floor, from the scores the trace records, and that each pruned layer with a bias kept the channels the trace says; the warning that a prune step achieved less than half its target sparsity, from the sparsity re-derived"),
	DECLARED(Kind.REDERIVED, "what the recipe declares (models, documents, seed, schemes, calibration, convert, prune, factorize, evaluation tolerance, metrics and acceptance criteria, debug thresholds), against the recipe; each layer's reason that a prune or factorize step or a scheme excluded it, against the step's or scheme's first exclude clause matching it (its line, file and pattern), and a quantized layer a clause excludes saying so; each model's framework clause against its file's ONNX producer (the model-framework warning recorded exactly where they contradict); quantize's automatic pre-processing where it declares no convert step (its settings, and its reason against the difference re-derived)"),
	INPUTS(Kind.REDERIVED, "the recipe, models and data the run read, against their recorded SHA-256 (where they are readable)"),
	COUNTS(Kind.REDERIVED, "the sample counts of each dataset (an image folder's manifest lines, an .npy's or .npz's header shape, an IDX file's header, a CSV's rows, cut to the recipe's samples) and of each evaluation (its dataset's)"),
	DOCUMENTS(Kind.REDERIVED, "every document made again from trace.xmi, and each verdict from the figures it follows from"),
	METRICS(Kind.DEEP, "each evaluation's metrics (of classes, single-label or multilabel, and of outputs against a reference: every figure the record holds), each also computed a second way apart from the evaluator, the debugger's per-layer statistics and the sizes of the tensors it left out, and the conversion's maximum difference, by running the models again"),
	BIAS_CORRECTIONS(Kind.DEEP, "each recorded bias correction, measured again in each channel as the mean of the quantized minus the float layer output over the calibration samples"),
	ENTROPY_RAISES(Kind.DEEP, "each raised entropy threshold: the share of the calibration values its KL threshold saturates and that the threshold taken is the least saturating at most 0.01 %, counted within one histogram bin"),
	ACTIVATION_SCORES(Kind.DEEP, "each channel score of criterion activation, measured again as the mean absolute activation its readers see on the samples the trace names (their count and the SHA-256 of the inputs fed), within a relative 1e-4"),
	// verify63: a min-max range widened with its scale in the model, the trace and every log passed even --deep (VerifyCalibratedRangeTest)
	MINMAX_RANGES(Kind.DEEP, "each activation's range a min-max calibration recorded, measured again as the smallest and largest value over the calibration samples the trace names (tensors sharing codes by their widest), within 1e-5 of its largest magnitude"),
	// deepq65: a moving-average or percentile range widened with its scale everywhere passed --deep (VerifyCalibratedRangeMethodsTest)
	MOVING_AVERAGE_RANGES(Kind.DEEP, "each activation's range a moving-average calibration recorded, measured again as the average of each calibration batch's smallest and largest value in the manifest's order, with the recorded constant and batch size (tensors sharing codes by the hull of theirs), within 1e-5 of its largest magnitude"),
	PERCENTILE_RANGES(Kind.DEEP, "each activation's range a percentile calibration recorded, counted again over the calibration samples the trace names: at most the percentile's tail of the values beyond each end, and more at one bin of the run's histogram inside it where it clips (tensors sharing codes by the one whose codes they share)"),
	// entropy67: an entropy or L2 range widened with its scale everywhere passed --deep (VerifyCalibratedRangeMethodsTest)
	ENTROPY_RANGES(Kind.DEEP, "each activation's range an entropy calibration recorded, and the KL threshold an entropy threshold was raised from, searched again over verify's own histogram of the calibration values' magnitudes (the recorded bins over the largest measured, exact zeros out): the threshold on a bin edge, each end the threshold or the values' extreme, and its KL divergence, computed bin by bin, within 10 % of the least (tensors sharing codes by the one whose codes they share)"),
	L2_RANGES(Kind.DEEP, "each activation's range an L2 calibration recorded, searched again as torch's HistogramObserver does over verify's own histogram of the calibration values (the recorded bins over the smallest to the largest measured): the ends on bin edges, and its quantization error, integrated piece by piece, within 2 % of the search's (tensors sharing codes by the one whose codes they share)"),
	TIMES(Kind.STATEMENT, "the run's time and every date"),
	MACHINE(Kind.STATEMENT, "the machine: operating system, CPU, cores, memory, Java"),
	LATENCY(Kind.STATEMENT, "latencies (ms/sample): measured once on the run's machine"),
	// hostile21: the calibrated ranges were in no list, and QUANTIZATION's "the range they follow from" read as re-derived; a range
	// widened with its scale in the model passed verify (VerifyCalibratedRangeTest)
	CALIBRATED_RANGES(Kind.STATEMENT, "of a tensor whose range was read again by percentile (a range far wider than its values), the first range and the RMS the calibration measured: said beside the range taken, which verify --deep measures again"),
	QUANTIZER_WARNINGS(Kind.STATEMENT, "the quantizer's other warnings (quantize-warning: a half-precision model quantized from its float32 form, dynamic kernels slower than float)"),
	CHANNEL_SCORES(Kind.STATEMENT, "the channel scores of the weight criteria channel pruning ranked by (filter norms relative to their layer's), not computed again (those of criterion activation only verify --deep measures again)"),
	RECOVERY_TRIALS(Kind.STATEMENT, "each accuracy recovery trial's measured value (a trial's model is not kept, only the variant the search kept, whose evaluation verify --deep runs again), and the float model's where a search says it fails the criterion itself");

	/** How verify treats a kind of figure. */
	public enum Kind {
		REDERIVED("re-derived from the files by quantrace verify"),
		DEEP("re-derived only by quantrace verify --deep"),
		STATEMENT("the run's own statement, not re-derivable: sealed by SHA256SUMS, bound only by quantrace verify --expect FINGERPRINT");

		private final String heading;

		Kind(String heading) {
			this.heading = heading;
		}

		public String heading() {
			return heading;
		}
	}

	private final Kind kind;
	private final String figures;

	EvidenceScope(Kind kind, String figures) {
		this.kind = kind;
		this.figures = figures;
	}

	public Kind kind() {
		return kind;
	}

	public String figures() {
		return figures;
	}

	/** The entries of one kind. */
	public static List<EvidenceScope> of(Kind kind) {
		return Arrays.stream(values()).filter(e -> e.kind == kind).toList();
	}

	/** One kind's figures as one line: "a; b; c". */
	public static String line(Kind kind) {
		return String.join("; ", of(kind).stream().map(EvidenceScope::figures).toList());
	}
}
