package org.quantrace.engine.convert;

/**
 * Why the conversion removed one node of the original: the pass that took it out and, where one names it, what it went
 * with (the layer a BatchNormalization was folded into, the removed nodes that alone read a node nothing reads any more).
 * PhIMT0002 Appendix A states it per node; the trace keeps it as {@link #code()}, which verify checks against the two files.
 */
public record Removal(Reason reason, String detail) {

	/** The passes that remove nodes, each with the code the trace keeps. */
	public enum Reason {
		/** A Constant node, or one with only constant inputs, replaced by initializers holding its outputs. */
		CONSTANT_FOLDED("constant-folded"),
		/** Its outputs were read by nothing any more: the detail names the removed nodes that read them in the original. */
		UNREAD("unread"),
		IDENTITY("identity-removed"),
		/** A Cast to the type its input already has. */
		NO_OP_CAST("cast-removed"),
		DROPOUT("dropout-removed"),
		/** A BatchNormalization folded away; the detail names the layer, where one took it. */
		BATCH_NORMALIZATION("batch-normalization-folded"),
		/** A per-channel Mul or Add after a Conv folded into its weights and bias. */
		AFFINE_FOLDED("affine-folded"),
		/** A QDQ layer's follower folded into its trained weight scales. */
		TRAINED_CODES("trained-codes-folded"),
		FUNCTION_INLINED("function-inlined"),
		IF_INLINED("if-inlined"),
		TRANSPOSES_CANCELLED("transposes-cancelled"),
		/** A Reshape to the shape its input already has (the second of a view and the Reshape back, once merged). */
		RESHAPE_REMOVED("reshape-removed"),
		MATRIX_PRODUCT("matrix-product-rewritten"),
		CHANNEL_PIECES("channel-pieces"),
		PARALLEL_CONVS("parallel-convs-merged"),
		/** A MixConv's channel Split, its depthwise Convs but the one kept and its Concat, merged into one depthwise Conv. */
		MIXED_DEPTHWISE("mixconv-merged"),
		/** A part of a decomposition {@link Patterns} finds (HardSigmoid, HardSwish, GELU, LayerNormalization), fused into the one op. */
		PATTERN_FUSED("pattern-fused"),
		/*
		 * The rewrites below had "pattern-fused" and its words, "part of a decomposed operation, fused into one op", which none of them
		 * is (assessor59): each its own code, words (report's RemovedNodeReasons) and check (verify's ReplacedNodes).
		 */
		/** A ReduceMean over every axis after the channels written as GlobalAveragePool (and Flatten). */
		MEAN_AS_POOL("mean-as-global-pool"),
		/** A ReduceMean over the channels alone, kept, written as a 1x1 Conv of weights 1/C. */
		MEAN_AS_CONV("mean-as-conv"),
		/** A Pad of zeros on the spatial axes folded into the pads of the Conv that alone reads it ({@link PadIntoConv}). */
		PAD_FOLDED("pad-folded"),
		/** The Squeeze, Transposes and Unsqueeze around a Conv1d across a pooled map's channels, written as one 1x1 Conv ({@link ConvAcrossChannels}). */
		CONV_ACROSS_CHANNELS("conv-across-channels"),
		/**
		 * ONNX Runtime's FusedConv, FusedGemm, FusedMatMul, Attention written as the standard ops they compute ({@link RuntimeFusions}):
		 * the opposite of a fusion. The layer keeps its node's name, so no node is listed so today; the code says it if one is.
		 */
		RUNTIME_OP_UNFUSED("runtime-op-unfused"),
		ACTIVATION("activation-rewritten"),
		/** An ai.onnx.ml Scaler, LinearClassifier, LinearRegressor or Normalizer written as the standard ops that compute it ({@link MlLinearOps}). */
		ML_OP_REWRITTEN("ml-op-rewritten"),
		/** A Sum of n inputs written as a chain of n - 1 Adds, which a quantized model runs on integers ({@link SumAsAdds}). */
		SUM_AS_ADDS("sum-as-adds"),
		/** An attention's scalar Mul or Div (1/√d) folded into the weights and bias of Q's projection ({@link AttentionScales}). */
		ATTENTION_SCALE_FOLDED("attention-scale-folded");

		private final String code;

		Reason(String code) {
			this.code = code;
		}

		public String code() {
			return code;
		}
	}

	public Removal(Reason reason) {
		this(reason, "");
	}

	/** "unread: /classifier/classifier.2/Dropout", "identity-removed": the form the trace keeps. */
	public String code() {
		return detail.isEmpty() ? reason.code() : reason.code() + ": " + detail;
	}
}
