package org.quantrace.ide.editor.contentassist;

import java.util.Locale;

import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.DocumentEvent;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.contentassist.ICompletionProposal;
import org.eclipse.jface.text.contentassist.ICompletionProposalExtension2;
import org.eclipse.jface.text.contentassist.IContextInformation;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.Point;

/**
 * One proposal of the language server's completion, applied as its text edit. While the popup is open it
 * stays as long as what was typed since the start of the replaced region is a prefix of it.
 */
final class RecipeCompletionProposal implements ICompletionProposal, ICompletionProposalExtension2 {

	private final RecipeCompletions.Completion completion;
	private final int start;
	private final int end;
	private final int invocationOffset;
	private int cursor;

	RecipeCompletionProposal(RecipeCompletions.Completion completion, int invocationOffset) {
		this.completion = completion;
		this.invocationOffset = invocationOffset;
		this.start = completion.offset() < 0 ? invocationOffset : completion.offset();
		this.end = completion.offset() < 0 ? invocationOffset : completion.offset() + completion.length();
	}

	@Override
	public void apply(IDocument document) {
		apply(document, invocationOffset);
	}

	@Override
	public void apply(ITextViewer viewer, char trigger, int stateMask, int offset) {
		apply(viewer.getDocument(), offset);
	}

	private void apply(IDocument document, int offset) {
		int replaceEnd = Math.max(offset, end + (offset - invocationOffset));
		try {
			document.replace(start, Math.min(replaceEnd, document.getLength()) - start, completion.text());
			cursor = start + completion.text().length();
		} catch (BadLocationException e) {
			// the text changed under the popup: nothing to apply
		}
	}

	@Override
	public boolean validate(IDocument document, int offset, DocumentEvent event) {
		if (offset < start) {
			return false;
		}
		try {
			String typed = document.get(start, offset - start).toLowerCase(Locale.ROOT);
			String text = completion.text().toLowerCase(Locale.ROOT);
			return text.startsWith(typed) || text.startsWith("\"" + typed) || completion.label().toLowerCase(Locale.ROOT).startsWith(typed);
		} catch (BadLocationException e) {
			return false;
		}
	}

	@Override
	public Point getSelection(IDocument document) {
		return new Point(cursor, 0);
	}

	@Override
	public String getAdditionalProposalInfo() {
		return completion.documentation();
	}

	@Override
	public String getDisplayString() {
		return completion.detail() == null || completion.detail().isBlank() ? completion.label() : completion.label() + " \u2013 " + completion.detail();
	}

	@Override
	public Image getImage() {
		return null;
	}

	@Override
	public IContextInformation getContextInformation() {
		return null;
	}

	@Override
	public void selected(ITextViewer viewer, boolean smartToggle) {
	}

	@Override
	public void unselected(ITextViewer viewer) {
	}
}
