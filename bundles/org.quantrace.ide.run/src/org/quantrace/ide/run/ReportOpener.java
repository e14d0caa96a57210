package org.quantrace.ide.run;

import java.net.MalformedURLException;
import java.net.URL;

import org.eclipse.core.resources.IFile;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.browser.IWorkbenchBrowserSupport;

/**
 * Opens a run's report.html: in the workbench's internal browser where SWT has one (WebKitGTK on Linux),
 * else in the system's browser. It never fails the run: when no browser opens, the console says where the report is.
 */
final class ReportOpener {

	private ReportOpener() {
	}

	static void open(IFile report) {
		if (!PlatformUI.isWorkbenchRunning() || report.getLocation() == null) {
			return;
		}
		PlatformUI.getWorkbench().getDisplay().asyncExec(() -> {
			try {
				URL url = report.getLocation().toFile().toURI().toURL();
				IWorkbenchBrowserSupport support = PlatformUI.getWorkbench().getBrowserSupport();
				if (support.isInternalWebBrowserAvailable()) {
					support.createBrowser(IWorkbenchBrowserSupport.AS_EDITOR | IWorkbenchBrowserSupport.LOCATION_BAR | IWorkbenchBrowserSupport.NAVIGATION_BAR,
							"org.quantrace.ide.run.report", "Quantrace report", report.getFullPath().toString()).openURL(url);
				} else {
					support.getExternalBrowser().openURL(url);
				}
			} catch (PartInitException | MalformedURLException e) {
				RunConsole.get().writer().println("Could not open a browser on " + report.getLocation() + " (" + e.getMessage() + ")");
			}
		});
	}
}
