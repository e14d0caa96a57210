package org.quantrace.ide.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.ide.tests.Workbench.UI;
import static org.quantrace.ide.tests.Workbench.page;
import static org.quantrace.ide.tests.Workbench.visible;
import static org.quantrace.ide.tests.Workbench.waitFor;
import static org.quantrace.ide.tests.Workbench.waitUntil;

import java.util.Arrays;
import java.util.List;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.ITextOperationTarget;
import org.eclipse.jface.text.ITextSelection;
import org.eclipse.jface.text.ITextViewer;
import org.eclipse.jface.text.Position;
import org.eclipse.jface.text.Region;
import org.eclipse.jface.text.contentassist.ICompletionProposal;
import org.eclipse.jface.text.hyperlink.IHyperlink;
import org.eclipse.jface.text.hyperlink.IHyperlinkDetector;
import org.eclipse.jface.text.source.Annotation;
import org.eclipse.jface.text.source.ISourceViewer;
import org.eclipse.jface.text.source.TextInvocationContext;
import org.eclipse.jface.text.source.projection.ProjectionViewer;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.swt.custom.StyleRange;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.IMarkerResolution;
import org.eclipse.ui.editors.text.EditorsUI;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.ui.texteditor.HyperlinkDetectorDescriptor;
import org.eclipse.ui.views.contentoutline.IContentOutlinePage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.ide.editor.colouring.RecipeTokenScanner;
import org.quantrace.ide.editor.contentassist.RecipeContentAssistProcessor;
import org.quantrace.ide.editor.format.FormatRecipeHandler;
import org.quantrace.ide.editor.hover.RecipeTextHover;
import org.quantrace.ide.editor.navigation.RecipeEditors;
import org.quantrace.ide.editor.outline.RecipeOutlinePage;
import org.quantrace.ide.editor.quickfix.RecipeQuickAssistProcessor;
import org.quantrace.ide.editor.validation.IssueAnnotation;
import org.quantrace.ide.editor.validation.RecipeMarkers;
import org.quantrace.ide.editor.validation.RecipeProblems;
import org.quantrace.ide.workbench.ExampleProject;

/**
 * The recipe editor in a real workbench: the example recipe and broken copies of it open in the generic
 * editor, served by the in-process Xtext services.
 */
class RecipeEditorTest {

	private static final String SCHEMES = "schemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8";

	private static IProject project;
	private static String example;

	/** The example with a typo in its list of schemes (fiq_unit8). */
	private static String unknownScheme(String text) {
		return text.replace(SCHEMES, SCHEMES.replace("fiq_uint8", "fiq_unit8"));
	}

	@BeforeAll
	static void importTheExample() throws CoreException {
		Workbench.sizeWindow();
		project = Workbench.example();
		example = Workbench.read(project.getFile(ExampleProject.RECIPE));
		RecipeMarkers.start();
	}

	@AfterEach
	void closeEditors() {
		page().closeAllEditors(false);
	}

	private static ITextEditor open(IFile file) throws CoreException {
		IEditorPart part = IDE.openEditor(page(), file, true);
		assertEquals(RecipeEditors.GENERIC_EDITOR, part.getSite().getId(), "recipes open in the generic editor");
		return part.getAdapter(ITextEditor.class);
	}

	private static ITextViewer viewer(ITextEditor editor) {
		return (ITextViewer) editor.getAdapter(ITextOperationTarget.class);
	}

	private static IMarker marker(IFile file, String code) {
		return Arrays.stream(Workbench.markers(file, RecipeProblems.MARKER)).filter(m -> code.equals(m.getAttribute(RecipeProblems.CODE, ""))).findFirst()
				.orElse(null);
	}

	@Test
	void theExampleOpensWithoutProblems() throws Exception {
		IFile recipe = project.getFile(ExampleProject.RECIPE);
		ITextEditor editor = open(recipe);
		Workbench.settle(1500); // the reconciler has run
		RecipeMarkers.join();
		assertTrue(visible(editor, RecipeProblems.ERROR).isEmpty(), "no error in the example: " + visible(editor, RecipeProblems.ERROR));
		assertEquals(0, Workbench.markers(recipe, RecipeProblems.MARKER).length, "no problem marker on the example");
	}

