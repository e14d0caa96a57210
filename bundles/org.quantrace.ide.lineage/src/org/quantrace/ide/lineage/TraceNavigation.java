package org.quantrace.ide.lineage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

import org.eclipse.core.filesystem.EFS;
import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.Status;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.jface.text.BadLocationException;
import org.eclipse.jface.text.IDocument;
import org.eclipse.jface.text.IRegion;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.Range;
import org.eclipse.ui.IEditorPart;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.texteditor.ITextEditor;
import org.eclipse.xtext.nodemodel.ICompositeNode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.quantrace.engine.inspect.InspectionText;
import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.ide.editor.OpenDocuments;
import org.quantrace.ide.editor.ReadOnlyText;
import org.quantrace.ide.editor.RecipeLanguage;
import org.quantrace.ide.editor.navigation.RecipeEditors;
import org.quantrace.model.recipe.ConversionStep;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.RunSummary;

/**
 * What a box of the lineage stands for, opened: a model's inspection (layers, tensors, sizes), a dataset's
 * manifest (every file with its SHA-256), a record's section of the AI-FSM log (conversion and
 * optimization tables; evaluation results in results.json; the debugger's CSV), and for any of them the
 * recipe line that declared it. Paths in a trace are relative to its run folder.
 */
public final class TraceNavigation {

	private static final String TEXT_EDITOR = "org.eclipse.ui.DefaultTextEditor";

	private final TraceModel trace;
	private final Path runFolder;
	private final IWorkbenchPage page;

	public TraceNavigation(TraceModel trace, Path runFolder, IWorkbenchPage page) {
		this.trace = trace;
		this.runFolder = runFolder;
		this.page = page;
	}

	/** Double-click: the inspection of a model, the manifest of a dataset, the log section of a record. */
	public IEditorPart open(TracedElement e) throws CoreException {
		if (e instanceof ModelArtifact a) {
			return inspection(a);
		}
		if (e instanceof DatasetRecord d) {
			return d.getManifestPath() == null ? null : openAt(runFolder.resolve(d.getManifestPath()), line -> true);
		}
		return logSection(e);
	}

	/** The log section of a record (the first line of its table, selected). */
	public IEditorPart logSection(TracedElement e) throws CoreException {
		if (e instanceof ConversionRecord c) {
			return openAt(runFolder.resolve("logs").resolve(AifsmLogs.fileName("PhIMT0002", c.getName()) + ".md"), line -> line.contains("(" + c.getId() + ")"));
		}
		if (e instanceof OptimizationRecord o) {
			String model = RunSummary.model(o.getInput());
			return openAt(runFolder.resolve("logs").resolve(AifsmLogs.fileName("PhIMT0003", model) + ".md"), line -> line.contains("(" + o.getId() + ")"));
		}
		if (e instanceof EvaluationRecord r && r.getModel() != null) {
			String model = RunSummary.model(r.getModel());
			return openAfter(runFolder.resolve("results.json"), line -> line.contains("\"name\": \"" + model + "\""),
					line -> line.contains("\"variant\": \"" + r.getModel().getName() + "\""));
		}
		if (e instanceof DebugRecord d && d.getCsvPath() != null) {
			return openAt(runFolder.resolve(d.getCsvPath()), line -> true);
		}
		return null;
	}

	/** The model's layers, tensors and sizes as {@code quantrace inspect} prints them, read-only. */
	IEditorPart inspection(ModelArtifact a) throws CoreException {
		Path file = org.quantrace.report.TracePaths.file(trace, runFolder, a); // the original is an input: relative to the recipe's folder
		if (!Files.isRegularFile(file)) {
			throw new CoreException(Status.error(file + ": the model file is not there any more"));
		}
		String text = InspectionText.render(ModelInspector.inspect(file, true));
		return page.openEditor(new ReadOnlyText(RunSummary.model(a) + " " + a.getName() + " (inspection)", text, file.toString()), TEXT_EDITOR);
	}

