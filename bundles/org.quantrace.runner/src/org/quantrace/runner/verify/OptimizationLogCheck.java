package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.LogReader;
import org.quantrace.report.RunSummary;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A model's PhIMT0003 log against its quantized models: each Table 1's rows that state what a model holds
 * (transformation bounds, the scale formula actually used with its worked example, precision, scheme and
 * granularity per tensor class, I/O types with scale and zero point, scale summaries, layer counts, the
 * technique, the files' hashes, opset and range), the per-tensor appendices (every scale and zero point) and
 * the per-layer appendix; the pruning and factorization appendices by {@link FloatStagesLogCheck}. Every
 * figure is re-derived from the ONNX files ({@link SchemeFacts}); a line of a known form whose figure differs,
 * and a figure of the model that no line states, are mismatches naming the table, the row and both values.
 */
final class OptimizationLogCheck {

	private static final String N = Printed.NUMBER;
	private static final String CLASS = "(weights|biases|activations|inputs|outputs)";

	private final Evidence e;
	private final LogCheck.Log log;
	private final String model;

	/** The log's running text without whitespace ({@link Cells#key}), for the sentences under the tables; null when unreadable. */
	private final String text;

	OptimizationLogCheck(Evidence e, LogCheck.Log log, String model, String text) {
		this.e = e;
		this.log = log;
		this.model = model;
		this.text = text;
	}

	void check() {
		List<OptimizationRecord> records = e.trace().getOptimizations().stream()
				.filter(o -> o.getInput() != null && RunSummary.model(o.getInput()).equals(model)).toList();
		List<SchemeFacts> schemes = new ArrayList<>();
		for (OptimizationRecord o : records) {
			LogReader.Table t = log.table(title -> title.startsWith("Table") && title.endsWith(Cells.key("(" + o.getId() + ")")));
			if (t == null) {
				log.missing("Table 1 of " + o.getId());
				continue;
			}
			String at = t.title() + ", ";
			LogCheck.warnings(log, at + "Verified Learning Model ID or Model Conversion ID", t, t.find("Verified Learning Model ID or Model Conversion ID", 0),
					org.quantrace.report.RunWarnings.ofModel(e.trace(), model));
			int ptq = t.find("Post-training quantization specifications", 0);
			LogCheck.warnings(log, at + "Post-training quantization specifications, Additional configurations", t,
					ptq < 0 ? -1 : t.find("Additional configurations", ptq), org.quantrace.report.RunWarnings.runWide(e.trace()));
			ModelFacts in = e.facts(o.getInput(), log.document(), log.found());
			verified(at, t, o, in);
			ModelFacts out = o.getQuantization() == null ? null : e.facts(o.getOutput(), log.document(), log.found());
			if (o.getQuantization() == null && o.getOutput() != null) {
				unquantizedIo(at, t, e.facts(o.getOutput(), log.document(), log.found()));
			}
			if (out != null) {
				SchemeFacts f = new SchemeFacts(o, out, in);
				schemes.add(f);
				new TableRows(at, t, f).check();
				tensors(f);
				if (text != null) {
					RequantizedTensors.check(log, text, f, records.stream().filter(r -> r.getQuantization() != null).map(OptimizationRecord::getScheme).toList());
				}
			}
		}
		if (!schemes.isEmpty()) {
			layers(records, schemes);
		}
		new FloatStagesLogCheck(e, log, records).check();
	}

	/**
	 * The precision row of a variant without quantization: each input and output it names with the type the model file
	 * holds (no scale: a line stating one is held against the file's none), and every input and output named.
	 */
	private void unquantizedIo(String at, LogReader.Table t, ModelFacts model) {
		if (model == null) {
			return;
		}
		String where = at + "Quantization precision, ";
		int ptq = Math.max(0, t.find("Post-training quantization specifications", 0));
		List<String> lines = lines(t, t.find("Quantization precision", ptq));
		Pattern io = Pattern.compile("^(input|output)'(.+)':([a-z0-9]+)(?:,s=(" + N + "),z=(-?\\d+))?$");
		for (String line : lines) {
			Matcher i = io.matcher(line);
			if (i.find()) {
				ioLine(where, i, model);
			}
		}
		// a log written before 2026-12-07 printed the generic row ("input, element type FLOAT32, scale 0, zero point 0"): no lines to require
		if (!lines.isEmpty() && lines.get(0).startsWith(Cells.key(AifsmLogs.NOT_QUANTIZED))) {
			for (ModelFacts.Io x : model.inputs()) {
				requireIo(where, lines, "input", x);
			}
			for (ModelFacts.Io x : model.outputs()) {
				requireIo(where, lines, "output", x);
			}
		}
	}

	/** One "input 'x': TYPE[, s = S, z = Z]" line of a precision row against the model file's input or output of that name. */
	private void ioLine(String where, Matcher i, ModelFacts model) {
		List<ModelFacts.Io> all = i.group(1).equals("input") ? model.inputs() : model.outputs();
		ModelFacts.Io x = all.stream().filter(v -> Cells.key(v.name()).equals(i.group(2))).findFirst().orElse(null);
		String at = where + i.group(1) + " '" + i.group(2) + "'";
		if (x == null) {
			log.mismatch(at, i.group(3), "the model has no such " + i.group(1));
			return;
		}
		log.same(at + " type", i.group(3), SchemeFacts.type(type(x.elementType())));
		log.same(at + " scale", i.group(4) == null ? null : Float.parseFloat(i.group(4)), x.scale());
		log.same(at + " zero point", i.group(5) == null ? null : Long.parseLong(i.group(5)), x.zeroPoint());
	}

	/** A mismatch when no line of {@code lines} names the model's input or output {@code x}. */
	private void requireIo(String where, List<String> lines, String kind, ModelFacts.Io x) {
		if (lines.stream().noneMatch(l -> l.startsWith(kind + "'" + Cells.key(x.name()) + "':"))) {
			log.mismatch(where + kind + " '" + x.name() + "'", "nothing", SchemeFacts.type(type(x.elementType()))
					+ (x.scale() == null ? "" : ", s = " + x.scale() + ", z = " + x.zeroPoint()));
		}
	}

	/** A tensor record of no node (a model input's): its node unset or empty. */
	private static boolean noNode(TensorQuantizationRecord t) {
		return t.getNode() == null || t.getNode().isEmpty();
	}

	/** "Verified Learning Model ID or Model Conversion ID": the input model's SHA-256, from its file. */
	private void verified(String at, LogReader.Table t, OptimizationRecord o, ModelFacts in) {
		int row = t.find("Verified Learning Model ID or Model Conversion ID", 0);
		for (String line : lines(t, row)) {
			Matcher m = Pattern.compile("^inputmodel.*,SHA-256([0-9a-f]{64})$").matcher(line);
			if (m.find() && in != null) {
				log.same(at + "Verified Learning Model ID or Model Conversion ID, input model " + o.getInput().getName() + " SHA-256", m.group(1), in.sha256());
			}
		}
	}

	/** The lines of row {@code row} of {@code t} without their whitespace ({@link Cells#key}; none when the row is missing). */
	static List<String> lines(LogReader.Table t, int row) {
		if (row < 0 || t.rows().get(row).size() < 2) {
			return List.of();
		}
		return t.rows().get(row).get(1).lines().map(Cells::key).filter(l -> !l.isEmpty()).toList();
	}

	/** The rows of one Table 1 that state what the quantized model holds. */
	private final class TableRows {
		private final String at;
		private final LogReader.Table t;
		private final SchemeFacts f;
		private final boolean dynamic;
		private final int ptq;

		TableRows(String at, LogReader.Table t, SchemeFacts f) {
			this.at = at;
			this.t = t;
			this.f = f;
			this.dynamic = f.dynamic();
			this.ptq = Math.max(0, t.find("Post-training quantization specifications", 0));
		}

		void check() {
			transformation();
			scaleFactor();
			precision();
			scheme();
			technique();
			granularity();
			configuration();
			ClippedRangesCheck.check(at, t, f, log);
		}

		private List<String> row(String label) {
			int r = t.find(label, label.startsWith("Quantization") || label.equals("Additional configurations") ? ptq : 0);
			if (r < 0) {
				log.mismatch(at + label, "no such row", "the template's row");
			}
			return lines(t, r);
		}

		private void transformation() {
			String where = at + "Transformation function, ";
			Pattern p = Pattern.compile("^" + CLASS + ":([a-z0-9]+),(\\d+)bits,qin\\[(-?\\d+),(-?\\d+)\\](.*)$");
			for (String line : row("Transformation function")) {
				Matcher m = p.matcher(line);
				if (!m.find()) {
					continue;
				}
				if (m.group(6).contains("quantizedatruntime")) {
					runTime(where + line, m.group(2));
					continue;
				}
				TensorRole role = SchemeFacts.role(m.group(1));
				DataType type = type(m.group(2));
				if (!f.types(role).contains(m.group(2))) {
					log.mismatch(where + m.group(1) + " type", m.group(2), f.types(role).isEmpty() ? "no " + m.group(1) + " quantized" : String.join(" / ", f.types(role)));
					continue;
				}
				long[] b = Ranges.bounds(type, f.reduce() && role == TensorRole.WEIGHT && type != DataType.INT32);
				log.same(where + m.group(1) + " " + m.group(2) + " bits and bounds", m.group(3) + " bits, [" + m.group(4) + ", " + m.group(5) + "]",
						Ranges.bits(type) + " bits, [" + b[0] + ", " + b[1] + "]");
			}
			for (TensorRole role : f.classes.keySet()) {
				for (String type : f.types(role)) {
					if (row("Transformation function").stream().noneMatch(l -> l.startsWith(SchemeFacts.plural(role) + ":" + type + ","))) {
						log.mismatch(where + SchemeFacts.plural(role), "nothing", type);
					}
				}
			}
		}

		/** A line about activations quantized at run time: true only of a model with DynamicQuantizeLinear or DynamicQuantizeLSTM (uint8). */
		private void runTime(String where, String type) {
			if (!dynamic) {
				log.mismatch(where, "activations quantized at run time", "the model has no DynamicQuantizeLinear or DynamicQuantizeLSTM");
			} else if (!type.equals("uint8")) {
				log.mismatch(where, type, "uint8 (" + String.join(", ", f.runTimeQuantizers()) + ")");
			}
		}

		/** The run-time quantizers a line names in its parentheses ("(DynamicQuantizeLSTM, inside the kernel ...)") are those the model holds. */
		private void runTimeQuantizers(String where, String line) {
			Set<String> named = new LinkedHashSet<>();
			Matcher op = Pattern.compile("DynamicQuantize[A-Za-z]+").matcher(line);
			while (op.find()) {
				named.add(op.group());
			}
			log.same(where, named, f.runTimeQuantizers());
		}

		private void scaleFactor() {
			String where = at + "Scale factor, ";
			List<String> lines = row("Scale factor");
			Pattern formula = Pattern.compile("^" + CLASS + "\\(([a-z0-9]+),(onesperoutputchannel|pertensor|atruntime)\\):(symmetric|asymmetric):(.*)$");
			Set<String> stated = new LinkedHashSet<>();
			for (String line : lines) {
				Matcher m = formula.matcher(line);
				if (m.find()) {
					if (m.group(3).equals("atruntime")) {
						runTime(where + "activations at run time", m.group(2));
						log.same(where + "activations at run time, formula", m.group(4) + ":" + m.group(5),
								"asymmetric:s=(max(x,0)−min(x,0))/255,z=round(−min(x,0)/s)");
						continue;
					}
					TensorRole role = SchemeFacts.role(m.group(1));
					boolean symmetric = m.group(4).equals("symmetric");
					boolean perChannel = m.group(3).equals("onesperoutputchannel");
					List<Quantizations.Params> held = f.params(role).stream().filter(p -> SchemeFacts.type(p.type()).equals(m.group(2))
							&& p.symmetric() == symmetric && (p.axis() != null) == perChannel).toList();
					String said = m.group(2) + ", " + (perChannel ? "per channel" : "per tensor") + ", " + m.group(4);
					if (held.isEmpty()) {
						log.mismatch(where + m.group(1) + " formula (" + said + ")", "used", "no " + m.group(1) + " of the model are " + said);
						continue;
					}
					stated.add(role + said);
					log.same(where + m.group(1) + " formula (" + said + ")", m.group(5),
							expected(type(m.group(2)), symmetric, f.reduce() && role == TensorRole.WEIGHT));
				} else if (line.startsWith("biases:int32withs=s_input·s_weight")) {
					biasProducts(where + "biases formula");
				} else if (line.startsWith("example(")) {
					example(where, line);
				} else {
					summary(where, line);
				}
			}
			for (TensorRole role : f.classes.keySet()) {
				for (Quantizations.Params p : f.params(role)) {
					String said = SchemeFacts.type(p.type()) + ", " + (p.axis() != null ? "per channel" : "per tensor") + ", "
							+ (p.symmetric() ? "symmetric" : "asymmetric");
					if (role != TensorRole.BIAS && stated.add(role + said)) {
						log.mismatch(where + SchemeFacts.plural(role) + " formula (" + said + ")", "nothing", "the formula of " + said + " quantization");
					}
				}
			}
		}

		/** The formula of a type and scheme, as the logs word it (spaces aside). */
		private static String expected(DataType type, boolean symmetric, boolean reduce) {
			long[] b = Ranges.bounds(type, reduce);
			if (symmetric) {
				int bits = reduce ? Ranges.bits(type) - 1 : Ranges.bits(type);
				return "s=max(|α|,|β|)/" + ((1L << (bits - 1)) - 1) + ",z=" + (Ranges.signed(type) ? 0 : 1L << (bits - 1));
			}
			return "s=(β−α)/" + (b[1] - b[0]) + ",z=round(" + b[0] + "−α/s)clampedto[" + b[0] + "," + b[1] + "]";
		}

		/** int32 biases with s = s_input · s_weight: each bias scale against the product of its layer's input and weight scales in the model. */
		private void biasProducts(String where) {
			if (!f.integerBiases()) {
				log.mismatch(where, "int32 biases with s = s_input · s_weight", "the model holds no int32 biases");
				return;
			}
			for (TensorQuantizationRecord b : f.classes.get(TensorRole.BIAS)) {
				Quantizations.Params p = f.held.get(b);
				float[] expected = BiasScales.products(f.model, b.getNode(), f.output(b.getNode()), p.scales().size());
				if (expected == null) {
					log.mismatch(where + ", " + b.getTensor(), "s = s_input · s_weight", "no input and weight scales found for layer " + b.getNode());
					continue;
				}
				for (int c = 0; c < expected.length; c++) {
					if (Math.abs(expected[c] - p.scales().get(c)) > 2 * Math.ulp(expected[c]) || p.zeroPoints().get(c) != 0) {
						log.mismatch(where + ", " + b.getTensor() + " channel " + c, "s = s_input · s_weight = " + expected[c] + ", z = 0",
								"s = " + p.scales().get(c) + ", z = " + p.zeroPoints().get(c));
						break;
					}
				}
			}
		}

		/** "example (weights): [channel C of] T, range [α, β] → s = ... = S[, z = ... = Z]; the model holds s = S', z = Z'". */
		private void example(String where, String line) {
			Matcher m = Pattern.compile("^example\\(" + CLASS + "\\):(?:channel(\\d+)of)?(.+?),range\\[(" + N + "),(" + N + ")\\]→s=.*?=(" + N
					+ ")(?:,z=.*?=(" + N + "))?;themodelholdss=(" + N + "),z=(" + N + ")(?:\\(.*\\))?$").matcher(line);
			if (!m.find()) {
				log.mismatch(where + "worked example", line, "example (class): tensor, range [α, β] → s = ..., the model holds s = ..., z = ...");
				return;
			}
			TensorRole role = SchemeFacts.role(m.group(1));
			TensorQuantizationRecord t = f.classes.getOrDefault(role, List.of()).stream().filter(x -> Cells.key(x.getTensor()).equals(m.group(3)))
					.findFirst().orElse(null);
			String at = where + "worked example " + m.group(3);
			if (t == null) {
				log.mismatch(at, m.group(1) + " " + m.group(3), "no such quantized tensor of the model");
				return;
			}
			Quantizations.Params p = f.held.get(t);
			int channel = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
			if (channel >= p.scales().size()) {
				log.mismatch(at + " channel", channel, p.scales().size() + " channels");
				return;
			}
			float s = p.scales().get(channel);
			long z = p.zeroPoints().get(channel);
			log.same(at + ", the model holds s", Float.parseFloat(m.group(8)), s);
			log.same(at + ", the model holds z", Long.parseLong(m.group(9)), z);
			double lo = Printed.number(m.group(4));
			double hi = Printed.number(m.group(5));
			double[] derived = Ranges.params(lo, hi, p.type(), p.symmetric(), f.reduce() && role == TensorRole.WEIGHT);
			// the range is printed to four digits: the scale it gives must round to what the model holds
			// four printed digits of α and β move s by up to ~1e-3 of itself
			if (Math.abs(Printed.number(m.group(6)) - derived[0]) > 1.5e-3 * Math.abs(derived[0]) || Math.abs(derived[0] - s) > 1.5e-3 * Math.abs(s)) {
				log.mismatch(at + " computed s", m.group(6) + " from [" + m.group(4) + ", " + m.group(5) + "]",
						Printed.brief(derived[0]) + " by the formula, and the model holds " + s);
			}
			if (m.group(7) != null && Long.parseLong(m.group(7)) != z) {
				log.mismatch(at + " computed z", m.group(7), z);
			}
			if (t.getRangeMin().size() == 1 && (!Printed.brief(lo, t.getRangeMin().get(0)) || !Printed.brief(hi, t.getRangeMax().get(0)))) {
				log.mismatch(at + " range (in " + TraceCheck.DOCUMENT + ")", "[" + m.group(4) + ", " + m.group(5) + "]",
						"[" + Printed.brief(t.getRangeMin().get(0)) + ", " + Printed.brief(t.getRangeMax().get(0)) + "]");
			}
		}

		/** "weights: 4 tensors, 122 scales: min a, median b, max c" and "activations: 6 scales from a to b", "inputs: 1 scale: a". */
		private void summary(String where, String line) {
			Matcher many = Pattern.compile("^" + CLASS + ":(\\d+)tensors?,(\\d+)scales(?:\\((\\d+)ofchannelsaddedaszeros,leftouthere\\))?:min(" + N + "),median(" + N
					+ "),max(" + N + ")").matcher(line);
			Matcher range = Pattern.compile("^" + CLASS + ":(\\d+)scalesfrom(" + N + ")to(" + N + ")").matcher(line);
			Matcher one = Pattern.compile("^" + CLASS + ":1scale:(" + N + ")").matcher(line);
			Matcher which = many.find() ? many : range.find() ? range : one.find() ? one : null;
			if (which == null) {
				return;
			}
			TensorRole role = SchemeFacts.role(which.group(1));
			List<Float> all = f.scales(role);
			List<Float> scales = which == many ? f.originalScales(role).stream().sorted().toList() : all.stream().sorted().toList();
			String at = where + which.group(1) + " scales";
			if (scales.isEmpty()) {
				log.mismatch(at, line, "no " + which.group(1) + " quantized");
				return;
			}
			double median = scales.size() % 2 == 1 ? scales.get(scales.size() / 2) : (scales.get(scales.size() / 2 - 1) + (double) scales.get(scales.size() / 2)) / 2;
			if (which == many) {
				log.same(at + ", tensors", Integer.parseInt(many.group(2)), f.params(role).size());
				log.same(at + ", count", Integer.parseInt(many.group(3)), all.size());
				log.same(at + ", of channels added as zeros", many.group(4) == null ? 0 : Integer.parseInt(many.group(4)), all.size() - scales.size());
				log.brief(at + ", min", many.group(5), scales.get(0));
				log.brief(at + ", median", many.group(6), median);
				log.brief(at + ", max", many.group(7), scales.get(scales.size() - 1));
			} else if (which == range) {
				log.same(at + ", count", Integer.parseInt(range.group(2)), scales.size());
				log.brief(at + ", min", range.group(3), scales.get(0));
				log.brief(at + ", max", range.group(4), scales.get(scales.size() - 1));
			} else {
				log.same(at + ", count", 1, scales.size());
				log.brief(at, one.group(2), scales.get(0));
			}
		}

		private void precision() {
			String where = at + "Quantization precision, ";
			List<String> lines = row("Quantization precision");
			Pattern classLine = Pattern.compile("^" + CLASS + ":([a-z0-9/]+)\\((\\d+)tensors?\\)$");
			Pattern io = Pattern.compile("^(input|output)'(.+)':([a-z0-9]+)(?:,s=(" + N + "),z=(-?\\d+))?$");
			for (String line : lines) {
				Matcher c = classLine.matcher(line);
				Matcher i = io.matcher(line);
				Matcher floats = Pattern.compile("^layersleftinfloat32:(\\d+)of(\\d+)").matcher(line);
				if (c.find()) {
					TensorRole role = SchemeFacts.role(c.group(1));
					log.same(where + c.group(1), c.group(2) + " (" + c.group(3) + " tensors)", String.join("/", f.types(role)) + " (" + f.params(role).size() + " tensors)");
				} else if (i.find()) {
					ioLine(where, i);
				} else if (floats.find()) {
					int[] q = f.layersQuantized();
					List<String> folded = f.foldedClamps();
					log.same(where + "layers left in float32", floats.group(1) + " of " + floats.group(2), (q[1] - q[0] - folded.size()) + " of " + q[1]);
					// a name may hold a line break, which the cell prints as one: the names run on over the cell's next lines
					Matcher said = FOLDED_LAYERS.matcher(String.join("", lines.subList(lines.indexOf(line), lines.size())));
					List<String> names = f.record.getQuantization().getLayers().stream().map(l -> Cells.key(l.getNode())).toList();
					log.same(where + "layers in no node of the model", said.find() ? Cells.list(said.group(1), names) : List.of(),
							folded.stream().map(Cells::key).toList());
				} else if (line.startsWith("biases:float32")) {
					if (f.integerBiases()) {
						log.mismatch(where + "biases", "float32", "int32 (" + f.params(TensorRole.BIAS).size() + " tensors)");
					}
				} else if (line.startsWith("activations:uint8,quantizedatruntime")) {
					runTime(where + "activations at run time", "uint8");
					if (dynamic) {
						runTimeQuantizers(where + "activations at run time, quantized by", line);
					}
				}
			}
			for (TensorRole role : List.of(TensorRole.WEIGHT, TensorRole.BIAS, TensorRole.ACTIVATION)) {
				if (f.classes.containsKey(role) && lines.stream().noneMatch(l -> l.startsWith(SchemeFacts.plural(role) + ":"))) {
					log.mismatch(where + SchemeFacts.plural(role), "nothing", String.join("/", f.types(role)));
				}
			}
			if (dynamic && lines.stream().noneMatch(l -> l.startsWith("activations:uint8,quantizedatruntime"))) {
				log.mismatch(where + "activations", "nothing", "uint8, quantized at run time (" + String.join(", ", f.runTimeQuantizers()) + ")");
			}
			for (ModelFacts.Io x : f.model.inputs()) {
				requireIo(where, lines, "input", x);
			}
			for (ModelFacts.Io x : f.model.outputs()) {
				requireIo(where, lines, "output", x);
			}
			int[] q = f.layersQuantized();
			if (q[0] < q[1] && lines.stream().noneMatch(l -> l.startsWith("layersleftinfloat32:"))) {
				log.mismatch(where + "layers left in float32", "nothing", (q[1] - q[0] - f.foldedClamps().size()) + " of " + q[1]);
			}
		}

		/** Whether the model file's own input or output of that name is float32 (a fiq_float32 model's: quantized inside). */
		private boolean floatInFile(TensorRole role, String name) {
			List<ModelFacts.Io> all = role == TensorRole.INPUT ? f.model.inputs() : role == TensorRole.OUTPUT ? f.model.outputs() : List.of();
			return all.stream().anyMatch(x -> x.name().equals(name) && SchemeFacts.type(type(x.elementType())).equals("float32"));
		}

		private void ioLine(String where, Matcher i) {
			OptimizationLogCheck.this.ioLine(where, i, f.model);
		}

		private void scheme() {
			String where = at + "Quantization scheme, ";
			List<String> lines = row("Quantization scheme");
			for (String line : lines) {
				Matcher m = Pattern.compile("^" + CLASS + ":(.+)$").matcher(line);
				if (!m.find()) {
					continue;
				}
				if (m.group(2).contains("atruntime")) {
					runTime(where + "activations at run time", "uint8");
					continue;
				}
				TensorRole role = SchemeFacts.role(m.group(1));
				Set<String> derived = new LinkedHashSet<>();
				f.params(role).forEach(p -> derived.add(p.symmetric() ? "symmetric(z=" + (Ranges.signed(p.type()) ? "0" : "mid-range") + ")" : "asymmetric(zfromtherange)"));
				log.same(where + m.group(1), new LinkedHashSet<>(List.of(m.group(2).split("/"))), derived);
			}
			requireClasses(where, lines);
		}

		private void granularity() {
			String where = at + "Quantization granularity, ";
			List<String> lines = row("Quantization granularity");
			for (String line : lines) {
				Matcher m = Pattern.compile("^" + CLASS + ":(.+)$").matcher(line);
				Matcher layers = Pattern.compile("^(\\d+)of(\\d+)layersquantized").matcher(line);
				Matcher byAxis = Pattern.compile("^" + CLASS + "byaxis:(.+)$").matcher(line);
				boolean classLine = m.find();
				if (byAxis.find()) {
					// a name may hold a line break, which the cell prints as one: the names run on over the cell's next lines
					axes(where + byAxis.group(1) + " by axis", SchemeFacts.role(byAxis.group(1)), String.join("", lines.subList(lines.indexOf(line), lines.size())));
				} else if (layers.find()) {
					int[] q = f.layersQuantized();
					log.same(where + "layers quantized", layers.group(1) + " of " + layers.group(2), q[0] + " of " + q[1]);
				} else if (classLine && m.group(2).contains("atruntime")) {
					runTime(where + "activations at run time", "uint8");
				} else if (classLine) {
					TensorRole role = SchemeFacts.role(m.group(1));
					Set<String> derived = new LinkedHashSet<>();
					for (TensorQuantizationRecord t : f.classes.getOrDefault(role, List.of())) {
						Quantizations.Params p = f.held.get(t);
						derived.add((p.axis() == null ? "per-tensor" : "per-channel(axis" + p.axis() + ")") + (floatInFile(role, t.getTensor()) ? Cells.key(AifsmLogs.insideTheModel(role)) : ""));
					}
					log.same(where + m.group(1), new LinkedHashSet<>(List.of(m.group(2).split("/"))), derived);
				}
			}
			requireClasses(where, lines);
			for (TensorRole role : f.classes.keySet()) {
				if (axes(role).size() > 1 && lines.stream().noneMatch(l -> l.startsWith(SchemeFacts.plural(role) + "byaxis:"))) {
					log.mismatch(where + SchemeFacts.plural(role) + " by axis", "nothing", byAxis(axes(role)));
				}
			}
		}

		/**
		 * "weights by axis: axis 0: T (layer), ...; axis 1: ...", read against the axes of the class's per-channel tensors in the
		 * model file (not the trace's, which the line is written from), and each tensor named against the model it was quantized
		 * from: a record renamed to a tensor that model does not hold kept its layer's quantization, and only this line (and the
		 * appendix, written from the same record) named it. A layer a rewrite wrote ({@link Repeats}: a pool as a depthwise Conv,
		 * a Mul as a Conv, ...) reads weights the float model does not hold (a pool's window): {@link Repeats} re-derives those from
		 * the float layer, so its tensors are held against that, not against the float model's tensors (crossnet under fiq_uint8:
		 * its pool's window named beside MatMul weights on axis 1 was a mismatch in every log, tests/data/wild/README.md, speed36).
		 */
		private void axes(String where, TensorRole role, String said) {
			Map<Integer, List<String>> axes = axes(role);
			String line = Cells.key(SchemeFacts.plural(role) + " by axis: " + (axes.size() < 2 ? "" : byAxis(axes)));
			if (axes.size() < 2 || !said.startsWith(line)) {
				log.mismatch(where, said.substring(0, Math.min(said.length(), Math.max(line.length(), said.indexOf(':') + 1))), axes.size() < 2 ? "nothing (its per-channel tensors share one axis in the model)" : byAxis(axes));
			}
			for (TensorQuantizationRecord t : f.classes.getOrDefault(role, List.of())) {
				// a weight a rewrite wrote (a Mul's factors as a depthwise 1x1 Conv) is in no float model: held against the rewrite's
				if (f.held.get(t).axis() != null && f.input != null && !f.input.holds(t.getTensor())
						&& !(role == TensorRole.WEIGHT && f.repeats != null && f.repeats.wroteWeight(t.getNode(), t.getTensor()))) {
					log.mismatch(where + ", " + t.getTensor(), "a tensor of " + t.getNode(), "no tensor " + t.getTensor() + " in the model it was quantized from");
				}
			}
		}

		/** The class's per-channel tensors by their axis in the model file, each "tensor (layer)" as the record names them. */
		private Map<Integer, List<String>> axes(TensorRole role) {
			Map<Integer, List<String>> axes = new java.util.TreeMap<>();
			for (TensorQuantizationRecord t : f.classes.getOrDefault(role, List.of())) {
				Integer axis = f.held.get(t).axis();
				if (axis != null) {
					axes.computeIfAbsent(axis, a -> new ArrayList<>()).add(t.getTensor() + (t.getNode() == null ? "" : " (" + t.getNode() + ")"));
				}
			}
			return axes;
		}

		private static String byAxis(Map<Integer, List<String>> axes) {
			List<String> parts = new ArrayList<>();
			axes.forEach((axis, names) -> parts.add("axis " + axis + ": " + String.join(", ", names)));
			return String.join("; ", parts);
		}

		/** Every class the model quantizes has its line. */
		private void requireClasses(String where, List<String> lines) {
			for (TensorRole role : f.classes.keySet()) {
				if (lines.stream().noneMatch(l -> l.startsWith(SchemeFacts.plural(role) + ":"))) {
					log.mismatch(where + SchemeFacts.plural(role), "nothing", "a line for the " + f.params(role).size() + " " + SchemeFacts.plural(role));
				}
			}
		}

		private void technique() {
			String where = at + "Quantization technique, ";
			for (String line : row("Quantization technique")) {
				Matcher io = Pattern.compile("^modelinputsandoutputs:([a-z0-9]+)$").matcher(line);
				// dynamic-range: activations quantized at run time, or (weight-only form) not at all; full-integer: ahead of
				// time, even when a recurrent layer among them quantizes its own input at run time (DynamicQuantizeLSTM)
				boolean drq = !f.staticActivations();
				// a file that quantizes no tensor at all (a scheme that quantized no layer: its quantize-nothing warning) bears no
				// technique: a full-integer scheme whose every layer stayed float under float32 I/O read as weight-only DRQ
				boolean none = f.classes.isEmpty() && !dynamic;
				if (!none && line.startsWith("dynamic-rangequantization(DRQ)") != drq && (line.startsWith("dynamic-range") || line.startsWith("full-integer"))) {
					log.mismatch(where + "technique", line.startsWith("dynamic-range") ? "dynamic-range quantization (DRQ)" : "full-integer quantization (FIQ)",
							!drq ? "full-integer: the model quantizes activations ahead of time"
									: dynamic ? "dynamic-range: the model quantizes activations at run time" : "dynamic-range, weight-only: the model quantizes no activation");
				} else if (drq && line.startsWith("dynamic-rangequantization(DRQ)")) {
					weights(where, line);
				} else if (io.find()) {
					Set<String> types = new LinkedHashSet<>();
					f.model.inputs().stream().filter(f::schemeTyped).forEach(x -> types.add(SchemeFacts.type(type(x.elementType()))));
					f.model.outputs().stream().filter(f::schemeTyped).forEach(x -> types.add(SchemeFacts.type(type(x.elementType()))));
					log.same(where + "model inputs and outputs", io.group(1), String.join(" / ", types));
				}
			}
		}

		/**
		 * "int8 weights" or "no weight quantized" (org.quantrace.report.DynamicRangeForm) against the weight codes the model stores:
		 * a dynamic integer kernel's or a weight read through Cast and Mul (dequantized at load). unseen31's nam said "int8 weights"
		 * of a model that stored none.
		 */
		private void weights(String where, String line) {
			boolean statesNone = line.contains(":" + org.quantrace.report.DynamicRangeForm.NO_WEIGHT.replace(" ", "") + "(");
			boolean statesInt8 = line.contains(":int8weights;");
			Map<String, Integer> stored = f.model.weightOnly();
			boolean holds = dynamic || !stored.isEmpty();
			if (statesNone == holds || statesInt8 != holds) {
				log.mismatch(where + "weights", statesNone ? org.quantrace.report.DynamicRangeForm.NO_WEIGHT : statesInt8 ? "int8 weights" : "neither",
						dynamic ? "dynamic integer kernels on int8 weights" : holds ? "int8 weight codes dequantized at load " + stored : "no integer weight codes in the model");
			}
			// the layers said to have one weight scale per input feature, against those whose scales in the file run over it
			Matcher said = Pattern.compile(Pattern.quote(org.quantrace.report.DynamicRangeForm.PER_FEATURE.replace(" ", "")) + "\\([^)]*\\)for([^;]+)").matcher(line);
			java.util.TreeSet<String> derived = new java.util.TreeSet<>();
			f.held.forEach((t, p) -> {
				if (t.getRole() == TensorRole.WEIGHT && FeatureScales.derived(f.model, t.getNode(), p) != null) {
					derived.add(Cells.key(t.getNode()));
				}
			});
			java.util.TreeSet<String> stated = new java.util.TreeSet<>(said.find() ? List.of(said.group(1).split(",")) : List.of());
			if (!stated.equals(derived)) {
				log.mismatch(where + org.quantrace.report.DynamicRangeForm.PER_FEATURE, stated.isEmpty() ? "no layer" : String.join(", ", stated),
						derived.isEmpty() ? "no layer's weight scales run over a tabular model input's features" : String.join(", ", derived));
			}
		}

		private void configuration() {
			String where = at + "Additional configurations, ";
			for (String line : row("Additional configurations")) {
				Matcher file = Pattern.compile("^(quantizedmodel|calibrationdatamanifest|recipe):(.+)\\(sha256([0-9a-f]{64})\\)$").matcher(line);
				Matcher opset = Pattern.compile("reducerange:(yes|no);opset:(\\d+)").matcher(line);
				if (file.find()) {
					String path = file.group(1).equals("recipe") ? "recipe/" + file.group(2) : file.group(2);
					String derived = file.group(1).equals("quantizedmodel") ? f.model.sha256() : LogCheck.hash(e, path);
					if (file.group(1).equals("quantizedmodel")) {
						log.same(where + "quantized model", file.group(2), Cells.key(f.record.getOutput().getPath()));
					}
					log.same(where + file.group(1) + " " + file.group(2) + " sha256", file.group(3), derived);
				} else if (opset.find()) {
					log.same(where + "opset", Integer.parseInt(opset.group(2)), f.model.opset());
					log.same(where + "reduce range", opset.group(1), f.reduce() ? "yes" : "no");
				}
			}
		}
	}

	static DataType type(String name) {
		for (DataType t : DataType.values()) {
			if (t.name().equalsIgnoreCase(name) || t.displayName().equalsIgnoreCase(name)) {
				return t;
			}
		}
		return DataType.UNDEFINED;
	}

	// ------------------------------------------------------------------ appendices

	/** A scheme's per-tensor appendix: every row's type, scheme, granularity, scales and zero points against the model. */
	private void tensors(SchemeFacts f) {
		String scheme = f.record.getScheme();
		LogReader.Table t = log.ending("Quantization parameters per tensor, " + scheme);
		if (t == null) {
			log.missing("per-tensor appendix of " + scheme);
			return;
		}
		Set<TensorQuantizationRecord> listed = new java.util.HashSet<>();
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String tensor = LogCheck.cell(row, 0);
			String at = t.title() + ", " + tensor + " (" + LogCheck.cell(row, 1) + "), ";
			// by tensor, role and node: a tensor several nodes read is quantized for each (a shared bias, a scale per reader)
			String node = LogCheck.cell(row, 2);
			TensorQuantizationRecord r = f.held.keySet().stream().filter(x -> Cells.same(tensor, x.getTensor())
					&& Cells.same(LogCheck.cell(row, 1), x.getRole().getLiteral()) && !listed.contains(x)
					&& (Cells.key(node).isEmpty() || noNode(x) || Cells.same(node, x.getNode()))).findFirst().orElse(null);
			if (r == null) {
				log.mismatch(at + "tensor", tensor, "no such quantized tensor of the model");
				continue;
			}
			listed.add(r);
			if (noNode(r) && !Cells.key(node).isEmpty()) { // a log before 2026-12-07 left the cell blank
				boolean input = f.model.inputs().stream().anyMatch(i -> i.name().equals(r.getTensor()));
				log.cell(at + "node", node, input ? AifsmLogs.NO_NODE + ": the model's input" : AifsmLogs.NO_NODE);
			}
			Quantizations.Params p = f.held.get(r);
			log.cell(at + "type", LogCheck.cell(row, 3), SchemeFacts.type(p.type()));
			log.cell(at + "scheme", LogCheck.cell(row, 4), p.symmetric() ? "symmetric" : "asymmetric");
			log.cell(at + "granularity", LogCheck.cell(row, 5), p.axis() == null ? "per-tensor" : "per-channel, axis " + p.axis());
			List<String> values = referenced(t, row, tensor, p);
			List<Float> scales = Printed.floats(values.get(0));
			List<Long> zeros = Printed.zeroPoints(values.get(1));
			if (scales == null || !scales.equals(p.scales())) {
				log.mismatch(at + "scale" + differing(scales, p.scales()), scales == null ? values.get(0) : Printed.list(scales), Printed.list(p.scales()));
			}
			if (zeros == null || !zeros.equals(p.zeroPoints())) {
				log.mismatch(at + "zero point" + differing(zeros, p.zeroPoints()), zeros == null ? values.get(1) : Printed.list(zeros), Printed.list(p.zeroPoints()));
			}
		}
		for (TensorQuantizationRecord r : f.held.keySet()) {
			if (!listed.contains(r)) {
				log.mismatch(t.title() + ", " + r.getTensor() + " (" + r.getRole().getLiteral() + ")", "not listed", "quantized by the model: " + f.held.get(r));
			}
		}
	}

	/** " (first at channel 3)" for two lists of the same length that differ, else "". */
	private static String differing(List<?> printed, List<?> derived) {
		if (printed == null || printed.size() != derived.size()) {
			return "";
		}
		for (int i = 0; i < printed.size(); i++) {
			if (!printed.get(i).equals(derived.get(i))) {
				return " (first difference at channel " + i + ": " + printed.get(i) + " printed, " + derived.get(i) + " in the model)";
			}
		}
		return "";
	}

	/**
	 * A row's scale and zero-point cells, or those of the appendix they point to ("as in Appendix C (fiq_float32)"). The
	 * appendix pointed to may hold the tensor in several rows (a bias two Convs share, quantized for each reader) under
	 * node names of another scheme (drq's ConvInteger, not fiq's QLinearConv): the row whose values are the model's
	 * answers, else the row of the same node, else the first of the tensor.
	 */
	private List<String> referenced(LogReader.Table t, List<String> row, String tensor, Quantizations.Params p) {
		String scales = LogCheck.cell(row, 7);
		String zeros = LogCheck.cell(row, 8);
		Matcher m = Pattern.compile("^asin(Appendix[A-Z]+)").matcher(Cells.key(scales));
		if (!m.find()) {
			return List.of(scales, zeros);
		}
		LogReader.Table other = log.table(title -> title.startsWith(m.group(1) + "."));
		List<List<String>> there = other == null || other == t ? List.of()
				: other.rows().stream().filter(r -> Cells.same(LogCheck.cell(r, 0), tensor)
						&& Cells.same(LogCheck.cell(r, 1), LogCheck.cell(row, 1)) && !Cells.startsWith(LogCheck.cell(r, 7), "as in")).toList();
		List<String> pointed = there.stream().filter(r -> p.scales().equals(Printed.floats(LogCheck.cell(r, 7)))
				&& p.zeroPoints().equals(Printed.zeroPoints(LogCheck.cell(r, 8)))).findFirst()
				.or(() -> there.stream().filter(r -> Cells.same(LogCheck.cell(r, 2), LogCheck.cell(row, 2))).findFirst())
				.or(() -> there.stream().findFirst()).orElse(null);
		if (pointed == null) {
			return List.of(scales + " (no such row to point to)", zeros);
		}
		return List.of(LogCheck.cell(pointed, 7), LogCheck.cell(pointed, 8));
	}

	/**
	 * The per-layer appendix: each layer of each scheme integer or float as the model runs it, its weights' type and scheme,
	 * and the statements its cell makes (added channels, a rewrite, a kernel slower than float), each read as {@link Cells}
	 * reads a cell wherever the document broke its lines.
	 */
	private void layers(List<OptimizationRecord> records, List<SchemeFacts> schemes) {
		LogReader.Table t = log.ending("Quantization per layer");
		if (t == null) {
			log.missing("per-layer appendix");
			return;
		}
		List<String> header = t.rows().get(0);
		List<SchemeFacts> columns = new ArrayList<>();
		for (int c = 3; c < header.size(); c++) {
			String scheme = header.get(c);
			SchemeFacts f = schemes.stream().filter(s -> Cells.same(scheme, s.record.getScheme())).findFirst().orElse(null);
			if (f == null && records.stream().noneMatch(o -> o.getQuantization() != null && Cells.same(scheme, o.getScheme()))) {
				log.mismatch(t.title() + ", column " + scheme, "a scheme's column", "no quantized scheme of " + model + " is named " + scheme);
			}
			columns.add(f);
		}
		java.util.Map<ModelFacts, FloatIndices> numberings = new java.util.HashMap<>();
		List<String> named = new ArrayList<>();
		schemes.forEach(f -> f.record.getQuantization().getLayers().forEach(l -> named.add(l.getNode())));
		Cells.Names names = new Cells.Names(named);
		// the column is the float model's numbering: without that file (--outputs-only, the input not at hand) it cannot be
		// re-derived; a trace from before 2026-12-05 numbered a rewritten graph's layers its own way, and records no layer's source
		boolean floatModels = schemes.stream().allMatch(f -> f.input != null);
		boolean older = floatModels && schemes.stream().allMatch(f -> f.record.getQuantization().getLayers().stream().noneMatch(l -> l.getRewriteOf() != null))
				&& schemes.stream().anyMatch(f -> f.record.getQuantization().getLayers().stream()
						.anyMatch(l -> !l.getNode().equals(numberings.computeIfAbsent(f.input, FloatIndices::new).source(l.getNode()))));
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String node = LogCheck.cell(row, 1);
			if (floatModels && !older) {
				index(t.title() + ", " + node + ", index", LogCheck.cell(row, 0), names.orPrinted(node), schemes, numberings);
			}
			for (int c = 3; c < header.size(); c++) {
				SchemeFacts f = columns.get(c - 3);
				String stated = LogCheck.cell(row, c);
				String rest = Cells.before(REWRITE_PART, Cells.before(ADDED_PART, stated));
				boolean saysSlower = !Cells.find(SLOWER, rest).isEmpty();
				String cell = Cells.before(SLOWER, rest);
				if (f == null || Cells.key(cell).isEmpty()) {
					continue;
				}
				String scheme = f.record.getScheme();
				String at = t.title() + ", " + node + ", " + scheme;
				String name = new Cells.Names(f.record.getQuantization().getLayers().stream().map(l -> l.getNode()).toList()).orPrinted(node);
				Matcher folded = FOLDED.matcher(Cells.key(cell));
				if (folded.find()) {
					folded(at, cell, LogCheck.cell(row, 2), name, folded, f.model);
					continue;
				}
				if (Cells.startsWith(cell, AifsmLogs.IN_BODY)) { // a node inside a control-flow layer the record lists as one
					inBody(at, cell, name, f);
					continue;
				}
				if (Cells.startsWith(cell, AifsmLogs.NO_LAYER)) { // another scheme's layer: this model must not have the node
					if (f.model.node(name) != null) {
						log.mismatch(at, cell, "a " + f.model.node(name).getOpType() + " node of the model");
					}
					continue;
				}
				Boolean quantized = f.quantizations.layerQuantized(name, f.output(name));
				String added = f.paddings.statement(name);
				if (!Cells.same(Paddings.stated(stated), added)) {
					log.mismatch(at + " added channels", Paddings.stated(stated), added);
				}
				String rewrite = f.repeats.statement(name);
				if (!Cells.same(Repeats.stated(stated), rewrite)) {
					log.mismatch(at + " rewrite", Repeats.stated(stated), rewrite);
				}
				boolean printedFloat = Cells.startsWith(cell, "float32");
				if (quantized == null) {
					log.mismatch(at, cell, "no such layer in the model");
				} else if (printedFloat == quantized) {
					log.mismatch(at, cell, quantized ? "runs on integers" : "runs in float32");
				} else if (Cells.startsWith(cell, AifsmLogs.FLOAT_OUTPUT)) {
					String output = f.quantizations.outputQuantization(name, f.output(name));
					if (output != null) {
						log.mismatch(at + " output", cell, "the model quantizes its output: " + output);
					}
				} else if (!printedFloat && !Cells.same(cell, "quantized")) {
					weightsOf(at, cell, f, name);
				}
				if (quantized != null && quantized && !printedFloat) {
					boolean slowerThanFloat = f.quantizations.slowDepthwise(name);
					if (saysSlower != slowerThanFloat) {
						log.mismatch(at + " " + AifsmLogs.SLOWER, saysSlower ? "says so" : "does not say so",
								slowerThanFloat ? "a depthwise Conv of fewer than " + Quantizations.SLOW_DEPTHWISE_CHANNELS + " channels and at least "
										+ Quantizations.SLOW_DEPTHWISE_TAPS + " taps: it is" : "it is not");
					}
				}
			}
		}
	}

	/**
	 * "in a body of OWNER (index N): not a layer of its own in this scheme's record, ...": OWNER a layer of the record, the
	 * node none, and the scheme's model holding the node inside OWNER's bodies.
	 */
	private void inBody(String at, String cell, String name, SchemeFacts f) {
		List<String> layers = f.record.getQuantization().getLayers().stream().map(l -> l.getNode()).toList();
		String owner = layers.stream().filter(l -> Cells.startsWith(cell, AifsmLogs.IN_BODY + l + " (index")).findFirst().orElse(null);
		if (owner == null) {
			log.mismatch(at, cell, "no layer of the record holds bodies of that name");
		} else if (layers.contains(name)) {
			log.mismatch(at, cell, "a layer of its own in the record");
		} else if (!f.model.inBody(owner, name)) {
			log.mismatch(at, cell, f.model.node(name) != null ? "a " + f.model.node(name).getOpType() + " node of the model's main graph" : "no node of a body of " + owner);
		}
	}

	/**
	 * A row's index: the node's position in the float model of the first scheme that lists it (the row's source), read
	 * from that model's file ({@link FloatIndices}).
	 */
	private void index(String at, String printed, String node, List<SchemeFacts> schemes, java.util.Map<ModelFacts, FloatIndices> numberings) {
		SchemeFacts first = schemes.stream().filter(f -> f.record.getQuantization().getLayers().stream().anyMatch(l -> l.getNode().equals(node)))
				.findFirst().orElse(schemes.get(0));
		String derived = numberings.computeIfAbsent(first.input, FloatIndices::new).cell(node);
		if (!Cells.same(printed, derived)) {
			log.mismatch(at, printed, derived + " (in the float model " + first.input.file.getFileName() + ")");
		}
	}

	/** The precision row's layers in no node of the model, read back: their names, as {@link Cells#key} prints them. */
	private static final Pattern FOLDED_LAYERS = Pattern.compile(Pattern.quote(Cells.key(";" + AifsmLogs.FOLDED_LAYERS)) + "(.+?)"
			+ Pattern.quote(Cells.key(AifsmLogs.FOLDED_WHY)));

	/** {@link AifsmLogs#FOLDED} in a cell read back. */
	private static final Pattern FOLDED = Cells.words(AifsmLogs.FOLDED.pattern());

	/**
	 * A clamp the cell says the model does not hold, folded into a stem's output quantization: no node of that name in the
	 * file, the stem's output read by a QuantizeLinear of the stated type and zero point, the type's least code (which clamps
	 * below 0 as a Relu does).
	 */
	private void folded(String at, String cell, String op, String node, Matcher said, ModelFacts file) {
		// the stem as the file names it: the cell was read without its whitespace, a name may hold some ("conv 1")
		String stem = new Cells.Names(file.nodes().stream().map(NodeProto::getName).toList()).orPrinted(said.group(3));
		org.quantrace.engine.onnx.Tensor z = SchemeFacts.clampingZeroPoint(file, stem);
		String type = z == null ? null : z.dataType().displayName().toLowerCase(java.util.Locale.ROOT);
		long least = z == null ? 0 : z.dataType() == DataType.INT8 ? -128 : 0;
		String derived = file.node(node) != null ? "the model holds " + node
				: z == null ? "no QuantizeLinear reads the output of '" + stem + "'"
						: !Cells.same(said.group(1), op) ? "the row's op is " + op
								: z.elementCount() != 1 || z.toLongArray()[0] != least ? "its zero point is not the least " + type + " code"
										: "no " + op + " in the model: the " + type + " output quantization of '" + stem + "' (zero point " + least
												+ ") clamps like it";
		if (!Cells.same(said.group(), derived)) {
			log.mismatch(at, cell, derived);
		}
	}

	/** A cell's closing "; its int8 kernel is slower than float (note N)" ({@link Cells#words}). */
	private static final Pattern SLOWER = Cells.words(";" + Pattern.quote(AifsmLogs.SLOWER) + "\\(note\\d+\\)$");

	/** "; " and a rewrite statement ("; rewritten as a depthwise Conv (…) …", "; added by the rewrite of Conv …"), which {@link Repeats} checks. */
	private static final Pattern REWRITE_PART = Cells.words(";(" + AifsmLogs.REWRITTEN.pattern() + ")");

	/** "; " and an added-channels statement ("; 8 zero channels added (72 → 80)"), which {@link Paddings} checks. */
	private static final Pattern ADDED_PART = Cells.words(";" + AifsmLogs.ADDED_CHANNELS.pattern());

	/** "int8 symmetric, per-channel": the layer's weights as the model holds them, or for a layer without weights its output's quantization. */
	private void weightsOf(String at, String cell, SchemeFacts f, String node) {
		TensorQuantizationRecord w = f.held.keySet().stream().filter(x -> node.equals(x.getNode()) && x.getRole() == TensorRole.WEIGHT).findFirst()
				.orElse(f.held.keySet().stream().filter(x -> node.equals(x.getNode()) && x.getRole() != TensorRole.BIAS).findFirst().orElse(null));
		Quantizations.Params p = w == null ? null : f.held.get(w);
		String derived = p == null ? "nothing quantized" : SchemeFacts.type(p.type()) + " " + (p.symmetric() ? "symmetric" : "asymmetric") + ", "
				+ (p.axis() == null ? "per-tensor" : "per-channel");
		// an output's per-tensor zero point at the symmetric one (128 for uint8) is also what the asymmetric formula gives for
		// a range about as far below 0 as above (attention's A·V): the file cannot tell the two apart (as Ranges.check)
		boolean either = p != null && w.getRole() != TensorRole.WEIGHT && w.getRole() != TensorRole.BIAS && p.axis() == null && p.symmetric()
				&& Cells.same(cell, derived.replace(" symmetric,", " asymmetric,"));
		if (!either && !Cells.same(cell, derived)) {
			log.mismatch(at + (w != null && w.getRole() == TensorRole.WEIGHT ? " weights" : " output"), cell, derived);
		}
	}
}
