/*
 * Quantrace recipe language (Recipe.xtext).
 */
package org.quantrace.dsl.ide;

import org.eclipse.xtext.ide.editor.contentassist.IdeContentProposalProvider;
import org.eclipse.xtext.ide.server.hover.IHoverService;
import org.eclipse.xtext.ide.server.symbol.DocumentSymbolMapper.DocumentSymbolNameProvider;
import org.quantrace.dsl.ide.contentassist.RecipeProposals;
import org.quantrace.dsl.ide.hover.RecipeHover;
import org.quantrace.dsl.ide.symbols.RecipeSymbolNames;

/** The language server's parts for recipes: path completion, hover texts, outline names. */
public class RecipeIdeModule extends AbstractRecipeIdeModule {

	public Class<? extends IdeContentProposalProvider> bindIdeContentProposalProvider() {
		return RecipeProposals.class;
	}

	public Class<? extends IHoverService> bindIHoverService() {
		return RecipeHover.class;
	}

	public Class<? extends DocumentSymbolNameProvider> bindDocumentSymbolNameProvider() {
		return RecipeSymbolNames.class;
	}
}
