package org.quantrace.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;
import org.eclipse.emf.ecore.xmi.XMLResource;
import org.eclipse.emf.ecore.xmi.impl.XMIResourceFactoryImpl;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracePackage;

/**
 * Entry point for using the metamodel outside Eclipse: registers the packages and an XMI factory, and
 * loads/saves trace models. Inside OSGi, plugin.xml does the registration; calling this is harmless.
 */
public final class QuantraceModel {

	private QuantraceModel() {
	}

	/** Registers the recipe and trace packages in the global registry (idempotent). */
	public static void init() {
		RecipePackage.eINSTANCE.eClass();
		TracePackage.eINSTANCE.eClass();
	}

	/** A resource set that reads and writes *.xmi, *.trace and *.recipe files as XMI. */
	public static ResourceSet newResourceSet() {
		init();
		ResourceSet set = new ResourceSetImpl();
		Map<String, Object> factories = set.getResourceFactoryRegistry().getExtensionToFactoryMap();
		XMIResourceFactoryImpl xmi = new XMIResourceFactoryImpl();
		factories.put("xmi", xmi);
		factories.put("trace", xmi);
		factories.put(Resource.Factory.Registry.DEFAULT_EXTENSION, xmi);
		return set;
	}

	/** Saves a trace model as XMI with stable formatting (UTF-8, ids as XMI references). */
	public static void save(TraceModel trace, Path file) throws IOException {
		Resource resource = newResourceSet().createResource(URI.createFileURI(file.toAbsolutePath().toString()));
		resource.getContents().add(trace);
		resource.save(Map.of(XMLResource.OPTION_ENCODING, "UTF-8", XMLResource.OPTION_LINE_WIDTH, 120));
	}

	/** Loads the trace model stored in an XMI file. */
	public static TraceModel loadTrace(Path file) throws IOException {
		Resource resource;
		try {
			resource = newResourceSet().getResource(URI.createFileURI(file.toAbsolutePath().toString()), true);
		} catch (RuntimeException e) { // EMF wraps a missing or unparsable file in a runtime exception
			throw new IOException(file + ": cannot be read as a trace (" + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()) + ")", e);
		}
		EObject root = resource.getContents().isEmpty() ? null : resource.getContents().get(0);
		if (!(root instanceof TraceModel trace)) {
			throw new IOException(file + ": not a Quantrace trace model (root is "
					+ (root == null ? "missing" : root.eClass().getName()) + ")");
		}
		return trace;
	}
}
