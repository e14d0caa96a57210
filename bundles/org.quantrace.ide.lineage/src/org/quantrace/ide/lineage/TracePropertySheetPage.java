package org.quantrace.ide.lineage;

import java.util.List;

import org.eclipse.ui.views.properties.IPropertySheetEntry;
import org.eclipse.ui.views.properties.PropertySheetPage;
import org.eclipse.ui.views.properties.PropertySheetSorter;

/**
 * The Properties view of a trace element: what identifies it and its evidence (id, name, hashes, sizes)
 * first, then the other attributes, what it contains, and its references.
 */
final class TracePropertySheetPage extends PropertySheetPage {

	/** Shown first, in this order (the names EMF.Edit gives the features). */
	private static final List<String> FIRST = List.of("Id", "Name", "Kind", "Variant", "Scheme", "Role", "Sha256", "Manifest Sha256", "Recipe Sha256",
			"Size Bytes", "Sample Count", "Accepted", "Path", "Manifest Path");
	private static final List<String> CATEGORIES = List.of("Attributes", "Contents", "References");

	TracePropertySheetPage() {
		setPropertySourceProvider(o -> o instanceof org.eclipse.emf.ecore.EObject e ? new TracePropertySource(e) : null);
		setSorter(new PropertySheetSorter() {
			@Override
			public int compare(IPropertySheetEntry a, IPropertySheetEntry b) {
				int byRank = Integer.compare(rank(a.getDisplayName()), rank(b.getDisplayName()));
				return byRank != 0 ? byRank : super.compare(a, b);
			}

			@Override
			public int compareCategories(String a, String b) {
				int byRank = Integer.compare(category(a), category(b));
				return byRank != 0 ? byRank : super.compareCategories(a, b);
			}
		});
	}

	private static int rank(String name) {
		int i = FIRST.indexOf(name);
		return i < 0 ? FIRST.size() : i;
	}

	private static int category(String name) {
		for (int i = 0; i < CATEGORIES.size(); i++) {
			if (name != null && name.startsWith(CATEGORIES.get(i))) {
				return i;
			}
		}
		return CATEGORIES.size();
	}
}