	@Test
	void anUnknownSchemeIsAnAnnotationAndAMarkerWithItsCode() throws Exception {
		IFile broken = Workbench.write(project, "broken.qr", unknownScheme(example));
		int at = Workbench.read(broken).indexOf("fiq_unit8");
		IMarker marker = waitFor("a marker with code unknown-scheme", () -> marker(broken, "unknown-scheme"), UI);
		assertEquals(IMarker.SEVERITY_ERROR, marker.getAttribute(IMarker.SEVERITY, -1));
		assertEquals(at, marker.getAttribute(IMarker.CHAR_START, -1));
		assertEquals(at + "fiq_unit8".length(), marker.getAttribute(IMarker.CHAR_END, -1));
		assertTrue(marker.getAttribute(IMarker.MESSAGE, "").contains("scheme 'fiq_unit8' is not defined"), marker.getAttribute(IMarker.MESSAGE, ""));
		assertEquals(lineOf(Workbench.read(broken), at), marker.getAttribute(IMarker.LINE_NUMBER, -1));

		ITextEditor editor = open(broken);
		Annotation error = waitFor("an error annotation on fiq_unit8", () -> at(editor, at).stream().findFirst().orElse(null), UI);
		assertTrue(error.getText().endsWith("[unknown-scheme]"), error.getText());
		Workbench.settle(1500);
		assertEquals(1, at(editor, at).size(), "one annotation for the problem, not the marker's and the text's: " + at(editor, at));
	}

	@Test
	void whileTypingAnnotationsThenMarkersOnSave() throws Exception {
		IFile edited = Workbench.write(project, "edited.qr", example);
		ITextEditor editor = open(edited);
		IDocument document = Workbench.document(editor);
		int at = document.get().indexOf("schemes unquantized, drq") + "schemes unquantized, ".length();
		document.replace(at, 3, "drx");
		IssueAnnotation live = waitFor("an annotation of the unsaved text", () -> visible(editor, RecipeProblems.ERROR).stream()
				.filter(IssueAnnotation.class::isInstance).map(IssueAnnotation.class::cast).filter(a -> a.code().equals("unknown-scheme")).findFirst()
				.orElse(null), UI);
		assertEquals("unknown-scheme", live.code());
		waitUntil("the unsaved text's annotation drawn at 'drx'",
				() -> at(editor, at).stream().anyMatch(a -> a instanceof IssueAnnotation i && i.code().equals("unknown-scheme")), UI);
		RecipeMarkers.join();
		assertEquals(null, marker(edited, "unknown-scheme"), "no marker before the file is saved");
		ICompletionProposal[] fixes = new RecipeQuickAssistProcessor().computeQuickAssistProposals(new TextInvocationContext((ISourceViewer) viewer(editor), at, 0));
		assertTrue(Arrays.stream(fixes).anyMatch(f -> f.getDisplayString().equals("Did you mean 'drq'? Change 'drx' to 'drq'")),
				"Ctrl+1 on unsaved text offers the same fixes: " + Arrays.stream(fixes).map(ICompletionProposal::getDisplayString).toList());

		editor.doSave(null);
		IMarker marker = waitFor("the marker after the save", () -> marker(edited, "unknown-scheme"), UI);
		assertEquals(at, marker.getAttribute(IMarker.CHAR_START, -1));
		waitUntil("the marker's annotation in place of the text's", () -> at(editor, at).size() == 1 && !(at(editor, at).get(0) instanceof IssueAnnotation),
				UI);

		document.replace(at, 3, "drq"); // fixed, not saved: the stale marker is not drawn any more
		waitUntil("no visible error once the text is right", () -> visible(editor, RecipeProblems.ERROR).isEmpty(), UI);
		assertNotNull(marker(edited, "unknown-scheme"), "the marker stays until the save");
		editor.doSave(null);
		waitUntil("the marker gone after the save", () -> marker(edited, "unknown-scheme") == null, UI);
	}

