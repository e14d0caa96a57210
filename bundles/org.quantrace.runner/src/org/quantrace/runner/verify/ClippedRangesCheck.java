package org.quantrace.runner.verify;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.CalibrationRow;
import org.quantrace.report.LogReader;
import org.quantrace.report.LogValues;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;

/**
 * PhIMT0003's Calibration row against the quantized model's own list of ranges its calibration clipped (its metadata_props
 * {@link WideRange#METADATA}): the method line's count of tensors read again, one line per tensor saying what the model says,
 * and the range read again being the tensor's record's, which {@link Ranges} holds against the scale in the file. The first
 * range and the RMS are the calibration's (no file holds the values); they are compared as printed, not re-derived.
 */
final class ClippedRangesCheck {

	private static final Pattern COUNT = Pattern.compile("exceptfor(\\d+)tensors?" + Pattern.quote(Cells.key(CalibrationRow.CLIPPED_TAIL)));
	private static final Pattern READ_AGAIN = Pattern.compile("read again by percentile [0-9.]+, (\\[[^\\]]*\\])$");

	private ClippedRangesCheck() {
	}

	static void check(String at, LogReader.Table t, SchemeFacts f, LogCheck.Log log) {
		int row = t.find("Calibration", 0);
		if (row < 0 || t.rows().get(row).size() < 2) {
			return;
		}
		String raw = t.rows().get(row).get(1);
		String cell = Cells.key(raw);
		String where = at + "Calibration, ";
		Map<String, String> marked = new LinkedHashMap<>();
		for (StringStringEntryProto e : f.model.proto.getMetadataPropsList()) {
			if (e.getKey().startsWith(WideRange.METADATA)) {
				marked.put(e.getKey().substring(WideRange.METADATA.length()), e.getValue());
			}
		}
		Matcher m = COUNT.matcher(cell);
		log.same(where + "tensors read again by percentile", m.find() ? m.group(1) : "none", marked.isEmpty() ? "none" : Integer.toString(marked.size()));
		marked.forEach((tensor, text) -> {
			if (!cell.contains(Cells.key(CalibrationRow.CLIPPED + ": " + LogValues.tidy(text)))) {
				log.mismatch(where + CalibrationRow.CLIPPED + " '" + tensor + "'", cell.contains(Cells.key("'" + tensor + "'")) ? lineNaming(raw, tensor) : "no line",
						"the model's metadata " + WideRange.METADATA + tensor + ": " + text);
			}
			Matcher r = READ_AGAIN.matcher(text);
			TensorQuantizationRecord rec = f.record.getQuantization().getTensors().stream()
					.filter(x -> x.getTensor().equals(tensor) && x.getRole() != TensorRole.WEIGHT && x.getRole() != TensorRole.BIAS && x.getRangeMin().size() == 1)
					.findFirst().orElse(null);
			log.same(where + "'" + tensor + "' range read again (the model's metadata against the tensor's record)", r.find() ? r.group(1) : text,
					rec == null ? "no record with a range" : String.format(Locale.ROOT, "[%.4g, %.4g]", rec.getRangeMin().get(0) + 0.0, rec.getRangeMax().get(0) + 0.0));
		});
	}

	/**
	 * The row's line that names {@code tensor}, as the log prints it, for a mismatch to quote what the document says (the cell's
	 * lines are split by {@code <br>} in Markdown and HTML, by line breaks in DOCX and PDF text; a PDF may break the line itself,
	 * then the part naming the tensor).
	 */
	private static String lineNaming(String cell, String tensor) {
		for (String line : cell.split("<br>|<br/>|\\R")) {
			if (line.contains("'" + tensor + "'")) {
				return line.strip();
			}
		}
		return "a line naming '" + tensor + "' across the cell's breaks";
	}
}
