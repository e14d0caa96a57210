package org.quantrace.ide.run;

import java.util.LinkedHashSet;
import java.util.Set;

import org.eclipse.core.resources.IContainer;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IPath;
import org.eclipse.core.runtime.Status;
import org.eclipse.debug.core.DebugPlugin;
import org.eclipse.debug.core.ILaunchConfiguration;
import org.eclipse.debug.core.ILaunchConfigurationType;
import org.eclipse.debug.core.ILaunchConfigurationWorkingCopy;
import org.eclipse.debug.core.ILaunchManager;

/**
 * The "Quantrace recipe" launch configuration type: which recipe (a workspace path), which output folder
 * (relative to the recipe's folder; default quantrace-out/NAME), which schemes (default all), and whether
 * to open the report at the end.
 */
public final class RecipeLaunches {

	public static final String TYPE = "org.quantrace.ide.run.recipe";
	public static final String RECIPE = "org.quantrace.ide.run.recipe.file";
	public static final String OUT = "org.quantrace.ide.run.recipe.out";
	public static final String ONLY = "org.quantrace.ide.run.recipe.only";
	public static final String OPEN_REPORT = "org.quantrace.ide.run.recipe.openReport";

	private RecipeLaunches() {
	}

	/** The configuration for {@code recipe}: the existing one, or a new one with the defaults. */
	public static ILaunchConfiguration configuration(IFile recipe) throws CoreException {
		ILaunchManager manager = DebugPlugin.getDefault().getLaunchManager();
		ILaunchConfigurationType type = manager.getLaunchConfigurationType(TYPE);
		for (ILaunchConfiguration c : manager.getLaunchConfigurations(type)) {
			if (recipe.getFullPath().toString().equals(c.getAttribute(RECIPE, ""))) {
				return c;
			}
		}
		ILaunchConfigurationWorkingCopy copy = type.newInstance(null, manager.generateLaunchConfigurationName(recipe.getName().replaceFirst("\\.qr$", "")));
		defaults(copy, recipe);
		return copy.doSave();
	}

	static void defaults(ILaunchConfigurationWorkingCopy copy, IFile recipe) {
		copy.setAttribute(RECIPE, recipe == null ? "" : recipe.getFullPath().toString());
		copy.setAttribute(OUT, recipe == null ? "" : defaultOut(recipe));
		copy.setAttribute(ONLY, "");
		copy.setAttribute(OPEN_REPORT, true);
		if (recipe != null) {
			copy.setMappedResources(new org.eclipse.core.resources.IResource[] { recipe });
		}
	}

	static String defaultOut(IFile recipe) {
		return "quantrace-out/" + recipe.getName().replaceFirst("\\.qr$", "");
	}

	/** The job a configuration describes; fails with a message naming what is missing. */
	public static RecipeRunJob job(ILaunchConfiguration c) throws CoreException {
		String path = c.getAttribute(RECIPE, "");
		IFile recipe = path.isBlank() ? null : ResourcesPlugin.getWorkspace().getRoot().getFile(IPath.fromPortableString(path));
		if (recipe == null || !recipe.exists()) {
			throw new CoreException(Status.error("Launch configuration " + c.getName() + ": the recipe '" + path
					+ "' is not in the workspace; choose one on the Recipe tab"));
		}
		String out = c.getAttribute(OUT, "").strip();
		IContainer folder = recipe.getParent().getFolder(IPath.fromPortableString(out.isEmpty() ? defaultOut(recipe) : out));
		Set<String> only = new LinkedHashSet<>();
		for (String s : c.getAttribute(ONLY, "").split("[,\\s]+")) {
			if (!s.isBlank()) {
				only.add(s);
			}
		}
		return new RecipeRunJob(recipe, folder, only, c.getAttribute(OPEN_REPORT, true));
	}

}