	@Test
	void quickFixesSayDidYouMeanAndFindTheNearestFile() throws Exception {
		String text = unknownScheme(example).replace("model/fashion_cnn_trained.onnx", "model/fashion_cnn_traned.onnx")
				.replace("metrics accuracy,", "metrics acuracy,");
		IFile fixme = Workbench.write(project, "fixme.qr", text);
		// a syntax error is reported alone (the rules run once the parser read the whole recipe): fixed first
		int typo = text.indexOf("acuracy");
		IMarker metric = waitFor("the unknown metric", () -> Arrays.stream(Workbench.markers(fixme, RecipeProblems.MARKER))
				.filter(m -> m.getAttribute(IMarker.CHAR_START, -1) == typo).findFirst().orElse(null), UI);
		assertEquals("syntax", metric.getAttribute(RecipeProblems.CODE, ""));
		assertEquals(1, Workbench.markers(fixme, RecipeProblems.MARKER).length, "no follow-on errors while the parser cannot read the recipe");
		assertTrue(labels(metric).get(0).startsWith("Did you mean 'accuracy'?"), labels(metric).toString());
		IDE.getMarkerHelpRegistry().getResolutions(metric)[0].run(metric);
		RecipeMarkers.join();

		IMarker scheme = waitFor("the unknown scheme", () -> marker(fixme, "unknown-scheme"), UI);
		IMarker path = waitFor("the missing model file", () -> marker(fixme, "path-not-found"), UI);
		assertEquals(List.of("Did you mean 'fiq_uint8'? Change 'fiq_unit8' to 'fiq_uint8'", "Did you mean 'fiq_int8'? Change 'fiq_unit8' to 'fiq_int8'"),
				labels(scheme), "the nearest first");
		assertTrue(labels(path).contains("Change the path to \"model/fashion_cnn_trained.onnx\" (exists)"), labels(path).toString());

		// proposed first, applied from the end: each fix leaves the offsets before it alone
		List<IMarkerResolution> fixes = List.of(scheme, path).stream().map(m -> IDE.getMarkerHelpRegistry().getResolutions(m)[0]).toList();
		fixes.get(0).run(scheme);
		fixes.get(1).run(path);
		assertEquals(example, Workbench.read(fixme), "the fixes applied to the file (no editor had it open)");
		RecipeMarkers.join();
		waitUntil("no marker left", () -> Workbench.markers(fixme, RecipeProblems.MARKER).length == 0, UI);
	}

	/**
	 * The errors drawn at {@code offset}. The reconciler replaces annotations on its own thread, so one listed a moment
	 * ago may have no position any more: it is no longer drawn and does not count.
	 */
	private static List<Annotation> at(ITextEditor editor, int offset) {
		return visible(editor, RecipeProblems.ERROR).stream().filter(a -> {
			Position p = Workbench.annotations(editor).getPosition(a);
			return p != null && p.getOffset() == offset;
		}).toList();
	}

	private static List<String> labels(IMarker m) {
		return Arrays.stream(IDE.getMarkerHelpRegistry().getResolutions(m)).map(IMarkerResolution::getLabel).toList();
	}

