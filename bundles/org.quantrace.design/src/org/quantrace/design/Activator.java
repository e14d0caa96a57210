package org.quantrace.design;

import java.lang.reflect.Method;
import java.util.Set;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Registers the viewpoint with Sirius when the bundle starts (Sirius' componentization extension names this
 * class). Sirius is reached by reflection: it is not on Maven Central, so this bundle is built and tested
 * without it, and it resolves (doing nothing) in an installation without Sirius.
 */
public class Activator implements BundleActivator {

	public static final String PLUGIN_ID = "org.quantrace.design";
	public static final String ODESIGN = PLUGIN_ID + "/description/quantrace.odesign";

	private static final String REGISTRY = "org.eclipse.sirius.business.api.componentization.ViewpointRegistry";

	private Set<?> viewpoints;

	@Override
	public void start(BundleContext context) throws Exception {
		Object registry = registry();
		if (registry != null) {
			Method register = registry.getClass().getMethod("registerFromPlugin", String.class);
			viewpoints = (Set<?>) register.invoke(registry, ODESIGN);
		}
	}

	@Override
	public void stop(BundleContext context) throws Exception {
		Object registry = registry();
		if (registry != null && viewpoints != null) {
			for (Object viewpoint : viewpoints) {
				for (Method m : registry.getClass().getMethods()) {
					if (m.getName().equals("disposeFromPlugin") && m.getParameterCount() == 1) {
						m.invoke(registry, viewpoint);
					}
				}
			}
		}
		viewpoints = null;
	}

	private static Object registry() {
		try {
			return Class.forName(REGISTRY, true, Activator.class.getClassLoader()).getMethod("getInstance").invoke(null);
		} catch (ReflectiveOperationException | LinkageError e) {
			return null; // no Sirius here
		}
	}
}
