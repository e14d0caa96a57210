package org.quantrace.dsl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.URIHandler;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.RecipeFile;

import com.google.inject.Injector;

/**
 * Recipe files read outside an editor (command line, runner, Maven): parsed, linked and validated with the
 * editor's rules, diagnostics in the compiler style {@code file:line:column: severity [code] message}.
 * Warnings that stop a run ({@link IssueCodes#ERRORS_AT_RUN}: missing files) are errors here.
 */
public final class RecipeFiles {

	private static Injector injector;

	private RecipeFiles() {
	}

	/** The recipe language, set up once per process (it registers itself with EMF). */
	public static synchronized Injector injector() {
		if (injector == null) {
			injector = new RecipeStandaloneSetup().createInjectorAndDoEMFRegistration();
		}
		return injector;
	}

	/** One diagnostic: lines and columns from 1. */
	public record Diagnostic(Path file, int line, int column, Severity severity, String code, String message) {
		@Override
		public String toString() {
			return file + ":" + line + ":" + column + ": " + severity.name().toLowerCase(Locale.ROOT) + " [" + code + "] " + oneLine(message);
		}

		/**
		 * A diagnostic per line, whatever the message quotes from the recipe (a path with a line break in it): editors'
		 * problem matchers and scripts read the compiler style line by line. Control characters show as escapes.
		 */
		private static String oneLine(String message) {
			StringBuilder s = new StringBuilder(message.length());
			for (char c : message.toCharArray()) {
				switch (c) {
				case '\n' -> s.append("\\n");
				case '\r' -> s.append("\\r");
				default -> s.append(Character.isISOControl(c) && c != '\t' ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
				}
			}
			return s.toString();
		}
	}

	/** A recipe file as read: its model (null when the file does not exist) and what the rules found. */
	public record Loaded(Path file, RecipeFile recipe, List<Diagnostic> diagnostics) {
		public boolean hasErrors() {
			return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
		}

		public List<Diagnostic> errors() {
			return diagnostics.stream().filter(d -> d.severity() == Severity.ERROR).toList();
		}
	}

	/**
	 * Up to three files of {@code folder} whose names end with {@code extension} (not hidden, sorted): what a message
	 * offers when a folder was given where a file belongs. Empty when the folder cannot be read.
	 */
	public static List<String> someFiles(Path folder, String extension) {
		try (java.util.stream.Stream<Path> files = Files.list(folder)) {
			return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(extension) && !n.startsWith("."))
					.sorted().limit(3).toList();
		} catch (java.io.IOException | RuntimeException e) {
			return List.of();
		}
	}