	@Test
	void contentAssistAfterCalibrateOffersTheMethods() throws Exception {
		String text = unknownScheme(example).replace("\tdebug fiq_int8", "\tquantize careful extends fiq_int8 { calibrate  }\n\tdebug fiq_int8");
		IFile file = Workbench.write(project, "assist.qr", text);
		ITextEditor editor = open(file);
		int offset = text.indexOf("calibrate ") + "calibrate ".length();
		ICompletionProposal[] proposals = new RecipeContentAssistProcessor().computeCompletionProposals(viewer(editor), offset);
		List<String> shown = Arrays.stream(proposals).map(ICompletionProposal::getDisplayString).toList();
		for (String method : List.of("minmax", "moving-average", "percentile", "entropy")) {
			assertTrue(shown.stream().anyMatch(s -> s.startsWith(method)), method + " in " + shown);
		}
		// applying one writes it where the caret is
		Arrays.stream(proposals).filter(p -> p.getDisplayString().startsWith("entropy")).findFirst().orElseThrow().apply(Workbench.document(editor));
		assertTrue(Workbench.document(editor).get().contains("{ calibrate entropy }"), "entropy inserted");

		// the screenshot: the unknown scheme underlined, the popup open after calibrate
		Workbench.document(editor).set(text);
		waitUntil("the error drawn", () -> !visible(editor, RecipeProblems.ERROR).isEmpty(), UI);
		editor.selectAndReveal(offset, 0);
		// Ctrl+Space as the editor runs it: the generic editor's content assistant asks the processors it
		// found for the recipe content type, and its popup lists the methods
		((ITextOperationTarget) viewer(editor)).doOperation(ISourceViewer.CONTENTASSIST_PROPOSALS);
		List<String> popup = waitFor("the completion popup with the methods", () -> {
			List<String> items = popupItems(Workbench.shell());
			return items.containsAll(List.of("minmax", "moving-average", "percentile", "entropy")) ? items : null;
		}, UI);
		assertTrue(popup.stream().noneMatch(i -> i.equals("schemes") || i.equals("model")), "methods, not clause keywords: " + popup);
		Workbench.settle(1000);
		Workbench.screenshot("editor-error-and-completion");
	}

	/** The rows of the content-assist popup open over {@code window} (empty when none is open). */
	private static List<String> popupItems(org.eclipse.swt.widgets.Shell window) {
		List<String> items = new java.util.ArrayList<>();
		for (org.eclipse.swt.widgets.Shell shell : window.getShells()) {
			if (shell.isVisible()) {
				collectTableItems(shell, items);
			}
		}
		return items;
	}

	private static void collectTableItems(org.eclipse.swt.widgets.Control control, List<String> items) {
		if (control instanceof org.eclipse.swt.widgets.Table table) {
			for (org.eclipse.swt.widgets.TableItem item : table.getItems()) {
				items.add(item.getText());
			}
		} else if (control instanceof org.eclipse.swt.widgets.Composite composite) {
			for (org.eclipse.swt.widgets.Control child : composite.getChildren()) {
				collectTableItems(child, items);
			}
		}
	}

	@Test
	void hoverSaysWhatAKeywordMeans() throws Exception {
		ITextEditor editor = open(project.getFile(ExampleProject.RECIPE));
		int offset = example.indexOf("eliminate dropout") + 2;
		String hover = new RecipeTextHover().getHoverInfo(viewer(editor), new Region(offset, 0));
		assertNotNull(hover);
		assertTrue(hover.startsWith("eliminate: The training operations to eliminate"), hover);
		String block = new RecipeTextHover().getHoverInfo(viewer(editor), new Region(example.indexOf("preprocess {") + 2, 0));
		assertTrue(block.startsWith("preprocess (unnamed: applies to what names none)"), block);
	}

