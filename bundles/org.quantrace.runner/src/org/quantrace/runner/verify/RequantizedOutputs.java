package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The per-tensor appendix's note on a model output listed twice (assessor13: "logits has 2 rows: one tensor quantized twice;
 * the model's output is int8: /classifier/classifier.4/Gemm writes uint8 codes (the activation row, z = 127), which the model
 * requantizes to int8 codes (the output row, z = -1); at the same scale the codes differ by 128 only, so no value changes
 * (exact)."), re-derived from the quantized model: the output written by a QuantizeLinear that reads a DequantizeLinear of
 * another QuantizeLinear, whose input the layer writes; the types and zero points are those of the two QuantizeLinear nodes'
 * zero points, "the same scale" their scales' equality as the file stores them. The note was checked only as part of the
 * document made again from trace.xmi, where the activation row's node and scale are what the note says.
 */
final class RequantizedOutputs {

	private static final String APPENDIX = "Quantization parameters per tensor, ";

	private RequantizedOutputs() {
	}

	/** Holds each note of {@code f}'s appendix in {@code text} (the log's running text, {@link Cells#key}) against the file. */
	static void check(LogCheck.Log log, String text, SchemeFacts f, List<String> schemes) {
		String appendix = appendix(text, f.record.getScheme(), schemes);
		if (appendix == null) {
			return; // the appendix's table check says it is missing
		}
		String where = APPENDIX + f.record.getScheme() + ", the note on ";
		for (ModelFacts.Io o : f.model.outputs()) {
			String derived = note(f.model, o.name());
			String head = Cells.key(o.name() + " has 2 rows: one tensor quantized twice; the model's output is");
			int at = appendix.indexOf(head);
			if (derived == null && at >= 0) {
				log.mismatch(where + o.name(), said(appendix, at, head.length()), "the model writes " + o.name() + " without requantizing it");
			} else if (derived != null && at < 0) {
				log.mismatch(where + o.name(), "nothing", derived);
			} else if (derived != null && !appendix.startsWith(Cells.key(derived), at)) {
				log.mismatch(where + o.name(), said(appendix, at, Cells.key(derived).length()), derived);
			}
		}
	}

	/** The note the file gives for output {@code name}: null when no QuantizeLinear requantizes another's codes into it. */
	static String note(ModelFacts m, String name) {
		NodeProto out = m.producer(name);
		NodeProto dq = out == null || !quantize(out) ? null : m.producer(out.getInput(0));
		NodeProto in = dq == null || !dq.getOpType().equals("DequantizeLinear") ? null : m.producer(dq.getInput(0));
		NodeProto layer = in == null || !quantize(in) ? null : m.producer(in.getInput(0));
		if (layer == null) {
			return null;
		}
		Tensor z1 = m.value(in.getInput(2));
		Tensor z2 = m.value(out.getInput(2));
		Tensor s1 = m.value(in.getInput(1));
		Tensor s2 = m.value(out.getInput(1));
		if (z1 == null || z2 == null || s1 == null || s2 == null || z1.elementCount() != 1 || z2.elementCount() != 1 || s1.elementCount() != 1 || s2.elementCount() != 1) {
			return null;
		}
		String t1 = SchemeFacts.type(z1.dataType());
		String t2 = SchemeFacts.type(z2.dataType());
		long a = z1.toLongArray()[0];
		long b = z2.toLongArray()[0];
		boolean oneScale = s1.toFloatArray()[0] == s2.toFloatArray()[0];
		String shift = oneScale && Math.abs(a - b) == 128 && !t1.equals(t2) ? "; at the same scale the codes differ by 128 only, so no value changes (exact)"
				: oneScale ? "; at the same scale, rounded to the other zero point" : "; at another scale: a second rounding";
		return name + " has 2 rows: one tensor quantized twice; the model's output is " + t2 + ": " + layer.getName() + " writes " + t1
				+ " codes (the activation row, z = " + a + "), which the model requantizes to " + t2 + " codes (the output row, z = " + b + ")" + shift + ".";
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
