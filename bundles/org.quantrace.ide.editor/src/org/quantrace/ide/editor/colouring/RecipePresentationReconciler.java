package org.quantrace.ide.editor.colouring;

import org.eclipse.jface.text.DocumentEvent;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.ITypedRegion;
import org.eclipse.jface.text.Region;
import org.eclipse.jface.text.presentation.IPresentationDamager;
import org.eclipse.jface.text.presentation.PresentationReconciler;
import org.eclipse.jface.text.rules.DefaultDamagerRepairer;

/**
 * Syntax colouring of recipes in the generic editor (extension org.eclipse.ui.genericeditor.presentationReconcilers).
 * Every change re-colours the whole recipe: an opened or closed comment or string changes everything after
 * it, and recipes are short enough that lexing them is cheaper than working out what changed.
 */
public class RecipePresentationReconciler extends PresentationReconciler {

	public RecipePresentationReconciler() {
		DefaultDamagerRepairer repairer = new DefaultDamagerRepairer(new RecipeTokenScanner());
		setDamager(new WholeDocument(), IDocument.DEFAULT_CONTENT_TYPE);
		setRepairer(repairer, IDocument.DEFAULT_CONTENT_TYPE);
	}

	private static final class WholeDocument implements IPresentationDamager {
		private IDocument document;

		@Override
		public void setDocument(IDocument document) {
			this.document = document;
		}

		@Override
		public IRegion getDamageRegion(ITypedRegion partition, DocumentEvent event, boolean documentPartitioningChanged) {
			return new Region(0, document.getLength());
		}
	}
}
