package org.quantrace.ide.editor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.ide.server.Document;
import org.eclipse.xtext.resource.IResourceFactory;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;
import org.quantrace.dsl.ide.RecipeIdeSetup;

import com.google.inject.Injector;

/**
 * The recipe language inside the IDE's JVM: the same Xtext injector the language server builds (runtime
 * and IDE services: validation, completion, hover, outline, formatting, definitions), set up once. Every
 * editor feature parses the text it is given into a fresh resource set, so that imports are read as they
 * are now (from open editors first, see {@link OpenDocuments}) and nothing is shared between threads.
 */
public final class RecipeLanguage {

	private static Injector injector;

	private RecipeLanguage() {
	}

	public static synchronized Injector injector() {
		if (injector == null) {
			XtextLog.install();
			injector = new RecipeIdeSetup().createInjectorAndDoEMFRegistration();
		}
		return injector;
	}

	public static <T> T get(Class<T> type) {
		return injector().getInstance(type);
	}

	/** A recipe's text parsed and linked as the file {@code file} (null: not a file, path rules are skipped). */
	public static Parsed parse(String text, Path file) {
		XtextResourceSet set = get(XtextResourceSet.class);
		set.setURIConverter(new OpenDocuments.Converter());
		// recipes of this set are this injector's: the global registry holds whichever recipe language set
		// itself up last (the runner's has no IDE services), and completion needs the IDE's parser
		set.getResourceFactoryRegistry().getExtensionToFactoryMap().put("qr", get(IResourceFactory.class));
		URI uri = file != null ? URI.createFileURI(file.toAbsolutePath().normalize().toString()) : URI.createURI("inmemory:/recipe.qr");
		XtextResource resource = (XtextResource) set.createResource(uri);
		try {
			resource.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), set.getLoadOptions());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return new Parsed(text, file, new Document(1, text), resource);
	}

	/** A snapshot: the text, the file it stands for, the language server's view of the text and the parsed resource. */
	public record Parsed(String text, Path file, Document document, XtextResource resource) {
		/** The recipe rules (the same validator as {@code quantrace validate} and the runner), with editing severities. */
		public List<Issue> validate(CancelIndicator cancel) {
			return get(IResourceValidator.class).validate(resource, CheckMode.ALL, cancel);
		}
	}
}
