package org.quantrace.ide.editor;

/**
 * Who serves the recipe editor. By default the in-process Xtext services of this bundle. An Eclipse that
 * also has LSP4E could run the recipe language server too (bundle org.quantrace.ide); both at once would
 * show every diagnostic, completion and hover twice, so the server's content-type mapping is enabled only
 * when Eclipse starts with {@code -Dquantrace.recipe.editor=lsp4e}, and then this bundle's services step
 * aside (the same property is tested by the enabledWhen expressions in plugin.xml).
 */
public final class RecipeEditorMode {

	public static final String PROPERTY = "quantrace.recipe.editor";
	public static final String LSP4E = "lsp4e";

	private RecipeEditorMode() {
	}

	/** True unless the user chose the language server through LSP4E. */
	public static boolean inProcess() {
		return !LSP4E.equals(System.getProperty(PROPERTY));
	}
}
