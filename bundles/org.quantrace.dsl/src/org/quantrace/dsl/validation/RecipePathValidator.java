package org.quantrace.dsl.validation;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.EcoreUtil2;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.AbstractDeclarativeValidator;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.EValidatorRegistrar;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.Import;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.RecipeFile;
import org.quantrace.model.recipe.RecipePackage.Literals;

/**
 * The rules about files. Paths are relative to the recipe's folder. A missing file is a warning while the
 * recipe is edited (the data may not be there yet) and an error when it runs ({@link IssueCodes#ERRORS_AT_RUN});
 * a symbolic link in a model or data path is always an error, as the quantization specification forbids them.
 * Recipes that are not files (in memory, in tests) skip these checks.
 */
public class RecipePathValidator extends AbstractDeclarativeValidator {

	@Override
	public void register(EValidatorRegistrar registrar) {
		// composed into RecipeValidator, which registers for the package
	}

	/**
	 * The model file, a file, reached without a symbolic link: the quantization specification says "Do not use symbolic links to
	 * files and directories" of every path its configuration names, the model's (source_keras_model) among them. A model through a
	 * link was accepted while data through one was refused (hostile pass 2).
	 */
	@Check
	public void modelFileExists(ModelDeclaration m) {
		if (exists(m, Literals.MODEL_DECLARATION__PATH, m.getPath(), "model file")) {
			if (noSymbolicLinks(m, Literals.MODEL_DECLARATION__PATH, m.getPath())) {
				isFile(m, Literals.MODEL_DECLARATION__PATH, m.getPath(), "model", ".onnx");
			}
		}
	}

	@Check
	public void dataExists(DatasetDeclaration d) {
		if (exists(d, Literals.DATASET_DECLARATION__PATH, d.getPath(), "data")) {
			noSymbolicLinks(d, Literals.DATASET_DECLARATION__PATH, d.getPath());
		}
		if (exists(d, Literals.DATASET_DECLARATION__LABELS, d.getLabels(), "label file")) {
			noSymbolicLinks(d, Literals.DATASET_DECLARATION__LABELS, d.getLabels());
			isFile(d, Literals.DATASET_DECLARATION__LABELS, d.getLabels(), "label file", "");
		}
		if (exists(d, Literals.DATASET_DECLARATION__TARGETS, d.getTargets(), "target file")) {
			noSymbolicLinks(d, Literals.DATASET_DECLARATION__TARGETS, d.getTargets());
			isFile(d, Literals.DATASET_DECLARATION__TARGETS, d.getTargets(), "target file", ".npy");
		}
	}

	/** The file is UTF-8 text ({@link RecipeEncoding}): an error where the first byte that is not shows. */
	@Check
	public void fileIsUtf8(RecipeFile file) {
		RecipeEncoding.Problem p = RecipeEncoding.of(text(file.eResource()));
		if (p != null) {
			getMessageAcceptor().acceptError(p.message(), file, p.offset(), 1, IssueCodes.FILE_ENCODING);
		}
	}

	/** The text the parser read of {@code r}, empty when it holds none. */
	private static String text(Resource r) {
		return r instanceof org.eclipse.xtext.resource.XtextResource x && x.getParseResult() != null && x.getParseResult().getRootNode() != null
				? x.getParseResult().getRootNode().getText()
				: "";
	}

