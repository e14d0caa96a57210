package org.quantrace.dsl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EStructuralFeature;
import org.quantrace.model.recipe.DocumentInfo;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.recipe.RecipePackage.Literals;
import org.quantrace.model.recipe.RevisionEntry;

/**
 * A recipe's document block as it applies: its own values over those of the document it extends, and so
 * on up the chain (a project declares its document once, in a file recipes import). The validator checks
 * the resolved values; the runner records them in the trace for the logs.
 */
public final class DocumentInfos {

	private DocumentInfos() {
	}

	/** The chain from {@code d} to its last base, each once (a cycle is the validator's to report). */
	public static List<DocumentInfo> chain(DocumentInfo d) {
		Set<DocumentInfo> seen = new LinkedHashSet<>();
		for (DocumentInfo x = d; x != null && !x.eIsProxy() && seen.add(x); x = x.getBase()) {
			// walk
		}
		return List.copyOf(seen);
	}

	/** A new, detached document with the values of {@code d} resolved along its chain; empty for null. */
	public static DocumentInfo resolve(DocumentInfo d) {
		DocumentInfo r = RecipeFactory.eINSTANCE.createDocumentInfo();
		if (d == null) {
			return r;
		}
		r.setName(d.getName());
		r.setDescription(d.getDescription());
		List<DocumentInfo> chain = chain(d);
		for (EStructuralFeature f : Literals.DOCUMENT_INFO.getEStructuralFeatures()) {
			if (f == Literals.DOCUMENT_INFO__BASE || f == Literals.DOCUMENT_INFO__HISTORY) {
				continue;
			}
			for (DocumentInfo x : chain) {
				if (x.eIsSet(f)) {
					r.eSet(f, x.eGet(f));
					break;
				}
			}
		}
		// the history adds up: the project's entries, then the recipe's, one row per version (the nearest wins)
		List<RevisionEntry> history = new ArrayList<>();
		Set<String> versions = new LinkedHashSet<>();
		for (DocumentInfo x : chain) {
			for (RevisionEntry e : x.getHistory()) {
				if (versions.add(e.getVersion())) {
					RevisionEntry copy = RecipeFactory.eINSTANCE.createRevisionEntry();
					copy.setVersion(e.getVersion());
					copy.setDate(e.getDate());
					copy.setDescription(e.getDescription());
					history.add(copy);
				}
			}
		}
		r.getHistory().addAll(history);
		return r;
	}

	/** True when the resolved document says approval required: a missing approver is then an error. */
	public static boolean approvalRequired(DocumentInfo resolved) {
		return resolved.isSetApprovalRequired() && resolved.isApprovalRequired();
	}
}
