package org.quantrace.model;

import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.ToolVersion;
import org.quantrace.model.trace.TraceFactory;

/** The small trace values every record writer makes: key/value parameters and tool versions. */
public final class TraceValues {

	private TraceValues() {
	}

	public static Parameter parameter(String key, String value) {
		Parameter p = TraceFactory.eINSTANCE.createParameter();
		p.setKey(key);
		p.setValue(value);
		return p;
	}

	public static ToolVersion tool(String name, String version) {
		ToolVersion t = TraceFactory.eINSTANCE.createToolVersion();
		t.setName(name);
		t.setVersion(version);
		return t;
	}
}
