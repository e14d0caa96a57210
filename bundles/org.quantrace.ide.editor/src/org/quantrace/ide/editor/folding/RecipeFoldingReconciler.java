package org.quantrace.ide.editor.folding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.Position;
import org.eclipse.jface.text.reconciler.MonoReconciler;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.jface.text.source.projection.ProjectionAnnotation;
import org.eclipse.jface.text.source.projection.ProjectionAnnotationModel;
import org.eclipse.jface.text.source.projection.ProjectionViewer;
import org.eclipse.lsp4j.FoldingRange;
import org.eclipse.xtext.ide.server.folding.FoldingRangeService;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeLanguage;
import org.quantrace.ide.editor.WholeTextStrategy;

/**
 * Folding in the recipe editor (extension org.eclipse.ui.genericeditor.foldingReconcilers): the language
 * server's folding ranges (blocks, multi-line declarations and comments), whole lines each. Ranges that
 * stay keep their annotation, so what the user folded stays folded while typing.
 */
public class RecipeFoldingReconciler extends MonoReconciler {

	public RecipeFoldingReconciler() {
		super(new Strategy(), false);
		setDelay(500);
	}

	@Override
	public void install(ITextViewer textViewer) {
		super.install(textViewer);
		if (textViewer instanceof ProjectionViewer p) {
			((Strategy) getReconcilingStrategy(IDocument.DEFAULT_CONTENT_TYPE)).viewer = p;
		}
	}

	static final class Strategy extends WholeTextStrategy {
		private ProjectionViewer viewer;

		@Override
		protected void update() {
			IDocument doc = document;
			ProjectionAnnotationModel model = viewer == null ? null : viewer.getProjectionAnnotationModel();
			if (doc == null || model == null) {
				return;
			}
			String text = doc.get();
			RecipeLanguage.Parsed p = RecipeLanguage.parse(text, OpenDocuments.fileOf(doc));
			List<FoldingRange> ranges = RecipeLanguage.get(FoldingRangeService.class).createFoldingRanges(p.document(), p.resource(), this::cancelled);
			if (!text.equals(doc.get())) {
				return;
			}
			Map<Position, ProjectionAnnotation> wanted = new HashMap<>();
			for (FoldingRange r : ranges) {
				try {
					int start = doc.getLineOffset(r.getStartLine());
					IRegion last = doc.getLineInformation(r.getEndLine());
					String delimiter = doc.getLineDelimiter(r.getEndLine()); // null on the last line
					int end = last.getOffset() + last.getLength() + (delimiter == null ? 0 : delimiter.length());
					wanted.put(new Position(start, end - start), new ProjectionAnnotation());
				} catch (BadLocationException e) {
					// the range left the text: skip it
				}
			}
			List<Annotation> deleted = new ArrayList<>();
			for (Iterator<Annotation> it = model.getAnnotationIterator(); it.hasNext();) {
				Annotation a = it.next();
				Position at = model.getPosition(a);
				if (a instanceof ProjectionAnnotation && (at == null || wanted.remove(new Position(at.getOffset(), at.getLength())) == null)) {
					deleted.add(a);
				}
			}
			Map<ProjectionAnnotation, Position> added = new HashMap<>();
			wanted.forEach((position, annotation) -> added.put(annotation, position));
			model.modifyAnnotations(deleted.toArray(Annotation[]::new), added, null);
		}
	}
}
