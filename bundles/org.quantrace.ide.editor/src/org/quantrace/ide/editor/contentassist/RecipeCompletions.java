package org.quantrace.ide.editor.contentassist;

import java.nio.file.Path;
import java.util.List;

import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionList;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.xtext.ide.server.contentassist.ContentAssistService;
import org.eclipse.xtext.util.CancelIndicator;
import org.quantrace.ide.editor.RecipeLanguage;

/** What the recipe language server would propose at an offset: keywords, declared names, metrics, file paths. */
public final class RecipeCompletions {

	private RecipeCompletions() {
	}

	public static List<Completion> at(String text, Path file, int offset, CancelIndicator cancel) {
		RecipeLanguage.Parsed p = RecipeLanguage.parse(text, file);
		CompletionParams params = new CompletionParams(new TextDocumentIdentifier(p.resource().getURI().toString()), p.document().getPosition(offset));
		CompletionList list = RecipeLanguage.get(ContentAssistService.class).createCompletionList(p.document(), p.resource(), params, cancel);
		return list.getItems().stream().map(i -> Completion.of(i, p.document())).toList();
	}

	/** A proposal: replace [offset, offset + length) with {@code text}; label, detail and documentation to show. */
	public record Completion(String label, String detail, String documentation, String text, int offset, int length) {
		static Completion of(CompletionItem item, org.eclipse.xtext.ide.server.Document document) {
			String newText = item.getInsertText() != null ? item.getInsertText() : item.getLabel();
			int offset = -1;
			int length = 0;
			if (item.getTextEdit() != null && item.getTextEdit().isLeft()) {
				var edit = item.getTextEdit().getLeft();
				newText = edit.getNewText();
				offset = document.getOffSet(edit.getRange().getStart());
				length = document.getOffSet(edit.getRange().getEnd()) - offset;
			} else if (item.getTextEdit() != null) {
				var edit = item.getTextEdit().getRight();
				newText = edit.getNewText();
				offset = document.getOffSet(edit.getReplace().getStart());
				length = document.getOffSet(edit.getReplace().getEnd()) - offset;
			}
			String doc = item.getDocumentation() == null ? null
					: item.getDocumentation().isLeft() ? item.getDocumentation().getLeft() : item.getDocumentation().getRight().getValue();
			return new Completion(item.getLabel(), item.getDetail(), doc, newText, offset, length);
		}
	}
}
