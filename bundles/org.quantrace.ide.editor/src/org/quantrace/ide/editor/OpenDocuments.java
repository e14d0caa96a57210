package org.quantrace.ide.editor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.core.filebuffers.FileBuffers;
import org.eclipse.core.filebuffers.ITextFileBuffer;
import org.eclipse.core.filebuffers.ITextFileBufferManager;
import org.eclipse.core.filebuffers.LocationKind;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.IPath;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.impl.ExtensibleURIConverterImpl;
import org.eclipse.jface.text.IDocument;

/**
 * The text of recipe files as the user sees them: the document of an open (possibly unsaved) editor, else
 * the file on disk. Imports are resolved through it, so a change in an imported file shows in the
 * recipes that import it before it is saved.
 */
public final class OpenDocuments {

	private OpenDocuments() {
	}

	/** The file a document of an open editor belongs to (its location on disk), or null (compare viewers, untitled text). */
	public static Path fileOf(IDocument document) {
		ITextFileBufferManager manager = FileBuffers.getTextFileBufferManager();
		ITextFileBuffer buffer = manager == null ? null : manager.getTextFileBuffer(document);
		if (buffer == null) {
			return null;
		}
		IPath location = buffer.getLocation();
		IFile file = location == null || location.segmentCount() < 2 ? null : ResourcesPlugin.getWorkspace().getRoot().getFile(location);
		if (file != null && file.exists() && file.getLocation() != null) {
			return file.getLocation().toPath();
		}
		return buffer.getFileStore() != null && "file".equals(buffer.getFileStore().toURI().getScheme()) ? Path.of(buffer.getFileStore().toURI()) : null;
	}

	/** The workspace file at {@code path} on disk, or null when it is not in the workspace. */
	public static IFile workspaceFile(Path path) {
		IFile[] files = ResourcesPlugin.getWorkspace().getRoot().findFilesForLocationURI(path.toUri());
		for (IFile f : files) {
			if (f.exists()) {
				return f;
			}
		}
		return files.length > 0 ? files[0] : null;
	}

	/** The document of an open editor on {@code path}, or null. */
	static IDocument openDocument(Path path) {
		IFile file = workspaceFile(path);
		ITextFileBufferManager manager = FileBuffers.getTextFileBufferManager();
		if (file == null || manager == null) {
			return null;
		}
		ITextFileBuffer buffer = manager.getTextFileBuffer(file.getFullPath(), LocationKind.IFILE);
		return buffer == null ? null : buffer.getDocument();
	}

	/** Reads file: URIs from open editors first. */
	static final class Converter extends ExtensibleURIConverterImpl {
		@Override
		public InputStream createInputStream(URI uri, Map<?, ?> options) throws IOException {
			if (uri.isFile()) {
				IDocument open = openDocument(Path.of(uri.toFileString()));
				if (open != null) {
					return new ByteArrayInputStream(open.get().getBytes(StandardCharsets.UTF_8));
				}
			}
			return super.createInputStream(uri, options);
		}
	}
}