	/**
	 * An import names another recipe file, relative to this one, that reads without errors and does not lead back
	 * here. Xtext itself skips an import it cannot use (a path it has no language for, a file that does not
	 * parse), so without these rules a recipe would run without what it imports.
	 */
	@Check
	public void importIsARecipe(Import i) {
		String written = i.getImportURI();
		Path p = resolve(i, written);
		if (p == null) {
			return;
		}
		String lower = written.toLowerCase(Locale.ROOT);
		if (Path.of(written).isAbsolute() || written.startsWith("/") || written.startsWith("\\")) {
			Path folder = ownFile(i).getParent();
			error("import \"" + written + "\": an absolute path; imports are relative to the recipe's folder, so that a recipe and what it imports"
					+ " move together (and the trace names them so): " + (p.startsWith(folder) ? "write import \"" + RecipeFiles.importPath(folder, p) + "\""
							: "keep the shared recipe near this one and import it by a relative path (import \"../shared/common.qr\")"),
					i, Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_ABSOLUTE);
		} else if (lower.endsWith(".onnx")) {
			error("import \"" + written + "\": a model is not imported but declared: model NAME \"" + written + "\"", i, Literals.IMPORT__IMPORT_URI,
					IssueCodes.IMPORT_NOT_RECIPE);
		} else if (!written.endsWith(".qr")) {
			error("import \"" + written + "\": only recipe files (.qr) can be imported", i, Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_NOT_RECIPE);
		} else if (!Files.isRegularFile(p)) {
			error("import \"" + written + "\": no such recipe file (looked for " + p + ")" + slashes(written), i, Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_NOT_FOUND);
		} else if (p.equals(ownFile(i))) {
			error("import \"" + written + "\": the file imports itself: remove the import", i, Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_CYCLE);
		} else {
			Resource imported = load(i, written);
			List<Path> cycle = imported == null ? List.of() : cycleBack(imported, ownFile(i), new ArrayList<>(List.of(ownFile(i))), new HashSet<>());
			RecipeEncoding.Problem encoding = imported == null ? null : RecipeEncoding.of(text(imported));
			if (encoding != null) { // before its parse errors, which a UTF-16 file has too
				error("import \"" + written + "\": " + p.getFileName() + ": " + encoding.message(), i, Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_BROKEN);
			} else if (!cycle.isEmpty()) {
				error("import \"" + written + "\": the imports go round in a circle (" + String.join(" -> ", cycle.stream().map(x -> x.getFileName().toString())
						.toList()) + "): remove one of them (shared declarations belong in a file that imports none of its users)", i,
						Literals.IMPORT__IMPORT_URI, IssueCodes.IMPORT_CYCLE);
			} else if (imported == null || !imported.getErrors().isEmpty()) {
				Resource.Diagnostic first = imported == null ? null : imported.getErrors().get(0);
				error("import \"" + written + "\": the imported file has errors" + (first == null ? " (it cannot be read)"
						: " (" + p.getFileName() + ":" + first.getLine() + ":" + first.getColumn() + ": " + first.getMessage() + ")")
						+ ": fix it (quantrace validate " + p.getFileName() + "), or remove the import", i, Literals.IMPORT__IMPORT_URI,
						IssueCodes.IMPORT_BROKEN);
			}
		}
	}

	/** The imported file read into this recipe's resource set, its names linked (so that its errors are known); null if it cannot be read. */
	private static Resource load(EObject context, String written) {
		Resource r = context.eResource();
		try {
			URI uri = URI.createURI(written).resolve(r.getURI());
			Resource imported = r.getResourceSet().getResource(uri, true);
			if (imported != null) {
				EcoreUtil2.resolveLazyCrossReferences(imported, CancelIndicator.NullImpl);
			}
			return imported;
		} catch (RuntimeException e) {
			return null; // EMF wraps what failed (unreadable file) in a runtime exception
		}
	}

	/** The chain of imports from {@code from} back to {@code target}, starting with {@code path}; empty when there is none. */
	private static List<Path> cycleBack(Resource from, Path target, List<Path> path, Set<Path> visited) {
		Path here = Path.of(from.getURI().toFileString()).toAbsolutePath().normalize();
		if (!visited.add(here) || from.getContents().isEmpty() || !(from.getContents().get(0) instanceof RecipeFile file)) {
			return List.of();
		}
		path.add(here);
		for (Import next : file.getImports()) {
			Path p = resolve(next, next.getImportURI());
			if (p == null) {
				continue;
			}
			if (p.equals(target)) {
				List<Path> cycle = new ArrayList<>(path);
				cycle.add(target);
				return cycle;
			}
			Resource r = Files.isRegularFile(p) && p.toString().endsWith(".qr") ? load(next, next.getImportURI()) : null;
			List<Path> found = r == null ? List.of() : cycleBack(r, target, path, visited);
			if (!found.isEmpty()) {
				return found;
			}
		}
		path.remove(path.size() - 1);
		return List.of();
	}

