package org.quantrace.ide.workbench;

import java.lang.reflect.InvocationTargetException;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.Wizard;
import org.eclipse.jface.wizard.WizardPage;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.FillLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.INewWizard;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.PlatformUI;

/** File > New > Example... > Quantrace example: the same project as Quantrace > Import Example Project. */
public class ExampleWizard extends Wizard implements INewWizard {

	public ExampleWizard() {
		setWindowTitle("Quantrace Example Project");
		setNeedsProgressMonitor(true);
	}

	@Override
	public void init(IWorkbench workbench, IStructuredSelection selection) {
	}

	@Override
	public void addPages() {
		addPage(new WizardPage("example", "Fashion-MNIST CNN", null) {
			@Override
			public void createControl(Composite parent) {
				Composite c = new Composite(parent, SWT.NONE);
				c.setLayout(new FillLayout());
				new Label(c, SWT.WRAP).setText("Creates the project '" + ExampleProject.NAME + "': a CNN trained on Fashion-MNIST and exported from PyTorch"
						+ " in training mode, 300 calibration and 1,000 evaluation images, and the recipe " + ExampleProject.RECIPE
						+ " that converts it, quantizes it with the results deck's five schemes and evaluates every variant."
						+ " Run it with Run As > Quantrace recipe.");
				setControl(c);
				setDescription("The example recipe with its model and data");
			}
		});
	}

	@Override
	public boolean performFinish() {
		IFile[] recipe = new IFile[1];
		try {
			getContainer().run(true, false, monitor -> {
				try {
					recipe[0] = ExampleProject.create(monitor);
				} catch (CoreException e) {
					throw new InvocationTargetException(e);
				}
			});
		} catch (InvocationTargetException e) {
			((WizardPage) getPages()[0]).setErrorMessage(e.getCause().getMessage());
			return false;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
		ImportExampleHandler.show(PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage(), recipe[0]);
		return true;
	}
}
