package org.quantrace.ide.editor;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.core.resources.IEncodedStorage;
import org.eclipse.core.resources.IStorage;
import org.eclipse.core.runtime.IPath;
import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.ui.IPersistableElement;
import org.eclipse.ui.IStorageEditorInput;

/**
 * Text that is not a workspace file, shown read-only in an editor: the preset library inside the language's
 * bundle, a model's inspection. The name's extension picks the editor's content type (presets.qr is a recipe).
 */
public record ReadOnlyText(String name, String text, String tooltip) implements IStorageEditorInput {

	@Override
	public IStorage getStorage() {
		return new IEncodedStorage() {
			@Override
			public InputStream getContents() {
				return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
			}

			@Override
			public String getCharset() {
				return StandardCharsets.UTF_8.name();
			}

			@Override
			public IPath getFullPath() {
				return null;
			}

			@Override
			public String getName() {
				return name;
			}

			@Override
			public boolean isReadOnly() {
				return true;
			}

			@Override
			public <T> T getAdapter(Class<T> adapter) {
				return null;
			}
		};
	}

	@Override
	public boolean exists() {
		return false;
	}

	@Override
	public ImageDescriptor getImageDescriptor() {
		return null;
	}

	@Override
	public String getName() {
		return name;
	}

	@Override
	public IPersistableElement getPersistable() {
		return null;
	}

	@Override
	public String getToolTipText() {
		return tooltip;
	}

	@Override
	public <T> T getAdapter(Class<T> adapter) {
		return null;
	}
}
