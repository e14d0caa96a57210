package org.quantrace.runner.verify;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.report.LogReader;
import org.quantrace.report.RunSummary;

/**
 * The pruning and factorization figures of a PhIMT0003 log against the models before and after each stage
 * ({@link FloatStages}): per layer the parameters, those left, the sparsity and removed channels; the rank,
 * parameters, retained energy and reconstruction error; and the pruning totals, model sizes and their deflated sizes of Table 1.
 */
final class FloatStagesLogCheck {

	private final Evidence e;
	private final LogCheck.Log log;
	private final List<OptimizationRecord> records;

	FloatStagesLogCheck(Evidence e, LogCheck.Log log, List<OptimizationRecord> records) {
		this.e = e;
		this.log = log;
		this.records = records;
	}

	void check() {
		OptimizationRecord pruning = records.stream().filter(o -> o.getPruning() != null).findFirst().orElse(null);
		OptimizationRecord factorization = records.stream().filter(o -> o.getFactorization() != null).findFirst().orElse(null);
		if (pruning != null) {
			ModelFacts[] m = models(pruning, ArtifactKind.PRUNED);
			if (m != null) {
				pruningAppendix(m, pruning.getPruning().getPattern() == PruningPattern.CHANNEL);
				for (OptimizationRecord o : records) {
					pruningTotals(o, m, pruning.getPruning());
				}
			}
		}
		if (factorization != null) {
			ModelFacts[] m = models(factorization, ArtifactKind.FACTORIZED);
			if (m != null) {
				factorizationAppendix(m);
			}
		}
	}

	/**
	 * The node of {@code m} a table cell names: the PDF wraps a long name where a table cell ends and reads it back with
	 * a space ("/layers/layers.2/shortcut /shortcut.0/Conv"), so a name is matched as {@link Cells.Names} reads it.
	 */
	private static String node(ModelFacts m, String printed) {
		return new Cells.Names(m.nodes().stream().map(ai.onnx.proto.OnnxMl.NodeProto::getName).toList()).orPrinted(printed);
	}

	private ModelFacts[] models(OptimizationRecord o, ArtifactKind kind) {
		ModelArtifact[] stage = FloatStages.stage(e.trace(), RunSummary.model(o.getInput()), kind);
		ModelFacts before = stage == null ? null : e.facts(stage[0], log.document(), log.found());
		ModelFacts after = stage == null ? null : e.facts(stage[1], log.document(), log.found());
		return before == null || after == null ? null : new ModelFacts[] { before, after };
	}

