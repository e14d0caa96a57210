package org.quantrace.ide.lineage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.eclipse.emf.common.util.EList;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.jface.viewers.ITreeContentProvider;
import org.eclipse.jface.viewers.LabelProvider;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LayerDebugRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;

/**
 * The trace as a tree for assessors who browse: the run, then its models, datasets, conversion,
 * optimization, evaluation and debug records and the links between them, each with what it contains
 * (tensors, metrics, acceptance results, parameters, eliminated operations...).
 */
final class TraceTree {

	private TraceTree() {
	}

	/** A heading that groups the run's elements of one kind. */
	record Group(String name, List<? extends EObject> members) {
	}

	/** The viewer's input: the trace is the tree's one root element, and JFace wants the input apart from its elements. */
	record Root(TraceModel trace) {
	}

	static final class Content implements ITreeContentProvider {
		@Override
		public Object[] getElements(Object input) {
			return new Object[] { ((Root) input).trace() };
		}

		@Override
		public Object[] getChildren(Object parent) {
			if (parent instanceof TraceModel t) {
				List<Object> groups = new ArrayList<>();
				if (t.getEnvironment() != null) {
					groups.add(t.getEnvironment());
				}
				add(groups, "Models", t.getArtifacts());
				add(groups, "Datasets", t.getDatasets());
				add(groups, "Conversion records (PhIMT0002)", t.getConversions());
				add(groups, "Optimization records (PhIMT0003)", t.getOptimizations());
				add(groups, "Evaluation records", t.getEvaluations());
				add(groups, "Debug records", t.getDebugRecords());
				add(groups, "Trace links", t.getLinks());
				return groups.toArray();
			}
			if (parent instanceof Group g) {
				return g.members().toArray();
			}
			if (parent instanceof EObject o) {
				return o.eContents().toArray();
			}
			return new Object[0];
		}

		private static void add(List<Object> groups, String name, EList<? extends EObject> members) {
			if (!members.isEmpty()) {
				groups.add(new Group(name + " (" + members.size() + ")", members));
			}
		}

		@Override
		public Object getParent(Object element) {
			return element instanceof EObject o ? o.eContainer() : null;
		}

		@Override
		public boolean hasChildren(Object element) {
			return getChildren(element).length > 0;
		}
	}

	static final class Labels extends LabelProvider {
		@Override
		public String getText(Object element) {
			return label(element);
		}
	}

	/** One line per element: what it is, its id or name, and its headline figure. */
	static String label(Object element) {
		if (element instanceof Group g) {
			return g.name();
		}
		if (element instanceof TraceModel t) {
			return "Run " + t.getRunId() + " of recipe " + t.getRecipeName();
		}
		if (element instanceof ModelArtifact a) {
			return String.format(Locale.ROOT, "%s (%s, %,d bytes, sha256 %s)", a.getId(), a.getKind().getLiteral(), a.getSizeBytes(), shortHash(a.getSha256()));
		}
		if (element instanceof DatasetRecord d) {
			return String.format(Locale.ROOT, "%s (%s, %d samples, manifest sha256 %s)", d.getId(), d.getRole() == null ? "" : d.getRole().getLiteral(),
					d.getSampleCount(), shortHash(d.getManifestSha256()));
		}
		if (element instanceof EvaluationRecord e) {
			String verdict = !e.isSetAccepted() ? "" : e.isAccepted() ? ", accepted" : ", REJECTED";
			return e.getId() + " (" + e.getSampleCount() + " samples" + verdict + ")";
		}
		if (element instanceof TracedElement t) {
			return t.getId() + " (" + t.eClass().getName().replace("Record", " record") + ")";
		}
		if (element instanceof TraceLink l) {
			return (l.getSource() == null ? "?" : l.getSource().getId()) + " \u2014" + l.getKind().getLiteral() + "\u2192 "
					+ (l.getTarget() == null ? "?" : l.getTarget().getId()) + (l.getNote() == null ? "" : " (" + l.getNote() + ")");
		}
		if (element instanceof MetricValue m) {
			return String.format(Locale.ROOT, "%s = %.4f%s", m.getName(), m.getValue(),
					m.isSetDelta() ? String.format(Locale.ROOT, " (%+.4f, %s)", m.getDelta(), m.getMarker().getLiteral()) : "");
		}
		if (element instanceof AcceptanceResult r) {
			return String.format(Locale.ROOT, "%s: %s (measured %.4g %s)", r.getCriterion(), r.isPassed() ? "holds" : "FAILS", r.getMeasured(), r.getUnit());
		}
		if (element instanceof Parameter p) {
			return p.getKey() + " = " + p.getValue();
		}
		if (element instanceof LayerDebugRecord l) {
			return String.format(Locale.ROOT, "#%d %s %s (%s)%s", l.getLayerIndex(), l.getOpType(), l.getTensor(), l.getMode().getLiteral(),
					l.isFlagged() ? " FLAGGED" : "");
		}
		if (element instanceof EObject o) {
			return o.eClass().getName() + attributes(o);
		}
		return String.valueOf(element);
	}

	private static String attributes(EObject o) {
		StringBuilder s = new StringBuilder();
		o.eClass().getEAllAttributes().stream().filter(a -> !a.isMany() && o.eIsSet(a)).limit(3)
				.forEach(a -> s.append(s.isEmpty() ? " (" : ", ").append(a.getName()).append(' ').append(o.eGet(a)));
		return s.isEmpty() ? "" : s.append(')').toString();
	}

	static String shortHash(String sha256) {
		return sha256 == null ? "none" : sha256.length() > 12 ? sha256.substring(0, 12) + "\u2026" : sha256;
	}
}
