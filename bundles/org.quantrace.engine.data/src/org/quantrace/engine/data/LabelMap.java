package org.quantrace.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.InvalidInputException;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A label file in the quantization spec's format: {"daisy": 0, "dandelion": 1, ...}. */
public record LabelMap(Map<String, Integer> indices) {

	/** Jackson's words for a key given twice ({@code JsonParser.Feature.STRICT_DUPLICATE_DETECTION}). */
	private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");

	public static LabelMap read(Path file) {
		return read(file, new FilesAsRead());
	}

	/** The label file, read once (its bytes hashed as read into {@code read}) and parsed from those bytes. */
	static LabelMap read(Path file, FilesAsRead read) {
		if (Files.isSymbolicLink(file)) {
			throw new InvalidInputException(file + ": is a symbolic link", "the specification forbids symbolic links: use the file itself");
		}
		JsonNode json;
		try {
			// a class given twice was read with its last index only, and the refusal (if any) named an index, not the class
			json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(read.readAll(file))).toString());
		} catch (NoSuchFileException e) {
			throw new InvalidInputException(file + ": label file not found", "give a JSON file like {\"daisy\": 0, \"dandelion\": 1}", e);
		} catch (JsonParseException e) {
			Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
			if (duplicate.matches()) {
				throw new InvalidInputException(file + ":" + e.getLocation().getLineNr() + ": the class '" + duplicate.group(1) + "' is given twice",
						"give each class once, with the index the model has for it", e);
			}
			throw new InvalidInputException(file + ": not a JSON label file (" + e.getMessage().lines().findFirst().orElse("") + ")",
					"write it like {\"daisy\": 0, \"dandelion\": 1}", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": not a JSON label file (" + e.getMessage().lines().findFirst().orElse("") + ")",
					"write it like {\"daisy\": 0, \"dandelion\": 1}", e);
		}
		if (json == null || json.isMissingNode() || !json.isObject() || json.isEmpty()) {
			throw new InvalidInputException(file + ": " + holds(json) + ", not a JSON object of class name -> index", "write it like {\"daisy\": 0, \"dandelion\": 1}"
					+ (json != null && json.isArray() ? ": a list of labels per sample belongs in an .npy (numpy.save(file, y)) beside .npy data" : ""));
		}
		Map<String, Integer> map = new LinkedHashMap<>();
		Set<Integer> seen = new HashSet<>();
		json.fields().forEachRemaining(e -> {
			if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0 || !e.getValue().isIntegralNumber()) {
				throw new InvalidInputException(file + ": the index of '" + e.getKey() + "' is not a whole number >= 0: " + e.getValue(), null);
			}
			if (!seen.add(e.getValue().asInt())) {
				throw new InvalidInputException(file + ": index " + e.getValue().asInt() + " is given to two classes", "give each class its own index");
			}
			map.put(e.getKey(), e.getValue().asInt());
		});
		return new LabelMap(map);
	}

	/** What a label file that is no class map holds, in its words: "the file is empty", "it holds a JSON array (3 elements)"... */
	private static String holds(JsonNode json) {
		if (json == null || json.isMissingNode()) {
			return "the file is empty";
		}
		if (json.isObject()) {
			return "it holds an empty JSON object {}";
		}
		return "it holds a JSON " + (json.isArray() ? "array (" + json.size() + (json.size() == 1 ? " element)" : " elements)") : json.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
				+ " (" + json.toString().substring(0, Math.min(40, json.toString().length())) + ")");
	}

	/**
	 * Names by index, gaps as "class N". A view computed on demand: an index of 100000000 in a label file costs nothing
	 * until it is checked against the model's outputs (which it then fails, before any work).
	 */
	public List<String> names() {
		int max = indices.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
		Map<Integer, String> byIndex = new HashMap<>();
		indices.forEach((name, i) -> byIndex.put(i, name));
		return new AbstractList<>() {
			@Override
			public String get(int i) {
				Objects.checkIndex(i, size());
				return byIndex.getOrDefault(i, "class " + i);
			}

			@Override
			public int size() {
				return max + 1;
			}
		};
	}
}
