package org.quantrace.runner.verify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The grouped Convs one quantized model holds rewritten as a depthwise Conv on repeated channels (the quantizer's
 * pre-processing for a channel multiplier k &gt; 1: a Gather of the input's channels [0, …, 0, 1, …] on axis 1, then
 * the Conv with group = C_out on the same weights), re-derived from the model and the float model it was quantized
 * from, not from the trace: per layer what its record and log line must say ("rewritten as a depthwise Conv (group 8 →
 * 16) on its input's channels repeated by Gather 'g'" for the Conv, "added by the rewrite of Conv 'c': repeats each of
 * its 8 input channels 2 times" for the Gather). A Conv whose group differs from the float model's without such a Gather
 * before it, or a Gather whose indices are not each channel k times in order, gets words no honest record has: then
 * the model computes something else than the float model, and verify says so. The weights are the float model's
 * (the Conv's weight records and codes are checked as any Conv's). A depthwise Conv (one input channel per output
 * channel, a multiplier of 1) whose group grew is no such rewrite but the depthwise padding, which {@link Paddings}
 * re-derives.
 * <p>
 * Likewise an AveragePool that leaves the padding out of its count, written as a depthwise Conv of weights 1/k² and a Mul
 * by the constant map k²/count under the pool's name ("AveragePool rewritten as a depthwise Conv 'p_sums' of weights 1/9
 * and a Mul by the map 9/count", the Conv's "added by the rewrite of AveragePool 'p': the window sums divided by 9"): the
 * weights and the map, as the model dequantizes them, must be those within half a quantization step. An AveragePool whose every
 * window counts all its k² values (no padding, or the padding counted), at any stride, is written as the depthwise Conv alone
 * under the pool's name ("AveragePool rewritten as a depthwise Conv of weights 1/9 (every window counts 9 values)"): its window,
 * padding and strides must be the pool's, its weights 1/k².
 * <p>
 * And a Mul by a per-channel constant (with the Add of a per-channel constant after it, a BatchNormalization that follows no
 * Conv) written as a depthwise 1x1 Conv under the Mul's name ("Mul by a per-channel constant rewritten as a depthwise 1x1 Conv
 * of weights its 24 factors and bias the 24 terms of Add 'a'"): its weights must be the factors and its bias the terms, as the
 * model dequantizes them, within half a quantization step.
 * <p>
 * And a grouped Conv of a few input channels per group written as one dense Conv under its name ("grouped Conv (4 groups)
 * rewritten as one dense Conv 24 → 16 with block-diagonal weights (zero between the groups)"): its window must be the float
 * Conv's and its weights, as the model dequantizes them, the group's weights on each output channel's own group's input
 * channels within half a quantization step and 0 on every other one.
 * <p>
 * And a ConvTranspose written as a sub-pixel Conv under its name and an interleave of its phases ("ConvTranspose (stride 2x2)
 * rewritten as a sub-pixel Conv 32 → 64 of its 4 phases' taps and an interleave of the phases"): its phase weights, bias and
 * moves ({@link #subPixel}).
 * <p>
 * And a HardSigmoid that alone read a Conv's output folded into that Conv ("HardSigmoid 'h' (α 0.16666667, β 0.5) folded into
 * this Conv: weights ×α, bias ×α + β", and the HardSigmoid's "HardSigmoid rewritten as a Clip to [0, 1] after Conv 'c', its α
 * and β folded into that Conv"): the weights, the bias and the clamp ({@link HardSigmoidFold}).
 */
final class Repeats {

	/** What {@link #statement} and {@link #stated} give for a layer the rewrite did not touch. */
	static final String NONE = "not rewritten";

	/** The rewrite's words ({@link org.quantrace.report.AifsmLogs#REWRITTEN}) in a trace reason or a log cell, wherever a document broke the cell's lines ({@link Cells}). */
	private static final Pattern WORDS = Cells.words(org.quantrace.report.AifsmLogs.REWRITTEN);

	private final Map<String, String> statements = new LinkedHashMap<>();
	/** Per float weight or bias a HardSigmoid was folded into, what its codes stand for ({@link HardSigmoidFold}). */
	private final Map<String, Tensor> folded = new LinkedHashMap<>();
	/** Per node a rewrite added that neither model holds (a split's Relu fused into its Conv), the tensor its value is in. */
	private final Map<String, String> outputs = new LinkedHashMap<>();
	/**
	 * Per layer whose weights a rewrite wrote from the float model's constants and this class found to be them (a Mul's factors
	 * as a depthwise 1x1 Conv, whole or split), the tensors the quantized model holds them in: the weight input and what it
	 * dequantizes. The float model has no tensor of that name (the rewrite made it), so its record's name is held against these.
	 */
	private final Map<String, java.util.Set<String>> writtenWeights = new LinkedHashMap<>();

	Repeats(ModelFacts model, ModelFacts input) {
		if (input == null) {
			return;
		}
		for (NodeProto n : model.nodes()) {
			NodeProto original = n.getName().isEmpty() ? null : input.node(n.getName());
			if (original != null && original.getOpType().equals("AveragePool") && n.getOpType().equals("Mul")) {
				pool(model, original, n);
			} else if (original != null && original.getOpType().equals("AveragePool") && n.getOpType().equals("Conv")) {
				poolAlone(model, original, n);
			} else if (original != null && original.getOpType().equals("Mul") && n.getOpType().equals("Conv")) {
				channelScale(model, input, original, n);
			} else if (original != null && original.getOpType().equals("ConvTranspose") && n.getOpType().equals("Conv")) {
				subPixel(model, input, original, n);
			}
		}
		for (NodeProto mul : input.nodes()) {
			if (mul.getOpType().equals("Mul") && !mul.getName().isEmpty() && model.node(mul.getName()) == null && channelConstant(input, mul) != null) {
				split(model, input, mul);
			}
		}
		HardSigmoidFold.check(model, input, statements, folded);
		for (NodeProto conv : model.nodes()) {
			NodeProto original = conv.getOpType().equals("Conv") && !conv.getName().isEmpty() ? input.node(conv.getName()) : null;
			if (original == null || !original.getOpType().equals("Conv") || group(original) == group(conv)) {
				continue;
			}
			long from = group(original);
			long to = group(conv);
			Tensor w = original.getInputCount() > 1 ? input.value(original.getInput(1)) : null;
			if (w != null && w.dims().length > 2 && w.dims()[0] == from && w.dims()[1] == 1 && to > from) {
				continue; // a depthwise Conv widened with zero channels (72 → 80): Paddings re-derives that, not a channel multiplier
			}
			if (to == 1 && w != null && w.dims().length == 4 && w.dims()[1] > 1) {
				grouped(model, original, conv, w, from); // a grouped Conv written dense, block-diagonal
				continue;
			}
			// the Gather moves the codes (a DequantizeLinear after it), or a Conv the plan keeps float (float-slow-kernels) reads
			// the Gather's output through a QuantizeLinear and a DequantizeLinear
			NodeProto gather = computing(model, conv.getInput(0));
			String wrong = wrong(model, gather, w, from, to);
			if (wrong != null) {
				statements.put(conv.getName(), "group " + from + " → " + to + " (the float model's is " + from + "), " + wrong);
				continue;
			}
			statements.put(conv.getName(), "rewritten as a depthwise Conv (group " + from + " → " + to + ") on its input's channels repeated by Gather '"
					+ gather.getName() + "'");
			statements.put(gather.getName(), "added by the rewrite of Conv '" + conv.getName() + "': repeats each of its " + from + " input channels "
					+ to / from + " times");
		}
	}

	/**
	 * An AveragePool of the float model that the quantized model computes as a depthwise Conv of weights 1/k² (the window
	 * sums) and a Mul by the constant map k²/count under the pool's name: the statements for the Mul and the Conv, when the
	 * Conv has the pool's window, padding and one group per channel, its weights are 1/k² and the map k²/count within half a
	 * quantization step; else words no honest record has.
	 */
	private void pool(ModelFacts model, NodeProto pool, NodeProto mul) {
		NodeProto conv = null;
		String map = null;
		for (String in : mul.getInputList()) {
			NodeProto p = computing(model, in);
			if (p != null && p.getOpType().equals("Conv")) {
				conv = p;
			} else {
				map = in;
			}
		}
		List<Long> k = ints(pool, "kernel_shape");
		List<Long> pads = ints(pool, "pads");
		long taps = k.size() == 2 ? k.get(0) * k.get(1) : 0;
		String wrong = null;
		Dequantized w = conv == null || conv.getInputCount() < 2 ? null : dequantized(model, conv.getInput(1));
		Dequantized m = map == null ? null : dequantized(model, map);
		if (conv == null || taps == 0 || !ints(conv, "kernel_shape").equals(k) || !ints(conv, "pads").equals(pads)
				|| !ints(conv, "strides").stream().allMatch(x -> x == 1) || w == null || w.dims.length != 4 || w.dims[1] != 1 || group(conv) != w.dims[0]) {
			wrong = "AveragePool computed by " + mul.getOpType() + " without a depthwise Conv of its window before it";
		} else if (!w.near(i -> 1.0 / taps)) {
			wrong = "AveragePool computed by a Conv '" + conv.getName() + "' whose weights are not 1/" + taps;
		} else if (m == null || m.dims.length != 4 || m.dims[0] != 1 || m.dims[1] != 1) {
			wrong = "AveragePool computed by a Mul without a constant map [1, 1, H, W]";
		} else {
			int h = (int) m.dims[2];
			int wd = (int) m.dims[3];
			if (!m.near(i -> taps / (double) (window(i / wd, h, k.get(0), pads.get(0)) * window(i % wd, wd, k.get(1), pads.get(1))))) {
				wrong = "AveragePool computed by a Mul by a map other than " + taps + "/count";
			}
		}
		if (wrong != null) {
			statements.put(pool.getName(), wrong);
			return;
		}
		statements.put(pool.getName(), "AveragePool rewritten as a depthwise Conv '" + conv.getName() + "' of weights 1/" + taps + " and a Mul by the map " + taps
				+ "/count");
		statements.put(conv.getName(), "added by the rewrite of AveragePool '" + pool.getName() + "': the window sums divided by " + taps);
		writtenWeights.put(conv.getName(), weightTensors(model, conv));
	}

	/**
	 * An AveragePool of the float model that the quantized model computes as a depthwise Conv alone under the pool's name: the
	 * statement for it when every window of the pool counts all its k² values (no padding, or the padding counted; no
	 * ceil_mode), the Conv has the pool's window, padding and strides and one group per channel, and its weights are 1/k²
	 * within half a quantization step; else words no honest record has.
	 */
	private void poolAlone(ModelFacts model, NodeProto pool, NodeProto conv) {
		List<Long> k = ints(pool, "kernel_shape");
		long taps = k.size() == 2 ? k.get(0) * k.get(1) : 0;
		boolean whole = integer(pool, "ceil_mode") == 0 && (integer(pool, "count_include_pad") != 0 || ints(pool, "pads").stream().allMatch(p -> p == 0));
		Dequantized w = conv.getInputCount() < 2 ? null : dequantized(model, conv.getInput(1));
		String wrong = null;
		if (taps == 0 || !whole) {
			wrong = "AveragePool computed by a Conv '" + conv.getName() + "' alone, though its windows do not all count " + taps + " values";
		} else if (!ints(conv, "kernel_shape").equals(k) || !orZeros(ints(conv, "pads"), 4).equals(orZeros(ints(pool, "pads"), 4))
				|| !orOnes(ints(conv, "strides")).equals(orOnes(ints(pool, "strides"))) || !orOnes(ints(conv, "dilations")).equals(orOnes(ints(pool, "dilations")))
				|| w == null || w.dims.length != 4 || w.dims[1] != 1 || group(conv) != w.dims[0] || conv.getInputCount() > 2 && !conv.getInput(2).isEmpty()) {
			wrong = "AveragePool computed by a Conv '" + conv.getName() + "' that is no depthwise Conv of its window, padding and strides";
		} else if (!w.near(i -> 1.0 / taps)) {
			wrong = "AveragePool computed by a Conv '" + conv.getName() + "' whose weights are not 1/" + taps;
		}
		statements.put(pool.getName(), wrong != null ? wrong : "AveragePool rewritten as a depthwise Conv of weights 1/" + taps + " (every window counts " + taps
				+ " values)");
		if (wrong == null) {
			writtenWeights.put(conv.getName(), weightTensors(model, conv));
		}
	}

	/**
	 * A Mul of the float model by a per-channel constant ([C, 1, 1] or [1, C, 1, 1]) that the quantized model computes as a
	 * depthwise 1x1 Conv under the Mul's name: the statement for it when the Conv has one group per channel, a 1x1 window
	 * without padding, stride or dilation, weights [C, 1, 1, 1] that are the Mul's factors within half a quantization step,
	 * and either has no bias (an Add after the Mul is still in the model), or has the constant of the Add of a per-channel
	 * constant that was the Mul's only reader (and is no longer in the model) as its bias, within half a step of the bias's
	 * int32 codes; else words no honest record has. (The Conv's output is not compared: the writer may give it the name of
	 * the Relu after it, which the QuantizeLinear does.)
	 */
	private void channelScale(ModelFacts model, ModelFacts input, NodeProto mul, NodeProto conv) {
		double[] factors = channelConstant(input, mul);
		List<NodeProto> readers = input.consumers(mul.getOutput(0));
		NodeProto add = readers.size() == 1 && readers.get(0).getOpType().equals("Add") ? readers.get(0) : null;
		double[] terms = add == null ? null : channelConstant(input, add);
		boolean biased = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty();
		Dequantized w = conv.getInputCount() < 2 ? null : dequantized(model, conv.getInput(1));
		Dequantized b = biased ? dequantized(model, conv.getInput(2)) : null;
		String wrong = null;
		int c = factors == null ? 0 : factors.length;
		if (factors == null) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' though it multiplies by no per-channel constant";
		} else if (w == null || w.dims.length != 4 || w.dims[0] != c || w.dims[1] != 1 || w.dims[2] != 1 || w.dims[3] != 1 || group(conv) != c
				|| !orOnes(ints(conv, "kernel_shape")).equals(List.of(1L, 1L)) || !orZeros(ints(conv, "pads"), 4).stream().allMatch(p -> p == 0)
				|| !orOnes(ints(conv, "strides")).equals(List.of(1L, 1L)) || !orOnes(ints(conv, "dilations")).equals(List.of(1L, 1L))) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' that is no depthwise 1x1 Conv of its " + c + " channels";
		} else if (!w.near(i -> factors[i])) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' whose weights are not its " + c + " factors";
		} else if (!biased && add != null && terms != null && model.node(add.getName()) == null) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' without a bias, though the Add '" + add.getName() + "' after it is gone";
		} else if (biased && (add == null || terms == null || terms.length != c || model.node(add.getName()) != null)) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' with a bias but no Add of a per-channel constant after the Mul";
		} else if (biased && (b == null || b.dims.length != 1 || b.dims[0] != c || !b.near(i -> terms[i]))) {
			wrong = "Mul computed by a Conv '" + conv.getName() + "' whose bias is not the " + c + " terms of Add '" + add.getName() + "'";
		}
		statements.put(mul.getName(), wrong != null ? wrong : "Mul by a per-channel constant rewritten as a depthwise 1x1 Conv of weights its " + c + " factors"
				+ (biased ? " and bias the " + c + " terms of Add '" + add.getName() + "'" : ""));
		if (wrong == null) {
			writtenWeights.put(conv.getName(), weightTensors(model, conv));
		}
	}

	/** The tensors the weight input of {@code conv} is held in: the input itself and, through a DequantizeLinear, its codes. */
	private static java.util.Set<String> weightTensors(ModelFacts model, NodeProto conv) {
		java.util.Set<String> names = new java.util.LinkedHashSet<>();
		String w = conv.getInput(1);
		names.add(w);
		NodeProto dq = model.producer(w);
		if (dq != null && dq.getOpType().equals("DequantizeLinear")) {
			names.add(dq.getInput(0));
		}
		return names;
	}

	/**
	 * A Mul of the float model by a per-channel constant, reading a Concat, that the quantized model no longer holds but computes
	 * split over the Concat's inputs (with the Add of a per-channel constant and the Relu after it when they were its only
	 * readers): the quantized model writes what the Mul (Add, Relu) wrote by a Concat whose inputs are, in the float Concat's
	 * order, pieces of the channels: a depthwise 1x1 Conv reading that input of the float Concat (as its producer quantized it),
	 * of weights the factors of those channels and bias their terms within half a quantization step, then a Relu, or again a
	 * Concat of pieces of a float Concat's inputs. The statements for each Conv, Relu and Concat; words no honest record has for
	 * the first piece that computes something else. A Mul whose output tensor the quantized model does not write by a Concat is
	 * no split (another rewrite, or none).
	 */
	private void split(ModelFacts model, ModelFacts input, NodeProto mul) {
		double[] factors = channelConstant(input, mul);
		List<NodeProto> readers = input.consumers(mul.getOutput(0));
		NodeProto add = readers.size() == 1 && readers.get(0).getOpType().equals("Add") && channelConstant(input, readers.get(0)) != null
				&& model.node(readers.get(0).getName()) == null ? readers.get(0) : null;
		double[] terms = add == null ? null : channelConstant(input, add);
		String out = add != null ? add.getOutput(0) : mul.getOutput(0);
		List<NodeProto> after = input.consumers(out);
		NodeProto relu = after.size() == 1 && after.get(0).getOpType().equals("Relu") && model.node(after.get(0).getName()) == null ? after.get(0) : null;
		String written = relu != null ? relu.getOutput(0) : out;
		NodeProto top = model.producer(written);
		NodeProto concat = input.producer(input.value(mul.getInput(0)) == null ? mul.getInput(0) : mul.getInput(1));
		if (top == null || !top.getOpType().equals("Concat") || concat == null || !concat.getOpType().equals("Concat") || terms != null && terms.length != factors.length) {
			return;
		}
		Split s = new Split(model, input, mul.getName(), factors, terms, add == null ? null : add.getName(), relu == null ? null : relu.getName());
		int width = s.piece(top, concat.getOutput(0), 0);
		if (s.wrong == null && width != factors.length) {
			s.wrong = "Mul '" + mul.getName() + "' split into pieces of " + width + " channels, not its " + factors.length;
		}
		if (s.wrong != null) {
			statements.put(s.at, s.wrong);
		} else {
			s.pieces.forEach(conv -> writtenWeights.put(conv.getName(), weightTensors(model, conv)));
		}
		s.said.forEach(statements::putIfAbsent);
		s.outputs.forEach(outputs::putIfAbsent);
	}

	/** Re-derives a split's pieces ({@link #split}), recording each piece's statement, or the first wrong one's words. */
	private static final class Split {
		private final ModelFacts model;
		private final ModelFacts input;
		private final String mul;
		private final double[] factors;
		private final double[] terms;
		private final String add;
		private final String relu;
		final Map<String, String> said = new LinkedHashMap<>();
		/** The tensor each added Relu's value is in (the Relu fused into its Conv's output). */
		final Map<String, String> outputs = new LinkedHashMap<>();
		/** The depthwise 1x1 Convs found to be pieces of the Mul, their weights its factors. */
		final List<NodeProto> pieces = new java.util.ArrayList<>();
		String wrong;
		String at;

		Split(ModelFacts model, ModelFacts input, String mul, double[] factors, double[] terms, String add, String relu) {
			this.model = model;
			this.input = input;
			this.mul = mul;
			this.factors = factors;
			this.terms = terms;
			this.add = add;
			this.relu = relu;
		}

		/** Whether {@code tensor} of the quantized model is {@code floatTensor}, past QuantizeLinear/DequantizeLinear hops. */
		private boolean reads(String tensor, String floatTensor) {
			String t = tensor;
			for (int hops = 0; hops < 4 && !t.equals(floatTensor); hops++) {
				NodeProto p = model.producer(t);
				if (p == null || !p.getOpType().equals("DequantizeLinear") && !p.getOpType().equals("QuantizeLinear")) {
					return false;
				}
				t = p.getInput(0);
			}
			return t.equals(floatTensor);
		}

		/**
		 * The piece {@code node} of the quantized model computing channels from {@code from} of the float tensor {@code floats}'
		 * channels (a float Concat's input or output); returns its channel count (0 once something is wrong).
		 */
		int piece(NodeProto node, String floats, int from) {
			if (wrong != null) {
				return 0;
			}
			NodeProto concat = input.producer(floats);
			if (node.getOpType().equals("Concat")) {
				if (concat == null || !concat.getOpType().equals("Concat") || concat.getInputCount() != node.getInputCount()) {
					return fail(node, "Mul '" + mul + "' split by a Concat '" + node.getName() + "' that is no Concat of its input's Concat's inputs");
				}
				int at = from;
				for (int i = 0; i < node.getInputCount(); i++) {
					NodeProto part = computing(model, node.getInput(i));
					if (part == null) {
						return fail(node, "Mul '" + mul + "' split by a Concat '" + node.getName() + "' of an input nothing computes");
					}
					at += piece(part, concat.getInput(i), at);
					if (wrong != null) {
						return 0;
					}
				}
				said.put(node.getName(), "added by the split of Mul '" + mul + "' over its input's Concat: joins its channels " + from + "-" + (at - 1) + " of "
						+ factors.length);
				return at - from;
			}
			NodeProto conv = node;
			String r = null;
			if (node.getOpType().equals("Relu")) {
				r = node.getName();
				conv = computing(model, node.getInput(0));
				if (relu == null || conv == null) {
					return fail(node, "Mul '" + mul + "' split with a Relu '" + node.getName() + "' though no Relu read it");
				}
			} else if (relu != null) {
				// the piece's Relu fused into the Conv's output quantization, which clamps like it (zero point at the type's minimum)
				if (!clamps(model, conv.getOutput(0))) {
					return fail(node, "Mul '" + mul + "' split without the Relu '" + relu + "' after its piece '" + node.getName() + "'");
				}
				r = conv.getName() + "_relu";
				outputs.put(r, conv.getOutput(0));
			}
			Dequantized w = conv.getOpType().equals("Conv") && conv.getInputCount() > 1 ? dequantized(model, conv.getInput(1)) : null;
			int c = w == null || w.dims.length != 4 ? 0 : (int) w.dims[0];
			boolean biased = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty();
			Dequantized b = biased ? dequantized(model, conv.getInput(2)) : null;
			if (c == 0 || from + c > factors.length || w.dims[1] != 1 || w.dims[2] != 1 || w.dims[3] != 1 || group(conv) != c
					|| !orOnes(ints(conv, "kernel_shape")).equals(List.of(1L, 1L)) || !orZeros(ints(conv, "pads"), 4).stream().allMatch(p -> p == 0)
					|| !orOnes(ints(conv, "strides")).equals(List.of(1L, 1L)) || !orOnes(ints(conv, "dilations")).equals(List.of(1L, 1L))) {
				return fail(conv, "Mul '" + mul + "' split into a piece '" + conv.getName() + "' that is no depthwise 1x1 Conv within its " + factors.length + " channels");
			}
			if (!reads(conv.getInput(0), floats)) {
				return fail(conv, "Mul '" + mul + "' split into a Conv '" + conv.getName() + "' that does not read '" + floats + "'");
			}
			if (!w.near(i -> factors[from + i])) {
				return fail(conv, "Mul '" + mul + "' split into a Conv '" + conv.getName() + "' whose weights are not the factors of its channels " + from + "-"
						+ (from + c - 1));
			}
			if (biased != (terms != null) || biased && (b == null || b.dims.length != 1 || b.dims[0] != c || !b.near(i -> terms[from + i]))) {
				return fail(conv, "Mul '" + mul + "' split into a Conv '" + conv.getName() + "' whose bias is not the terms of its channels " + from + "-"
						+ (from + c - 1) + (add == null ? " (no Add read the Mul)" : " of Add '" + add + "'"));
			}
			pieces.add(conv);
			said.put(conv.getName(), "Mul '" + mul + "' split over its input's Concat: its channels " + from + "-" + (from + c - 1) + " of " + factors.length
					+ " as a depthwise 1x1 Conv on '" + floats + "' of weights their factors" + (add == null ? "" : " and bias their terms of Add '" + add + "'"));
			if (r != null) {
				said.put(r, "added by the split of Mul '" + mul + "' over its input's Concat: Relu '" + relu + "' of its channels " + from + "-"
						+ (from + c - 1) + " of " + factors.length);
			}
			return c;
		}

		private int fail(NodeProto node, String words) {
			wrong = words;
			at = node.getName();
			return 0;
		}
	}

	/**
	 * A grouped Conv of the float model ({@code groups} groups of C/g input channels, weights {@code w} [O, C/g, kh, kw]) that the
	 * quantized model computes as one dense Conv under its name: the statement for it when the Conv has the float Conv's kernel,
	 * padding, strides and dilations, no group, and weights [O, C, kh, kw] that, as the model dequantizes them, are the group's
	 * weights on each output channel's own group's input channels within half a quantization step and 0 on every other input
	 * channel; else words no honest record has. (Its bias is the float Conv's tensor, whose codes are checked as any bias's.)
	 */
	private void grouped(ModelFacts model, NodeProto original, NodeProto conv, Tensor w, long groups) {
		long[] d = w.dims();
		int out = (int) d[0];
		int per = (int) d[1];
		int inputs = (int) (per * groups);
		int taps = (int) (d[2] * d[3]);
		float[] f = w.toFloatArray();
		Dequantized q = conv.getInputCount() < 2 ? null : dequantized(model, conv.getInput(1));
		String wrong = null;
		if (q == null || q.dims.length != 4 || q.dims[0] != out || q.dims[1] != inputs || q.dims[2] != d[2] || q.dims[3] != d[3] || out % groups != 0
				|| !orOnes(ints(conv, "kernel_shape")).equals(orOnes(ints(original, "kernel_shape")))
				|| !orZeros(ints(conv, "pads"), 4).equals(orZeros(ints(original, "pads"), 4))
				|| !orOnes(ints(conv, "strides")).equals(orOnes(ints(original, "strides")))
				|| !orOnes(ints(conv, "dilations")).equals(orOnes(ints(original, "dilations")))) {
			wrong = "group " + groups + " → 1 (the float model's is " + groups + "), whose weights are not [" + out + ", " + inputs + "] over the float Conv's window";
		} else if (!q.near(i -> {
			int o = i / (inputs * taps);
			int c = i / taps % inputs;
			return c / per == o / (out / groups) ? f[(o * per + c % per) * taps + i % taps] : 0;
		})) {
			wrong = "group " + groups + " → 1 (the float model's is " + groups + "), whose weights are not its groups' weights with zeros between the groups";
		}
		statements.put(conv.getName(), wrong != null ? wrong : "grouped Conv (" + groups + " groups) rewritten as one dense Conv " + inputs + " → " + out
				+ " with block-diagonal weights (zero between the groups)");
	}

	/**
	 * A ConvTranspose of the float model (weights w [C_in, C_out, k_h, k_w], one group, no dilation) that the quantized model
	 * computes as a Conv under its name followed by an interleave of its phases: the statement for it when the Conv's window is
	 * ceil(k/s) with begin pads ceil(k/s) - 1 - floor(p/s), its weights, as the model dequantizes them, are output channel
	 * (r_h·s_w + r_w)·C_out + c, input ci, tap (j_h, j_w) = w[ci, c, (K_h-1-j_h)·s_h + r_h, (K_w-1-j_w)·s_w + r_w] (0 past the
	 * kernel) within half a quantization step, its bias the float bias once per phase, and the nodes from its output to the
	 * tensor the ConvTranspose wrote (past Q/DQ hops) are Transpose [0, 2, 3, 1], Reshape [0, 0, 0, s_h, s_w·C_out], Transpose
	 * [0, 1, 3, 2, 4], Reshape [0, -1, a multiple of s_w, C_out], Transpose [0, 3, 1, 2] and, where it crops, a Slice of the
	 * axes [2, 3] from p mod s; else words no honest record has. (The end pads and the Slice's ends depend on the input's size,
	 * which the files do not state: ONNX Runtime's shape checks hold them, the output size being the ConvTranspose's.)
	 */
	private void subPixel(ModelFacts model, ModelFacts input, NodeProto up, NodeProto conv) {
		Tensor w = up.getInputCount() > 1 ? input.value(up.getInput(1)) : null;
		statements.put(conv.getName(), w == null || w.dims().length != 4 ? "ConvTranspose computed by a Conv though its weights are not 2-D"
				: new SubPixelStatement(model, input, up, conv, w).check());
	}

	/** Whether every QuantizeLinear reading {@code tensor} has its zero point at its type's minimum (clamps below 0 as a Relu). */
	static boolean clamps(ModelFacts model, String tensor) {
		List<NodeProto> readers = model.consumers(tensor);
		if (readers.isEmpty()) {
			return false;
		}
		for (NodeProto q : readers) {
			Tensor z = q.getOpType().equals("QuantizeLinear") && q.getInputCount() > 2 ? model.value(q.getInput(2)) : null;
			long[] v = z == null ? null : z.toLongArray();
			boolean min = v != null && v.length == 1 && (z.dataType() == org.quantrace.engine.onnx.DataType.UINT8 && v[0] == 0
					|| z.dataType() == org.quantrace.engine.onnx.DataType.INT8 && v[0] == -128 || z.dataType() == org.quantrace.engine.onnx.DataType.UINT16 && v[0] == 0
					|| z.dataType() == org.quantrace.engine.onnx.DataType.INT16 && v[0] == -32768);
			if (!min) {
				return false;
			}
		}
		return true;
	}

	/** The quantized model's node that computes {@code tensor}'s value, past QuantizeLinear/DequantizeLinear hops; null: none. */
	private static NodeProto computing(ModelFacts model, String tensor) {
		NodeProto p = model.producer(tensor);
		while (p != null && (p.getOpType().equals("DequantizeLinear") || p.getOpType().equals("QuantizeLinear")) && model.value(p.getInput(0)) == null) {
			p = model.producer(p.getInput(0));
		}
		return p;
	}

	/** A Mul's or Add's per-channel constant operand in the float model ([C, 1, 1] or [1, C, 1, 1], C &gt; 1), or null. */
	private static double[] channelConstant(ModelFacts input, NodeProto n) {
		if (n.getInputCount() != 2) {
			return null;
		}
		Tensor a = input.value(n.getInput(0));
		Tensor b = input.value(n.getInput(1));
		Tensor t = a != null && b == null ? a : b != null && a == null ? b : null;
		long[] d = t == null ? null : t.dims();
		if (d == null || !(d.length == 3 && d[1] == 1 && d[2] == 1 || d.length == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1) || d[d.length - 3] < 2) {
			return null;
		}
		float[] f = t.toFloatArray();
		double[] v = new double[f.length];
		for (int i = 0; i < f.length; i++) {
			v[i] = f[i];
		}
		return v;
	}

	static List<Long> orZeros(List<Long> v, int n) {
		return v.isEmpty() ? java.util.Collections.nCopies(n, 0L) : v;
	}

	static List<Long> orOnes(List<Long> v) {
		return v.isEmpty() ? List.of(1L, 1L) : v;
	}

	private static long integer(NodeProto n, String name) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI).findFirst().orElse(0);
	}

	/** How many of a stride-1 window's k positions starting at {@code i - pad} lie inside [0, size). */
	private static long window(int i, int size, long k, long pad) {
		return Math.min(i - pad + k - 1, size - 1) - Math.max(i - pad, 0) + 1;
	}

	/** A constant's values as the model computes with them (codes dequantized), and half a quantization step per value. */
	record Dequantized(long[] dims, double[] values, double[] halfStep) {
		boolean near(java.util.function.IntToDoubleFunction expected) {
			for (int i = 0; i < values.length; i++) {
				if (Math.abs(values[i] - expected.applyAsDouble(i)) > halfStep[i] + 1e-6 * Math.abs(expected.applyAsDouble(i))) {
					return false;
				}
			}
			return true;
		}
	}

	static Dequantized dequantized(ModelFacts model, String tensor) {
		Tensor v = model.value(tensor);
		if (v != null) {
			float[] f = v.toFloatArray();
			double[] d = new double[f.length];
			for (int i = 0; i < f.length; i++) {
				d[i] = f[i];
			}
			return new Dequantized(v.dims(), d, new double[f.length]);
		}
		NodeProto dq = model.producer(tensor);
		Tensor codes = dq == null || !dq.getOpType().equals("DequantizeLinear") ? null : model.value(dq.getInput(0));
		Tensor scale = codes == null || dq.getInputCount() < 2 ? null : model.value(dq.getInput(1));
		if (scale == null) {
			return null;
		}
		Tensor zero = dq.getInputCount() > 2 && !dq.getInput(2).isEmpty() ? model.value(dq.getInput(2)) : null;
		long[] c = codes.toLongArray();
		float[] s = scale.toFloatArray();
		long[] z = zero == null ? new long[s.length] : zero.toLongArray();
		long[] dims = codes.dims();
		// an INT attribute (ints() read it as absent, axis 1, which gave the right channels only for weights of one input channel)
		int axis = (int) dq.getAttributeList().stream().filter(a -> a.getName().equals("axis")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		double[] values = new double[c.length];
		double[] half = new double[c.length];
		for (int i = 0; i < c.length; i++) {
			int ch = s.length == 1 ? 0 : (int) (i / inner % s.length);
			values[i] = (c[i] - z[ch]) * (double) s[ch];
			half[i] = s[ch] / 2.0;
		}
		return new Dequantized(dims, values, half);
	}

	static List<Long> ints(NodeProto n, String name) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().map(AttributeProto::getIntsList).orElse(List.of());
	}

	/** Why the Conv now of group {@code to} does not compute what the float one of group {@code from} did, or null when it does. */
	private static String wrong(ModelFacts model, NodeProto gather, Tensor w, long from, long to) {
		if (w == null || w.dims().length < 3 || w.dims()[0] != to || w.dims()[1] != 1 || to % from != 0 || to == from) {
			return "whose weights are not one input channel per output channel with a whole channel multiplier";
		}
		if (gather == null || !gather.getOpType().equals("Gather") || axis(gather) != 1) {
			return "without a Gather of its input's channels (axis 1) before it";
		}
		Tensor indices = gather.getInputCount() > 1 ? model.value(gather.getInput(1)) : null;
		long[] v = indices == null ? null : indices.toLongArray();
		if (v == null || v.length != to) {
			return "its Gather '" + gather.getName() + "' not reading " + to + " stored channel indices";
		}
		long k = to / from;
		for (int o = 0; o < v.length; o++) {
			if (v[o] != o / k) {
				return "its Gather '" + gather.getName() + "' reading channel " + v[o] + " for output channel " + o + " (each input channel " + k
						+ " times in order: " + o / k + ")";
			}
		}
		return null;
	}

	/** What the codes of the float model's weight or bias {@code tensor} (its values {@code floats}) stand for: α·W, α·b + β where a HardSigmoid was folded in. */
	Tensor computed(String tensor, Tensor floats) {
		return folded.getOrDefault(tensor, floats);
	}

	/** The tensor holding the value of {@code node}, a node a rewrite added that neither model holds, or null. */
	String output(String node) {
		return outputs.get(node);
	}

	/**
	 * Whether {@code tensor}, a weight the record of layer {@code node} names, is one a rewrite wrote there from the float
	 * model's constants and this class found to be them: the quantized model holds it (or its codes, under the name and the
	 * writer's "_" suffix) as that layer's weight input.
	 */
	boolean wroteWeight(String node, String tensor) {
		// the codes are stored under the name and one suffix of the writer's ("_q"): not under a shorter prefix of it
		return writtenWeights.getOrDefault(node, java.util.Set.of()).stream()
				.anyMatch(t -> t.equals(tensor) || t.startsWith(tensor + "_") && t.substring(tensor.length() + 1).matches("[A-Za-z0-9]+"));
	}

	/** What the record of {@code node} must say of the rewrite ({@link #NONE}: not rewritten). */
	String statement(String node) {
		return statements.getOrDefault(node, NONE);
	}

	/** The rewrite statements {@code text} (a trace reason, a log cell) makes, joined by "; " ({@link #NONE}: none). */
	static String stated(String text) {
		List<String> s = Cells.stated(WORDS, text);
		return s.isEmpty() ? NONE : String.join("; ", s);
	}

	static long group(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
	}

	private static long axis(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("axis")).mapToLong(AttributeProto::getI).findFirst().orElse(0);
	}
}
