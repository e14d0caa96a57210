package org.quantrace.dsl.validation;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.eclipse.xtext.validation.AbstractDeclarativeValidator;
import org.eclipse.xtext.validation.Check;
import org.eclipse.xtext.validation.EValidatorRegistrar;

/**
 * A text the documents show, longer than a document has room for: a 2 MB {@code responsible} was accepted (validate took 21 s)
 * and written into every log's table cells, report.html, results.json and each PDF (hostile14). A name, a version or a keyword
 * fills a cell or a line of a table: 200 characters (the length of a long title, twice a long name with its affiliation); a
 * description or a reason is a paragraph: 2,000 characters (a third of a page). An error on the text, with its length and the
 * limit. Texts that must match something else (paths, layer patterns, extensions, label columns) are what their files make
 * them and are not held here.
 */
public class RecipeTextLengthValidator extends AbstractDeclarativeValidator {

	/** The characters a name or short text may hold: one line of a table cell. */
	public static final int SHORT_TEXT = 200;
	/** The characters of a model's, dataset's or scheme's name, which names files: 255 bytes less the longest addition (".manifest.txt", "PhIMT0003-" and ".docx"). */
	public static final int FILE_NAME = 200;
	/** The characters a description or reason may hold: a paragraph. */
	public static final int PARAGRAPH = 2_000;

	private static final Set<String> PARAGRAPHS = Set.of("description", "reason", "funding");
	/** Texts matched against files and models, not shown as prose. */
	private static final Set<String> MATCHED = Set.of("importURI", "path", "labels", "targets", "pattern", "layer", "excludes", "extensions",
			"labelColumns");

	@Override
	public void register(EValidatorRegistrar registrar) {
		// composed into RecipeValidator, which registers for the package
	}

	@Check
	public void textsFitTheDocuments(EObject object) {
		for (EStructuralFeature f : object.eClass().getEAllStructuralFeatures()) {
			if (!(f instanceof EAttribute) || f.getEType().getInstanceClass() != String.class || MATCHED.contains(f.getName())) {
				continue;
			}
			int limit = PARAGRAPHS.contains(f.getName()) ? PARAGRAPH : SHORT_TEXT;
			List<INode> nodes = NodeModelUtils.findNodesForFeature(object, f);
			for (INode node : nodes) {
				String token = NodeModelUtils.getTokenText(node);
				int length = token.startsWith("\"") ? token.codePointCount(0, token.length()) - 2 : 0; // a quoted text: its quotes are not in it
				if (length > limit) {
					getMessageAcceptor().acceptError(message(f.getName(), length, limit), object, node.getOffset(), node.getLength(), IssueCodes.TEXT_LENGTH);
				}
			}
		}
	}

	/**
	 * A model's, dataset's or scheme's name becomes a file or folder name (models/MODEL/SCHEME.onnx, debug/MODEL/SCHEME/,
	 * data/DATASET.manifest.txt, logs/PhIMT0003-MODEL.docx), which holds 255 bytes: a scheme of 252 characters validated and then
	 * stopped the run at its model file, exit 3, "check the output folder is writable" (hostile15). Names are ASCII: a character
	 * is a byte.
	 */
	@Check
	public void namesFitFileNames(EObject object) {
		if (!(object instanceof org.quantrace.model.recipe.ModelDeclaration || object instanceof org.quantrace.model.recipe.DatasetDeclaration
				|| object instanceof org.quantrace.model.recipe.QuantizationConfig)) {
			return;
		}
		EStructuralFeature f = object.eClass().getEStructuralFeature("name");
		Object name = f == null ? null : object.eGet(f);
		if (name instanceof String n && n.length() > FILE_NAME) {
			String what = RecipeValidator.words(object.eClass().getName()).replace(" declaration", "").replace("quantization config", "scheme");
			getMessageAcceptor().acceptError(String.format(Locale.ROOT, "%s name of %,d characters: it names the run's files and folders (models/MODEL/SCHEME.onnx,"
					+ " logs/PhIMT0003-MODEL.docx, data/DATASET.manifest.txt), whose names hold 255 bytes: write a name of %d characters or fewer", what,
					n.length(), FILE_NAME), object, f, -1, IssueCodes.TEXT_LENGTH);
		}
	}

	private static String message(String feature, int length, int limit) {
		String what = RecipeValidator.words(feature);
		return String.format(Locale.ROOT, "%s holds %,d characters, more than the %,d %s: every log (md, html, docx, pdf) and report.html shows it"
				+ " %s; write it in %,d characters or fewer%s", what, length, limit, limit == PARAGRAPH ? "a description or reason may hold"
						: "a name or short text may hold", limit == PARAGRAPH ? "whole" : "in a table cell or a line", limit,
				limit == PARAGRAPH ? " (a longer account belongs in a file beside the recipe, named in the description)"
						: " (a longer text belongs in a description, up to " + String.format(Locale.ROOT, "%,d", PARAGRAPH) + ")");
	}
}
