package org.quantrace.ide.workbench;

import java.lang.reflect.InvocationTargetException;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.jface.dialogs.ErrorDialog;
import org.eclipse.jface.dialogs.ProgressMonitorDialog;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.handlers.HandlerUtil;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.part.ISetSelectionTarget;

/** Quantrace > Import Example Project: the example as a project in one step, its recipe opened. */
public class ImportExampleHandler extends AbstractHandler {

	@Override
	public Object execute(ExecutionEvent event) {
		IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindow(event);
		Shell shell = window == null ? null : window.getShell();
		IFile[] recipe = new IFile[1];
		try {
			new ProgressMonitorDialog(shell).run(true, false, monitor -> {
				try {
					recipe[0] = ExampleProject.create(monitor);
				} catch (CoreException e) {
					throw new InvocationTargetException(e);
				}
			});
			if (window != null) {
				show(window.getActivePage(), recipe[0]);
			}
		} catch (InvocationTargetException e) {
			if (e.getCause() instanceof CoreException c) {
				ErrorDialog.openError(shell, "Import Example Project", "The example project could not be created", c.getStatus());
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		return null;
	}

	/** Opens the recipe and selects it in the Project Explorer. */
	static void show(IWorkbenchPage page, IFile recipe) {
		try {
			IDE.openEditor(page, recipe, true);
			if (page.showView("org.eclipse.ui.navigator.ProjectExplorer") instanceof ISetSelectionTarget explorer) {
				explorer.selectReveal(new StructuredSelection(recipe));
			}
		} catch (PartInitException e) {
			// the project is there: opening is a convenience
		}
	}
}
