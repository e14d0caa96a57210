package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.quantize.MaskedSums;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;

/**
 * The quantized model's marks of masked attention scores ({@link MaskedSums#METADATA}SUM = SCORES), which the debugger reads to
 * measure SUM where the mask keeps it: a mark is the model's own word, and a forged one would hide a tensor's error from the
 * debugger (its figures, which --deep re-derives, would then agree with the forgery). Each mark is held against the float model it
 * was quantized from and the quantization record: SUM is written by an Add or a Where that reads SCORES, a Softmax reads SUM, that
 * Softmax's record says it runs on codes over scores masked by that node and quantized over the range of SCORES (the rule that
 * saturates the masked entries on purpose), and the quantized model quantizes SUM.
 */
final class MaskedSumMarks {

	private MaskedSumMarks() {
	}

	static void check(OptimizationRecord o, ModelFacts quantized, ModelFacts input, List<Mismatch> found) {
		if (input == null) {
			return; // the model it was quantized from cannot be read: named by the checks of the inputs
		}
		for (StringStringEntryProto e : quantized.proto.getMetadataPropsList()) {
			if (!e.getKey().startsWith(MaskedSums.METADATA)) {
				continue;
			}
			String sum = e.getKey().substring(MaskedSums.METADATA.length());
			String scores = e.getValue();
			String problem = problem(o, quantized, input, sum, scores);
			if (problem != null) {
				found.add(new Mismatch(o.getOutput().getPath(), "metadata " + e.getKey(), "'" + scores + "': masked scores whose masked entries saturate on purpose"
						+ " (the debugger leaves them out)", problem));
			}
		}
	}

	/** What the files and the record say against the mark, or null when they bear it out. */
	private static String problem(OptimizationRecord o, ModelFacts quantized, ModelFacts input, String sum, String scores) {
		NodeProto writer = input.producers.get(sum);
		if (writer == null || !(writer.getOpType().equals("Add") && writer.getInputList().subList(0, Math.min(2, writer.getInputCount())).contains(scores)
				|| writer.getOpType().equals("Where") && writer.getInputCount() == 3 && writer.getInputList().subList(1, 3).contains(scores))) {
			return writer == null ? "no node of the float model writes '" + sum + "'"
					: "'" + sum + "' is written by the " + writer.getOpType() + " '" + writer.getName() + "', which adds no mask to '" + scores
							+ "' (an Add or a Where reading it)";
		}
		NodeProto softmax = input.consumers.getOrDefault(sum, List.of()).stream().filter(n -> n.getOpType().equals("Softmax")).findFirst().orElse(null);
		if (softmax == null) {
			return "no Softmax reads '" + sum + "' in the float model";
		}
		LayerQuantizationRecord layer = o.getQuantization().getLayers().stream().filter(l -> l.getNode().equals(softmax.getName())).findFirst().orElse(null);
		String masking = "its input is scores masked by the " + writer.getOpType() + " '" + writer.getName() + "'";
		String range = "over the range of '" + scores + "' widened by";
		if (layer == null || !layer.isQuantized() || layer.getReason() == null || !layer.getReason().contains(masking) || !layer.getReason().contains(range)) {
			return "the Softmax '" + softmax.getName() + "' reading it " + (layer == null ? "has no quantization record"
					: !layer.isQuantized() ? "stays float (its record)" : "has a record that does not say \"" + masking + " ... " + range + "\"");
		}
		if (quantized.consumers.getOrDefault(sum, List.of()).stream().noneMatch(n -> n.getOpType().equals("QuantizeLinear"))) {
			return "the quantized model does not quantize '" + sum + "'";
		}
		return null;
	}
}
