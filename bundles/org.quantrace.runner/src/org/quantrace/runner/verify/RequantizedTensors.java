package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The per-tensor appendix's note on a model output (or input) listed twice (assessor13: "logits has 2 rows: one tensor quantized twice;
 * the model's output is int8: /classifier/classifier.4/Gemm writes uint8 codes (the activation row, z = 127), which the model
 * requantizes to int8 codes (the output row, z = -1); at the same scale the codes differ by 128 only, so no value changes
 * (exact)."), re-derived from the quantized model: the output written by a QuantizeLinear that reads a DequantizeLinear of
 * another QuantizeLinear, whose input the layer writes (an input: read by a DequantizeLinear that a QuantizeLinear reads); the
 * types and zero points are the two nodes' zero points', "the same scale" their scales' equality as the file stores them. The note was checked only as part of the
 * document made again from trace.xmi, where the activation row's node and scale are what the note says.
 */
final class RequantizedTensors {

	private static final String APPENDIX = "Quantization parameters per tensor, ";

	private RequantizedTensors() {
	}

	/** Holds each note of {@code f}'s appendix in {@code text} (the log's running text, {@link Cells#key}) against the file. */
	static void check(LogCheck.Log log, String text, SchemeFacts f, List<String> schemes) {
		String appendix = appendix(text, f.record.getScheme(), schemes);
		if (appendix == null) {
			return; // the appendix's table check says it is missing
		}
		String where = APPENDIX + f.record.getScheme() + ", the note on ";
		for (ModelFacts.Io o : f.model.outputs()) {
			held(log, where + o.name(), appendix, o.name(), true, outputNote(f.model, f.input, o.name()));
		}
		for (ModelFacts.Io i : f.model.inputs()) {
			held(log, where + i.name(), appendix, i.name(), false, inputNote(f.model, i.name()));
		}
	}

	/** The appendix's note on a model output ({@code output}) or input against {@code derived}, the file's (null: none). */
	private static void held(LogCheck.Log log, String where, String appendix, String name, boolean output, String derived) {
		String head = Cells.key(name + " has 2 rows: one tensor quantized twice; the model's " + (output ? "output" : "input") + " is");
		int at = appendix.indexOf(head);
		if (at < 0) {
			if (derived != null && output) {
				log.mismatch(where, "nothing", derived);
			}
			// an input the file requantizes may have more rows (the zoo's if_cnn: its uint8 codes read in each If branch, "quantized
			// for each of 3 nodes"): no note of this form there explains less, but states nothing the file does not hold
		} else if (derived == null) {
			log.mismatch(where, said(appendix, at, head.length()), "the model " + (output ? "writes " : "reads ") + name + " without requantizing it");
		} else if (!appendix.startsWith(Cells.key(derived), at)) {
			log.mismatch(where, said(appendix, at, Cells.key(derived).length()), derived);
		}
	}

	/**
	 * The note the file gives for output {@code name}: null when no QuantizeLinear requantizes another's codes into it. The layer
	 * it names is the one that writes {@code name} in {@code input}, the model quantized (the activation row's node), where it
	 * does: a Clip the quantizer removed at an integer output is named, not the layer before it that now writes the codes.
	 */
	static String outputNote(ModelFacts m, ModelFacts input, String name) {
		NodeProto out = m.producer(name);
		NodeProto dq = out == null || !quantize(out) ? null : m.producer(out.getInput(0));
		NodeProto in = dq == null || !dq.getOpType().equals("DequantizeLinear") ? null : m.producer(dq.getInput(0));
		NodeProto layer = in == null || !quantize(in) ? null : m.producer(in.getInput(0));
		Codes c = layer == null ? null : Codes.of(m, in, out);
		NodeProto writer = input == null ? null : input.producer(name);
		return c == null ? null
				: name + " has 2 rows: one tensor quantized twice; the model's output is " + c.to + ": " + (writer != null ? writer : layer).getName() + " writes " + c.from
						+ " codes (the activation row, z = " + c.zFrom + "), which the model requantizes to " + c.to + " codes (the output row, z = " + c.zTo + ")"
						+ c.shift() + ".";
	}

