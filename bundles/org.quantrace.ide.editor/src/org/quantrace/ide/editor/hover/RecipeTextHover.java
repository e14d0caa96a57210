package org.quantrace.ide.editor.hover;

import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.ITextHover;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.Region;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.xtext.ide.server.hover.IHoverService;
import org.eclipse.xtext.util.CancelIndicator;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeEditorMode;
import org.quantrace.ide.editor.RecipeLanguage;

/**
 * Hover in the recipe editor (extension org.eclipse.ui.genericeditor.hoverProviders): the language
 * server's hover, i.e. what a keyword means and what a name refers to, as plain text.
 */
public class RecipeTextHover implements ITextHover {

	@Override
	public String getHoverInfo(ITextViewer viewer, IRegion region) {
		IDocument document = viewer.getDocument();
		return RecipeEditorMode.inProcess() ? hover(document.get(), document, region.getOffset()) : null;
	}

	@Override
	public IRegion getHoverRegion(ITextViewer viewer, int offset) {
		return new Region(offset, 0);
	}

	/** The hover text at {@code offset}, or null. */
	public static String hover(String text, IDocument document, int offset) {
		RecipeLanguage.Parsed p = RecipeLanguage.parse(text, document == null ? null : OpenDocuments.fileOf(document));
		HoverParams params = new HoverParams(new TextDocumentIdentifier(p.resource().getURI().toString()), p.document().getPosition(offset));
		Hover hover = RecipeLanguage.get(IHoverService.class).hover(p.document(), p.resource(), params, CancelIndicator.NullImpl);
		if (hover == null || hover.getContents() == null) {
			return null;
		}
		String markdown = hover.getContents().isRight() ? hover.getContents().getRight().getValue()
				: String.join("\n", hover.getContents().getLeft().stream().map(e -> e.isLeft() ? e.getLeft() : e.getRight().getValue()).toList());
		return markdown == null || markdown.isBlank() ? null : plain(markdown);
	}

	/** Markdown emphasis and code marks removed: the generic editor's hover shows plain text. */
	static String plain(String markdown) {
		return markdown.replace("**", "").replace("`", "").strip();
	}

}