	@Test
	void ctrlClickOnASchemeOpensItsDeclarationInTheImportedFile() throws Exception {
		Workbench.write(project, "shared.qr", """
				// schemes shared by several recipes
				quantize careful extends fiq_int8 "int8 with percentile calibration" {
					calibrate percentile 99.99
				}
				""");
		String main = example.replace("recipe fashion_cnn", "import \"shared.qr\"\n\nrecipe fashion_cnn").replace(SCHEMES, "schemes drq, careful");
		IFile file = Workbench.write(project, "main.qr", main);
		ITextEditor editor = open(file);
		int offset = main.indexOf("careful") + 3;

		HyperlinkDetectorDescriptor descriptor = Arrays.stream(EditorsUI.getHyperlinkDetectorRegistry().getHyperlinkDetectorDescriptors())
				.filter(d -> d.getId().equals("org.quantrace.ide.editor.declarations")).findFirst().orElseThrow();
		assertEquals(RecipeEditors.GENERIC_EDITOR, descriptor.getTargetId(), "Ctrl-click in the generic editor");
		IHyperlinkDetector detector = descriptor.createHyperlinkDetectorImplementation();
		((org.eclipse.jface.text.hyperlink.AbstractHyperlinkDetector) detector).setContext(editor);
		IHyperlink[] links = detector.detectHyperlinks(viewer(editor), new Region(offset, 0), false);
		assertNotNull(links, "a link on the scheme name");
		assertEquals(main.indexOf("careful"), links[0].getHyperlinkRegion().getOffset());
		links[0].open();

		ITextEditor opened = (ITextEditor) page().getActiveEditor();
		assertEquals("shared.qr", opened.getEditorInput().getName());
		ITextSelection selection = (ITextSelection) opened.getSelectionProvider().getSelection();
		assertEquals("careful", selection.getText(), "the declaration's name is selected");

		// the example itself: its document block extends the one project.qr (imported) declares
		ITextEditor recipe = open(project.getFile(ExampleProject.RECIPE));
		int base = example.indexOf("document extends example_project") + "document extends ".length();
		IHyperlinkDetector inRecipe = descriptor.createHyperlinkDetectorImplementation();
		((org.eclipse.jface.text.hyperlink.AbstractHyperlinkDetector) inRecipe).setContext(recipe);
		IHyperlink[] toProject = inRecipe.detectHyperlinks(viewer(recipe), new Region(base + 4, 0), false);
		assertNotNull(toProject, "a link on example_project");
		toProject[0].open();
		ITextEditor project = (ITextEditor) page().getActiveEditor();
		assertEquals("project.qr", project.getEditorInput().getName());
		assertEquals("example_project", ((ITextSelection) project.getSelectionProvider().getSelection()).getText());
	}

	@Test
	void formatLaysTheRecipeOutOneClausePerLine() throws Exception {
		IFile file = Workbench.write(project, "cramped.qr", """
				recipe c{  model m "model/fashion_cnn_trained.onnx"   id M version 2
				dataset d "data/evaluation" role evaluation labels "data/labels.json"  schemes drq,fiq_int8
				   evaluate on d   metrics accuracy , f1
				}""");
		ITextEditor editor = open(file);
		FormatRecipeHandler.format(Workbench.document(editor));
		assertEquals("""
				recipe c {
					model m "model/fashion_cnn_trained.onnx" id M version 2
					dataset d "data/evaluation" role evaluation labels "data/labels.json"
					schemes drq, fiq_int8
					evaluate on d metrics accuracy, f1
				}
				""", Workbench.document(editor).get());
		assertTrue(editor.isDirty(), "formatting is an edit of the document, saved by the user");
	}

