package org.quantrace.dsl.linking;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.xtext.diagnostics.DiagnosticMessage;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.linking.impl.LinkingDiagnosticMessageProvider;
import org.quantrace.dsl.scoping.RecipeGlobalScopeProvider;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.RecipePackage.Literals;

/** Unknown names, said the recipe's way: what kind of thing is missing and how to declare or import it. */
public class RecipeLinkingDiagnostics extends LinkingDiagnosticMessageProvider {

	@Override
	public DiagnosticMessage getUnresolvedProxyMessage(ILinkingDiagnosticContext context) {
		EClass type = context.getReference().getEReferenceType();
		String name = context.getLinkText();
		if (type == Literals.QUANTIZATION_CONFIG) {
			return new DiagnosticMessage("scheme '" + name + "' is not defined: declare it (quantize " + name + " { ... }), import the file that"
					+ " does, or use a preset: " + String.join(", ", RecipeGlobalScopeProvider.PRESETS), Severity.ERROR, IssueCodes.UNKNOWN_SCHEME);
		}
		String kind = type == Literals.MODEL_DECLARATION ? "model" : type == Literals.DATASET_DECLARATION ? "dataset"
				: type == Literals.PREPROCESSING ? "preprocess block" : type.getName();
		String example = type == Literals.MODEL_DECLARATION ? "model " + name + " \"models/" + name + ".onnx\""
				: type == Literals.DATASET_DECLARATION ? "dataset " + name + " \"data/" + name + "\"" : "preprocess " + name + " { ... }";
		return new DiagnosticMessage("no " + kind + " named '" + name + "' here: declare it (" + example + ") or import the file that does",
				Severity.ERROR, IssueCodes.UNKNOWN_REFERENCE);
	}
}
