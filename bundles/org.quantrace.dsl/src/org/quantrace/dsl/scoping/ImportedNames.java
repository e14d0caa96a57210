package org.quantrace.dsl.scoping;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.naming.QualifiedName;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.model.recipe.Import;
import org.quantrace.model.recipe.RecipeFile;

/**
 * Names a recipe cannot see because imports are not transitive (a recipe sees the files it imports, not what those
 * import: {@link RecipeGlobalScopeProvider}), found so that the message for an unknown name can say which import is
 * missing instead of only "declare it".
 */
public final class ImportedNames {

	private ImportedNames() {
	}

	/**
	 * Where an object of {@code type} named {@code name} is declared in a file imported by one of this file's imports
	 * (or deeper), as "base.qr, which shared.qr imports"; null when there is none.
	 */
	public static String beyondImports(EObject context, EClass type, String name, IQualifiedNameProvider names) {
		Resource own = context.eResource();
		if (own == null || own.getResourceSet() == null || own.getContents().isEmpty() || !(own.getContents().get(0) instanceof RecipeFile file)) {
			return null;
		}
		Set<URI> visited = new HashSet<>(List.of(own.getURI()));
		List<RecipeFile> direct = new ArrayList<>();
		for (Import i : file.getImports()) {
			RecipeFile f = read(own, i);
			if (f != null && visited.add(f.eResource().getURI())) {
				direct.add(f);
			}
		}
		for (RecipeFile via : direct) {
			String found = search(via, type, name, names, visited, own);
			if (found != null) {
				return found;
			}
		}
		return null;
	}

	private static String search(RecipeFile via, EClass type, String name, IQualifiedNameProvider names, Set<URI> visited, Resource own) {
		for (Import i : via.getImports()) {
			RecipeFile f = read(via.eResource(), i);
			if (f == null || !visited.add(f.eResource().getURI())) {
				continue;
			}
			if (declares(f, type, name, names)) {
				return fileName(f) + ", which " + fileName(via) + " imports; imports are not transitive: add import \"" + RecipeFiles.importPath(folder(own), Path.of(f.eResource().getURI().toFileString()).toAbsolutePath()) + "\" to this file";
			}
			String deeper = search(f, type, name, names, visited, own);
			if (deeper != null) {
				return deeper;
			}
		}
		return null;
	}

	private static boolean declares(RecipeFile f, EClass type, String name, IQualifiedNameProvider names) {
		for (var it = f.eAllContents(); it.hasNext();) {
			EObject o = it.next();
			QualifiedName q = type.isInstance(o) ? names.getFullyQualifiedName(o) : null;
			if (q != null && q.toString().equals(name)) {
				return true;
			}
		}
		return false;
	}

	/** The recipe file an import names, read into the importer's resource set; null for anything but a readable .qr file. */
	private static RecipeFile read(Resource importer, Import i) {
		try {
			URI uri = URI.createURI(i.getImportURI()).resolve(importer.getURI());
			if (!"qr".equals(uri.fileExtension()) || !uri.isFile() || !Files.isRegularFile(Path.of(uri.toFileString()))) {
				return null;
			}
			Resource r = importer.getResourceSet().getResource(uri, true);
			return r != null && !r.getContents().isEmpty() && r.getContents().get(0) instanceof RecipeFile f ? f : null;
		} catch (RuntimeException e) {
			return null; // an unreadable import has its own error (RecipePathValidator)
		}
	}

	private static Path folder(Resource own) {
		return Path.of(own.getURI().toFileString()).toAbsolutePath().getParent();
	}

	private static String fileName(RecipeFile f) {
		return f.eResource().getURI().lastSegment();
	}
}
