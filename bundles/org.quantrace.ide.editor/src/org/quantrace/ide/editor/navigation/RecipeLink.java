package org.quantrace.ide.editor.navigation;

import org.eclipse.jface.text.IRegion;
import org.eclipse.jface.text.hyperlink.IHyperlink;
import org.eclipse.lsp4j.Location;

/** A link from a name to its declaration (a location as the language server reports it). */
public final class RecipeLink implements IHyperlink {

	private final IRegion region;
	private final String name;
	private final Location target;

	RecipeLink(IRegion region, String name, Location target) {
		this.region = region;
		this.name = name;
		this.target = target;
	}

	@Override
	public IRegion getHyperlinkRegion() {
		return region;
	}

	@Override
	public String getTypeLabel() {
		return "Declaration";
	}

	@Override
	public String getHyperlinkText() {
		String uri = target.getUri();
		return "Open the declaration of " + name + " (" + uri.substring(uri.lastIndexOf('/') + 1) + ")";
	}

	public Location target() {
		return target;
	}

	@Override
	public void open() {
		RecipeEditors.open(target);
	}
}
