package org.quantrace.runner;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.eclipse.emf.common.util.TreeIterator;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceFactory;
import org.quantrace.model.trace.TraceModel;

/**
 * The warnings a run printed before its work (the language's and {@link DataChecks}'), as the trace records them: a run went
 * on after "model cnn is weight-only quantized" or "class folder sandal/ holds no image", and neither the trace nor
 * results.json nor the logs said so (wild README, left open 1). One function turns a printed diagnostic into its record; the
 * documents show the records.
 */
final class WarningRecords {

	private WarningRecords() {
	}

	/**
	 * {@code d} as the trace records it: its file relative to the recipe's folder ({@code recipeFolder}), line, column, code
	 * and message as printed, and the model or dataset whose declaration it is on ({@code ctx}'s recipe and imports).
	 */
	static RunWarning of(RecipeContext ctx, RecipeFiles.Diagnostic d, Path recipeFolder) {
		RunWarning w = TraceFactory.eINSTANCE.createRunWarning();
		w.setSeverity(d.severity().name().toLowerCase(Locale.ROOT));
		w.setCode(d.code());
		Path file = d.file() == null ? ctx.file() : d.file().toAbsolutePath().normalize();
		w.setFile(TraceAssembler.relative(recipeFolder, file));
		w.setLine(d.line());
		w.setColumn(d.column());
		w.setMessage(d.message());
		TreeIterator<Object> all = EcoreUtil.getAllContents(ctx.recipe().eResource().getResourceSet(), true);
		while (all.hasNext()) {
			Object o = all.next();
			if ((o instanceof ModelDeclaration || o instanceof DatasetDeclaration) && on((EObject) o, file, d.line())) {
				if (o instanceof ModelDeclaration m && w.getModel() == null) {
					w.setModel(m.getName());
				} else if (o instanceof DatasetDeclaration ds && w.getDataset() == null) {
					w.setDataset(ds.getName());
				}
			}
		}
		return w;
	}

	/**
	 * The diagnostic record {@code w} holds, as printed: {@link #of} backwards (its file resolved against the recipe's folder), for the
	 * warnings a run's work recorded (the quantizer's, a prune step's), which its outcome gives the IDE with the checks' diagnostics.
	 */
	static RecipeFiles.Diagnostic diagnostic(RunWarning w, RecipeContext ctx) {
		Path file = ctx.file().toAbsolutePath().getParent().resolve(w.getFile()).normalize();
		return new RecipeFiles.Diagnostic(file, w.getLine(), w.getColumn(), Severity.valueOf(w.getSeverity().toUpperCase(Locale.ROOT)), w.getCode(),
				w.getMessage());
	}

	/** Every diagnostic the run printed and went on after (warnings, notes), in the order printed, added to {@code trace}. */
	static void addAll(TraceModel trace, RecipeContext ctx, List<RecipeFiles.Diagnostic> diagnostics) {
		Path recipeFolder = ctx.file().toAbsolutePath().getParent();
		for (RecipeFiles.Diagnostic d : diagnostics) {
			if (d.severity() != Severity.ERROR && d.severity() != Severity.IGNORE) {
				trace.getWarnings().add(of(ctx, d, recipeFolder));
			}
		}
	}

	/** Whether declaration {@code o} spans {@code line} of {@code file} (a clause's warning on a declaration written over several lines is its own). */
	private static boolean on(EObject o, Path file, int line) {
		INode node = NodeModelUtils.getNode(o);
		Resource r = o.eResource();
		if (node == null || line < node.getStartLine() || line > node.getEndLine() || r == null || !r.getURI().isFile()) {
			return false;
		}
		return Path.of(r.getURI().toFileString()).toAbsolutePath().normalize().equals(file);
	}
}
