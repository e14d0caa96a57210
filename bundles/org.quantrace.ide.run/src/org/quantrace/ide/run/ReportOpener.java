package org.quantrace.ide.run;

import java.net.MalformedURLException;
import java.net.URL;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.IPath;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.browser.IWorkbenchBrowserSupport;
import org.eclipse.ui.ide.IDE;

/**
 * Opens a run's report.html: in the workbench's internal browser where SWT has one (WebKitGTK on Linux),
 * else in the system's browser. It never fails the run: when no browser opens, the run's trace opens in the
 * trace editor instead (the same lineage, in the workbench) and the console says where the report is.
 */
final class ReportOpener {

	private ReportOpener() {
	}

	private static void openTrace(IFile trace) {
		try {
			if (trace.exists() && PlatformUI.getWorkbench().getActiveWorkbenchWindow() != null) {
				IDE.openEditor(PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage(), trace, true);
			}
		} catch (PartInitException e) {
			// the console said where the outputs are
		}
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
				RunConsole.get().writer().println("No browser to show " + report.getLocation() + " (" + e.getMessage() + "): opening the trace instead");
				openTrace(report.getParent().getFile(IPath.fromOSString("trace.xmi")));
			}
		});
	}
}
