package org.quantrace.ide.editor.navigation;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.eclipse.core.filesystem.EFS;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.Status;
import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.lsp4j.Location;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.texteditor.ITextEditor;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.ReadOnlyText;

/** Opens recipes at a place: workspace files in their editor, the preset library (inside a bundle) read-only. */
public final class RecipeEditors {

	public static final String GENERIC_EDITOR = "org.eclipse.ui.genericeditor.GenericEditor";

	private RecipeEditors() {
	}

	/** Opens the location's file and selects its range; returns the editor, or null when it could not be opened. */
	public static ITextEditor open(Location location) {
		IWorkbenchPage page = PlatformUI.getWorkbench().getActiveWorkbenchWindow().getActivePage();
		try {
			URI uri = URI.create(location.getUri());
			IEditorPart part;
			if ("file".equals(uri.getScheme())) {
				IFile file = OpenDocuments.workspaceFile(Path.of(uri));
				part = file != null && file.exists() ? IDE.openEditor(page, file, true) : IDE.openEditorOnFileStore(page, EFS.getStore(uri));
			} else {
				part = page.openEditor(readOnly(uri), GENERIC_EDITOR, true);
			}
			ITextEditor editor = part == null ? null : part.getAdapter(ITextEditor.class);
			if (editor != null) {
				select(editor, location.getRange().getStart().getLine(), location.getRange().getStart().getCharacter(),
						location.getRange().getEnd().getLine(), location.getRange().getEnd().getCharacter());
			}
			return editor;
		} catch (CoreException | IllegalArgumentException e) {
			PlatformUI.getWorkbench().getDisplay().beep(); // nothing to open there
			return null;
		}
	}

	/** A recipe that is not a workspace file (the preset library in the language's bundle), read-only. */
	private static ReadOnlyText readOnly(URI uri) throws CoreException {
		try (InputStream in = uri.toURL().openStream()) {
			String path = uri.toString();
			return new ReadOnlyText(path.substring(path.lastIndexOf('/') + 1), new String(in.readAllBytes(), StandardCharsets.UTF_8), uri + " (read-only)");
		} catch (IOException e) {
			throw new CoreException(Status.error(uri + ": cannot be read", e));
		}
	}

	/** Selects lines and columns (from 0) in a text editor. */
	public static void select(ITextEditor editor, int line, int column, int endLine, int endColumn) {
		IDocument d = editor.getDocumentProvider().getDocument(editor.getEditorInput());
		try {
			int start = d.getLineOffset(Math.min(line, d.getNumberOfLines() - 1)) + column;
			int end = d.getLineOffset(Math.min(endLine, d.getNumberOfLines() - 1)) + endColumn;
			editor.selectAndReveal(Math.min(start, d.getLength()), Math.max(0, Math.min(end, d.getLength()) - start));
		} catch (BadLocationException e) {
			// the file changed: leave the selection
		}
	}
}
