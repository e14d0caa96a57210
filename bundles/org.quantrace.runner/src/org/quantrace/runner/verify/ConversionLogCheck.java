package org.quantrace.runner.verify;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.EliminationStatus;
import org.quantrace.report.LogReader;
import org.quantrace.runner.ConversionRecords;
import org.quantrace.report.LogValues;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A model's PhIMT0002 log against the verified model and the converted one: the verified model's SHA-256 and
 * exporter, the converted model's IR version and opset, the node counts before and after with what was
 * removed or folded (every node the appendix lists is in the verified model and gone from the converted
 * one, and nothing else is gone; the folded constants are those of them computable before any input arrives), and for Dropout and BatchNormalization that "Removed"
 * means none is left and "Not present in the model" that there was none.
 */
final class ConversionLogCheck {

	private static final Map<String, String> OPS = Map.of("Dropout", "Dropout", "Batch Normalization", "BatchNormalization");

	private final Evidence e;
	private final LogCheck.Log log;
	private final String model;

	ConversionLogCheck(Evidence e, LogCheck.Log log, String model) {
		this.e = e;
		this.log = log;
		this.model = model;
	}

	void check() {
		ConversionRecord c = e.trace().getConversions().stream().filter(x -> x.getName().equals(model)).findFirst().orElse(null);
		if (c == null) {
			return;
		}
		LogReader.Table t = log.table(title -> title.startsWith("Table") && title.endsWith(Cells.key("(" + c.getId() + ")")));
		if (t == null) {
			log.missing("Table 1 of " + c.getId());
			return;
		}
		ModelFacts original = e.facts(c.getInput(), log.document(), log.found()); // null when the inputs are not checked
		ModelFacts converted = e.facts(c.getOutput(), log.document(), log.found());
		String at = t.title() + ", ";
		LogCheck.warnings(log, at + "Verified Learning Model ID", t, t.find("Verified Learning Model ID", 0), org.quantrace.report.RunWarnings.ofModel(e.trace(), model));
		LogCheck.warnings(log, at + "Environment information", t, t.find("Environment information", 0), org.quantrace.report.RunWarnings.runWide(e.trace()));
		LogReader.Table removed = log.ending("Nodes removed or folded by the conversion");
		List<String> listed = removed == null ? List.of() : removed.rows().subList(1, removed.rows().size()).stream().map(r -> LogCheck.cell(r, 0)).toList();
		if (original != null) {
			for (String line : OptimizationLogCheck.lines(t, t.find("Verified Learning Model ID", 0))) {
				Matcher m = Pattern.compile("^file(.+?)(?:\\(relativetotherecipe'sfolder\\))?,SHA-256([0-9a-f]{64})$").matcher(line);
				if (m.find()) {
					log.same(at + "Verified Learning Model ID, SHA-256 of " + m.group(1), m.group(2), original.sha256());
				}
			}
			eliminations(at, t, original, converted, c);
		}
		if (converted != null) {
			for (String line : OptimizationLogCheck.lines(t, t.find("Packages and version", 0))) {
				Matcher ir = Pattern.compile("^ONNXmodelIR(\\d+),opset(\\d+)$").matcher(line);
				// a trace written before the row named the exporter's version as its file's says "exporter of the verified model"
				Matcher exporter = Pattern.compile("^(?:exporteroftheverifiedmodel|" + Pattern.quote(Cells.key(ConversionRecords.EXPORTER)) + ")(.+)$").matcher(line);
				if (ir.find()) {
					log.same(at + "Packages and version, ONNX model IR and opset (converted model)", ir.group(1) + ", " + ir.group(2),
							converted.irVersion() + ", " + converted.opset());
				} else if (exporter.find() && original != null) {
					log.same(at + "Packages and version, exporter of the verified model", exporter.group(1),
							Cells.key(original.producerName() + original.producerVersion()));
				}
			}
		}
		if (original != null && converted != null) {
			graph(at, t, original, converted, listed, c);
		}
	}

	/**
	 * The graph line's tail (assessor15): "besides, T Reshape targets ... made constant in place" as the rows of Appendix A that
	 * name a node still in the converted model, and "A nodes added by the rewrites above" as the two files' node counts and
	 * the nodes gone make it.
	 */
	private void addedAndInPlace(String w, String line, int inPlaceRows, int removed, ModelFacts original, ModelFacts converted) {
		Matcher targets = Pattern.compile("besides,(\\d+)Reshapetargets?").matcher(line);
		if (targets.find()) {
			log.same(w + "Reshape targets made constant in place", Integer.parseInt(targets.group(1)), inPlaceRows);
		}
		// what the sum needs, from the counts held against the files above (an If inlined adds its branch's nodes by name too)
		int added = converted.graph.getNodeCount() - (original.graph.getNodeCount() - removed);
		Matcher stated = Pattern.compile(";(\\d+)nodes?addedbytherewrites").matcher(line);
		if (stated.find()) {
			log.same(w + "nodes added by the rewrites", Integer.parseInt(stated.group(1)), added);
		}
	}

