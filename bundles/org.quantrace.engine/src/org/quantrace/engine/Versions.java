package org.quantrace.engine;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Manifest;

/** Versions of the components a run used, read from their jar manifests (for logs and traces). */
public final class Versions {

	private Versions() {
	}

	/**
	 * The Bundle-Version (else Implementation-Version) of the jar or bundle holding {@code type}, or
	 * "unknown" when it has no manifest (e.g. classes compiled into a folder).
	 */
	public static String of(Class<?> type) {
		String resource = type.getName().replace('.', '/') + ".class";
		URL url = type.getClassLoader() == null ? null : type.getClassLoader().getResource(resource);
		if (url == null) {
			return "unknown";
		}
		String s = url.toString();
		String manifestUrl;
		if (s.startsWith("jar:")) {
			manifestUrl = s.substring(0, s.indexOf("!/") + 2) + "META-INF/MANIFEST.MF";
		} else if (s.endsWith(resource)) {
			manifestUrl = s.substring(0, s.length() - resource.length()) + "META-INF/MANIFEST.MF";
		} else {
			return "unknown";
		}
		try (InputStream in = java.net.URI.create(manifestUrl).toURL().openStream()) {
			var attributes = new Manifest(in).getMainAttributes();
			String v = attributes.getValue("Bundle-Version");
			if (v == null) {
				v = attributes.getValue("Implementation-Version");
			}
			return v == null ? "unknown" : v;
		} catch (IOException | IllegalArgumentException e) {
			return "unknown";
		}
	}

	/** The version of Quantrace itself. */
	public static String quantrace() {
		return of(Versions.class);
	}
}
