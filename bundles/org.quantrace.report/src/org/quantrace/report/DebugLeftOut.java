package org.quantrace.report;

import java.util.List;

import org.quantrace.engine.evaluate.DebugReport;
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

	/** The sentence's opening words (verify reads the rest against the trace through the remade documents); the words are the engine's. */
	public static final String OPENING = "Not compared by the quantization debugger of ";

	private DebugLeftOut() {
	}

	/** The sentence of {@code d}, or null when it compared every quantized tensor. */
	public static String sentence(DebugRecord d) {
		List<LeftOutTensor> left = d.getLeftOut();
		if (left.isEmpty()) {
			return null;
		}
		return DebugReport.SizeDiffers.sentence(" of " + d.getName() + " (" + d.getCsvPath() + ")",
				left.stream().map(l -> new DebugReport.SizeDiffers(l.getTensor(), l.getFromSample(), l.getToSample(), l.getFloatValues(), l.getQuantizedValues()))
						.toList());
	}

	/** The sentences of the debugger records of {@code o}'s quantized model. */
	public static List<String> of(TraceModel trace, OptimizationRecord o) {
		return trace.getDebugRecords().stream().filter(d -> d.getQuantizedModel() != null && d.getQuantizedModel() == o.getOutput()).map(DebugLeftOut::sentence)
				.filter(java.util.Objects::nonNull).toList();
	}
}
