package org.quantrace.ide.run;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.debug.ui.DebugUITools;
import org.eclipse.debug.ui.ILaunchShortcut;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.statushandlers.StatusManager;

/** Run As > Quantrace recipe, on a .qr file or in its editor. */
public class RecipeLaunchShortcut implements ILaunchShortcut {

	@Override
	public void launch(ISelection selection, String mode) {
		if (selection instanceof IStructuredSelection s && s.getFirstElement() != null) {
			IFile file = org.eclipse.core.runtime.Adapters.adapt(s.getFirstElement(), IFile.class);
			if (file != null) {
				run(file);
			}
		}
	}

	@Override
	public void launch(IEditorPart editor, String mode) {
		IFile file = editor.getEditorInput().getAdapter(IFile.class);
		if (file != null) {
			run(file);
		}
	}

	/** Runs the recipe through its launch configuration (made with the defaults on first use). */
	public static void run(IFile recipe) {
		try {
			DebugUITools.launch(RecipeLaunches.configuration(recipe), "run");
		} catch (CoreException e) {
			StatusManager.getManager().handle(e.getStatus(), StatusManager.SHOW | StatusManager.LOG);
		}
	}

}
