package org.quantrace.ide.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.ide.tests.Workbench.RUN;
import static org.quantrace.ide.tests.Workbench.page;
import static org.quantrace.ide.tests.Workbench.waitUntil;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.jface.text.ITextSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.swt.widgets.TreeItem;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.ui.views.properties.PropertySheet;
import org.eclipse.ui.views.properties.PropertySheetPage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.ide.lineage.LineageCanvas;
import org.quantrace.ide.lineage.TraceEditor;
import org.quantrace.ide.workbench.ExampleProject;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.report.LineageGraph;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;

/** The lineage diagram of the example's run, its tree, the Properties view, and what double-click opens. */
class LineageTest {

	private static IProject project;
	private static IFile traceFile;

	@BeforeAll
	static void runTheExample() throws Exception {
		Workbench.sizeWindow();
		project = Workbench.example();
		Path recipe = project.getFile(ExampleProject.RECIPE).getLocation().toPath();
		Path out = project.getLocation().toPath().resolve("quantrace-out/fashion_cnn");
		StringWriter log = new StringWriter();
		// on a thread of its own, which inherits the workbench's context class loader as a Job's worker does (the
		// common pool's threads have the system class loader, where Log4j's simple logger, chosen by the report
		// for POI, is not found)
		CompletableFuture<RecipeRunner.Outcome> run = CompletableFuture.supplyAsync(() -> RecipeRunner.run(recipe,
				RunOptions.of(out, Set.of(), Shard.ALL, Progress.NONE, new PrintWriter(log))), r -> new Thread(r, "the example's run").start());
		waitUntil("the example's run", run::isDone, RUN);
		assertEquals(0, run.get().exitCode(), log.toString());
		project.refreshLocal(IResource.DEPTH_INFINITE, null);
		traceFile = project.getFile("quantrace-out/fashion_cnn/trace.xmi");
	}

	private static TraceEditor openTrace() throws Exception {
		return (TraceEditor) IDE.openEditor(page(), traceFile, true);
	}

	@Test
	void theDiagramShowsEveryRecordAndDataset() throws Exception {
		TraceEditor editor = openTrace();
		TraceModel trace = editor.trace();
		Set<TracedElement> expected = new HashSet<>();
		expected.addAll(trace.getDatasets());
		expected.addAll(trace.getArtifacts());
		expected.addAll(trace.getConversions());
		expected.addAll(trace.getOptimizations());
		expected.addAll(trace.getEvaluations());
		expected.addAll(trace.getDebugRecords());
		LineageGraph graph = editor.canvas().graph();
		Set<TracedElement> drawn = new HashSet<>();
		graph.nodes().forEach(n -> drawn.add(n.element()));
		assertEquals(expected, drawn, "one box per dataset, model and record");
		assertEquals(2 + 7 + 1 + 4 + 6 + 1, drawn.size(), "the example: 2 datasets, 7 models, 1 conversion, 4 optimizations, 6 evaluations, 1 debug run");
		Set<String> labels = new HashSet<>();
		graph.edges().forEach(e -> labels.add(e.label()));
		assertTrue(labels.containsAll(Set.of("input", "output", "calibrated-with", "evaluated-on", "verifies", "quantized", "debug data")), labels.toString());
		for (LineageGraph.Node n : graph.nodes()) { // ELK kept the boxes apart
			for (LineageGraph.Node m : graph.nodes()) {
				assertTrue(n == m || n.x() + n.width() <= m.x() || m.x() + m.width() <= n.x() || n.y() + n.height() <= m.y() || m.y() + m.height() <= n.y(),
						n.title() + " overlaps " + m.title());
			}
		}
		page().setPartState(page().getReference(editor), IWorkbenchPage.STATE_MAXIMIZED);
		Workbench.settle(300);
		editor.fit();
		editor.canvas().select(trace.getOptimizations().get(2));
		Workbench.screenshot("lineage-diagram");
		page().setPartState(page().getReference(editor), IWorkbenchPage.STATE_RESTORED);
		Workbench.settle(300);
	}

