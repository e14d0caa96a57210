package org.quantrace.dsl.ide.symbols;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolNameProvider;
import org.quantrace.dsl.ide.KeywordHelp;
import org.quantrace.model.recipe.Declaration;
import org.quantrace.model.recipe.DocumentInfo;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.Step;

/** The outline: declarations by kind and name (model cnn, scheme fiq_int8), and the recipe's steps by their keyword. */
public class RecipeSymbolNames extends DocumentSymbolNameProvider {

	@Override
	public String getName(EObject object) {
		if (object instanceof DocumentInfo d && d.getName() == null && d.getBase() != null && !d.getBase().eIsProxy()) {
			return "document extends " + d.getBase().getName(); // a recipe's own refinement of an imported document
		}
		if (object instanceof Declaration d) {
			return KeywordHelp.kindOf(d) + " " + (d.getName() != null ? d.getName() : "(default)");
		}
		if (object instanceof EvaluationStep e) {
			return "evaluate" + (e.getDataset() != null && !e.getDataset().eIsProxy() ? " on " + e.getDataset().getName() : "");
		}
		if (object instanceof Step s) {
			return KeywordHelp.kindOf(s);
		}
		return super.getName(object);
	}
}