	@Test
	void outlineFoldingAndColouring() throws Exception {
		ITextEditor editor = open(project.getFile(ExampleProject.RECIPE));
		IContentOutlinePage outline = editor.getAdapter(IContentOutlinePage.class);
		assertTrue(outline instanceof RecipeOutlinePage, "the editor's outline");
		List<DocumentSymbol> roots = RecipeOutlinePage.symbols(Workbench.document(editor));
		assertEquals(List.of("recipe fashion_cnn"), roots.stream().map(DocumentSymbol::getName).toList(), "the recipe is the one root");
		List<String> names = roots.get(0).getChildren().stream().map(DocumentSymbol::getName).toList();
		assertTrue(names.containsAll(List.of("model cnn", "dataset calib", "dataset eval", "convert", "evaluate on eval", "debug", "document extends example_project")),
				names.toString());

		ProjectionViewer viewer = (ProjectionViewer) viewer(editor);
		waitUntil("folding regions", () -> viewer.getProjectionAnnotationModel() != null
				&& viewer.getProjectionAnnotationModel().getAnnotationIterator().hasNext(), UI);
		List<Position> folds = positions(viewer);
		int preprocess = example.indexOf("\tpreprocess {");
		assertTrue(folds.stream().anyMatch(p -> p.getOffset() == example.lastIndexOf('\n', preprocess) + 1 && example.substring(p.getOffset(), p.getOffset()
				+ p.getLength()).contains("dtype float32")), "the preprocess block folds: " + folds);
		assertTrue(folds.stream().anyMatch(p -> example.substring(p.getOffset(), p.getOffset() + p.getLength()).startsWith("recipe fashion_cnn")),
				"the recipe folds: " + folds);

		StyledText text = viewer.getTextWidget();
		Workbench.settle(300);
		assertStyle(text, example.indexOf("recipe fashion_cnn"), RecipeTokenScanner.Style.KEYWORD);
		assertStyle(text, example.indexOf("\"Quantrace example\""), RecipeTokenScanner.Style.STRING);
		assertStyle(text, example.indexOf("// The bundled example"), RecipeTokenScanner.Style.COMMENT);
		assertStyle(text, example.indexOf("< 1 pt") + 2, RecipeTokenScanner.Style.NUMBER);
		assertFalse(text.getStyleRangeAtOffset(example.indexOf("cnn \"model/")) != null
				&& RecipeTokenScanner.Style.KEYWORD.attribute().getForeground().equals(text.getStyleRangeAtOffset(example.indexOf("cnn \"model/")).foreground),
				"a name is not a keyword");
	}

	/**
	 * Words of the language used as names and in ids (allowed since KeywordNamesTest) are coloured as names: 'calibration'
	 * in "recipe calibration", 'dense' in "model dense", 'NHWC' in "id W-NHWC" were bold purple like the clause words.
	 */
	@Test
	void keywordsUsedAsNamesAreColouredAsNames() {
		String text = "recipe calibration {\n\tmodel dense \"m.onnx\" id W-NHWC version 1\n\tschemes fiq_int8\n}\n";
		RecipeTokenScanner scanner = new RecipeTokenScanner();
		scanner.setRange(new org.eclipse.jface.text.Document(text), 0, text.length());
		java.util.Map<Integer, Object> styles = new java.util.HashMap<>();
		for (org.eclipse.jface.text.rules.IToken t = scanner.nextToken(); !t.isEOF(); t = scanner.nextToken()) {
			styles.put(scanner.getTokenOffset(), t.getData());
		}
		Object keyword = RecipeTokenScanner.Style.KEYWORD.attribute();
		Object name = RecipeTokenScanner.Style.DEFAULT.attribute();
		assertEquals(keyword, styles.get(text.indexOf("recipe")), "the clause word recipe");
		assertEquals(keyword, styles.get(text.indexOf("model")), "the clause word model");
		assertEquals(keyword, styles.get(text.indexOf("schemes")), "the clause word schemes");
		assertEquals(name, styles.get(text.indexOf("calibration")), "the recipe's name");
		assertEquals(name, styles.get(text.indexOf("dense")), "the model's name");
		assertEquals(name, styles.get(text.indexOf("NHWC")), "a piece of the model's id");
	}

	private static List<Position> positions(ProjectionViewer viewer) {
		List<Position> result = new java.util.ArrayList<>();
		var model = viewer.getProjectionAnnotationModel();
		model.getAnnotationIterator().forEachRemaining(a -> result.add(model.getPosition(a)));
		return result;
	}

	private static void assertStyle(StyledText text, int offset, RecipeTokenScanner.Style style) {
		StyleRange r = text.getStyleRangeAtOffset(offset);
		assertNotNull(r, "a style at " + offset);
		assertEquals(style.attribute().getForeground(), r.foreground, "colour at " + offset);
		assertEquals(style.attribute().getStyle() & 3, r.fontStyle & 3, "font style at " + offset);
	}

	private static int lineOf(String text, int offset) {
		return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
	}

}
