package org.quantrace.ide.editor.contentassist;

import java.util.List;

import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.contentassist.ICompletionProposal;
import org.eclipse.jface.text.contentassist.IContentAssistProcessor;
import org.eclipse.jface.text.contentassist.IContextInformation;
import org.eclipse.jface.text.contentassist.IContextInformationValidator;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeEditorMode;

/** Content assist in the recipe editor (extension org.eclipse.ui.genericeditor.contentAssistProcessors). */
public class RecipeContentAssistProcessor implements IContentAssistProcessor {

	@Override
	public ICompletionProposal[] computeCompletionProposals(ITextViewer viewer, int offset) {
		IDocument document = viewer.getDocument();
		if (!RecipeEditorMode.inProcess()) {
			return new ICompletionProposal[0];
		}
		List<RecipeCompletions.Completion> completions = RecipeCompletions.at(document.get(), OpenDocuments.fileOf(document), offset, () -> false);
		return completions.stream().map(c -> new RecipeCompletionProposal(c, offset)).toArray(ICompletionProposal[]::new);
	}

	@Override
	public IContextInformation[] computeContextInformation(ITextViewer viewer, int offset) {
		return null;
	}

	@Override
	public char[] getCompletionProposalAutoActivationCharacters() {
		return null;
	}

	@Override
	public char[] getContextInformationAutoActivationCharacters() {
		return null;
	}

	@Override
	public String getErrorMessage() {
		return null;
	}

	@Override
	public IContextInformationValidator getContextInformationValidator() {
		return null;
	}
}