	private void pruningAppendix(ModelFacts[] m, boolean channels) {
		LogReader.Table t = log.ending("Pruning per layer");
		if (t == null) {
			log.missing("pruning appendix");
			return;
		}
		// the header's word says what the counts are: weights for element, vector and block pruning, parameters for channels
		log.same(t.title() + ", header, what the figures count", Cells.key(LogCheck.cell(t.rows().get(0), 2)), channels ? "parameters" : "weights");
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String layer = node(m[0], LogCheck.cell(row, 0));
			String at = t.title() + ", " + layer + ", ";
			FloatStages.Pruned p = FloatStages.pruned(m[0], m[1], layer, channels);
			if (p == null) {
				log.mismatch(at + "layer", layer, "no such weighted layer in both models");
				continue;
			}
			log.same(at + "parameters", Printed.number(LogCheck.cell(row, 2)), (double) p.before());
			log.same(at + "after", Printed.number(LogCheck.cell(row, 3)), (double) p.after());
			log.same(at + "sparsity", LogCheck.cell(row, 4).replace(" %", "%"), String.format(Locale.ROOT, "%.1f%%", p.sparsityPercent())); // "20.0 %" since 2026-12-07
			log.same(at + "removed channels", Printed.number(LogCheck.cell(row, 7)), (double) p.removedChannels());
		}
	}

	/** Table 1's pruning row: the achieved sparsity with the parameters left of those pruned, and the sizes of the model files. */
	private void pruningTotals(OptimizationRecord o, ModelFacts[] m, PruningRecord p) {
		LogReader.Table t = log.table(title -> title.startsWith("Table") && title.endsWith(Cells.key("(" + o.getId() + ")")));
		if (t == null) {
			return;
		}
		int section = t.find("Pruning specifications", 0);
		int row = section < 0 ? -1 : t.find("Additional configurations", section);
		long before = 0;
		long after = 0;
		for (var l : p.getLayers()) {
			FloatStages.Pruned d = FloatStages.pruned(m[0], m[1], l.getLayer(), p.getPattern() == PruningPattern.CHANNEL);
			if (d != null) {
				before += d.before();
				after += d.after();
			}
		}
		String at = t.title() + ", Pruning specifications, Additional configurations, ";
		for (String line : OptimizationLogCheck.lines(t, row)) {
			Matcher s = Pattern.compile("^achievedsparsity:(" + Printed.NUMBER + ")%\\((" + Printed.NUMBER + ")of(" + Printed.NUMBER + ")([a-z]*?)oftheprunedlayers").matcher(line);
			Matcher size = Pattern.compile("^modelsize:" + SIZES).matcher(line);
			Matcher zipped = Pattern.compile("^compressedsize\\(deflate\\):" + SIZES).matcher(line);
			if (s.find()) {
				log.brief(at + "achieved sparsity", s.group(1), 100 * (1 - after / (double) before));
				log.same(at + "parameters left", Printed.number(s.group(2)), (double) after);
				log.same(at + "parameters of the pruned layers", Printed.number(s.group(3)), (double) before);
				// what was counted, by the pattern: a figure of weights and biases called weights, or the reverse, is named
				log.same(at + "what the figure counts", s.group(4), p.getPattern() == PruningPattern.CHANNEL ? "parameters" : "weights");
			} else if (size.find()) {
				log.same(at + "model size", bytes(size), m[0].sizeBytes() + " -> " + m[1].sizeBytes());
			} else if (zipped.find()) {
				log.same(at + "compressed size (deflate)", bytes(zipped), DeflatedSize.of(m[0].file) + " -> " + DeflatedSize.of(m[1].file));
			}
		}
	}

	/** "B → A bytes" with thousands separators, or "B -> A bytes" as records before 2026-12-07 hold it (whitespace removed). */
	private static final String SIZES = "(\\d[\\d,]*)(?:->|→)(\\d[\\d,]*)bytes";

	/** The two sizes a {@link #SIZES} match holds, as "B -> A" without separators. */
	private static String bytes(Matcher m) {
		return m.group(1).replace(",", "") + " -> " + m.group(2).replace(",", "");
	}

	private void factorizationAppendix(ModelFacts[] m) {
		LogReader.Table t = log.ending("Low-rank factorization per layer");
		if (t == null) {
			log.missing("factorization appendix");
			return;
		}
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String layer = node(m[0], LogCheck.cell(row, 0));
			String at = t.title() + ", " + layer + ", ";
			FloatStages.Factorized f = FloatStages.factorized(m[0], m[1], layer);
			if (f == null) {
				log.mismatch(at + "layer", layer, "neither the layer nor its factors in the models");
				continue;
			}
			String[] rank = LogCheck.cell(row, 1).split("/");
			if (f.skipped()) { // in the file whole
				log.same(at + "rank", LogCheck.cell(row, 1), org.quantrace.report.AifsmLogs.KEPT_WHOLE);
				log.same(at + "retained energy", LogCheck.cell(row, 4).replace(" %", "%"), "100.00%"); // "100.00 %" since 2026-12-07
			} else {
				log.same(at + "rank", rank[0].strip(), Integer.toString(f.rank()));
				if (rank.length < 2 || Printed.number(rank[1]) == null || Printed.number(rank[1]) > Math.min(f.rows(), f.columns())) {
					log.mismatch(at + "full rank", LogCheck.cell(row, 1), "at most " + Math.min(f.rows(), f.columns()) + " for a " + f.rows() + " x " + f.columns() + " matrix");
				}
			}
			log.same(at + "parameters", Printed.number(LogCheck.cell(row, 2)), (double) f.before());
			log.same(at + "after", Printed.number(LogCheck.cell(row, 3)), (double) f.after());
			if (!f.skipped()) {
				Double energy = Printed.number(LogCheck.cell(row, 4).replace("%", "").strip());
				if (energy == null || Math.abs(energy - 100 * f.energy()) > 0.006) {
					log.mismatch(at + "retained energy", LogCheck.cell(row, 4), String.format(Locale.ROOT, "%.2f %% (‖A·B‖² / ‖W‖²)", 100 * f.energy()));
				}
				String note = LogCheck.cell(row, 6);
				if (note.startsWith(org.quantrace.report.AifsmLogs.FACTORIZED_NOTE)) { // a note written since 2026-12-07: its rank and change of parameters
					log.same(at + "note", note, org.quantrace.report.AifsmLogs.FACTORIZED_NOTE + f.rank() + ", " + org.quantrace.report.AifsmLogs.saved(f.before(), f.after()));
				}
				Double error = Printed.number(LogCheck.cell(row, 5));
				if (error == null || Math.abs(error - f.error()) > 6e-4 * Math.max(f.error(), 1e-3)) {
					log.mismatch(at + "relative error", LogCheck.cell(row, 5), Printed.brief(f.error()) + " (‖W − A·B‖ / ‖W‖)");
				}
			}
		}
	}
}