	@Test
	void selectingABoxShowsItsPropertiesIncludingHashesAndMetrics() throws Exception {
		TraceEditor editor = openTrace();
		ModelArtifact int8 = editor.trace().getArtifacts().stream().filter(a -> "fiq_int8".equals(a.getName())).findFirst().orElseThrow();
		Workbench.settle(300); // laid out in the window as it is now
		editor.fit();
		editor.reveal(int8);
		PropertySheet sheet = (PropertySheet) page().showView(IPageLayout.ID_PROP_SHEET, null, IWorkbenchPage.VIEW_VISIBLE);
		PropertySheetPage properties = (PropertySheetPage) sheet.getCurrentPage();
		Tree tree = (Tree) properties.getControl();
		waitUntil("the properties of the int8 model", () -> rows(tree).stream().anyMatch(r -> r.equals("Sha256 = " + int8.getSha256())), Workbench.UI);
		assertTrue(rows(tree).contains("Size Bytes = " + int8.getSizeBytes()), rows(tree).toString());
		assertEquals(List.of("Attributes", "Id = cnn/fiq_int8", "Name = fiq_int8", "Kind = quantized", "Scheme = fiq_int8", "Sha256 = " + int8.getSha256()),
				rows(tree).subList(0, 6).stream().map(r -> r.endsWith(" = ") ? r.substring(0, r.length() - 3) : r).toList(), "identity and evidence first");
		Workbench.screenshot("properties-view");

		var evaluation = editor.trace().getEvaluations().stream().filter(e -> e.getModel() == int8).findFirst().orElseThrow();
		editor.canvas().select(evaluation);
		waitUntil("the metrics of its evaluation", () -> rows(tree).stream().anyMatch(r -> r.startsWith("metrics 1 = accuracy = 0.9")), Workbench.UI);
	}

	/** Every row of the Properties view as "name = value", categories expanded. */
	private static List<String> rows(Tree tree) {
		List<String> rows = new ArrayList<>();
		for (TreeItem item : tree.getItems()) {
			collect(item, rows);
		}
		return rows;
	}

	private static void collect(TreeItem item, List<String> rows) {
		item.setExpanded(true);
		Event e = new Event();
		e.item = item;
		item.getParent().notifyListeners(SWT.Expand, e);
		rows.add(item.getText(0) + " = " + item.getText(1));
		for (TreeItem child : item.getItems()) {
			collect(child, rows);
		}
	}

	@Test
	void doubleClickOnARecordOpensItsLogSection() throws Exception {
		TraceEditor editor = openTrace();
		OptimizationRecord int8 = editor.trace().getOptimizations().stream().filter(o -> "fiq_int8".equals(o.getScheme())).findFirst().orElseThrow();
		LineageCanvas canvas = editor.canvas();
		Point at = canvas.centre(canvas.graph().node(int8));
		Event click = new Event();
		click.x = at.x;
		click.y = at.y;
		click.button = 1;
		canvas.notifyListeners(SWT.MouseDoubleClick, click);

		ITextEditor log = (ITextEditor) page().getActiveEditor();
		assertEquals("PhIMT0003-cnn.md", log.getEditorInput().getName());
		String line = ((ITextSelection) log.getSelectionProvider().getSelection()).getText();
		assertTrue(line.contains("Model optimization information (OPT-FASHION-CNN-1/cnn/fiq_int8)"), line);
	}

	@Test
	void modelsOpenTheirInspectionDatasetsTheirManifestAndEveryBoxItsDeclaration() throws Exception {
		TraceEditor editor = openTrace();
		ModelArtifact converted = editor.trace().getArtifacts().stream().filter(a -> "converted".equals(a.getName())).findFirst().orElseThrow();
		editor.open(converted);
		ITextEditor inspection = (ITextEditor) page().getActiveEditor();
		String text = Workbench.document(inspection).get();
		assertTrue(inspection.getEditorInput().getName().contains("inspection") && text.contains("Conv"), text);

		DatasetRecord calib = editor.trace().getDatasets().stream().filter(d -> "calib".equals(d.getName())).findFirst().orElseThrow();
		editor.open(calib);
		ITextEditor manifest = (ITextEditor) page().getActiveEditor();
		assertEquals("calib.manifest.txt", manifest.getEditorInput().getName());
		assertTrue(Workbench.document(manifest).get().contains("ankle_boot/00000.png"), "lists the calibration images with their hashes");

		ITextEditor recipe = editor.navigation().declaration(calib);
		assertNotNull(recipe);
		assertEquals(ExampleProject.RECIPE, recipe.getEditorInput().getName());
		assertTrue(((ITextSelection) recipe.getSelectionProvider().getSelection()).getText().startsWith("dataset calib \"data/calibration\""));

		page().activate(editor);
		editor.tree().expandAll(); // the whole trace, links and layer results included (once recursed until the JVM died)
		var root = editor.tree().getTree().getItem(0);
		assertTrue(root.getText().startsWith("Run fashion_cnn-"), root.getText());
		List<String> groups = java.util.Arrays.stream(root.getItems()).map(i -> i.getText()).toList();
		assertTrue(groups.containsAll(List.of("Models (7)", "Datasets (2)", "Conversion records (PhIMT0002) (1)", "Optimization records (PhIMT0003) (4)",
				"Evaluation records (6)", "Debug records (1)")), groups.toString());
		var links = java.util.Arrays.stream(root.getItems()).filter(i -> i.getText().startsWith("Trace links")).findFirst().orElseThrow();
		assertEquals(editor.trace().getLinks().size(), links.getItemCount());
		assertTrue(links.getItem(0).getText().contains("\u2014derived-from\u2192"), links.getItem(0).getText());
	}
}
