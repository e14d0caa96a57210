package org.quantrace.ide.workbench;

import org.eclipse.ui.IFolderLayout;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IPerspectiveFactory;

/**
 * The Quantrace perspective: projects on the left, recipes and traces in the middle, the outline on the
 * right, and below them the Problems (recipe diagnostics, rejected variants), Properties (of a trace
 * element), Console (the runs' log) and Progress views.
 */
public class QuantracePerspective implements IPerspectiveFactory {

	public static final String ID = "org.quantrace.ide.workbench.perspective";
	static final String PROJECT_EXPLORER = "org.eclipse.ui.navigator.ProjectExplorer";
	static final String CONSOLE = "org.eclipse.ui.console.ConsoleView";

	@Override
	public void createInitialLayout(IPageLayout layout) {
		String editors = layout.getEditorArea();
		layout.addView(PROJECT_EXPLORER, IPageLayout.LEFT, 0.2f, editors);
		IFolderLayout bottom = layout.createFolder("bottom", IPageLayout.BOTTOM, 0.68f, editors);
		bottom.addView(IPageLayout.ID_PROBLEM_VIEW);
		bottom.addView(IPageLayout.ID_PROP_SHEET);
		bottom.addView(CONSOLE);
		bottom.addView(IPageLayout.ID_PROGRESS_VIEW);
		layout.addView(IPageLayout.ID_OUTLINE, IPageLayout.RIGHT, 0.78f, editors);
		layout.addNewWizardShortcut("org.quantrace.ide.workbench.example");
		layout.addShowViewShortcut(PROJECT_EXPLORER);
		layout.addShowViewShortcut(IPageLayout.ID_PROBLEM_VIEW);
		layout.addShowViewShortcut(IPageLayout.ID_PROP_SHEET);
		layout.addShowViewShortcut(CONSOLE);
		layout.addShowViewShortcut(IPageLayout.ID_PROGRESS_VIEW);
		layout.addShowViewShortcut(IPageLayout.ID_OUTLINE);
	}
}