	/**
	 * The nodes the line says removed: of this version, Appendix A's rows less the Reshape targets made constant in place, which
	 * it counts apart ("besides, ..."); a version before counted every row (each document is made again from the trace and
	 * compared, so a line of this version without its clauses is a mismatch there).
	 */
	private static int removedStated(String line, int rows, int inPlaceRows) {
		return line.contains("besides,") ? rows - inPlaceRows : rows;
	}

	/**
	 * "graph: N nodes in the verified model, M after conversion; K nodes removed or folded into a neighbour (Appendix A), C of them
	 * constants (...)" (or "no node removed or folded"). Appendix A's cells name the verified model's nodes as {@link Cells.Names} reads them, wherever the document broke
	 * a long name ("/features /features.1/Dropout").
	 */
	private void graph(String at, LogReader.Table t, ModelFacts original, ModelFacts converted, List<String> cells, ConversionRecord c) {
		Cells.Names names = new Cells.Names(original.graph.getNodeList().stream().map(NodeProto::getName).toList());
		List<String> listed = cells.stream().map(names::orPrinted).toList();
		Set<String> after = new HashSet<>();
		converted.graph.getNodeList().forEach(n -> after.add(n.getName()));
		List<NodeProto> gone = original.graph.getNodeList().stream().filter(n -> !after.contains(n.getName())).toList();
		String where = "Appendix A (nodes removed or folded), ";
		int inPlaceRows = 0;
		for (String node : listed) {
			NodeProto n = original.node(node);
			// "/Reshape (target)": an input of a node that stays, folded to a constant in place
			Matcher inPlace = Pattern.compile("^(.+?)\\((\\w+)\\)$").matcher(Cells.key(node));
			String reader = n == null && inPlace.find() ? names.of(inPlace.group(1)) : null;
			if (reader != null && after.contains(reader)) {
				inPlaceRows++;
				continue;
			}
			if (n == null) {
				log.mismatch(where + node, "removed or folded", "no such node in the verified model");
			} else if (after.contains(node)) {
				log.mismatch(where + node, "removed or folded", "still in the converted model");
			}
		}
		Set<String> constant = constantComputable(original.graph);
		RemovalReasonsCheck.check(log, c, original, converted);
		RuntimeOpsCheck.check(log, c, original, converted);
		List<String> notListed = gone.stream().filter(n -> !listed.contains(n.getName())).map(n -> n.getName() + " (" + n.getOpType() + ")").toList();
		if (!notListed.isEmpty()) {
			log.mismatch(where + "nodes gone from the converted model", listed.size() + " listed", "also gone, and not listed: " + notListed);
		}
		long foldedConstants = gone.stream().filter(n -> constant.contains(n.getName())).count();
		boolean stated = false;
		for (String line : OptimizationLogCheck.lines(t, t.find("Converter/model conversion script", 0))) {
			// "K nodes removed or folded ..., C of them constants" / "..., none of them a constant" / "no node removed or folded"
			Matcher m = Pattern.compile("^graph:(\\d+)nodesintheverifiedmodel,(\\d+)afterconversion;(?:(no)noderemovedorfolded|(\\d+)nodes?removedorfolded.*?,"
					+ "(none|\\d+)ofthem(?:a)?constants?)").matcher(line);
			if (m.find()) {
				stated = true;
				String w = at + "Converter/model conversion script, graph: ";
				log.same(w + "nodes in the verified model", Integer.parseInt(m.group(1)), original.graph.getNodeCount());
				log.same(w + "nodes after conversion", Integer.parseInt(m.group(2)), converted.graph.getNodeCount());
				int removed = removedStated(line, listed.size(), inPlaceRows);
				log.same(w + "removed or folded (Appendix A)", m.group(3) != null ? 0 : Integer.parseInt(m.group(4)), removed);
				log.same(w + "constants folded", m.group(3) != null || m.group(5).equals("none") ? 0 : Integer.parseInt(m.group(5)), (int) foldedConstants);
				addedAndInPlace(w, line, inPlaceRows, removed, original, converted);
			}
		}
		if (!stated) {
			log.mismatch(at + "Converter/model conversion script, graph", "nothing", original.graph.getNodeCount() + " nodes before, "
					+ converted.graph.getNodeCount() + " after, " + c.getRemovedNodes().size() + " removed or folded");
		}
	}

