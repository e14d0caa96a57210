package org.quantrace.ide.lineage;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.common.notify.AdapterFactory;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.edit.provider.IItemPropertyDescriptor;
import org.eclipse.emf.edit.provider.IItemPropertySource;
import org.eclipse.emf.edit.provider.ReflectiveItemProviderAdapterFactory;
import org.eclipse.ui.views.properties.IPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertyDescriptor;

/**
 * A trace element in the Properties view, read-only: its attributes and references as EMF.Edit's
 * reflective item providers describe them (names, values as text), and what it contains (metrics,
 * acceptance results, parameters, tensors...) one row each. EMF's own bridge to the Properties view
 * (org.eclipse.emf.edit.ui) is not on Maven Central; this is the small part of it a read-only view needs.
 */
public final class TracePropertySource implements IPropertySource {

	private static final AdapterFactory ITEM_PROVIDERS = new ReflectiveItemProviderAdapterFactory();
	private static final String CONTENT = "#";

	private final EObject object;
	private final IItemPropertySource items;

	public TracePropertySource(EObject object) {
		this.object = object;
		this.items = (IItemPropertySource) ITEM_PROVIDERS.adapt(object, IItemPropertySource.class);
	}

	@Override
	public Object getEditableValue() {
		return object;
	}

	@Override
	public IPropertyDescriptor[] getPropertyDescriptors() {
		List<IPropertyDescriptor> result = new ArrayList<>();
		for (IItemPropertyDescriptor d : items.getPropertyDescriptors(object)) {
			PropertyDescriptor p = new PropertyDescriptor(d.getId(object), d.getDisplayName(object));
			p.setCategory(d.getFeature(object) instanceof EReference ? "References" : "Attributes");
			p.setDescription(d.getDescription(object));
			result.add(p);
		}
		for (EReference r : object.eClass().getEAllContainments()) {
			List<EObject> children = children(r);
			for (int i = 0; i < children.size(); i++) {
				PropertyDescriptor p = new PropertyDescriptor(r.getName() + CONTENT + i, children.size() == 1 ? r.getName() : r.getName() + " " + (i + 1));
				p.setCategory("Contents: " + r.getName());
				result.add(p);
			}
		}
		return result.toArray(IPropertyDescriptor[]::new);
	}

	@Override
	public Object getPropertyValue(Object id) {
		String key = String.valueOf(id);
		int hash = key.lastIndexOf(CONTENT);
		if (hash > 0 && object.eClass().getEStructuralFeature(key.substring(0, hash)) instanceof EReference r && r.isContainment()) {
			List<EObject> children = children(r);
			int index = Integer.parseInt(key.substring(hash + 1));
			return index < children.size() ? TraceTree.label(children.get(index)) : "";
		}
		IItemPropertyDescriptor d = items.getPropertyDescriptor(object, id);
		if (d == null) {
			return "";
		}
		Object value = d.getPropertyValue(object);
		Object raw = value instanceof IItemPropertySource s ? s.getEditableValue(object) : value;
		if (raw instanceof EObject o) {
			return TraceTree.label(o);
		}
		return d.getLabelProvider(object).getText(value);
	}

	private List<EObject> children(EReference r) {
		Object v = object.eGet(r);
		if (v instanceof List<?> list) {
			return list.stream().map(EObject.class::cast).toList();
		}
		return v == null ? List.of() : List.of((EObject) v);
	}

	@Override
	public boolean isPropertySet(Object id) {
		return false;
	}

	@Override
	public void resetPropertyValue(Object id) {
	}

	@Override
	public void setPropertyValue(Object id, Object value) {
	}

}
