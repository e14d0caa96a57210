package org.quantrace.dsl.validation;

import java.util.List;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.validation.AbstractDeclarativeValidator;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.EValidatorRegistrar;

/**
 * A list that names one entry twice ({@code schemes fiq_int8, drq, fiq_int8}, {@code debug drq, drq}, {@code metrics accuracy,
 * accuracy}): the run quantized fiq_int8 twice into one file, and verify of that honest folder found a mismatch ("holds its
 * pipelines in the order [mlp/fiq_int8, mlp/drq], where one run makes them ... [mlp/fiq_int8, mlp/drq, mlp/fiq_int8]"). An error
 * at the second mention, naming the first's line. Lists of texts too ({@code label-columns "species", "species"}): EMF keeps one of
 * each, so the run read another list than the recipe shows (a list of numbers, {@code mean 0.5, 0.5, 0.5}, keeps its repeats).
 */
public class RecipeListValidator extends AbstractDeclarativeValidator {

	@Override
	public void register(EValidatorRegistrar registrar) {
		// composed into RecipeValidator, which registers for the package
	}

	@Check
	public void listsNameEachEntryOnce(EObject object) {
		for (EStructuralFeature f : object.eClass().getEAllStructuralFeatures()) {
			boolean listed = f.isMany() && !f.isDerived() && !f.isTransient()
					&& (f instanceof EReference r && !r.isContainment() || f instanceof EAttribute a && (a.getEAttributeType() instanceof EEnum || a.isUnique()));
			if (!listed) {
				continue;
			}
			// by the text written: EMF's lists of enum values drop a second 'accuracy' silently, so the model does not show it
			List<String> written = NodeModelUtils.findNodesForFeature(object, f).stream().map(NodeModelUtils::getTokenText).toList();
			List<INode> nodes = NodeModelUtils.findNodesForFeature(object, f);
			for (int i = 1; i < written.size(); i++) {
				int first = written.subList(0, i).indexOf(written.get(i));
				if (first >= 0) {
					INode again = nodes.get(i);
					String entry = written.get(i).replaceAll("^\"(.*)\"$", "$1"); // a text as it reads, without its quotes
					getMessageAcceptor().acceptError("'" + entry + "' is named twice in " + RecipeValidator.words(f.getName()) + " (first on line "
							+ nodes.get(first).getStartLine() + "): each is " + (f.getName().equals("schemes") ? "run" : "taken") + " once, so name it once",
							object, again.getOffset(), again.getLength(), IssueCodes.DUPLICATE_ENTRY);
				}
			}
		}
	}
}
