package org.quantrace.dsl.validation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.validation.AbstractDeclarativeValidator;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.EValidatorRegistrar;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.RecipePackage.Literals;

/**
 * Names a run makes file and folder names of (models/MODEL/SCHEME.onnx, debug/MODEL/SCHEME/) that differ only in case: models
 * {@code cnn} and {@code CNN}, schemes {@code my_int8} and {@code My_Int8}, a scheme {@code Original} beside the float stage
 * {@code original}. Linux keeps both; a file system that ignores case (macOS's and Windows' by default, and a copy of the folder
 * there) holds one file for both, so one model's files replace the other's while the trace records both. An error at the second.
 */
public class RecipeFileNameValidator extends AbstractDeclarativeValidator {

	@Override
	public void register(EValidatorRegistrar registrar) {
		// composed into RecipeValidator, which registers for the package
	}

	@Check
	public void modelFoldersDifferBeyondCase(Recipe r) {
		Map<String, ModelDeclaration> seen = new LinkedHashMap<>();
		List<ModelDeclaration> models = new ArrayList<>(r.getDeclarations().stream().filter(ModelDeclaration.class::isInstance).map(ModelDeclaration.class::cast).toList());
		models.addAll(r.getUsedModels());
		for (ModelDeclaration m : models) {
			ModelDeclaration first = m.getName() == null ? null : seen.putIfAbsent(folded(m.getName()), m);
			if (first != null && first != m && !first.getName().equals(m.getName())) {
				String message = "model '" + m.getName() + "' differs from model '" + first.getName() + "' (line " + line(first) + ") only in case: its files go to"
						+ " models/" + m.getName() + "/, which a file system that ignores case (macOS, Windows) holds as models/" + first.getName()
						+ "/, so one model's files would replace the other's: give it a name that differs in more than case";
				if (m.eContainer() == r) {
					error(message, m, Literals.DECLARATION__NAME, IssueCodes.DUPLICATE_NAME);
				} else {
					error(message, r, Literals.RECIPE__USED_MODELS, r.getUsedModels().indexOf(m), IssueCodes.DUPLICATE_NAME);
				}
			}
		}
	}

	/** The schemes' files models/MODEL/SCHEME.onnx beside one another's and beside the float stages' (original.onnx, converted.onnx...). */
	@Check
	public void schemeFilesDifferBeyondCase(Recipe r) {
		Map<String, String> taken = new LinkedHashMap<>();
		RecipeValidator.FLOAT_STAGES.forEach(s -> taken.put(folded(s), "the float stage '" + s + "'"));
		for (INode node : NodeModelUtils.findNodesForFeature(r, Literals.RECIPE__SCHEMES)) {
			String written = NodeModelUtils.getTokenText(node);
			String scheme = written.substring(written.lastIndexOf('.') + 1); // the runner names the file by the scheme's own name
			String first = taken.putIfAbsent(folded(scheme), "scheme '" + scheme + "' (line " + node.getStartLine() + ")");
			if (first != null && !first.contains("'" + scheme + "'")) {
				getMessageAcceptor().acceptError("scheme '" + scheme + "' differs from " + first + " only in case: its files models/MODEL/" + scheme
						+ ".onnx are, on a file system that ignores case (macOS, Windows), the files of the other, so one would replace the other: give it"
						+ " a name that differs in more than case", r, node.getOffset(), node.getLength(), IssueCodes.DUPLICATE_NAME);
			}
		}
	}

	private static String folded(String name) {
		return name.toLowerCase(Locale.ROOT);
	}

	private static int line(ModelDeclaration m) {
		INode n = NodeModelUtils.getNode(m);
		return n == null ? 0 : n.getStartLine();
	}
}
