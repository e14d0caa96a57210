package org.quantrace.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON output of the commands: indented, stable key order, UTF-8. */
final class Json {

	private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
			.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING);

	private Json() {
	}

	static String write(Object value) {
		try {
			return MAPPER.writeValueAsString(value) + System.lineSeparator();
		} catch (JsonProcessingException e) {
			throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
		}
	}
}
