package org.quantrace.ide.run;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IPath;
import org.eclipse.debug.ui.AbstractLaunchConfigurationTab;
import org.eclipse.debug.core.ILaunchConfiguration;
import org.eclipse.debug.core.ILaunchConfigurationWorkingCopy;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.dialogs.ResourceListSelectionDialog;

/** The Recipe tab: which recipe, where the outputs go, which schemes, whether to open the report. */
public class RecipeTab extends AbstractLaunchConfigurationTab {

	private Text recipe;
	private Text out;
	private Text only;
	private Button openReport;

	@Override
	public void createControl(Composite parent) {
		Composite c = new Composite(parent, SWT.NONE);
		c.setLayout(new GridLayout(3, false));
		recipe = field(c, "Recipe (workspace path):");
		Button browse = new Button(c, SWT.PUSH);
		browse.setText("Browse...");
		browse.addListener(SWT.Selection, e -> browse());
		out = field(c, "Output folder (relative to the recipe):");
		new Label(c, SWT.NONE);
		only = field(c, "Only these schemes (empty: all):");
		new Label(c, SWT.NONE);
		openReport = new Button(c, SWT.CHECK);
		openReport.setText("Open the report when the run ends");
		openReport.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 3, 1));
		openReport.addListener(SWT.Selection, e -> updateLaunchConfigurationDialog());
		setControl(c);
	}

	private Text field(Composite c, String label) {
		new Label(c, SWT.NONE).setText(label);
		Text t = new Text(c, SWT.BORDER);
		t.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		t.addListener(SWT.Modify, e -> updateLaunchConfigurationDialog());
		return t;
	}

	private void browse() {
		ResourceListSelectionDialog d = new ResourceListSelectionDialog(getShell(), ResourcesPlugin.getWorkspace().getRoot(), org.eclipse.core.resources.IResource.FILE);
		d.setTitle("Choose a recipe");
		if (d.open() == ResourceListSelectionDialog.OK && d.getResult().length > 0 && d.getResult()[0] instanceof IFile f) {
			recipe.setText(f.getFullPath().toString());
			if (out.getText().isBlank()) {
				out.setText(RecipeLaunches.defaultOut(f));
			}
		}
	}

	@Override
	public void setDefaults(ILaunchConfigurationWorkingCopy configuration) {
		RecipeLaunches.defaults(configuration, null);
	}

	@Override
	public void initializeFrom(ILaunchConfiguration configuration) {
		try {
			recipe.setText(configuration.getAttribute(RecipeLaunches.RECIPE, ""));
			out.setText(configuration.getAttribute(RecipeLaunches.OUT, ""));
			only.setText(configuration.getAttribute(RecipeLaunches.ONLY, ""));
			openReport.setSelection(configuration.getAttribute(RecipeLaunches.OPEN_REPORT, true));
		} catch (CoreException e) {
			setErrorMessage(e.getMessage());
		}
	}

	@Override
	public void performApply(ILaunchConfigurationWorkingCopy configuration) {
		configuration.setAttribute(RecipeLaunches.RECIPE, recipe.getText().strip());
		configuration.setAttribute(RecipeLaunches.OUT, out.getText().strip());
		configuration.setAttribute(RecipeLaunches.ONLY, only.getText().strip());
		configuration.setAttribute(RecipeLaunches.OPEN_REPORT, openReport.getSelection());
	}

	@Override
	public boolean isValid(ILaunchConfiguration configuration) {
		String path = recipe.getText().strip();
		IFile file = path.isEmpty() || IPath.fromPortableString(path).segmentCount() < 2 ? null
				: ResourcesPlugin.getWorkspace().getRoot().getFile(IPath.fromPortableString(path));
		setErrorMessage(file != null && file.exists() && "qr".equals(file.getFileExtension()) ? null : "Choose a recipe (.qr) of the workspace");
		return getErrorMessage() == null;
	}

	@Override
	public String getName() {
		return "Recipe";
	}
}