	/**
	 * Dropout and Batch Normalization: "Removed" leaves none in the converted model, and there was one; "Not present in the
	 * model" means there was none. The words are the log's own ({@link LogValues#elimination}).
	 */
	private void eliminations(String at, LogReader.Table t, ModelFacts original, ModelFacts converted, ConversionRecord c) {
		for (Map.Entry<String, String> op : OPS.entrySet()) {
			List<String> lines = OptimizationLogCheck.lines(t, t.find(op.getKey(), 0));
			if (lines.isEmpty()) {
				continue;
			}
			long before = original.graph.getNodeList().stream().filter(n -> n.getOpType().equals(op.getValue())).count();
			long left = converted == null ? 0 : converted.graph.getNodeList().stream().filter(n -> n.getOpType().equals(op.getValue())).count();
			EliminationStatus status = LogValues.eliminationStatusOf(lines.get(0));
			String where = at + op.getKey();
			String found = before + " " + op.getValue() + " node" + (before == 1 ? "" : "s") + " in the verified model, " + left + " left after conversion";
			if (status == null) {
				log.mismatch(where, lines.get(0), "one of " + java.util.Arrays.stream(EliminationStatus.values()).map(LogValues::eliminationStatus).toList()
						+ " (" + found + ")");
			} else if (status == EliminationStatus.REMOVED && (before == 0 || left > 0)
					|| status == EliminationStatus.NOT_PRESENT && before > 0) {
				log.mismatch(where, LogValues.eliminationStatus(status), found);
			} else if (status == EliminationStatus.NOT_PRESENT && op.getValue().equals("BatchNormalization")) {
				exporterBatchNorms(where, lines, original, converted, c);
			}
		}
	}

	/**
	 * A BatchNormalization row "Not present" that says per-channel Mul/Add after Convs were folded (tf2onnx's form of one)
	 * says so exactly where Appendix A folds such nodes: Mul or Add nodes of the verified model, gone from the converted one,
	 * whose reason ({@code affine-folded}, held against the files by {@link RemovalReasonsCheck}) is that fold.
	 */
	private void exporterBatchNorms(String where, List<String> lines, ModelFacts original, ModelFacts converted, ConversionRecord c) {
		boolean says = String.join("", lines).contains(Cells.key(org.quantrace.engine.convert.Freezer.AFFINE_BATCH_NORMS));
		Set<String> left = new HashSet<>();
		if (converted != null) {
			converted.graph.getNodeList().forEach(n -> left.add(n.getName()));
		}
		long folded = 0;
		for (int i = 0; i < Math.min(c.getRemovedNodes().size(), c.getRemovedNodeReasons().size()); i++) {
			NodeProto n = original.node(c.getRemovedNodes().get(i));
			if (c.getRemovedNodeReasons().get(i).startsWith("affine-folded") && n != null && Set.of("Mul", "Add").contains(n.getOpType())
					&& !left.contains(n.getName())) {
				folded++;
			}
		}
		if (says != folded > 0) {
			log.mismatch(where, says ? "per-channel Mul/Add after Convs folded" : "no per-channel Mul/Add folded",
					folded + " Mul/Add node" + (folded == 1 ? "" : "s") + " of the verified model folded so (Appendix A)");
		}
	}

	/**
	 * The nodes of the verified model's main graph whose outputs are known before any input arrives: Constant nodes,
	 * Shape and Size (the converter folds them where shapes are static), and every node reading only initializers and
	 * such outputs. Nodes with subgraphs (If, Loop) are not counted: an inlined If is a removal, not a folded constant.
	 */
	private static Set<String> constantComputable(ai.onnx.proto.OnnxMl.GraphProto g) {
		Set<String> known = new HashSet<>();
		g.getInitializerList().forEach(t -> known.add(t.getName()));
		known.add("");
		Set<String> nodes = new HashSet<>();
		boolean grew = true;
		while (grew) {
			grew = false;
			for (NodeProto n : g.getNodeList()) {
				if (nodes.contains(n.getName()) || n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
					continue;
				}
				boolean shapeOnly = n.getOpType().equals("Shape") || n.getOpType().equals("Size");
				if (shapeOnly || known.containsAll(n.getInputList())) {
					nodes.add(n.getName());
					known.addAll(n.getOutputList());
					grew = true;
				}
			}
		}
		return nodes;
	}
}
