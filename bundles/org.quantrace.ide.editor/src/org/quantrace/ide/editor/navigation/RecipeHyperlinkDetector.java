package org.quantrace.ide.editor.navigation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.Region;
import org.eclipse.jface.text.hyperlink.AbstractHyperlinkDetector;
import org.eclipse.jface.text.hyperlink.IHyperlink;
import org.eclipse.lsp4j.Location;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.xtext.findReferences.IReferenceFinder;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolService;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.resource.EObjectAtOffsetHelper;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.util.TextRegion;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.RecipeEditorMode;
import org.quantrace.ide.editor.RecipeLanguage;

/**
 * Go to declaration (Ctrl-click, F3) in the recipe editor: a name a recipe uses (scheme, model, dataset,
 * preprocess block) links to where it is declared, in this file, an imported one or the preset library,
 * found by the language server's definition service.
 */
public class RecipeHyperlinkDetector extends AbstractHyperlinkDetector {

	@Override
	public IHyperlink[] detectHyperlinks(ITextViewer viewer, IRegion region, boolean canShowMultipleHyperlinks) {
		ITextEditor editor = getAdapter(ITextEditor.class);
		if (!RecipeEditorMode.inProcess() || editor != null && !isRecipe(editor.getEditorInput())) {
			return null;
		}
		IDocument document = viewer.getDocument();
		List<RecipeLink> links = links(document.get(), OpenDocuments.fileOf(document), region.getOffset());
		return links.isEmpty() ? null : links.toArray(IHyperlink[]::new);
	}

	static boolean isRecipe(IEditorInput input) {
		return input != null && input.getName() != null && input.getName().endsWith(".qr");
	}

	/** The declarations the name at {@code offset} refers to. */
	public static List<RecipeLink> links(String text, Path file, int offset) {
		RecipeLanguage.Parsed p = RecipeLanguage.parse(text, file);
		INode reference = RecipeLanguage.get(EObjectAtOffsetHelper.class).getCrossReferenceNode(p.resource(), new TextRegion(offset, 0));
		if (reference == null) {
			return List.of();
		}
		IReferenceFinder.IResourceAccess sameSet = new IReferenceFinder.IResourceAccess() {
			@Override
			public <R> R readOnly(URI uri, org.eclipse.xtext.util.concurrent.IUnitOfWork<R, org.eclipse.emf.ecore.resource.ResourceSet> work) {
				try {
					return work.exec(p.resource().getResourceSet());
				} catch (Exception e) {
					throw new IllegalStateException(e);
				}
			}
		};
		List<? extends Location> targets = RecipeLanguage.get(DocumentSymbolService.class).getDefinitions(p.resource(), offset, sameSet, CancelIndicator.NullImpl);
		List<RecipeLink> links = new ArrayList<>();
		Region source = new Region(reference.getOffset(), reference.getLength());
		for (Location l : targets) {
			links.add(new RecipeLink(source, reference.getText().strip(), l));
		}
		return links;
	}
}
