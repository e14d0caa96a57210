package org.quantrace.dsl.parser;

import java.nio.charset.StandardCharsets;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.parser.IEncodingProvider;

/**
 * Recipes are UTF-8 text, whatever the machine's default: Xtext's runtime reads a file in the JVM's default charset, or in the
 * encoding an Eclipse project's .settings declare for it. Under {@code -Dfile.encoding=ISO-8859-1} (JAVA_TOOL_OPTIONS, COMPAT on
 * a Latin-1 system) a recipe's "İlkay Işık" went into the trace and every log as "Ä°lkay IÅÄ±k", and its "modèle.onnx" was not
 * found (hostile15); a run and its verify in two such environments read two different recipes from one file.
 */
public class RecipeFileEncoding extends IEncodingProvider.Runtime {

	@Override
	public String getEncoding(URI uri) {
		return StandardCharsets.UTF_8.name();
	}
}
