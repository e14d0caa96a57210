package org.quantrace.runner.verify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.common.util.Enumerator;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LayerDebugRecord;
import org.quantrace.model.trace.TracePackage;

/**
 * The debugger's table (debug.csv) against the trace's debug record, row by row and column by column (the
 * columns found by their header, so that a column added later is compared once the record has it too), and
 * each debugged tensor's scale and zero point against what the quantized model holds for it.
 */
final class DebugCheck implements DocumentCheck {

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		for (DebugRecord d : e.trace().getDebugRecords()) {
			String document = d.getCsvPath();
			byte[] bytes = document == null ? null : e.document(document);
			if (bytes == null) {
				continue; // the folder check reports a missing file
			}
			List<List<String>> lines = CsvRecords.parse(new String(bytes, StandardCharsets.UTF_8));
			if (lines.isEmpty()) {
				found.add(new Mismatch(document, "the file", "empty", d.getLayers().size() + " rows in " + TraceCheck.DOCUMENT));
				continue;
			}
			List<String> header = lines.get(0);
			Map<String, LayerDebugRecord> rows = new HashMap<>();
			d.getLayers().forEach(l -> rows.put(l.getTensor() + "\u0000" + l.getMode().getLiteral(), l));
			int mode = header.indexOf("mode");
			int tensor = header.indexOf("tensor");
			if (mode < 0 || tensor < 0) {
				found.add(new Mismatch(document, "header", String.join(",", header), "columns tensor and mode"));
				continue;
			}
			same(found, document, "rows", lines.size() - 1, d.getLayers().size());
			ModelFacts model = e.facts(d.getQuantizedModel(), document, found);
			Quantizations q = model == null ? null : new Quantizations(model);
			for (int i = 1; i < lines.size(); i++) {
				String[] cells = lines.get(i).toArray(String[]::new);
				String key = cell(cells, tensor) + "\u0000" + cell(cells, mode);
				LayerDebugRecord r = rows.get(key);
				String at = "row " + i + " (" + cell(cells, tensor) + ", " + cell(cells, mode) + ")";
				if (r == null) {
					found.add(new Mismatch(document, at, String.join(",", lines.get(i)), "no such row in the debug record of " + TraceCheck.DOCUMENT));
					continue;
				}
				for (int c = 0; c < header.size(); c++) {
					compare(found, document, at + " " + header.get(c), cell(cells, c), r, header.get(c));
				}
				if (q != null) {
					params(found, document, at, r, q);
				}
			}
			leftOut(e, d, q, found);
		}
	}

	/** The ops whose output's size the values decide (how many boxes, indices, distinct values, kept elements). */
	private static final java.util.Set<String> VALUE_SIZED = java.util.Set.of("NonMaxSuppression", "NonZero", "Unique", "Compress");

	/**
	 * The tensors the record says the debugger did not compare, against the files: each not compared (no row), quantized in the
	 * quantized model, after an op of {@link #VALUE_SIZED} in the float model (why its size depends on the values), its two sizes
	 * different and its samples within those debugged. {@code --deep} runs the debugger again for the sizes themselves.
	 */
	private static void leftOut(Evidence e, DebugRecord d, Quantizations q, List<Mismatch> found) {
		if (d.getLeftOut().isEmpty()) {
			return;
		}
		ModelFacts floats = e.facts(d.getFloatModel(), TraceCheck.DOCUMENT, found);
		// layers the quantizer widened with zero channels (their record says so; Paddings checks it against the model): the tensors
		// made from them hold more values in the quantized model whatever the values (the zoo's widened depthwise Conv)
		java.util.Set<String> widened = new java.util.HashSet<>();
		e.trace().getOptimizations().stream().filter(o -> o.getOutput() == d.getQuantizedModel() && o.getQuantization() != null)
				.flatMap(o -> o.getQuantization().getLayers().stream())
				.filter(l -> l.getReason() != null && org.quantrace.report.AifsmLogs.ADDED_CHANNELS.matcher(l.getReason()).find()).forEach(l -> widened.add(l.getNode()));
		for (org.quantrace.model.trace.LeftOutTensor l : d.getLeftOut()) {
			String at = "debug " + d.getName() + " left out '" + l.getTensor() + "'";
			if (d.getLayers().stream().anyMatch(r -> r.getTensor().equals(l.getTensor()))) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at, "not compared", "compared: a row of " + d.getCsvPath()));
			}
			if (l.getFloatValues() == l.getQuantizedValues()) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at + " sizes", l.getFloatValues() + " and " + l.getQuantizedValues(), "two different sizes"));
			}
			if (l.getFromSample() < 1 || l.getToSample() < l.getFromSample() || l.getToSample() > d.getSampleCount()) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at + " samples", l.getFromSample() + "-" + l.getToSample(), "within 1-" + d.getSampleCount()));
			}
			if (q != null && q.ofTensor(l.getTensor(), true).isEmpty() && q.ofTensor(l.getTensor(), false).isEmpty()) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at, "a quantized tensor", "the quantized model does not quantize " + l.getTensor()));
			}
			if (floats != null && !madeFrom(floats, l.getTensor(), widened)) {
				found.add(new Mismatch(TraceCheck.DOCUMENT, at + ", why its size differs", "said so",
						"no " + String.join(", ", new java.util.TreeSet<>(VALUE_SIZED)) + " computes it or anything it is made from in the float model, and no layer"
								+ " the quantizer widened with zero channels"));
			}
		}
	}

	/**
	 * Whether {@code value} is written by a {@link #VALUE_SIZED} op or a {@code widened} node, or made from the output of one, in
	 * {@code m}'s graphs.
	 */
	private static boolean madeFrom(ModelFacts m, String value, java.util.Set<String> widened) {
		java.util.Deque<String> open = new java.util.ArrayDeque<>(List.of(value));
		java.util.Set<String> seen = new java.util.HashSet<>();
		while (!open.isEmpty()) {
			ai.onnx.proto.OnnxMl.NodeProto n = m.producers.get(open.pop());
			if (n == null || !seen.add(n.getName() + "\u0000" + n.getOutput(0))) {
				continue;
			}
			if (VALUE_SIZED.contains(n.getOpType()) || widened.contains(n.getName())) {
				return true;
			}
			n.getInputList().stream().filter(i -> !i.isEmpty()).forEach(open::push);
		}
		return false;
	}

	private static void same(List<Mismatch> found, String document, String where, Object printed, Object recorded) {
		Figures.same(found, document, where, printed, recorded, TraceCheck.DOCUMENT);
	}

	private static String cell(String[] cells, int i) {
		return i < cells.length ? cells[i].strip() : "";
	}

	/** A column against the record's feature of the same name (layer_index → layerIndex, op → opType); columns the record has not are left. */
	private static void compare(List<Mismatch> found, String document, String where, String printed, LayerDebugRecord r, String column) {
		EStructuralFeature f = feature(column);
		if (f == null) {
			return;
		}
		Object value = r.eGet(f);
		if (value instanceof Double || value instanceof Float) {
			double v = ((Number) value).doubleValue();
			Double p = Printed.number(printed.replace("nan", "NaN").replace("inf", "Infinity"));
			// an exact quantization (integer pixels fed at scale 1) has an infinite SQNR, which the trace holds as Double.MAX_VALUE (EvaluationRecords)
			boolean equal = p != null && (p.equals(v) || Math.abs(p - v) <= 1e-5 * Math.max(Math.abs(v), 1e-30) || Double.isNaN(p) && Double.isNaN(v)
					|| p == Double.POSITIVE_INFINITY && v == Double.MAX_VALUE);
			if (!equal) {
				found.add(new Mismatch(document, where, printed, v + " in " + TraceCheck.DOCUMENT));
			}
		} else {
			String v = value instanceof Enumerator en ? en.getLiteral() : value == null ? "" : String.valueOf(value);
			same(found, document, where, printed, v);
		}
	}

	private static EStructuralFeature feature(String column) {
		String name = column.equals("op") ? "opType" : camel(column);
		EStructuralFeature f = TracePackage.Literals.LAYER_DEBUG_RECORD.getEStructuralFeature(name);
		return f instanceof EAttribute ? f : null;
	}

	private static String camel(String snake) {
		StringBuilder s = new StringBuilder();
		boolean up = false;
		for (char c : snake.toCharArray()) {
			if (c == '_') {
				up = true;
			} else {
				s.append(up ? Character.toUpperCase(c) : c);
				up = false;
			}
		}
		return s.toString();
	}

	/** The debugged tensor's scale and zero point are one of the model's quantizations of it. */
	private static void params(List<Mismatch> found, String document, String where, LayerDebugRecord r, Quantizations q) {
		List<Quantizations.Params> held = new ArrayList<>(q.ofTensor(r.getTensor(), true));
		held.addAll(q.ofTensor(r.getTensor(), false));
		boolean match = held.stream().anyMatch(p -> p.scales().size() == 1 && p.scales().get(0) == (float) r.getScale() && p.zeroPoints().get(0) == r.getZeroPoint());
		if (!match) {
			found.add(new Mismatch(document, where + " scale and zero point", "s = " + (float) r.getScale() + ", z = " + r.getZeroPoint(),
					held.isEmpty() ? "the quantized model does not quantize " + r.getTensor() : "the model holds " + held));
		}
	}
}