	/**
	 * The note the file gives for input {@code name}: a DequantizeLinear reading the input whose values a QuantizeLinear
	 * quantizes again for the nodes after it (an int8 input read as uint8 codes); null when there is none.
	 */
	static String inputNote(ModelFacts m, String name) {
		for (NodeProto dq : m.consumers(name)) {
			for (NodeProto q : dq.getOpType().equals("DequantizeLinear") && dq.getInputCount() == 3 ? m.consumers(dq.getOutput(0)) : List.<NodeProto>of()) {
				Codes c = quantize(q) ? Codes.of(m, dq, q) : null;
				if (c != null) {
					return name + " has 2 rows: one tensor quantized twice; the model's input is " + c.from + " codes (the input row, z = " + c.zFrom
							+ "), which the model requantizes to " + c.to + " codes (the activation row, z = " + c.zTo + ") for the nodes that read it" + c.shift() + ".";
				}
			}
		}
		return null;
	}

	/** The two quantizations of one tensor, as the file stores them: types, zero points, whether at one scale. */
	private record Codes(String from, long zFrom, String to, long zTo, boolean oneScale) {

		/** Of the (De)QuantizeLinear {@code first} and the QuantizeLinear {@code second} (scale input 1, zero point input 2); null when not single values. */
		static Codes of(ModelFacts m, NodeProto first, NodeProto second) {
			Tensor z1 = m.value(first.getInput(2));
			Tensor z2 = m.value(second.getInput(2));
			Tensor s1 = m.value(first.getInput(1));
			Tensor s2 = m.value(second.getInput(1));
			if (z1 == null || z2 == null || s1 == null || s2 == null || z1.elementCount() != 1 || z2.elementCount() != 1 || s1.elementCount() != 1 || s2.elementCount() != 1) {
				return null;
			}
			return new Codes(SchemeFacts.type(z1.dataType()), z1.toLongArray()[0], SchemeFacts.type(z2.dataType()), z2.toLongArray()[0],
					s1.toFloatArray()[0] == s2.toFloatArray()[0]);
		}

		/** uint8 and int8 codes 128 apart at one scale are the same values: the requantization rounds nothing. */
		String shift() {
			return oneScale && Math.abs(zFrom - zTo) == 128 && !from.equals(to) ? "; at the same scale the codes differ by 128 only, so no value changes (exact)"
					: oneScale ? "; at the same scale, rounded to the other zero point" : "; at another scale: a second rounding";
		}
	}

	private static boolean quantize(NodeProto n) {
		return n.getOpType().equals("QuantizeLinear") && n.getInputCount() == 3;
	}

	/** The text of the scheme's appendix: from its title (the last, after any table of contents) to the next appendix's. */
	private static String appendix(String text, String scheme, List<String> schemes) {
		String title = Cells.key(APPENDIX + scheme);
		int at = text.lastIndexOf(title);
		// "fiq_int8" is the start of "fiq_int8_wide"'s title: not its appendix
		while (at >= 0 && longer(text, at, scheme, schemes)) {
			at = text.lastIndexOf(title, at - 1);
		}
		if (at < 0) {
			return null;
		}
		int end = text.indexOf(Cells.key(APPENDIX), at + title.length());
		return text.substring(at + title.length(), end < 0 ? text.length() : end);
	}

	private static boolean longer(String text, int at, String scheme, List<String> schemes) {
		return schemes.stream().anyMatch(s -> s.length() > scheme.length() && s.startsWith(scheme) && text.startsWith(Cells.key(APPENDIX + s), at));
	}

	/** What the appendix says from {@code at}: to the note's ending word where there is one, else {@code length} characters. */
	private static String said(String appendix, int at, int length) {
		int end = -1;
		for (String ending : List.of("(exact).", "rounding.", "zeropoint.")) {
			int e = appendix.indexOf(ending, at);
			end = e < 0 ? end : end < 0 ? e + ending.length() : Math.min(end, e + ending.length());
		}
		return appendix.substring(at, end > 0 ? end : Math.min(appendix.length(), at + length));
	}
}
