package org.quantrace.ide.workbench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.List;

import org.eclipse.core.resources.IContainer;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IFolder;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IWorkspaceRoot;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IPath;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * The bundled example (the repository's examples/fashion-mnist, copied into this bundle by the build) as
 * a workspace project: the CNN exported from PyTorch in training mode, 300 calibration and 1,000
 * evaluation images, and the recipe that converts, quantizes with the deck's five schemes and evaluates it.
 */
public final class ExampleProject {

	public static final String NAME = "fashion-mnist";
	public static final String RECIPE = "fashion_cnn.qr";
	static final String ROOT = "example/fashion-mnist";

	private ExampleProject() {
	}

	/** Creates the project (fashion-mnist, or fashion-mnist-2... when taken) and returns its recipe. */
	public static IFile create(IProgressMonitor monitor) throws CoreException {
		Bundle bundle = FrameworkUtil.getBundle(ExampleProject.class);
		var found = bundle.findEntries(ROOT, "*", true);
		List<URL> entries = found == null ? List.of() : Collections.list(found);
		if (entries.isEmpty()) {
			throw new CoreException(Status.error("The example is missing from bundle " + bundle.getSymbolicName()));
		}
		IWorkspaceRoot root = ResourcesPlugin.getWorkspace().getRoot();
		IProject project = root.getProject(NAME);
		for (int i = 2; project.exists(); i++) {
			project = root.getProject(NAME + "-" + i);
		}
		IProject p = project;
		SubMonitor progress = SubMonitor.convert(monitor, "Creating the example project " + p.getName(), entries.size() + 2);
		ResourcesPlugin.getWorkspace().run(m -> {
			p.create(progress.split(1));
			p.open(progress.split(1));
			for (URL url : entries) {
				String path = url.getPath();
				String relative = path.substring(path.indexOf(ROOT) + ROOT.length() + 1);
				if (relative.isEmpty()) {
					progress.worked(1);
					continue;
				}
				if (relative.endsWith("/")) {
					folder(p, IPath.fromPortableString(relative));
				} else {
					IFile file = p.getFile(IPath.fromPortableString(relative));
					folder(p, file.getProjectRelativePath().removeLastSegments(1));
					try (InputStream in = url.openStream()) {
						file.create(in, true, progress.split(1));
					} catch (IOException e) {
						throw new CoreException(Status.error("Cannot copy " + relative + " of the example", e));
					}
				}
			}
		}, root, 0, null);
		return p.getFile(RECIPE);
	}

	private static void folder(IProject p, IPath relative) throws CoreException {
		IContainer c = p;
		for (String segment : relative.segments()) {
			IFolder f = c.getFolder(IPath.fromPortableString(segment));
			if (!f.exists()) {
				f.create(true, true, null);
			}
			c = f;
		}
	}
}
