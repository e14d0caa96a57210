package org.quantrace.ide.run;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.Adapters;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.handlers.HandlerUtil;

/** "Run Quantrace Recipe" in the context menu of a .qr file and of the recipe editor. */
public class RunRecipeHandler extends AbstractHandler {

	@Override
	public Object execute(ExecutionEvent event) {
		IFile recipe = null;
		ISelection selection = HandlerUtil.getCurrentSelection(event);
		if (HandlerUtil.getActivePart(event) instanceof IEditorPart editor) {
			recipe = editor.getEditorInput().getAdapter(IFile.class);
		} else if (selection instanceof IStructuredSelection s && s.getFirstElement() != null) {
			recipe = Adapters.adapt(s.getFirstElement(), IFile.class);
		}
		if (recipe != null && "qr".equals(recipe.getFileExtension())) {
			RecipeLaunchShortcut.run(recipe);
		} else {
			MessageDialog.openInformation(HandlerUtil.getActiveShell(event), "Run Quantrace Recipe",
					"Select a recipe (.qr) in the Project Explorer, or open one in the editor, then run it.");
		}
		return null;
	}
}
