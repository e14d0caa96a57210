package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.scoping.RecipeGlobalScopeProvider;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.model.recipe.QuantizationConfig;

import com.google.inject.Inject;
import com.google.inject.Provider;

/** The preset library recipes read is the same five schemes the engine builds for the command line. */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class PresetsTest {

	@Inject
	private Provider<XtextResourceSet> sets;

	@Test
	void presetsMatchTheEnginesSchemes() {
		XtextResource r = (XtextResource) sets.get().getResource(RecipeGlobalScopeProvider.presetsUri(), true);
		assertTrue(r.getErrors().isEmpty(), r.getErrors().toString());
		List<QuantizationConfig> presets = r.getContents().get(0).eContents().stream().map(QuantizationConfig.class::cast).toList();
		assertEquals(RecipeGlobalScopeProvider.PRESETS, presets.stream().map(QuantizationConfig::getName).toList());
		assertEquals(Schemes.NAMES, RecipeGlobalScopeProvider.PRESETS);
		for (QuantizationConfig p : presets) {
			QuantizationConfig copy = EcoreUtil.copy(p);
			copy.setDescription(null);
			assertTrue(EcoreUtil.equals(Schemes.preset(p.getName()), copy), p.getName());
		}
	}
}
