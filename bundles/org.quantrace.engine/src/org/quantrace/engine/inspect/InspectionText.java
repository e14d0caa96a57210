package org.quantrace.engine.inspect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.quantrace.engine.inspect.Inspection.Layer;
import org.quantrace.engine.inspect.Inspection.TensorEntry;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * Renders an {@link Inspection} as text in the style of the results deck: a layer index (index,
 * op_name) and "T#i(name) shape:[...], type:FLOAT32 RO 64 bytes" lines grouped by element type.
 */
public final class InspectionText {

	/** The deck lists these groups first, in this order, even when empty. */
	private static final List<String> DECK_TYPE_ORDER = List.of("UINT8", "INT8", "INT16", "INT32", "FLOAT32");

	private InspectionText() {
	}

	public static String render(Inspection in) {
		StringBuilder s = new StringBuilder();
		s.append("Model    ").append(in.file()).append(String.format(Locale.ROOT, " (%,d bytes)%n", in.fileBytes()));
		s.append("SHA-256  ").append(in.sha256()).append('\n');
		s.append("Format   ONNX IR ").append(in.irVersion()).append(", opsets ")
				.append(in.opsets().entrySet().stream().map(e -> (e.getKey().isEmpty() ? "ai.onnx" : e.getKey()) + " " + e.getValue())
						.collect(Collectors.joining(", ")));
		if (!in.producerName().isEmpty()) {
			s.append(", produced by ").append(in.producerName()).append(' ').append(in.producerVersion());
		}
		s.append('\n');
		for (TensorInfo t : in.inputs()) {
			s.append("Input    ").append(t.name()).append(' ').append(t.type().displayName()).append(' ').append(t.shapeText()).append('\n');
		}
		for (TensorInfo t : in.outputs()) {
			s.append("Output   ").append(t.name()).append(' ').append(t.type().displayName()).append(' ').append(t.shapeText()).append('\n');
		}

		s.append("\nLayer index\n");
		int nameWidth = Math.max(7, in.layers().stream().mapToInt(l -> l.opType().length()).max().orElse(0));
		s.append(String.format(Locale.ROOT, "  %5s  %-" + nameWidth + "s  %s%n", "", "op_name", "node"));
		for (Layer l : in.layers()) {
			String where = l.graph().isEmpty() ? "" : "   (in " + l.graph() + ")";
			s.append(String.format(Locale.ROOT, "  %5d  %-" + nameWidth + "s  %s%s%n", l.index(), l.opType(), l.name(), where));
		}

		s.append("\nOp types\n  ");
		s.append(in.opTypes().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")));
		s.append('\n');

		s.append("\nTensors by type\n");
		Map<String, List<TensorEntry>> groups = new LinkedHashMap<>();
		DECK_TYPE_ORDER.forEach(t -> groups.put(t, new ArrayList<>()));
		in.tensors().stream().map(TensorEntry::type).filter(t -> !groups.containsKey(t)).distinct().sorted()
				.forEach(t -> groups.put(t, new ArrayList<>()));
		in.tensors().forEach(t -> groups.get(t.type()).add(t));
		for (Map.Entry<String, List<TensorEntry>> g : groups.entrySet()) {
			s.append(g.getKey()).append(" tensors:\n");
			for (TensorEntry t : g.getValue()) {
				s.append("  T#").append(t.index()).append('(').append(t.name()).append(") shape:")
						.append(t.shape() == null ? "[?]" : "[" + String.join(", ", t.shape()) + "]").append(", type:").append(t.type());
				if (t.readOnly()) {
					s.append(String.format(Locale.ROOT, " RO %,d bytes", t.bytes()));
				}
				s.append('\n');
			}
		}

		Inspection.Totals totals = in.totals();
		s.append("\nTotals\n");
		s.append(String.format(Locale.ROOT, "  nodes        %,d (%d in the layer index, %d Constant)%n", totals.nodes(), in.layers().size(),
				totals.constantNodes()));
		if (totals.subgraphs() > 0) {
			s.append(String.format(Locale.ROOT, "  subgraphs    %,d%n", totals.subgraphs()));
		}
		s.append(String.format(Locale.ROOT, "  tensors      %,d (%,d initializers)%n", in.tensors().size(), totals.initializers()));
		s.append(String.format(Locale.ROOT, "  parameters   %,d (%,d bytes)%n", totals.parameters(), totals.parameterBytes()));
		if (totals.quantizationParameters() > 0) {
			s.append(String.format(Locale.ROOT, "  quantization parameters %,d (%,d bytes): scales and zero points added by quantization, not among the parameters%n",
					totals.quantizationParameters(), totals.quantizationParameterBytes()));
		}
		totals.readOnlyByType().forEach((type, t) -> s.append(String.format(Locale.ROOT, "  %-12s %,d read-only tensors, %,d elements, %,d bytes%n",
				type, t.tensors(), t.elements(), t.bytes())));
		for (String note : in.notes()) {
			s.append("\nNote: ").append(note).append('\n');
		}
		return s.toString();
	}
}
