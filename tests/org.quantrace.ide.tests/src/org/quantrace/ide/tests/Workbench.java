package org.quantrace.ide.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.NullProgressMonitor;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.jface.text.source.IAnnotationModel;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.ui.WorkbenchException;
import org.quantrace.ide.workbench.ExampleProject;
import org.quantrace.ide.workbench.QuantracePerspective;

/** What the workbench tests share: the example project, waiting while the UI keeps running, screenshots. */
final class Workbench {

	static final Duration UI = Duration.ofSeconds(30);
	/** A run of the example on a loaded 2-core machine. */
	static final Duration RUN = Duration.ofMinutes(4);

	private Workbench() {
	}

	static IWorkbenchPage page() {
		return PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
	}

	static Shell shell() {
		return PlatformUI.getWorkbench().getActiveWorkbenchWindow().getShell();
	}

	/** A window of the same size for every test and screenshot, in the Quantrace perspective. */
	static void sizeWindow() {
		try {
			PlatformUI.getWorkbench().showPerspective(QuantracePerspective.ID, PlatformUI.getWorkbench().getActiveWorkbenchWindow());
		} catch (WorkbenchException e) {
			throw new IllegalStateException(e);
		}
		Shell shell = shell();
		if (shell.getMaximized()) {
			shell.setMaximized(false);
		}
		shell.setBounds(0, 0, 1400, 900);
		settle(200);
	}

	/** The example project as Quantrace > Import Example Project creates it. */
	static IProject example() throws CoreException {
		return ExampleProject.create(new NullProgressMonitor()).getProject();
	}

	/** Writes a file of the workspace (created or replaced). */
	static IFile write(IProject project, String name, String text) throws CoreException {
		IFile f = project.getFile(name);
		ByteArrayInputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
		if (f.exists()) {
			f.setContents(in, true, false, null);
		} else {
			f.create(in, true, null);
		}
		return f;
	}

	static String read(IFile f) {
		try {
			return Files.readString(f.getLocation().toPath());
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Keeps the UI running until {@code condition} holds; fails with {@code what} after {@code timeout}. */
	static void waitUntil(String what, BooleanSupplier condition, Duration timeout) {
		Display display = Display.getCurrent();
		long end = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > end) {
				fail("waited " + timeout.toSeconds() + " s for " + what);
			}
			if (!display.readAndDispatch()) {
				sleep(20);
			}
		}
	}

	static <T> T waitFor(String what, Supplier<T> value, Duration timeout) {
		Object[] found = new Object[1];
		waitUntil(what, () -> (found[0] = value.get()) != null, timeout);
		@SuppressWarnings("unchecked")
		T t = (T) found[0];
		return t;
	}

	/** Runs the UI for {@code millis} (paints, async runnables). */
	static void settle(long millis) {
		Display display = Display.getCurrent();
		long end = System.nanoTime() + millis * 1_000_000L;
		while (System.nanoTime() < end) {
			if (!display.readAndDispatch()) {
				sleep(10);
			}
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	static IMarker[] markers(IResource r, String type) {
		try {
			return r.findMarkers(type, true, IResource.DEPTH_ZERO);
		} catch (CoreException e) {
			return new IMarker[0];
		}
	}

	static IDocument document(ITextEditor editor) {
		return editor.getDocumentProvider().getDocument(editor.getEditorInput());
	}

	static IAnnotationModel annotations(ITextEditor editor) {
		return editor.getDocumentProvider().getAnnotationModel(editor.getEditorInput());
	}

	/** The annotations of {@code type} the editor draws (marker annotations hidden by newer text excluded). */
	static List<Annotation> visible(ITextEditor editor, String type) {
		List<Annotation> result = new ArrayList<>();
		IAnnotationModel model = annotations(editor);
		for (Iterator<Annotation> it = model.getAnnotationIterator(); it.hasNext();) {
			Annotation a = it.next();
			if (type.equals(a.getType()) && !a.isMarkedDeleted()) {
				result.add(a);
			}
		}
		return result;
	}

	/**
	 * The workbench window as it is on screen, as PNG, into -Dquantrace.screenshots (default
	 * target/screenshots); the README shows copies of them from docs/images.
	 */
	static Path screenshot(String name) {
		settle(400);
		Display display = Display.getCurrent();
		// from the window's top (its menu bar, which SWT counts as trim) to the bottom of its client area: the
		// shell's bounds also include a frame that no window manager draws under Xvfb (a black strip below)
		Rectangle client = display.map(shell(), null, shell().getClientArea());
		int top = Math.max(0, Math.min(shell().getBounds().y, client.y));
		Rectangle b = new Rectangle(client.x, top, client.width, client.y + client.height - top);
		Image image = new Image(display, b.width, b.height);
		GC gc = new GC(display);
		try {
			gc.copyArea(image, b.x, b.y);
		} finally {
			gc.dispose();
		}
		try {
			Path dir = Path.of(System.getProperty("quantrace.screenshots", "target/screenshots"));
			Files.createDirectories(dir);
			Path file = dir.resolve(name + ".png");
			ImageLoader loader = new ImageLoader();
			loader.data = new ImageData[] { image.getImageData() };
			loader.save(file.toString(), SWT.IMAGE_PNG);
			return file;
		} catch (IOException e) {
			throw new IllegalStateException(e);
		} finally {
			image.dispose();
		}
	}
}
