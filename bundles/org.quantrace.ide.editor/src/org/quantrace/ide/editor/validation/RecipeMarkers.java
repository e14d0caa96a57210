package org.quantrace.ide.editor.validation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.IResourceChangeEvent;
import org.eclipse.core.resources.IResourceChangeListener;
import org.eclipse.core.resources.IResourceDelta;
import org.eclipse.core.resources.IWorkspaceRoot;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.resources.WorkspaceJob;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.validation.Issue;
import org.quantrace.ide.editor.RecipeEditorMode;
import org.quantrace.ide.editor.RecipeLanguage;

/**
 * Problem markers for saved recipes, in the Problems view with their issue codes. Whenever a recipe is
 * saved, added, or a file appears or disappears in its project (a model or a data folder a recipe
 * names, an imported recipe), the recipes of that project are validated again with the recipe rules, in
 * a background job. Recipes inside run outputs (derived folders) are copies and are left alone.
 */
public final class RecipeMarkers implements IResourceChangeListener {

	private static RecipeMarkers instance;

	private final Job job = new Job();

	private RecipeMarkers() {
	}

	/** Starts watching the workspace (once) and validates every recipe in it. */
	public static synchronized void start() {
		if (instance == null && RecipeEditorMode.inProcess()) {
			instance = new RecipeMarkers();
			ResourcesPlugin.getWorkspace().addResourceChangeListener(instance, IResourceChangeEvent.POST_CHANGE);
			for (IProject p : ResourcesPlugin.getWorkspace().getRoot().getProjects()) {
				instance.job.add(recipes(p));
			}
		}
	}

	/** Waits until the markers are up to date (tests). */
	public static void join() throws InterruptedException {
		RecipeMarkers m = instance;
		if (m != null) {
			m.job.join();
		}
	}

	@Override
	public void resourceChanged(IResourceChangeEvent event) {
		Set<IProject> touched = new LinkedHashSet<>();
		try {
			event.getDelta().accept(delta -> {
				IResource r = delta.getResource();
				boolean recipe = r.getType() == IResource.FILE && isRecipe((IFile) r) && (delta.getFlags() & IResourceDelta.CONTENT) != 0;
				boolean appeared = delta.getKind() == IResourceDelta.ADDED || delta.getKind() == IResourceDelta.REMOVED;
				if ((recipe || appeared) && r.getProject() != null && r.getProject().isOpen() && !r.isDerived(IResource.CHECK_ANCESTORS)) {
					touched.add(r.getProject());
				}
				return !touched.contains(r.getProject()) || r.getType() == IResource.ROOT;
			});
		} catch (CoreException e) {
			return;
		}
		touched.forEach(p -> job.add(recipes(p)));
	}

	static boolean isRecipe(IFile f) {
		return "qr".equals(f.getFileExtension());
	}

	/** The recipes of a project that are sources, not copies in run outputs. */
	static Set<IFile> recipes(IProject project) {
		Set<IFile> files = new LinkedHashSet<>();
		if (!project.isOpen()) {
			return files;
		}
		try {
			project.accept(r -> {
				if (r.isDerived() || r.getName().startsWith(".")) {
					return false;
				}
				if (r instanceof IFile f && isRecipe(f)) {
					files.add(f);
				}
				return true;
			});
		} catch (CoreException e) {
			// a project closed meanwhile
		}
		return files;
	}

	/** Validates {@code file} as saved and replaces its recipe markers. */
	public static void update(IFile file) throws CoreException {
		if (!file.exists() || file.getLocation() == null) {
			return;
		}
		String text;
		try (InputStream in = file.getContents(true)) {
			text = new String(in.readAllBytes(), Charset.forName(file.getCharset()));
		} catch (IOException e) {
			throw new CoreException(Status.error(file.getFullPath() + ": cannot be read", e));
		}
		List<Issue> issues = RecipeLanguage.parse(text, file.getLocation().toPath()).validate(() -> false);
		ResourcesPlugin.getWorkspace().run(m -> {
			file.deleteMarkers(RecipeProblems.MARKER, false, IResource.DEPTH_ZERO);
			for (Issue i : issues) {
				file.createMarker(RecipeProblems.MARKER, attributes(i, text.length()));
			}
		}, ResourcesPlugin.getWorkspace().getRuleFactory().markerRule(file), 0, null);
	}

	private static Map<String, Object> attributes(Issue i, int textLength) {
		Map<String, Object> a = new HashMap<>();
		a.put(IMarker.SEVERITY, i.getSeverity() == Severity.ERROR ? IMarker.SEVERITY_ERROR
				: i.getSeverity() == Severity.WARNING ? IMarker.SEVERITY_WARNING : IMarker.SEVERITY_INFO);
		a.put(IMarker.MESSAGE, RecipeProblems.text(i));
		a.put(RecipeProblems.CODE, RecipeProblems.code(i));
		if (i.getData() != null && i.getData().length > 0) {
			a.put(RecipeProblems.DATA, String.join(RecipeProblems.DATA_SEPARATOR, i.getData()));
		}
		if (i.getLineNumber() != null) {
			a.put(IMarker.LINE_NUMBER, i.getLineNumber());
			a.put(IMarker.LOCATION, "line " + i.getLineNumber());
		}
		if (i.getOffset() != null && i.getLength() != null) {
			int start = Math.min(i.getOffset(), textLength);
			a.put(IMarker.CHAR_START, start);
			a.put(IMarker.CHAR_END, Math.min(textLength, start + i.getLength()));
		}
		a.put(IMarker.SOURCE_ID, "Quantrace");
		return a;
	}

	/** Validates queued recipes one after the other; more may be queued while it runs. */
	private static final class Job extends WorkspaceJob {
		private final Set<IFile> queue = new LinkedHashSet<>();

		Job() {
			super("Validating recipes");
			setSystem(true);
		}

		void add(Set<IFile> files) {
			if (files.isEmpty()) {
				return;
			}
			synchronized (queue) {
				queue.addAll(files);
			}
			schedule(200);
		}

		@Override
		public IStatus runInWorkspace(IProgressMonitor monitor) {
			SubMonitor progress = SubMonitor.convert(monitor);
			while (true) {
				IFile next;
				synchronized (queue) {
					if (queue.isEmpty()) {
						return Status.OK_STATUS;
					}
					next = queue.iterator().next();
					queue.remove(next);
				}
				if (progress.isCanceled()) {
					return Status.CANCEL_STATUS;
				}
				progress.subTask(next.getFullPath().toString());
				try {
					update(next);
				} catch (CoreException e) {
					// the file went away or cannot be read: its markers go with it
				} catch (RuntimeException e) {
					return Status.error("Validating " + next.getFullPath() + " failed", e);
				}
			}
		}
	}
}
