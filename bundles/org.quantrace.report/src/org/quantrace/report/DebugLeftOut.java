package org.quantrace.report;

import java.util.List;
import java.util.Locale;

import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LeftOutTensor;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceModel;

/**
 * The debugger's tensors it did not compare, in the words PhIMT0003 and report.html print them (round 34's detnms: the boxes a
 * NonMaxSuppression keeps are 3,632 values in fp32 and 3,592 on codes). The console said so (DebugFindings), the record and the
 * documents listed the compared tensors only, as if those were all the model quantizes. verify holds each against the models.
 */
public final class DebugLeftOut {

	/** The sentence's opening words (verify reads the rest against the trace through the remade documents). */
	public static final String OPENING = "Not compared by the quantization debugger of ";

	private DebugLeftOut() {
	}

	/** The sentence of {@code d}, or null when it compared every quantized tensor. */
	public static String sentence(DebugRecord d) {
		List<LeftOutTensor> left = d.getLeftOut();
		if (left.isEmpty()) {
			return null;
		}
		return OPENING + d.getName() + " (" + d.getCsvPath() + "), their sizes differ between the float and the quantized model (an op such as"
				+ " NonMaxSuppression, NonZero, Unique or Compress before them decides how many elements they hold on the values, or the quantizer"
				+ " added zero channels to a layer they are made from), so no value of one has its counterpart in the other: " + String.join("; ", left.stream().map(l -> String.format(Locale.ROOT,
						"'%s' (%,d values in the float model, %,d in the quantized one, samples %d-%d)", l.getTensor(), l.getFloatValues(), l.getQuantizedValues(),
						l.getFromSample(), l.getToSample())).toList())
				+ ". Compare them by the evaluation's metric instead.";
	}

	/** The sentences of the debugger records of {@code o}'s quantized model. */
	public static List<String> of(TraceModel trace, OptimizationRecord o) {
		return trace.getDebugRecords().stream().filter(d -> d.getQuantizedModel() != null && d.getQuantizedModel() == o.getOutput()).map(DebugLeftOut::sentence)
				.filter(java.util.Objects::nonNull).toList();
	}
}
