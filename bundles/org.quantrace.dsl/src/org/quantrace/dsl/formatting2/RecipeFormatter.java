/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl.formatting2;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.GrammarUtil;
import org.eclipse.xtext.Keyword;
import org.eclipse.xtext.formatting2.AbstractJavaFormatter;
import org.eclipse.xtext.formatting2.IFormattableDocument;
import org.eclipse.xtext.formatting2.IHiddenRegionFormatter;
import org.eclipse.xtext.formatting2.regionaccess.IEObjectRegion;
import org.eclipse.xtext.formatting2.regionaccess.ISemanticRegion;
import org.eclipse.xtext.resource.XtextResource;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.Declaration;
import org.quantrace.model.recipe.Exclusion;
import org.quantrace.model.recipe.Import;
import org.quantrace.model.recipe.LayerOverride;
import org.quantrace.model.recipe.LayerSparsity;
import org.quantrace.model.recipe.RecipeFile;
import org.quantrace.model.recipe.RecipePackage.Literals;
import org.quantrace.model.recipe.RevisionEntry;
import org.quantrace.model.recipe.Step;

/**
 * One layout for every recipe: a clause per line, blocks indented by a tab, one space between the words
 * of a clause, none before commas and percent signs or around the dots and dashes inside names, and a
 * blank line between top-level declarations and recipes. Comments stay where they are.
 */
public class RecipeFormatter extends AbstractJavaFormatter {

	/** Keywords that open a clause inside a block: each starts its own line. */
	private static final Set<String> CLAUSES = Set.of(
			// recipe
			"responsible", "conversion-id", "optimization-id", "seed", "models", "schemes",
			// preprocess
			"resize", "interpolation", "crop", "scale", "mean", "std", "layout", "dtype",
			// convert, prune, factorize
			"eliminate", "fold-constants", "opset", "criterion", "scope", "pattern", "sparsity", "exclude",
			// quantize and layer overrides
			"technique", "io", "weights", "activations", "reduce-range", "kernels", "float-slow-kernels", "bias-correction", "range",
			// document
			"project", "contract", "website", "deadline", "dissemination", "nature", "author", "modified-by", "reviewed-by", "approved-by",
			"keywords", "version", "funding", "approval");

	/** Values that open a clause without a keyword before them (grayscale, dense, energy 95%). */
	private static final EStructuralFeature[] VALUE_CLAUSES = { Literals.PREPROCESSING__COLOR_MODE, Literals.FACTORIZATION_STEP__TARGET,
			Literals.FACTORIZATION_STEP__RANK_SELECTION };

	/** Objects that are clauses of their container, each on its own line. */
	private static boolean isClause(EObject o) {
		return o instanceof Declaration || o instanceof Step || o instanceof Calibration || o instanceof Exclusion || o instanceof LayerOverride
				|| o instanceof LayerSparsity || o instanceof AcceptanceCriterion || o instanceof Import || o instanceof RevisionEntry;
	}

	@Override
	public void format(Object object, IFormattableDocument document) {
		if (object instanceof XtextResource r) {
			r.getContents().forEach(root -> format(root, document));
			return;
		}
		if (!(object instanceof EObject o)) {
			return;
		}
		words(o, document);
		block(o, document);
		if (o instanceof RecipeFile f) {
			topLevel(f, document);
		}
		for (EObject child : o.eContents()) {
			if (isClause(child) && !(o instanceof RecipeFile)) {
				document.prepend(child, RecipeFormatter::clauseBreak);
			}
			format(child, document);
		}
	}

	/** A new line, keeping one blank line where the author left one to group clauses. */
	private static void clauseBreak(IHiddenRegionFormatter it) {
		it.setNewLines(1, 1, 2);
	}

	/** Imports together, then a blank line before each declaration and recipe. */
	private void topLevel(RecipeFile f, IFormattableDocument document) {
		boolean first = true;
		for (EObject child : f.eContents()) {
			if (first) { // after a leading comment: as the author left it
				if (!textRegionExtensions.previousHiddenRegion(child).containsComment()) {
					document.prepend(child, it -> it.noSpace());
				}
			} else {
				boolean importAfterImport = child instanceof Import && previous(f, child) instanceof Import;
				document.prepend(child, it -> it.setNewLines(importAfterImport ? 1 : 2));
			}
			first = false;
		}
		document.append(f, it -> it.setNewLines(1));
	}

	private static EObject previous(RecipeFile f, EObject child) {
		int i = f.eContents().indexOf(child);
		return i > 0 ? f.eContents().get(i - 1) : null;
	}

	/** { on the clause's line, the content indented, } on its own line. */
	private void block(EObject o, IFormattableDocument document) {
		ISemanticRegion open = regionFor(o).keyword("{");
		ISemanticRegion close = regionFor(o).keyword("}");
		if (open == null || close == null) {
			return;
		}
		document.prepend(open, it -> it.oneSpace());
		if (open.getNextSemanticRegion() == close) {
			document.append(open, it -> it.oneSpace());
			return;
		}
		document.interior(open, close, it -> it.indent());
		// above a first or below a last clause, whose own break would allow a blank line there: these win
		document.append(open, it -> {
			it.setNewLines(1);
			it.highPriority();
		});
		document.prepend(close, it -> {
			it.setNewLines(1);
			it.highPriority();
		});
		List<ISemanticRegion> starts = new ArrayList<>(regionFor(o).keywords(CLAUSES.toArray(String[]::new)));
		for (EStructuralFeature f : VALUE_CLAUSES) {
			if (f.getEContainingClass().isInstance(o)) {
				starts.addAll(regionFor(o).features(f));
			}
		}
		for (ISemanticRegion k : starts) {
			if (k.getPreviousSemanticRegion() != open) {
				document.prepend(k, RecipeFormatter::clauseBreak);
			}
		}
	}

	/** Inside a clause: single spaces, tight punctuation. */
	private void words(EObject o, IFormattableDocument document) {
		IEObjectRegion own = textRegionExtensions.regionForEObject(o);
		if (own == null) {
			return;
		}
		boolean first = true;
		for (ISemanticRegion r : own.getSemanticRegions()) {
			// what comes before a clause is its container's to decide (a new line, a blank line, a comment kept)
			if (first && (isClause(o) || o instanceof RecipeFile)) {
				first = false;
				continue;
			}
			first = false;
			String text = r.getText();
			if (r.getGrammarElement() instanceof Keyword) {
				switch (text) {
				case ",", "%" -> document.prepend(r, it -> it.noSpace()); // 50%, "a", "b"
				case "." -> document.surround(r, it -> it.noSpace());
				case "-" -> { // a sign: tight to its number; inside a word (SW-LEAN): tight on both sides
					if (GrammarUtil.containingRule(r.getGrammarElement()).getName().equals("Word")) {
						document.surround(r, it -> it.noSpace());
					} else {
						document.append(r, it -> it.noSpace());
					}
				}
				case "/" -> document.surround(r, it -> it.noSpace());
				default -> document.prepend(r, it -> {
					it.oneSpace();
					it.lowPriority();
				});
				}
			} else {
				document.prepend(r, it -> {
					it.oneSpace();
					it.lowPriority();
				});
			}
		}
	}
}
