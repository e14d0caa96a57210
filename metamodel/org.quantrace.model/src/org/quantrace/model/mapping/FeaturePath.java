package org.quantrace.model.mapping;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EPackage;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;

/**
 * A path from an EClass through its features, e.g.
 * {@code ConversionRecord.eliminations[operation=dropout].nodes}. Resolving it checks it against the
 * metamodel; evaluating it collects the values it reaches from an instance.
 */
public final class FeaturePath {

	private static final Pattern SEGMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:\\[([A-Za-z_][A-Za-z0-9_]*)=([^\\]]+)\\])?");

	/** One resolved step: a feature, optionally filtered by an enum-valued attribute of its elements. */
	public record Step(EStructuralFeature feature, EAttribute filterAttribute, Object filterValue) {
	}

	private final String text;
	private final EClass start;
	private final List<Step> steps;

	private FeaturePath(String text, EClass start, List<Step> steps) {
		this.text = text;
		this.start = start;
		this.steps = List.copyOf(steps);
	}

	public String text() {
		return text;
	}

	public EClass start() {
		return start;
	}

	public List<Step> steps() {
		return steps;
	}

	/** The feature the path ends at. */
	public EStructuralFeature lastFeature() {
		return steps.get(steps.size() - 1).feature();
	}

	/**
	 * Resolves {@code text} against the classes of {@code packages}.
	 *
	 * @throws IllegalArgumentException naming the segment that does not resolve and why
	 */
	public static FeaturePath resolve(String text, EPackage... packages) {
		String[] parts = text.trim().split("\\.");
		if (parts.length < 2) {
			throw new IllegalArgumentException("'" + text + "': a path needs a class and at least one feature");
		}
		EClass current = findClass(parts[0], packages);
		if (current == null) {
			throw new IllegalArgumentException("'" + text + "': no class " + parts[0] + " in the metamodel");
		}
		EClass start = current;
		List<Step> steps = new ArrayList<>();
		for (int i = 1; i < parts.length; i++) {
			if (current == null) {
				throw new IllegalArgumentException("'" + text + "': '" + parts[i - 1] + "' is an attribute, it has no feature '" + parts[i] + "'");
			}
			Matcher m = SEGMENT.matcher(parts[i]);
			if (!m.matches()) {
				throw new IllegalArgumentException("'" + text + "': malformed segment '" + parts[i] + "'");
			}
			EStructuralFeature feature = current.getEStructuralFeature(m.group(1));
			if (feature == null) {
				throw new IllegalArgumentException("'" + text + "': class " + current.getName() + " has no feature '" + m.group(1) + "'");
			}
			EAttribute filterAttribute = null;
			Object filterValue = null;
			EClass next = feature instanceof EReference ref ? ref.getEReferenceType() : null;
			if (m.group(2) != null) {
				if (next == null || !feature.isMany()) {
					throw new IllegalArgumentException("'" + text + "': a filter needs a many-valued reference, " + feature.getName() + " is not one");
				}
				EStructuralFeature f = next.getEStructuralFeature(m.group(2));
				if (!(f instanceof EAttribute attribute) || !(attribute.getEType() instanceof EEnum eEnum)) {
					throw new IllegalArgumentException("'" + text + "': " + next.getName() + "." + m.group(2) + " is not an enum attribute");
				}
				EEnumLiteral literal = eEnum.getEEnumLiteralByLiteral(m.group(3));
				if (literal == null) {
					throw new IllegalArgumentException("'" + text + "': " + eEnum.getName() + " has no literal '" + m.group(3) + "'");
				}
				filterAttribute = attribute;
				filterValue = literal.getInstance();
			}
			steps.add(new Step(feature, filterAttribute, filterValue));
			current = next;
		}
		return new FeaturePath(text.trim(), start, steps);
	}

	private static EClass findClass(String name, EPackage... packages) {
		for (EPackage p : packages) {
			EClassifier c = p.getEClassifier(name);
			if (c instanceof EClass eClass) {
				return eClass;
			}
		}
		return null;
	}

	/** The values the path reaches from {@code root} (an instance of {@link #start()}), flattened. */
	public List<Object> evaluate(EObject root) {
		List<Object> current = List.of(root);
		for (Step step : steps) {
			List<Object> next = new ArrayList<>();
			for (Object o : current) {
				if (!(o instanceof EObject eo) || !eo.eClass().getEAllStructuralFeatures().contains(step.feature())) {
					continue;
				}
				if (!step.feature().isMany() && !eo.eIsSet(step.feature()) && step.feature() instanceof EReference) {
					continue;
				}
				Object value = eo.eGet(step.feature());
				Collection<?> values = value instanceof Collection<?> c ? c : value == null ? List.of() : List.of(value);
				for (Object v : values) {
					if (step.filterAttribute() == null || (v instanceof EObject e && step.filterValue().equals(e.eGet(step.filterAttribute())))) {
						next.add(v);
					}
				}
			}
			current = next;
		}
		return current;
	}

	@Override
	public String toString() {
		return text;
	}
}
