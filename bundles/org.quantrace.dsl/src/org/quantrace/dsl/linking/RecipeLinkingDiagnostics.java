package org.quantrace.dsl.linking;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.xtext.diagnostics.DiagnosticMessage;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.linking.impl.LinkingDiagnosticMessageProvider;
import org.eclipse.xtext.naming.IQualifiedNameProvider;
import org.eclipse.xtext.resource.IEObjectDescription;
import org.eclipse.xtext.scoping.IScopeProvider;
import org.quantrace.dsl.Suggestions;
import org.quantrace.dsl.scoping.ImportedNames;
import org.quantrace.dsl.scoping.RecipeGlobalScopeProvider;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.model.recipe.RecipePackage.Literals;

import com.google.inject.Inject;

/**
 * Unknown names, said the recipe's way: what kind of thing is missing and how to declare or import it, and
 * which visible name is close ({@link Suggestions}), for a typo.
 */
public class RecipeLinkingDiagnostics extends LinkingDiagnosticMessageProvider {

	@Inject
	private IScopeProvider scopes;

	@Inject
	private IQualifiedNameProvider qualifiedNames;

	@Override
	public DiagnosticMessage getUnresolvedProxyMessage(ILinkingDiagnosticContext context) {
		EClass type = context.getReference().getEReferenceType();
		String name = context.getLinkText();
		String beyond = ImportedNames.beyondImports(context.getContext(), type, name, qualifiedNames);
		if (beyond != null) {
			return new DiagnosticMessage(kind(type) + " '" + name + "' is declared in " + beyond, Severity.ERROR,
					type == Literals.QUANTIZATION_CONFIG ? IssueCodes.UNKNOWN_SCHEME : IssueCodes.UNKNOWN_REFERENCE);
		}
		String suggestion = suggestion(context);
		String near = suggestion == null ? "" : suggestion + " Otherwise ";
		if (type == Literals.QUANTIZATION_CONFIG) {
			return new DiagnosticMessage("scheme '" + name + "' is not defined: " + near + "declare it (quantize " + name + " { ... }), import the file"
					+ " that does, or use a preset: " + String.join(", ", RecipeGlobalScopeProvider.PRESETS), Severity.ERROR, IssueCodes.UNKNOWN_SCHEME);
		}
		return new DiagnosticMessage("no " + kind(type) + " named '" + name + "' here: " + near + "declare it (" + example(type, name)
				+ ") or import the file that does", Severity.ERROR, IssueCodes.UNKNOWN_REFERENCE);
	}

	/** What the recipe calls the kind of thing a reference names. */
	private static String kind(EClass type) {
		return type == Literals.MODEL_DECLARATION ? "model" : type == Literals.DATASET_DECLARATION ? "dataset"
				: type == Literals.PREPROCESSING ? "preprocess block" : type == Literals.QUANTIZATION_CONFIG ? "scheme"
						: type == Literals.DOCUMENT_INFO ? "document" : type.getName();
	}

	/** How such a thing is declared, as the user would write it. */
	private static String example(EClass type, String name) {
		return type == Literals.MODEL_DECLARATION ? "model " + name + " \"models/" + name + ".onnx\""
				: type == Literals.DATASET_DECLARATION ? "dataset " + name + " \"data/" + name + "\""
						: type == Literals.DOCUMENT_INFO ? "document " + name + " { project \"...\" }" : "preprocess " + name + " { ... }";
	}

	/** "did you mean 'fiq_int8'?" among the names (whole or last segment) visible where the unknown one stands, or null. */
	private String suggestion(ILinkingDiagnosticContext context) {
		java.util.List<String> visible = new java.util.ArrayList<>();
		try {
			for (IEObjectDescription d : scopes.getScope(context.getContext(), context.getReference()).getAllElements()) {
				visible.add(d.getName().toString());
				visible.add(d.getName().getLastSegment());
			}
		} catch (RuntimeException e) {
			return null; // a half-read recipe: no suggestion rather than no message
		}
		return Suggestions.didYouMean(context.getLinkText(), visible);
	}
}
