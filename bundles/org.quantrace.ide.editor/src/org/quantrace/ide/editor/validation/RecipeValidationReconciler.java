package org.quantrace.ide.editor.validation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.eclipse.core.resources.IMarker;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.OperationCanceledException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IDocumentExtension4;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.Position;
import org.eclipse.jface.text.reconciler.MonoReconciler;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.jface.text.source.AnnotationModelEvent;
import org.eclipse.jface.text.source.IAnnotationModelListener;
import org.eclipse.jface.text.source.IAnnotationModelListenerExtension;
import org.eclipse.jface.text.source.IAnnotationModel;
import org.eclipse.jface.text.source.IAnnotationModelExtension;
import org.eclipse.jface.text.source.ISourceViewer;
import org.eclipse.ui.texteditor.SimpleMarkerAnnotation;
import org.eclipse.xtext.service.OperationCanceledError;
import org.eclipse.xtext.validation.Issue;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeEditorMode;
import org.quantrace.ide.editor.RecipeLanguage;
import org.quantrace.ide.editor.WholeTextStrategy;

/**
 * Diagnostics as you type (extension org.eclipse.ui.genericeditor.reconcilers): half a second after the
 * last keystroke the text is validated with the recipe rules and every issue becomes an annotation, in
 * the ruler and under the text. The problem markers of the saved file are annotations too: an issue
 * that has its marker already is not shown twice, and a marker whose issue the edits removed is hidden
 * until the next save rewrites the markers.
 */
public class RecipeValidationReconciler extends MonoReconciler {

	public RecipeValidationReconciler() {
		super(new Strategy(), false);
		setDelay(500);
	}

	@Override
	public void install(ITextViewer textViewer) {
		((Strategy) getReconcilingStrategy(IDocument.DEFAULT_CONTENT_TYPE)).viewer = (ISourceViewer) textViewer;
		super.install(textViewer);
	}

	static final class Strategy extends WholeTextStrategy implements IAnnotationModelListener, IAnnotationModelListenerExtension {
		private ISourceViewer viewer;
		private final List<Annotation> shown = new ArrayList<>();
		/** The last validation: its issues, and the document's modification stamp they are for. */
		private List<Issue> lastIssues = List.of();
		private long lastStamp = -1;
		private IAnnotationModel listening;

		@Override
		protected void update() {
			IDocument doc = document;
			IAnnotationModel model = viewer == null ? null : viewer.getAnnotationModel();
			if (doc == null || model == null || !RecipeEditorMode.inProcess()) {
				return;
			}
			long stamp = stamp(doc);
			String text = doc.get();
			Path file = OpenDocuments.fileOf(doc);
			List<Issue> issues;
			try {
				issues = RecipeLanguage.parse(text, file).validate(this::cancelled);
			} catch (OperationCanceledError | OperationCanceledException e) {
				return; // the editor closed, or the text changed: nothing to show
			}
			if (!text.equals(doc.get())) {
				return; // typed meanwhile: the next run shows the current text's issues
			}
			synchronized (this) {
				lastIssues = issues;
				lastStamp = stamp;
				listenTo(model);
			}
			show(model, issues, doc.getLength());
		}

		private static long stamp(IDocument doc) {
			return doc instanceof IDocumentExtension4 d ? d.getModificationStamp() : IDocumentExtension4.UNKNOWN_MODIFICATION_STAMP;
		}

		private void listenTo(IAnnotationModel model) {
			if (listening != model) {
				if (listening != null) {
					listening.removeAnnotationModelListener(this);
				}
				model.addAnnotationModelListener(this);
				listening = model;
			}
		}

		@Override
		public void modelChanged(IAnnotationModel model) {
		}

		/**
		 * Markers were written (a save, a change in an imported file): the issues of the text, unchanged,
		 * are matched again, so that what now has a marker is shown once, by the marker.
		 */
		@Override
		public void modelChanged(AnnotationModelEvent event) {
			boolean markers = Stream.concat(Arrays.stream(event.getAddedAnnotations()), Arrays.stream(event.getRemovedAnnotations()))
					.anyMatch(a -> a instanceof SimpleMarkerAnnotation);
			IDocument doc = document;
			if (!markers || doc == null) {
				return;
			}
			CompletableFuture.runAsync(() -> {
				List<Issue> issues;
				synchronized (this) {
					if (lastStamp != stamp(doc) || lastStamp == IDocumentExtension4.UNKNOWN_MODIFICATION_STAMP) {
						return; // the text changed: the pending reconcile shows it
					}
					issues = lastIssues;
				}
				show(event.getAnnotationModel(), issues, doc.getLength());
			});
		}

		private synchronized void show(IAnnotationModel model, List<Issue> issues, int documentLength) {
			// each call of the model synchronizes itself; the annotations are read from a copy
			Map<String, List<SimpleMarkerAnnotation>> markers = markerAnnotations(model);
			Set<SimpleMarkerAnnotation> confirmed = new HashSet<>();
			Map<Annotation, Position> added = new HashMap<>();
			for (Issue i : issues) {
				int offset = Math.min(i.getOffset() == null ? 0 : i.getOffset(), documentLength);
				int length = Math.max(0, Math.min(i.getLength() == null ? 0 : i.getLength(), documentLength - offset));
				List<SimpleMarkerAnnotation> same = markers.getOrDefault(key(RecipeProblems.text(i), offset, length), List.of());
				SimpleMarkerAnnotation marker = same.stream().filter(m -> !confirmed.contains(m)).findFirst().orElse(null);
				if (marker != null) {
					confirmed.add(marker);
				} else {
					added.put(new IssueAnnotation(i), new Position(offset, length));
				}
			}
			List<SimpleMarkerAnnotation> changed = new ArrayList<>();
			markers.values().forEach(list -> list.forEach(m -> {
				boolean hide = !confirmed.contains(m);
				if (m.isMarkedDeleted() != hide) {
					m.markDeleted(hide);
					changed.add(m);
				}
			}));
			((IAnnotationModelExtension) model).replaceAnnotations(shown.toArray(Annotation[]::new), added);
			shown.clear();
			shown.addAll(added.keySet());
			for (SimpleMarkerAnnotation m : changed) {
				// a change event, so that the ruler and the text draw the marker again or not at all
				Position p = model.getPosition(m);
				if (p != null) {
					((IAnnotationModelExtension) model).modifyAnnotationPosition(m, new Position(p.getOffset(), p.getLength()));
				}
			}
		}

		/** The annotations of this file's recipe problem markers, by text and position. */
		private static Map<String, List<SimpleMarkerAnnotation>> markerAnnotations(IAnnotationModel model) {
			Map<String, List<SimpleMarkerAnnotation>> result = new HashMap<>();
			for (Iterator<Annotation> it = model.getAnnotationIterator(); it.hasNext();) {
				if (it.next() instanceof SimpleMarkerAnnotation m && isRecipeProblem(m.getMarker())) {
					Position p = model.getPosition(m);
					if (p != null && !p.isDeleted()) {
						result.computeIfAbsent(key(m.getMarker().getAttribute(IMarker.MESSAGE, ""), p.getOffset(), p.getLength()), k -> new ArrayList<>())
								.add(m);
					}
				}
			}
			return result;
		}

		private static boolean isRecipeProblem(IMarker marker) {
			try {
				return marker.exists() && RecipeProblems.MARKER.equals(marker.getType());
			} catch (CoreException e) {
				return false;
			}
		}

		private static String key(String text, int offset, int length) {
			return offset + ":" + length + ":" + text;
		}
	}
}
