package org.quantrace.ide.editor;

import org.eclipse.ui.IStartup;
import org.quantrace.ide.editor.validation.RecipeMarkers;

/** At workbench start-up: recipes get their problem markers without an editor being opened first. */
public class RecipeStartup implements IStartup {

	@Override
	public void earlyStartup() {
		RecipeMarkers.start();
	}
}
