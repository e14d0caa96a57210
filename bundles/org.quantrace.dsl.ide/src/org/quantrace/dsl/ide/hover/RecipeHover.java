package org.quantrace.dsl.ide.hover;

import java.util.List;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.Range;
import org.eclipse.xtext.Keyword;
import org.eclipse.xtext.ide.server.Document;
import org.eclipse.xtext.ide.server.hover.HoverService;
import org.eclipse.xtext.nodemodel.ILeafNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.util.CancelIndicator;
import org.quantrace.dsl.ide.KeywordHelp;
import org.quantrace.model.recipe.Declaration;

/**
 * Hover: on a keyword, what the option means (from {@link KeywordHelp}); on a name, what it refers to
 * and its description.
 */
public class RecipeHover extends HoverService {

	@Override
	public Hover hover(Document document, XtextResource resource, HoverParams params, CancelIndicator cancelIndicator) {
		Hover declared = super.hover(document, resource, params, cancelIndicator);
		if (declared != null && declared != EMPTY_HOVER && !isEmpty(declared)) {
			return declared;
		}
		int offset = document.getOffSet(params.getPosition());
		ILeafNode leaf = NodeModelUtils.findLeafNodeAtOffset(resource.getParseResult().getRootNode(), offset);
		if (leaf == null || leaf.isHidden() || !(leaf.getGrammarElement() instanceof Keyword k)) {
			return EMPTY_HOVER;
		}
		String meaning = KeywordHelp.meaning(k.getValue());
		if (meaning == null) {
			return EMPTY_HOVER;
		}
		Range range = new Range(document.getPosition(leaf.getOffset()), document.getPosition(leaf.getEndOffset()));
		return new Hover(new MarkupContent(MarkupKind.MARKDOWN, "**" + k.getValue() + "**: " + meaning), range);
	}

	@Override
	public String getContents(EObject element) {
		String comment = super.getContents(element);
		if (!(element instanceof Declaration d)) {
			return comment;
		}
		String kind = KeywordHelp.kindOf(d);
		String name = d.getName() != null ? d.getName() : "(unnamed: applies to what names none)";
		String text = "**" + kind + " " + name + "**" + (d.getDescription() != null ? "\n\n" + d.getDescription() : "");
		return comment == null || comment.isBlank() ? text : text + "\n\n" + comment;
	}

	private static boolean isEmpty(Hover h) {
		var c = h.getContents();
		if (c == null) {
			return true;
		}
		if (c.isRight()) {
			return c.getRight().getValue() == null || c.getRight().getValue().isBlank();
		}
		List<?> left = c.getLeft();
		return left == null || left.isEmpty();
	}
}
