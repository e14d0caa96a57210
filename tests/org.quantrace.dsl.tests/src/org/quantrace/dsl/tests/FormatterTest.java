package org.quantrace.dsl.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.resource.SaveOptions;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.serializer.ISerializer;
import org.eclipse.xtext.testing.InjectWith;
import org.eclipse.xtext.testing.extensions.InjectionExtension;
import org.eclipse.xtext.formatting2.FormatterRequest;
import org.eclipse.xtext.formatting2.IFormatter2;
import org.eclipse.xtext.formatting2.regionaccess.ITextRegionAccess;
import org.eclipse.xtext.formatting2.regionaccess.ITextReplacement;
import org.eclipse.xtext.formatting2.regionaccess.TextRegionAccessBuilder;
import org.eclipse.xtext.validation.Issue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.quantrace.model.recipe.RecipeFile;
import org.quantrace.testing.TestData;

import com.google.inject.Inject;
import com.google.inject.Provider;

/** One layout for every recipe, and recipes saved by the tooling read back as the same model. */
@ExtendWith(InjectionExtension.class)
@InjectWith(RecipeInjectorProvider.class)
class FormatterTest {

	@Inject
	private Provider<IFormatter2> formatter;

	@Inject
	private Provider<FormatterRequest> requests;

	@Inject
	private TextRegionAccessBuilder regionAccess;

	@Inject
	private ISerializer serializer;

	@Inject
	private Recipes recipes;

	@Test
	void aCrampedRecipeIsLaidOutOneClausePerLine() {
		String formatted = format("""
					recipe   r   "demo"{responsible "me" model m "m.onnx" id SW-LEAN version 1.2
					   prune{ sparsity 50 %   pattern block 4 x 1 exclude "a" ,"b"}
					quantize q extends fiq_int8{calibrate percentile 99.9 on d   exclude op Softmax layer "c"{range -1 to 6}}
					schemes drq ,q
					evaluate on d metrics accuracy ,f1 tolerance 0.5   pt
					accept when accuracy drop<1 pt
					}""");
		assertEquals("""
					recipe r "demo" {
						responsible "me"
						model m "m.onnx" id SW-LEAN version 1.2
						prune {
							sparsity 50%
							pattern block 4 x 1
							exclude "a", "b"
						}
						quantize q extends fiq_int8 {
							calibrate percentile 99.9 on d
							exclude op Softmax
							layer "c" {
								range -1 to 6
							}
						}
						schemes drq, q
						evaluate on d metrics accuracy, f1 tolerance 0.5 pt
						accept when accuracy drop < 1 pt
					}
					""", formatted);
	}

	@Test
	void aDocumentBlockIsLaidOutOneClausePerLine() {
		String formatted = format("""
					document acme{project "P" approved-by "A","B" history "1.0"   2026/11/01 "First" approval   required}""");
		assertEquals("""
					document acme {
						project "P"
						approved-by "A", "B"
						history "1.0" 2026/11/01 "First"
						approval required
					}
					""", formatted);
	}

	@Test
	void theExampleIsAlreadyFormatted() throws IOException {
		String text = Files.readString(TestData.example("fashion_cnn.qr"));
		assertEquals(text, format(text));
	}

	/** The text as the formatter lays it out (the editor's and the language server's "format document"). */
	private String format(String text) {
		XtextResource r = recipes.load(TestData.tempDir("format"), "f.qr", text);
		ITextRegionAccess access = regionAccess.forNodeModel(r).create();
		FormatterRequest request = requests.get().setTextRegionAccess(access);
		List<ITextReplacement> replacements = formatter.get().format(request);
		return access.getRewriter().renderToString(replacements);
	}

	@Test
	void formattingIsStable() throws IOException {
		String once = format(Files.readString(TestData.data("recipes/everything.qr")));
		assertEquals(once, format(once));
	}

	@Test
	void aSerializedRecipeParsesBackToTheSameModel() throws IOException {
		XtextResource original = recipes.load(TestData.data("recipes/everything.qr"));
		RecipeFile model = Recipes.root(original);
		String saved = serializer.serialize(model, SaveOptions.newBuilder().format().getOptions());
		Path dir = TestData.tempDir("roundtrip");
		Files.copy(TestData.data("recipes/shared.qr"), dir.resolve("shared.qr"));
		XtextResource reread = recipes.load(dir, "everything.qr", saved);
		List<Issue> errors = recipes.validate(reread).stream().filter(i -> i.getSeverity() == org.eclipse.xtext.diagnostics.Severity.ERROR).toList();
		assertTrue(errors.isEmpty(), saved + "\n" + Recipes.describe(errors));
		assertTrue(EcoreUtil.equals(model, Recipes.root(reread)), "the same model after a save:\n" + saved);
		assertEquals(saved, serializer.serialize(Recipes.root(reread), SaveOptions.newBuilder().format().getOptions()), "and the same text");
	}
}
