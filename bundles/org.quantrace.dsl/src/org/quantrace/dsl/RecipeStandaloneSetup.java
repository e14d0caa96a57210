/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl;

import org.quantrace.model.QuantraceModel;

import com.google.inject.Injector;

/** Sets the language up without the Eclipse extension registry (command line, runner, language server, tests). */
public class RecipeStandaloneSetup extends RecipeStandaloneSetupGenerated {

	public static void doSetup() {
		new RecipeStandaloneSetup().createInjectorAndDoEMFRegistration();
	}

	@Override
	public Injector createInjectorAndDoEMFRegistration() {
		// the grammar imports the recipe package: outside OSGi nothing else registers it
		QuantraceModel.init();
		return super.createInjectorAndDoEMFRegistration();
	}
}
