package org.quantrace.ide.editor.format;

import java.util.Comparator;
import java.util.List;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.DocumentRewriteSession;
import org.eclipse.jface.text.DocumentRewriteSessionType;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IDocumentExtension4;
import org.eclipse.lsp4j.FormattingOptions;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.ui.handlers.HandlerUtil;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.xtext.ide.server.formatting.FormattingService;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeLanguage;

/** Format Recipe (Ctrl+Shift+F in the recipe editor): the language's formatter, as the language server formats. */
public class FormatRecipeHandler extends AbstractHandler {

	@Override
	public Object execute(ExecutionEvent event) {
		if (HandlerUtil.getActiveEditor(event) != null && HandlerUtil.getActiveEditor(event).getAdapter(ITextEditor.class) instanceof ITextEditor editor
				&& editor.isEditable()) {
			format(editor.getDocumentProvider().getDocument(editor.getEditorInput()));
		}
		return null;
	}

	/** Formats the whole document in one undoable change. */
	public static void format(IDocument document) {
		RecipeLanguage.Parsed p = RecipeLanguage.parse(document.get(), OpenDocuments.fileOf(document));
		if (p.resource().getParseResult() != null && p.resource().getParseResult().hasSyntaxErrors()) {
			return; // the formatter would move text it cannot place: fix the syntax first
		}
		List<TextEdit> edits = RecipeLanguage.get(FormattingService.class).format(p.resource(), p.document(), 0, p.text().length(),
				new FormattingOptions(4, false));
		DocumentRewriteSession session = document instanceof IDocumentExtension4 d ? d.startRewriteSession(DocumentRewriteSessionType.UNRESTRICTED) : null;
		try {
			// from the end, so that each edit's offsets are still those of the original text
			for (TextEdit e : edits.stream().sorted(Comparator.comparing((TextEdit e) -> p.document().getOffSet(e.getRange().getStart())).reversed()).toList()) {
				int start = p.document().getOffSet(e.getRange().getStart());
				int end = p.document().getOffSet(e.getRange().getEnd());
				document.replace(start, end - start, e.getNewText());
			}
		} catch (BadLocationException e) {
			throw new IllegalStateException("the formatter's edits do not fit the text", e);
		} finally {
			if (session != null) {
				((IDocumentExtension4) document).stopRewriteSession(session);
			}
		}
	}
}
