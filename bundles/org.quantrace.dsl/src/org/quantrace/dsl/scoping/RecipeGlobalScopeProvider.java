package org.quantrace.dsl.scoping;

import java.net.URL;
import java.util.LinkedHashSet;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.scoping.impl.ImportUriGlobalScopeProvider;

/**
 * What a recipe sees beyond its own file: the files it imports (import "shared.qr"), nothing else, so a
 * reviewer finds every name a recipe uses in the files it names; plus the library of preset schemes
 * (presets.qr: the results deck's five pipelines), which every recipe sees.
 */
public class RecipeGlobalScopeProvider extends ImportUriGlobalScopeProvider {

	/** The preset schemes, in the order of the results deck. */
	public static final List<String> PRESETS = List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8");

	private static final String PRESETS_RESOURCE = "org/quantrace/dsl/presets.qr";

	/** Where the preset library is: inside this bundle's jar (or classes folder). */
	public static URI presetsUri() {
		URL url = RecipeGlobalScopeProvider.class.getClassLoader().getResource(PRESETS_RESOURCE);
		if (url == null) {
			throw new IllegalStateException(PRESETS_RESOURCE + " is missing from the recipe language's bundle");
		}
		return URI.createURI(url.toString());
	}

	@Override
	protected LinkedHashSet<URI> getImportedUris(Resource resource) {
		LinkedHashSet<URI> uris = new LinkedHashSet<>(super.getImportedUris(resource));
		// only recipe files: Xtext would try to read any existing file (an .onnx, /etc/passwd) as a resource of some
		// language and fail; the validator explains the import instead (RecipePathValidator)
		uris.removeIf(u -> !"qr".equals(u.fileExtension()));
		URI presets = presetsUri();
		if (!presets.equals(resource.getURI())) {
			uris.add(presets);
		}
		return uris;
	}
}
