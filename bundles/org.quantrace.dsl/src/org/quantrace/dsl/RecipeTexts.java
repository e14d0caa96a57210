package org.quantrace.dsl;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.SaveOptions;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.serializer.ISerializer;
import org.quantrace.model.recipe.RecipeFile;

import com.google.inject.Inject;
import com.google.inject.Provider;

/** Recipes made by the tooling (import-config, IDE actions) written as text, in the formatter's layout. */
public class RecipeTexts {

	@Inject
	private Provider<XtextResourceSet> resourceSets;

	@Inject
	private ISerializer serializer;

	/**
	 * The recipe as it would be saved at {@code location}: put in a resource there first, so that references
	 * resolve (and print) as they will when the file is read back.
	 */
	public String write(RecipeFile recipe, URI location) {
		XtextResourceSet set = resourceSets.get();
		XtextResource resource = (XtextResource) set.createResource(location);
		resource.getContents().add(recipe);
		return serializer.serialize(recipe, SaveOptions.newBuilder().format().getOptions());
	}
}
