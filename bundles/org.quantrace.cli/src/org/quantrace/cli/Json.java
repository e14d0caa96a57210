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

	/** {@code value} as a JSON tree, as {@link #write} would write it (map keys ordered), to be trimmed before it is written. */
	static com.fasterxml.jackson.databind.node.ObjectNode tree(Object value) {
		return MAPPER.valueToTree(value);
	}

	/**
	 * Whether {@code file} holds a JSON object with at least {@code required} and no keys beyond {@code allowed}: how a
	 * command tells its own earlier JSON output (its keys are its records' components) from any other file.
	 */
	static boolean isObjectWithKeys(java.nio.file.Path file, java.util.Set<String> required, java.util.Set<String> allowed) {
		return keysFit(read(file), required, allowed);
	}

	/** The JSON tree of {@code file}; null when it is not JSON. */
	static com.fasterxml.jackson.databind.JsonNode read(java.nio.file.Path file) {
		try {
			return MAPPER.readTree(file.toFile());
		} catch (java.io.IOException | RuntimeException e) {
			return null;
		}
	}

	/** Whether {@code node} is an object whose keys include {@code required} and lie within {@code allowed}. */
	static boolean keysFit(com.fasterxml.jackson.databind.JsonNode node, java.util.Set<String> required, java.util.Set<String> allowed) {
		if (node == null || !node.isObject()) {
			return false;
		}
		java.util.Set<String> keys = new java.util.HashSet<>();
		node.fieldNames().forEachRemaining(keys::add);
		return keys.containsAll(required) && allowed.containsAll(keys);
	}

	/** The component names of a record type: the keys its JSON has. */
	static java.util.Set<String> components(Class<? extends Record> type) {
		return java.util.Arrays.stream(type.getRecordComponents()).map(java.lang.reflect.RecordComponent::getName).collect(java.util.stream.Collectors.toSet());
	}
}
