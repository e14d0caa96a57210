package org.quantrace.ide.editor.quickfix;

import java.util.List;

import org.eclipse.core.filebuffers.FileBuffers;
import org.eclipse.core.filebuffers.ITextFileBuffer;
import org.eclipse.core.filebuffers.ITextFileBufferManager;
import org.eclipse.core.filebuffers.LocationKind;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IPath;
import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.Position;
import org.eclipse.swt.graphics.Image;
import org.eclipse.ui.IMarkerResolution;
import org.eclipse.ui.IMarkerResolution2;
import org.eclipse.ui.IMarkerResolutionGenerator2;
import org.eclipse.ui.texteditor.AbstractMarkerAnnotationModel;
import org.quantrace.ide.editor.validation.RecipeProblems;

/**
 * Quick fixes of recipe problem markers (Problems view, and Ctrl+1 on a marker in the editor): the
 * {@link RecipeFixes} for the marker's issue code, applied to the file's document (the open editor's,
 * or the file itself, saved, when no editor has it).
 */
public class RecipeMarkerResolutions implements IMarkerResolutionGenerator2 {

	@Override
	public boolean hasResolutions(IMarker marker) {
		return RecipeFixes.canFix(marker.getAttribute(RecipeProblems.CODE, ""));
	}

	@Override
	public IMarkerResolution[] getResolutions(IMarker marker) {
		if (!(marker.getResource() instanceof IFile file) || file.getLocation() == null) {
			return new IMarkerResolution[0];
		}
		try {
			return withDocument(file, document -> {
				Position p = position(file, marker);
				List<RecipeFixes.Fix> fixes = p == null ? List.of()
						: RecipeFixes.fixes(document.get(), file.getLocation().toPath(), marker.getAttribute(RecipeProblems.CODE, ""), p.getOffset(),
								p.getLength());
				return fixes.stream().map(f -> new Resolution(f)).toArray(IMarkerResolution[]::new);
			});
		} catch (CoreException e) {
			return new IMarkerResolution[0];
		}
	}

	/** Where the marker is now: tracked by the open editor while the text is edited, else as last saved. */
	private static Position position(IFile file, IMarker marker) {
		ITextFileBuffer buffer = FileBuffers.getTextFileBufferManager().getTextFileBuffer(file.getFullPath(), LocationKind.IFILE);
		if (buffer != null && buffer.getAnnotationModel() instanceof AbstractMarkerAnnotationModel model) {
			Position p = model.getMarkerPosition(marker);
			if (p != null && !p.isDeleted()) {
				return p;
			}
		}
		int start = marker.getAttribute(IMarker.CHAR_START, -1);
		int end = marker.getAttribute(IMarker.CHAR_END, -1);
		return start < 0 || end < start ? null : new Position(start, end - start);
	}

	private interface DocumentWork<T> {
		T run(IDocument document) throws CoreException;
	}

	/** Runs {@code work} on the file's document, saving afterwards when no editor had the file open. */
	private static <T> T withDocument(IFile file, DocumentWork<T> work) throws CoreException {
		ITextFileBufferManager manager = FileBuffers.getTextFileBufferManager();
		IPath path = file.getFullPath();
		boolean open = manager.getTextFileBuffer(path, LocationKind.IFILE) != null;
		manager.connect(path, LocationKind.IFILE, null);
		try {
			ITextFileBuffer buffer = manager.getTextFileBuffer(path, LocationKind.IFILE);
			T result = work.run(buffer.getDocument());
			if (!open && buffer.isDirty()) {
				buffer.commit(null, true);
			}
			return result;
		} finally {
			manager.disconnect(path, LocationKind.IFILE, null);
		}
	}

	/** One fix; it applies only while the marked text still reads as when it was proposed. */
	static final class Resolution implements IMarkerResolution2 {
		private final RecipeFixes.Fix fix;

		Resolution(RecipeFixes.Fix fix) {
			this.fix = fix;
		}

		@Override
		public String getLabel() {
			return fix.label();
		}

		@Override
		public String getDescription() {
			return fix.label();
		}

		@Override
		public Image getImage() {
			return null;
		}

		@Override
		public void run(IMarker marker) {
			if (!(marker.getResource() instanceof IFile file)) {
				return;
			}
			try {
				withDocument(file, document -> {
					Position p = position(file, marker);
					int offset = p == null ? fix.offset() : p.getOffset();
					try {
						if (document.get(offset, fix.original().length()).equals(fix.original())) {
							document.replace(offset, fix.original().length(), fix.replacement());
						}
					} catch (BadLocationException e) {
						// the text moved on: nothing to fix there any more
					}
					return null;
				});
			} catch (CoreException e) {
				// the file cannot be written: the problem stays in the Problems view
			}
		}
	}

}