	/** The recipe line that declared what {@code e} records (model, dataset, scheme, step). */
	public ITextEditor declaration(TracedElement e) throws CoreException {
		// the recipe's folder is recorded relative to the run folder, the recipe relative to its folder
		Path folder = runFolder.resolve(trace.getRecipeFolder() == null ? "" : trace.getRecipeFolder());
		Path recipe = trace.getRecipePath() == null ? null : folder.resolve(trace.getRecipePath()).normalize();
		if (recipe == null || !Files.isRegularFile(recipe)) {
			recipe = recipeCopy();
		}
		if (recipe == null) {
			throw new CoreException(Status.error("The recipe of run " + trace.getRunId() + " is not there any more"));
		}
		String text;
		try {
			text = Files.readString(recipe);
		} catch (IOException ex) {
			throw new CoreException(Status.error(recipe + ": cannot be read", ex));
		}
		RecipeLanguage.Parsed parsed = RecipeLanguage.parse(text, recipe);
		org.eclipse.emf.ecore.util.EcoreUtil.resolveAll(parsed.resource());
		EObject declaration = find(parsed.resource().getResourceSet().getResources(), declaredBy(e));
		ICompositeNode node = declaration == null ? null : NodeModelUtils.findActualNodeFor(declaration);
		if (node == null) {
			throw new CoreException(Status.error("No declaration of " + e.getName() + " in " + recipe));
		}
		Resource in = declaration.eResource();
		String source = in == parsed.resource() ? text : NodeModelUtils.getNode(in.getContents().get(0)).getRootNode().getText();
		org.eclipse.xtext.ide.server.Document d = new org.eclipse.xtext.ide.server.Document(1, source);
		Position start = d.getPosition(node.getOffset());
		Position end = d.getPosition(node.getOffset() + firstLineLength(source, node.getOffset(), node.getLength()));
		String uri = in == parsed.resource() ? recipe.toUri().toString() : in.getURI().toString();
		return RecipeEditors.open(new Location(uri, new Range(start, end)));
	}

	private Path recipeCopy() {
		Path copies = runFolder.resolve("recipe");
		try (var s = Files.list(copies)) {
			return s.filter(p -> p.toString().endsWith(".qr")).findFirst().orElse(null);
		} catch (IOException e) {
			return null;
		}
	}

	private static int firstLineLength(String text, int offset, int length) {
		int newline = text.indexOf('\n', offset);
		return newline < 0 || newline > offset + length ? length : newline - offset;
	}

	/** What, in a recipe, declared the element. */
	private static Predicate<EObject> declaredBy(TracedElement e) {
		if (e instanceof ModelArtifact a && a.getScheme() != null) {
			return o -> o instanceof QuantizationConfig q && a.getScheme().equals(q.getName());
		}
		if (e instanceof ModelArtifact a) {
			return o -> o instanceof ModelDeclaration m && RunSummary.model(a).equals(m.getName());
		}
		if (e instanceof DatasetRecord d) {
			return o -> o instanceof DatasetDeclaration ds && d.getName().equals(ds.getName());
		}
		if (e instanceof OptimizationRecord o) {
			return x -> x instanceof QuantizationConfig q && o.getScheme().equals(q.getName());
		}
		if (e instanceof ConversionRecord) {
			return x -> x instanceof ConversionStep;
		}
		if (e instanceof EvaluationRecord) {
			return x -> x instanceof EvaluationStep;
		}
		if (e instanceof DebugRecord) {
			return x -> x instanceof DebugStep;
		}
		return x -> false;
	}

	/** The first match, the recipe's own file first, then the files it imports. */
	private static EObject find(List<Resource> resources, Predicate<EObject> matches) {
		for (Resource r : List.copyOf(resources)) {
			for (var it = r.getAllContents(); it.hasNext();) {
				EObject o = it.next();
				if (matches.test(o)) {
					return o;
				}
			}
		}
		return null;
	}

	private IEditorPart openAt(Path file, Predicate<String> line) throws CoreException {
		return openAfter(file, l -> true, line);
	}

	/** Opens {@code file} and selects the first line matching {@code line} after the first matching {@code after}. */
	private IEditorPart openAfter(Path file, Predicate<String> after, Predicate<String> line) throws CoreException {
		if (!Files.isRegularFile(file)) {
			throw new CoreException(Status.error(file + ": not there any more (run the recipe again)"));
		}
		IFile workspaceFile = OpenDocuments.workspaceFile(file);
		IEditorPart part;
		try {
			part = workspaceFile != null && workspaceFile.exists() ? IDE.openEditor(page, workspaceFile, TEXT_EDITOR, true)
					: IDE.openEditorOnFileStore(page, EFS.getStore(file.toUri()));
		} catch (PartInitException ex) {
			throw new CoreException(ex.getStatus());
		}
		ITextEditor editor = part.getAdapter(ITextEditor.class);
		if (editor != null) {
			IDocument d = editor.getDocumentProvider().getDocument(editor.getEditorInput());
			boolean started = false;
			try {
				for (int i = 0; i < d.getNumberOfLines(); i++) {
					IRegion r = d.getLineInformation(i);
					String text = d.get(r.getOffset(), r.getLength());
					started |= after.test(text);
					if (started && line.test(text)) {
						editor.selectAndReveal(r.getOffset(), r.getLength());
						break;
					}
				}
			} catch (BadLocationException ex) {
				// the file changed while reading: leave the selection
			}
		}
		return part;
	}
}
