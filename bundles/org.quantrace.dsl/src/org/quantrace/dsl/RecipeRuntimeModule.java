/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl;

import org.eclipse.xtext.conversion.IValueConverterService;
import org.eclipse.xtext.linking.ILinkingDiagnosticMessageProvider;
import org.eclipse.xtext.parser.IEncodingProvider;
import org.eclipse.xtext.parser.antlr.ISyntaxErrorMessageProvider;
import org.eclipse.xtext.scoping.IGlobalScopeProvider;
import org.eclipse.xtext.validation.IResourceValidator;
import org.quantrace.dsl.conversion.RecipeValueConverters;
import org.quantrace.dsl.linking.RecipeLinkingDiagnostics;
import org.quantrace.dsl.parser.RecipeFileEncoding;
import org.quantrace.dsl.parser.RecipeResourceValidator;
import org.quantrace.dsl.parser.RecipeSyntaxErrors;
import org.quantrace.dsl.scoping.RecipeGlobalScopeProvider;

/** The recipe language's own parts, bound over the generated defaults. */
public class RecipeRuntimeModule extends AbstractRecipeRuntimeModule {

	@Override
	public Class<? extends IValueConverterService> bindIValueConverterService() {
		return RecipeValueConverters.class;
	}

	@Override
	public Class<? extends IGlobalScopeProvider> bindIGlobalScopeProvider() {
		return RecipeGlobalScopeProvider.class;
	}

	public Class<? extends ISyntaxErrorMessageProvider> bindISyntaxErrorMessageProvider() {
		return RecipeSyntaxErrors.class;
	}

	public Class<? extends ILinkingDiagnosticMessageProvider> bindILinkingDiagnosticMessageProvider() {
		return RecipeLinkingDiagnostics.class;
	}

	/** Recipes are UTF-8 whatever the JVM's default charset or an Eclipse project's settings say (the command line, the runner, the language server). */
	@Override
	public Class<? extends IEncodingProvider.Runtime> bindRuntimeEncodingProvider() {
		return RecipeFileEncoding.class;
	}

	/** Every tool's diagnostics: a file with a syntax error reports that error, not its consequences. */
	public Class<? extends IResourceValidator> bindIResourceValidator() {
		return RecipeResourceValidator.class;
	}
}
