package org.quantrace.design.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EClassifier;
import org.eclipse.emf.ecore.EPackage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.design.QuantraceServices;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.trace.TracePackage;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The viewpoint description checked the way Sirius would read it, without Sirius: it parses, every domain
 * class is one of our metamodel's, every feature: and service: expression names a feature or a public
 * service method that fits the element it is evaluated on, every reference to a mapping or a representation
 * resolves, and names (Sirius' ids) are unique.
 */
class ViewpointDescriptionTest {

	private static final Set<String> PSEUDO_FEATURES = Set.of("eContainer", "eContents", "eAllContents", "eClass");
	/** Elements whose names Sirius uses as identifiers. */
	private static final Set<String> IDENTIFIED = Set.of("ownedViewpoints", "ownedRepresentations", "nodeMappings", "subNodeMappings",
			"containerMappings", "edgeMappings", "ownedLineMappings", "ownedColumnMappings", "intersection", "ownedTools", "additionalLayers",
			"toolSections");
	private static final Pattern NAME_IN_PATH = Pattern.compile("\\[name='([^']+)'\\]");
	private static Document odesign;
	private static Map<String, Element> byName;

	@BeforeAll
	static void parse() throws Exception {
		try (InputStream in = QuantraceServices.class.getClassLoader().getResourceAsStream("description/quantrace.odesign")) {
			assertNotNull(in, "the .odesign is in the bundle");
			odesign = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
		}
		byName = new HashMap<>();
		for (Element e : elements(odesign.getDocumentElement())) {
			if (e.hasAttribute("name")) {
				byName.putIfAbsent(e.getAttribute("name"), e);
			}
		}
	}

	@Test
	void mappingToolAndRepresentationNamesAreUnique() {
		Map<String, Element> seen = new HashMap<>();
		for (Element e : elements(odesign.getDocumentElement())) {
			if (IDENTIFIED.contains(e.getTagName())) {
				Element previous = seen.put(e.getAttribute("name"), e);
				assertEquals(null, previous, "name '" + e.getAttribute("name") + "' is used twice (Sirius uses names as ids)");
			}
		}
		assertTrue(seen.size() >= 25, "named mappings, tools and representations: " + seen.size());
	}

	@Test
	void theViewpointHasTheLifecycleDiagramTheTableAndTheServices() {
		Element vp = byName.get("QuantraceTraceability");
		assertEquals("ownedViewpoints", vp.getTagName());
		assertEquals("description_1:DiagramDescription", byName.get("Lifecycle").getAttribute("xsi:type"));
		assertEquals("description_2:CrossTableDescription", byName.get("VariantsByMetrics").getAttribute("xsi:type"));
		assertEquals(List.of("DataManagement", "ModelTraining", "InferenceManagement", "ModelVerification"), elements(byName.get("Lifecycle")).stream()
				.filter(e -> e.getTagName().equals("containerMappings")).map(e -> e.getAttribute("name")).toList(), "the AI-FSM phases");
		assertEquals("EvaluationResults", ((Element) byName.get("ModelVerification").getParentNode()).getAttribute("name"), "results in their own layer");
		List<String> edges = elements(byName.get("Lifecycle")).stream().filter(e -> e.getTagName().equals("edgeMappings") && e.hasAttribute("domainClass"))
				.map(e -> e.getAttribute("preconditionExpression")).toList();
		assertEquals(List.of("service:isDerivedFrom", "service:isCalibratedWith", "service:isVerifies", "service:isEvaluatedOn"), edges,
				"an element-based edge per trace link kind");
		assertEquals(QuantraceServices.class.getName(), elements(vp).stream().filter(e -> e.getTagName().equals("ownedJavaExtensions")).findFirst()
				.orElseThrow().getAttribute("qualifiedClassName"));
	}

	@Test
	void everyDomainClassIsAClassOfTheMetamodel() {
		int checked = 0;
		for (Element e : elements(odesign.getDocumentElement())) {
			if (e.hasAttribute("domainClass")) {
				assertNotNull(eClass(e.getAttribute("domainClass")), e.getAttribute("name") + ": " + e.getAttribute("domainClass"));
				checked++;
			}
		}
		assertTrue(checked >= 15, "domain classes: " + checked);
	}

	@Test
	void everyFeatureAndServiceExpressionFitsItsContext() {
		int features = 0;
		int services = 0;
		for (Element e : elements(odesign.getDocumentElement())) {
			NamedNodeMap attributes = e.getAttributes();
			for (int i = 0; i < attributes.getLength(); i++) {
				String attribute = attributes.item(i).getNodeName();
				String value = attributes.item(i).getNodeValue();
				if (!attribute.endsWith("Expression") || !(value.startsWith("feature:") || value.startsWith("service:"))) {
					continue;
				}
				EClass context = context(e, attribute);
				assertNotNull(context, "no context class for " + describe(e, attribute));
				if (value.startsWith("feature:")) {
					String f = value.substring("feature:".length());
					assertTrue(PSEUDO_FEATURES.contains(f) || context.getEStructuralFeature(f) != null,
							describe(e, attribute) + ": " + context.getName() + " has no feature '" + f + "'");
					features++;
				} else {
					String m = value.substring("service:".length());
					assertTrue(hasService(m, context.getInstanceClass()), describe(e, attribute) + ": QuantraceServices has no public " + m + "("
							+ context.getInstanceClass().getSimpleName() + ")");
					services++;
				}
			}
		}
		assertTrue(features >= 8 && services >= 15, features + " feature and " + services + " service expressions");
	}

	@Test
	void everyReferenceToAMappingOrRepresentationResolves() {
		int checked = 0;
		for (Element e : elements(odesign.getDocumentElement())) {
			for (String attribute : List.of("sourceMapping", "targetMapping", "mappings", "representationDescription", "lineMapping", "columnMapping")) {
				if (!e.hasAttribute(attribute)) {
					continue;
				}
				for (String path : e.getAttribute(attribute).trim().split("\\s+")) {
					Matcher m = NAME_IN_PATH.matcher(path);
					String last = null;
					while (m.find()) {
						last = m.group(1);
						assertTrue(byName.containsKey(last), describe(e, attribute) + ": no element named '" + last + "' in " + path);
					}
					assertNotNull(last, describe(e, attribute) + ": " + path);
					checked++;
				}
			}
		}
		assertTrue(checked >= 20, "references: " + checked);
	}

	/** The class an expression is evaluated on, as Sirius does it. */
	private static EClass context(Element e, String attribute) {
		boolean onContainer = attribute.equals("semanticCandidatesExpression");
		if (e.getTagName().equals("edgeMappings") && !e.hasAttribute("domainClass") && attribute.equals("targetFinderExpression")) {
			return domainOf(byName.get(lastName(e.getAttribute("sourceMapping")))); // relation edge: on the source's element
		}
		if (e.getTagName().equals("ownedTools") && e.hasAttribute("mappings")) {
			return domainOf(byName.get(lastName(e.getAttribute("mappings"))));
		}
		for (Node n = onContainer ? e.getParentNode() : e; n instanceof Element x; n = n.getParentNode()) {
			if (x.hasAttribute("domainClass")) {
				return eClass(x.getAttribute("domainClass"));
			}
		}
		return null;
	}

	private static EClass domainOf(Element mapping) {
		return mapping == null ? null : eClass(mapping.getAttribute("domainClass"));
	}

	private static String lastName(String paths) {
		Matcher m = NAME_IN_PATH.matcher(paths.trim().split("\\s+")[0]);
		String last = null;
		while (m.find()) {
			last = m.group(1);
		}
		return last;
	}

	private static boolean hasService(String name, Class<?> self) {
		for (Method m : QuantraceServices.class.getMethods()) {
			if (m.getName().equals(name) && Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 1
					&& m.getParameterTypes()[0].isAssignableFrom(self)) {
				return true;
			}
		}
		return false;
	}

	private static EClass eClass(String qualified) {
		String[] p = qualified.split("::");
		EPackage pkg = p[0].equals("trace") ? TracePackage.eINSTANCE : p[0].equals("recipe") ? RecipePackage.eINSTANCE : null;
		EClassifier c = pkg == null || p.length != 2 ? null : pkg.getEClassifier(p[1]);
		return c instanceof EClass k ? k : null;
	}

	private static String describe(Element e, String attribute) {
		String owner = e.hasAttribute("name") ? e.getAttribute("name") : ((Element) e.getParentNode()).getAttribute("name") + "/" + e.getTagName();
		return owner + "@" + attribute;
	}

	private static List<Element> elements(Element root) {
		List<Element> all = new ArrayList<>();
		NodeList nodes = root.getElementsByTagName("*");
		for (int i = 0; i < nodes.getLength(); i++) {
			all.add((Element) nodes.item(i));
		}
		return all;
	}
}
