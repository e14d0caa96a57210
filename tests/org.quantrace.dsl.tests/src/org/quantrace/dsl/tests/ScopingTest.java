package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;

/** What a name in a recipe refers to: its own recipe first, then its file, the files it imports, and the preset schemes. */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class ScopingTest {

	private static Path dir;

	@Inject
	private Recipes recipes;

	@BeforeAll
	static void files() throws IOException {
		dir = TestData.tempDir("scoping");
		Files.writeString(dir.resolve("m.onnx"), "");
		Files.createDirectories(dir.resolve("data"));
		Files.writeString(dir.resolve("shared.qr"), """
				model shared_model "m.onnx"
				dataset calib "data" role calibration
				quantize house_int8 extends fiq_int8 { calibrate entropy on calib }
				""");
	}

	@Test
	void recipeNamesShadowFileAndImportedNames() {
		XtextResource r = recipes.load(dir, "shadow.qr", """
				import "shared.qr"
				dataset calib "data" role training
				recipe r {
					models shared_model
					dataset calib "data" role calibration
					quantize q { calibrate minmax on calib }
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = recipes.validate(r);
		assertTrue(issues.isEmpty(), Recipes.describe(issues));
		Recipe recipe = Recipes.root(r).getRecipes().get(0);
		DatasetDeclaration own = (DatasetDeclaration) recipe.getDeclarations().get(0);
		var q = (org.quantrace.model.recipe.QuantizationConfig) recipe.getDeclarations().get(1);
		assertSame(own, q.getCalibration().getDataset(), "the recipe's own calib, not the file's or the import's");
		assertTrue(recipe.getUsedModels().get(0).eResource().getURI().toString().endsWith("shared.qr"));
	}

	@Test
	void importedSchemesAndPresetsResolve() {
		XtextResource r = recipes.load(dir, "imports.qr", """
				import "shared.qr"
				recipe r {
					model m "m.onnx"
					schemes drq, house_int8
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = recipes.validate(r);
		assertTrue(issues.isEmpty(), Recipes.describe(issues));
		Recipe recipe = Recipes.root(r).getRecipes().get(0);
		assertTrue(recipe.getSchemes().get(0).eResource().getURI().toString().endsWith("org/quantrace/dsl/presets.qr"));
		assertEquals("fiq_int8", recipe.getSchemes().get(1).getBase().getName(), "the import's scheme, extending a preset");
	}

	@Test
	void withoutTheImportItsNamesAreUnknown() {
		XtextResource r = recipes.load(dir, "noimport.qr", """
				recipe r {
					models shared_model
					schemes house_int8
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = recipes.validate(r);
		assertEquals(List.of(IssueCodes.UNKNOWN_REFERENCE, IssueCodes.UNKNOWN_SCHEME), issues.stream().map(Issue::getCode).toList(), Recipes.describe(issues));
		assertEquals(2, issues.get(0).getLineNumber());
	}

	/** Imports are not transitive; a name declared one import further says which import is missing, and adding it resolves it. */
	@Test
	void aNameOneImportFurtherSaysWhichImportIsMissing() throws IOException {
		Files.writeString(dir.resolve("mid.qr"), """
				import "shared.qr"
				dataset mid_data "data" role evaluation
				""");
		XtextResource r = recipes.load(dir, "transitive.qr", """
				import "mid.qr"
				recipe r {
					models shared_model
					schemes house_int8
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = issuesOf(r, IssueCodes.UNKNOWN_REFERENCE, IssueCodes.UNKNOWN_SCHEME);
		assertEquals("model 'shared_model' is declared in shared.qr, which mid.qr imports; imports are not transitive: add import \"shared.qr\" to this file",
				issues.get(0).getMessage());
		assertTrue(issues.get(1).getMessage().startsWith("scheme 'house_int8' is declared in shared.qr, which mid.qr imports"), issues.get(1).getMessage());

		issuesOf(recipes.load(dir, "transitive2.qr", "import \"shared.qr\"\n" + r.getParseResult().getRootNode().getText()));
	}

	/** A calibration dataset of an import is not the recipe's own; the error says how to name it, and that way validates. */
	@Test
	void anImportedCalibrationDatasetIsNamedByAScheme() {
		XtextResource r = recipes.load(dir, "sharedcalib.qr", """
				import "shared.qr"
				recipe r {
					model m "m.onnx"
					schemes fiq_int8
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = issuesOf(r, IssueCodes.MISSING_CALIBRATION_DATA);
		assertTrue(issues.get(0).getMessage().endsWith("; 'calib' (shared.qr) is a calibration dataset declared outside this recipe, which a scheme uses"
				+ " only when it names it: quantize my_fiq_int8 extends fiq_int8 { calibrate minmax on calib } and schemes my_fiq_int8"), issues.get(0).getMessage());

		issuesOf(recipes.load(dir, "sharedcalib2.qr", r.getParseResult().getRootNode().getText()
				.replace("schemes fiq_int8", "quantize my_fiq_int8 extends fiq_int8 { calibrate minmax on calib } schemes my_fiq_int8")));
	}

	@Test
	void anUnknownDocumentSaysHowADocumentIsDeclared() {
		XtextResource r = recipes.load(dir, "document.qr", """
				recipe r {
					model m "m.onnx"
					schemes drq
					document extends house_style { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = issuesOf(r, IssueCodes.UNKNOWN_REFERENCE);
		assertTrue(issues.get(0).getMessage().startsWith("no document named 'house_style' here: declare it (document house_style { project \"...\" })"),
				issues.get(0).getMessage());
	}

	@Test
	void anotherRecipesDeclarationsByQualifiedName() {
		XtextResource r = recipes.load(dir, "qualified.qr", """
				recipe lean {
					model m "m.onnx"
					document { approved-by "B" reviewed-by "R" }
				}
				recipe both {
					model fat "m.onnx"
					models lean.m
					document { approved-by "B" reviewed-by "R" }
				}
				""");
		List<Issue> issues = recipes.validate(r);
		assertTrue(issues.isEmpty(), Recipes.describe(issues));
		assertSame(Recipes.root(r).getRecipes().get(0).getDeclarations().get(0), Recipes.root(r).getRecipes().get(1).getUsedModels().get(0));
	}

	/** The recipe's issues, which must be of {@code codes} in this order (none: it validates clean). */
	private List<Issue> issuesOf(XtextResource r, String... codes) {
		List<Issue> issues = recipes.validate(r);
		assertEquals(List.of(codes), issues.stream().map(Issue::getCode).toList(), Recipes.describe(issues));
		return issues;
	}
}
