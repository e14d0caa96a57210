package org.quantrace.dsl.validation;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.validation.AbstractDeclarativeValidator;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.EValidatorRegistrar;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.Import;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.RecipePackage.Literals;

/**
 * The rules about files. Paths are relative to the recipe's folder. A missing file is a warning while the
 * recipe is edited (the data may not be there yet) and an error when it runs ({@link IssueCodes#ERRORS_AT_RUN});
 * a symbolic link in a data path is always an error, as the quantization specification forbids them.
 * Recipes that are not files (in memory, in tests) skip these checks.
 */
public class RecipePathValidator extends AbstractDeclarativeValidator {

	@Override
	public void register(EValidatorRegistrar registrar) {
		// composed into RecipeValidator, which registers for the package
	}

	@Check
	public void modelFileExists(ModelDeclaration m) {
		exists(m, Literals.MODEL_DECLARATION__PATH, m.getPath(), "model file");
	}

	@Check
	public void dataExists(DatasetDeclaration d) {
		if (exists(d, Literals.DATASET_DECLARATION__PATH, d.getPath(), "data")) {
			noSymbolicLinks(d, Literals.DATASET_DECLARATION__PATH, d.getPath());
		}
		if (exists(d, Literals.DATASET_DECLARATION__LABELS, d.getLabels(), "label file")) {
			noSymbolicLinks(d, Literals.DATASET_DECLARATION__LABELS, d.getLabels());
		}
	}

	@Check
	public void importExists(Import i) {
		Path p = resolve(i, i.getImportURI());
		if (p != null && !Files.isRegularFile(p)) {
			error("import \"" + i.getImportURI() + "\": no such recipe file (looked for " + p + ")", i, Literals.IMPORT__IMPORT_URI,
					IssueCodes.IMPORT_NOT_FOUND);
		}
	}

	/** {@code path} resolved against the folder of the recipe holding {@code context}; null when the recipe is not a file. */
	public static Path resolve(EObject context, String path) {
		Resource r = context.eResource();
		URI uri = r == null ? null : r.getURI();
		if (path == null || uri == null || !uri.isFile()) {
			return null;
		}
		try {
			return Path.of(uri.toFileString()).getParent().resolve(path).normalize();
		} catch (InvalidPathException e) {
			return null;
		}
	}

	private boolean exists(EObject o, EStructuralFeature f, String path, String what) {
		Path p = resolve(o, path);
		if (p == null) {
			return false;
		}
		if (!Files.exists(p) && !Files.isSymbolicLink(p)) {
			warning("the " + what + " \"" + path + "\" does not exist (looked for " + p + "): fix the path, relative to the recipe's folder",
					o, f, IssueCodes.PATH_NOT_FOUND);
			return false;
		}
		return true;
	}

	/** The path and every folder the recipe names on the way to it must be real, not links. */
	private void noSymbolicLinks(EObject o, EStructuralFeature f, String path) {
		Path written = Path.of(path);
		Path cur = written.isAbsolute() ? written.getRoot() : resolve(o, ".");
		for (Path name : written) {
			cur = cur.resolve(name);
			if (!name.toString().equals("..") && !name.toString().equals(".") && Files.isSymbolicLink(cur)) {
				error("\"" + path + "\" goes through the symbolic link " + cur.normalize() + ": the specification forbids links in data paths;"
						+ " give the real path", o, f, IssueCodes.SYMBOLIC_LINK);
				return;
			}
		}
	}
}