	public static Loaded load(Path file) {
		Path path = file.toAbsolutePath().normalize();
		if (Files.isDirectory(path)) {
			List<String> recipes = someFiles(path, ".qr");
			return new Loaded(file, null, List.of(new Diagnostic(file, 1, 1, Severity.ERROR, IssueCodes.NOT_A_FILE, "a folder, not a recipe file: give the .qr file"
					+ (recipes.isEmpty() ? "" : ", e.g. " + String.join(" or ", recipes.stream().map(n -> file.resolve(n).toString()).toList())))));
		}
		if (Files.exists(path) && !Files.isRegularFile(path)) { // /dev/null, a named pipe: "not found" of a path that is there misled
			return new Loaded(file, null, List.of(new Diagnostic(file, 1, 1, Severity.ERROR, IssueCodes.NOT_A_FILE,
					"not a regular file (a device, a named pipe or a socket), so not a recipe: give the .qr file")));
		}
		if (!Files.isRegularFile(path)) {
			return new Loaded(file, null, List.of(new Diagnostic(file, 1, 1, Severity.ERROR, IssueCodes.PATH_NOT_FOUND,
					"recipe file not found (looked for " + path + "): check the path, relative to the current folder")));
		}
		if (!path.getFileName().toString().endsWith(".qr")) { // no resource factory for other files: not ours to parse
			return new Loaded(file, null, List.of(new Diagnostic(file, 1, 1, Severity.ERROR, IssueCodes.PATH_NOT_FOUND,
					"not a recipe: recipe files end in .qr")));
		}
		XtextResourceSet set = injector().getInstance(XtextResourceSet.class);
		set.getURIConverter().getURIHandlers().add(0, new AsParsed());
		XtextResource resource = (XtextResource) set.getResource(URI.createFileURI(path.toString()), true);
		List<Issue> issues = injector().getInstance(IResourceValidator.class).validate(resource, CheckMode.ALL, CancelIndicator.NullImpl);
		List<Diagnostic> diagnostics = new ArrayList<>();
		for (Issue i : issues) {
			Severity s = IssueCodes.ERRORS_AT_RUN.contains(i.getCode()) ? Severity.ERROR : i.getSeverity();
			diagnostics.add(new Diagnostic(file, i.getLineNumber() == null ? 1 : i.getLineNumber(), i.getColumn() == null ? 1 : i.getColumn(), s,
					i.getCode() == null ? "recipe" : i.getCode(), i.getMessage()));
		}
		org.quantrace.dsl.validation.RecipeEncoding.Problem encoding = resource.getParseResult() == null || resource.getParseResult().getRootNode() == null ? null
				: org.quantrace.dsl.validation.RecipeEncoding.of(resource.getParseResult().getRootNode().getText());
		if (encoding != null && diagnostics.stream().noneMatch(d -> IssueCodes.FILE_ENCODING.equals(d.code()))) { // a UTF-16 file does not parse, so is not validated
			diagnostics.add(new Diagnostic(file, encoding.line(), encoding.column(), Severity.ERROR, IssueCodes.FILE_ENCODING, encoding.message()));
		}
		diagnostics.sort(Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
		RecipeFile recipe = resource.getContents().isEmpty() ? null : (RecipeFile) resource.getContents().get(0);
		return new Loaded(file, recipe, diagnostics);
	}

	/**
	 * The bytes a recipe file {@link #load} read (the recipe, or a file it imports) were parsed from, or null when it was not
	 * read so: what a run copies into its outputs and hashes as the recipe that ran. A second reading of the file may find
	 * it edited since (hostile19: a recipe edited while its run checked the data was copied and hashed as edited, beside
	 * results of the text parsed before).
	 */
	public static byte[] bytesAsParsed(org.eclipse.emf.ecore.resource.ResourceSet set, Path file) {
		for (URIHandler h : set.getURIConverter().getURIHandlers()) {
			if (h instanceof AsParsed a) {
				byte[] bytes = a.read.get(file.toAbsolutePath().normalize());
				return bytes == null ? null : bytes.clone();
			}
		}
		return null;
	}

	/** Reads each file URI once, whole, keeping the bytes it hands the parser. */
	private static final class AsParsed extends org.eclipse.emf.ecore.resource.impl.FileURIHandlerImpl {
		final java.util.Map<Path, byte[]> read = new java.util.concurrent.ConcurrentHashMap<>();

		@Override
		public java.io.InputStream createInputStream(URI uri, java.util.Map<?, ?> options) throws java.io.IOException {
			byte[] bytes;
			try (java.io.InputStream in = super.createInputStream(uri, options)) {
				bytes = in.readAllBytes();
			}
			read.putIfAbsent(Path.of(uri.toFileString()).toAbsolutePath().normalize(), bytes);
			return new java.io.ByteArrayInputStream(bytes);
		}
	}

	/** {@code file} relative to {@code folder} as an import writes it (forward slashes); its name alone where it cannot be. */
	public static String importPath(Path folder, Path file) {
		try {
			return folder.relativize(file).normalize().toString().replace('\\', '/');
		} catch (IllegalArgumentException e) {
			return file.getFileName() == null ? "shared.qr" : file.getFileName().toString();
		}
	}
}
