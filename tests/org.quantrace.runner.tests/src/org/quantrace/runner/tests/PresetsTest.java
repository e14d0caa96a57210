package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.junit.jupiter.api.Test;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.scoping.RecipeGlobalScopeProvider;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.Exclusion;
import org.quantrace.model.recipe.ExclusionKind;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.runner.SchemeResolver;

/**
 * The recipe language and the engine agree on schemes: every preset of the language's library (presets.qr)
 * resolves to the engine's preset of that name, a scheme that sets nothing is the engine's default, and every
 * option is spelled alike on both sides.
 */
class PresetsTest {

	@Test
	void everyPresetOfTheLanguageResolvesToTheEnginesPreset() {
		Resource r = RecipeFiles.injector().getInstance(XtextResourceSet.class).getResource(RecipeGlobalScopeProvider.presetsUri(), true);
		assertTrue(r.getErrors().isEmpty(), r.getErrors().toString());
		List<QuantizationConfig> presets = r.getContents().get(0).eContents().stream().map(QuantizationConfig.class::cast).toList();
		assertEquals(Schemes.NAMES, presets.stream().map(QuantizationConfig::getName).toList(), "the results deck's five, in its order");
		assertEquals(Schemes.NAMES, RecipeGlobalScopeProvider.PRESETS);
		for (QuantizationConfig p : presets) {
			assertEquals(Schemes.preset(p.getName()), SchemeResolver.resolve(p), p.getName());
		}
	}

	@Test
	void aSchemeThatSetsNothingIsTheEnginesDefault() {
		QuantizationConfig plain = RecipeFactory.eINSTANCE.createQuantizationConfig();
		plain.setName("plain");
		assertEquals(QuantizationSpec.builder("plain").build(), SchemeResolver.resolve(plain));
	}

	/** float-slow-kernels reaches the engine, from the scheme itself or from its base; unset, the engine's default (off) stands. */
	@Test
	void floatSlowKernelsIsPassedOnAndInherited() {
		QuantizationConfig base = RecipeFactory.eINSTANCE.createQuantizationConfig();
		base.setName("narrow_float");
		base.setFloatSlowKernels(true);
		QuantizationConfig refined = RecipeFactory.eINSTANCE.createQuantizationConfig();
		refined.setName("refined");
		refined.setBase(base);
		refined.setIo(IOType.INT8);
		QuantizationConfig plain = RecipeFactory.eINSTANCE.createQuantizationConfig();
		plain.setName("plain");
		assertTrue(SchemeResolver.resolve(base).floatSlowKernels());
		assertTrue(SchemeResolver.resolve(refined).floatSlowKernels(), "inherited from the base");
		assertEquals(Boolean.getBoolean(QuantizationSpec.FLOAT_SLOW_KERNELS), SchemeResolver.resolve(plain).floatSlowKernels());
	}

	@Test
	void everyOptionIsSpelledAlikeInRecipesAndTheEngine() {
		QuantizationTechnique.VALUES.forEach(t -> assertEquals(t.getLiteral(), QuantizationSpec.Technique.valueOf(t.name()).literal()));
		IOType.VALUES.forEach(t -> assertEquals(t.getLiteral(), QuantizationSpec.IoType.valueOf(t.name()).literal()));
		Precision.VALUES.forEach(p -> assertEquals(p.getLiteral(), QuantType.valueOf(p.name()).literal()));
		QuantizationScheme.VALUES.forEach(s -> assertEquals(s.getLiteral(), QuantizationSpec.Symmetry.valueOf(s.name()).literal()));
		Granularity.VALUES.forEach(g -> assertEquals(g.getLiteral(), QuantizationSpec.Granularity.valueOf(g.name()).literal()));
		CalibrationMethod.VALUES.forEach(m -> assertEquals(m.getLiteral(), CalibrationSettings.Method.valueOf(m.name()).literal()));
		for (QuantizedTensor.Role role : QuantizedTensor.Role.values()) {
			assertEquals(role.name(), TensorRole.valueOf(role.name()).name(), "each tensor role has its trace value");
		}
		for (ExclusionKind kind : ExclusionKind.VALUES) {
			QuantizationConfig c = RecipeFactory.eINSTANCE.createQuantizationConfig();
			c.setName("excluding");
			Exclusion x = RecipeFactory.eINSTANCE.createExclusion();
			x.setKind(kind);
			x.setPattern("Softmax");
			c.getExclusions().add(x);
			assertEquals(kind.getLiteral(), SchemeResolver.resolve(c).exclusions().get(0).kind().literal());
		}
	}
}
