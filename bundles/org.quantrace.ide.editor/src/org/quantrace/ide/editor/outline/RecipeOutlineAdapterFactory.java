package org.quantrace.ide.editor.outline;

import org.eclipse.core.runtime.IAdapterFactory;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.ui.views.contentoutline.IContentOutlinePage;
import org.quantrace.ide.editor.RecipeEditorMode;

/** Gives a text editor on a recipe its Outline page (the generic editor asks its adapters for one). */
public class RecipeOutlineAdapterFactory implements IAdapterFactory {

	@Override
	public <T> T getAdapter(Object adaptable, Class<T> adapterType) {
		if (adapterType == IContentOutlinePage.class && adaptable instanceof ITextEditor editor && editor.getEditorInput() != null
				&& editor.getEditorInput().getName().endsWith(".qr") && RecipeEditorMode.inProcess()) {
			return adapterType.cast(new RecipeOutlinePage(editor));
		}
		return null;
	}

	@Override
	public Class<?>[] getAdapterList() {
		return new Class<?>[] { IContentOutlinePage.class };
	}
}
