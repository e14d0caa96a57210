/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl.ide;

import com.google.inject.Guice;
import com.google.inject.Injector;
import org.eclipse.xtext.util.Modules2;
import org.quantrace.dsl.RecipeRuntimeModule;
import org.quantrace.dsl.RecipeStandaloneSetup;

/**
 * Initialization support for running Xtext languages as language servers.
 */
public class RecipeIdeSetup extends RecipeStandaloneSetup {

	@Override
	public Injector createInjector() {
		return Guice.createInjector(Modules2.mixin(new RecipeRuntimeModule(), new RecipeIdeModule()));
	}
	
}