	private static Path ownFile(EObject context) {
		return Path.of(context.eResource().getURI().toFileString()).toAbsolutePath().normalize();
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

	/** Why {@code path}, written in a recipe file, cannot be a file name on this system, or null when it can be one. */
	private static InvalidPathException unnameable(EObject context, String path) {
		if (path == null || context.eResource() == null || !context.eResource().getURI().isFile()) {
			return null;
		}
		try {
			Path.of(context.eResource().getURI().toFileString()).resolveSibling(path);
			return null;
		} catch (InvalidPathException e) {
			return e;
		}
	}

	private boolean exists(EObject o, EStructuralFeature f, String path, String what) {
		Path p = resolve(o, path);
		if (p == null) {
			InvalidPathException unnameable = unnameable(o, path);
			if (unnameable != null) { // the runner then stopped with an internal error (exit 70) where it resolved the path
				error("the " + what + " " + org.quantrace.model.FileNameEncoding.why(path, unnameable), o, f, IssueCodes.PATH_ENCODING);
			}
			return false;
		}
		if (!Files.exists(p) && !Files.isSymbolicLink(p)) {
			// after '~' no look-alike name: the folder "~" the recipe's folder lacks is no typo ("did you mean 'o3'?")
			warning("the " + what + " \"" + path + "\" does not exist (looked for " + p + "): fix the path, relative to the recipe's folder" + slashes(path)
					+ (org.quantrace.model.HomeFolder.unexpanded(path) != null ? "" : alike(p)),
					o, f, IssueCodes.PATH_NOT_FOUND);
			return false;
		}
		return true;
	}

	/**
	 * A model or a label file named by its folder is refused where it is written, with the files of that kind inside it to
	 * choose from (the run refused it too, but without the recipe's line).
	 */
	private void isFile(EObject o, EStructuralFeature f, String path, String what, String extension) {
		Path p = resolve(o, path);
		if (p == null || !Files.isDirectory(p)) {
			return;
		}
		List<String> inside = RecipeFiles.someFiles(p, extension).stream().map(n -> "\"" + (path.endsWith("/") ? path : path + "/") + n + "\"").toList();
		error("the " + what + " \"" + path + "\" is a folder, not a file: give the file's path" + (inside.isEmpty() ? "" : ", e.g. " + String.join(" or ", inside)),
				o, f, IssueCodes.NOT_A_FILE);
	}

	/**
	 * Where the first file or folder of {@code p} that does not exist has a sibling named alike, which one: the same letters in
	 * another Unicode form (an é typed as e and a combining accent, decomposed, where the file's name holds the composed é, or the
	 * other way round, as macOS and some editors write names), another case (file names are case-sensitive), or a misspelling.
	 * The message printed the recipe's name and the file's alike, and the user could not see what to fix. Empty when none is near.
	 */
	static String alike(Path p) {
		Path cur = p.toAbsolutePath().getRoot();
		for (Path name : p.toAbsolutePath()) {
			Path next = cur.resolve(name);
			if (!Files.exists(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
				List<String> siblings;
				try (java.util.stream.Stream<Path> list = Files.list(cur)) {
					siblings = list.limit(10_000).map(x -> x.getFileName().toString()).sorted().toList();
				} catch (java.io.IOException | java.io.UncheckedIOException e) {
					return "";
				}
				String written = name.toString();
				String composed = java.text.Normalizer.normalize(written, java.text.Normalizer.Form.NFC);
				for (String s : siblings) {
					if (java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC).equals(composed)) {
						return "; " + cur + " holds \"" + s + "\", the same letters stored in another Unicode form (the file's name " + form(s) + ", the recipe's "
								+ form(written) + "): type the name again in the recipe, or copy it from the folder's listing";
					}
				}
				String meant = org.quantrace.dsl.Suggestions.didYouMean(written, siblings);
				return meant == null ? "" : "; " + cur + " holds no \"" + written + "\": " + meant;
			}
			cur = next;
		}
		return "";
	}

	private static String form(String name) {
		return java.text.Normalizer.isNormalized(name, java.text.Normalizer.Form.NFC) ? "composed (NFC)" : "decomposed (NFD)";
	}

	/** For a path written with Windows' backslashes, which are file name characters elsewhere: how to write it. */
	private static String slashes(String path) {
		String home = org.quantrace.model.HomeFolder.unexpanded(path);
		if (home != null) {
			return "; " + home;
		}
		return path.indexOf('\\') < 0 ? "" : "; write / between folders, on Windows too (\"" + path.replace('\\', '/') + "\")";
	}

	/**
	 * The path and every folder the recipe names on the way to it must be real, not links (models, data and label files alike:
	 * the specification's "Do not use symbolic links to files and directories"). False after an error.
	 */
	private boolean noSymbolicLinks(EObject o, EStructuralFeature f, String path) {
		Path written = Path.of(path);
		Path cur = written.isAbsolute() ? written.getRoot() : resolve(o, ".");
		for (Path name : written) {
			cur = cur.resolve(name);
			if (!name.toString().equals("..") && !name.toString().equals(".") && Files.isSymbolicLink(cur)) {
				error("\"" + path + "\" goes through the symbolic link " + cur.normalize() + ": the quantization specification forbids symbolic links to"
						+ " files and folders (models and data alike); give the real path", o, f, IssueCodes.SYMBOLIC_LINK);
				return false;
			}
		}
		return true;
	}
}
