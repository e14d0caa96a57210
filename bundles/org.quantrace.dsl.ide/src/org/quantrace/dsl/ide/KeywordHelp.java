package org.quantrace.dsl.ide;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import org.eclipse.emf.ecore.EObject;

/**
 * What each word of the recipe language means, for hover and completion details. The texts are in
 * keywords.properties next to this class; a test checks that every keyword of the grammar has one.
 */
public final class KeywordHelp {

	private static final Properties MEANINGS = load();

	private KeywordHelp() {
	}

	/** The meaning of a keyword, or null for punctuation. */
	public static String meaning(String keyword) {
		return MEANINGS.getProperty(keyword);
	}

	/** How the language names a kind of declaration or step: model, dataset, scheme, prune... */
	public static String kindOf(EObject o) {
		return switch (o.eClass().getName()) {
		case "ModelDeclaration" -> "model";
		case "DatasetDeclaration" -> "dataset";
		case "Preprocessing" -> "preprocess";
		case "QuantizationConfig" -> "scheme";
		case "DocumentInfo" -> "document";
		case "Recipe" -> "recipe";
		case "ConversionStep" -> "convert";
		case "PruningStep" -> "prune";
		case "FactorizationStep" -> "factorize";
		case "EvaluationStep" -> "evaluate";
		case "DebugStep" -> "debug";
		case "RecoveryStep" -> "recover";
		default -> o.eClass().getName();
		};
	}

	private static Properties load() {
		Properties p = new Properties();
		try (InputStream in = KeywordHelp.class.getResourceAsStream("keywords.properties")) {
			if (in == null) {
				throw new IllegalStateException("keywords.properties is missing from the recipe language server's bundle");
			}
			p.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return p;
	}
}
