package org.quantrace.ide.editor.quickfix;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.Position;
import org.eclipse.jface.text.contentassist.ICompletionProposal;
import org.eclipse.jface.text.quickassist.IQuickAssistInvocationContext;
import org.eclipse.jface.text.quickassist.IQuickAssistProcessor;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.jface.text.source.IAnnotationModel;
import org.eclipse.jface.text.contentassist.CompletionProposal;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.validation.IssueAnnotation;

/**
 * Ctrl+1 on a diagnostic of unsaved text (extension org.eclipse.ui.genericeditor.quickAssistProcessors):
 * the same {@link RecipeFixes} as the markers', for the annotations the reconciler shows before a save.
 * Problems that have their marker already are fixed through the marker's resolutions.
 */
public class RecipeQuickAssistProcessor implements IQuickAssistProcessor {

	@Override
	public String getErrorMessage() {
		return null;
	}

	@Override
	public boolean canFix(Annotation annotation) {
		return annotation instanceof IssueAnnotation i && RecipeFixes.canFix(i.code());
	}

	@Override
	public boolean canAssist(IQuickAssistInvocationContext context) {
		return false;
	}

	@Override
	public ICompletionProposal[] computeQuickAssistProposals(IQuickAssistInvocationContext context) {
		IAnnotationModel model = context.getSourceViewer().getAnnotationModel();
		IDocument document = context.getSourceViewer().getDocument();
		int offset = context.getOffset();
		List<ICompletionProposal> proposals = new ArrayList<>();
		for (Iterator<Annotation> it = model.getAnnotationIterator(); it.hasNext();) {
			Annotation a = it.next();
			Position p = model.getPosition(a);
			if (canFix(a) && p != null && p.getOffset() <= offset && offset <= p.getOffset() + p.getLength()) {
				for (RecipeFixes.Fix f : RecipeFixes.fixes(document.get(), OpenDocuments.fileOf(document), ((IssueAnnotation) a).code(), p.getOffset(),
						p.getLength())) {
					proposals.add(new CompletionProposal(f.replacement(), f.offset(), f.length(), f.replacement().length(), null, f.label(), null, null));
				}
			}
		}
		return proposals.toArray(ICompletionProposal[]::new);
	}
}
