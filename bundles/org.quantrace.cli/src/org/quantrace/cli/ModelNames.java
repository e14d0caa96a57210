package org.quantrace.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;

/**
 * The names of models in a table: the file name without .onnx, with as many of its folders in front as tell it
 * apart from the other models ({@code fiq/model} and {@code drq/model} for the deck's models, which are all
 * called model.onnx).
 */
final class ModelNames {

	private ModelNames() {
	}

	/** The model files, as given, mapped to their names, in the order given; the same file twice is refused. */
	static Map<Path, String> of(List<Path> models) {
		List<List<String>> parts = new ArrayList<>();
		List<Path> seen = new ArrayList<>();
		for (Path m : models) {
			Path p = m.toAbsolutePath().normalize();
			int earlier = seen.indexOf(p);
			if (earlier >= 0) {
				throw new InvalidInputException(m + " is given twice (as " + models.get(earlier) + " too)", "name each model once");
			}
			seen.add(p);
			List<String> names = new ArrayList<>();
			p.forEach(n -> names.add(n.toString()));
			if (!names.isEmpty()) {
				String file = names.remove(names.size() - 1);
				names.add(file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file);
			}
			parts.add(names);
		}
		Map<Path, String> result = new LinkedHashMap<>();
		for (int i = 0; i < models.size(); i++) {
			int k = 1;
			while (k < parts.get(i).size() && collides(parts, i, k)) {
				k++;
			}
			List<String> p = parts.get(i);
			result.put(models.get(i), String.join("/", p.subList(Math.max(0, p.size() - k), p.size())));
		}
		return result;
	}

	/** Whether the last {@code k} names of model {@code i}'s path are those of another model. */
	private static boolean collides(List<List<String>> parts, int i, int k) {
		for (int j = 0; j < parts.size(); j++) {
			if (j != i && suffix(parts.get(j), k).equals(suffix(parts.get(i), k))) {
				return true;
			}
		}
		return false;
	}

	private static List<String> suffix(List<String> names, int k) {
		return names.subList(Math.max(0, names.size() - k), names.size());
	}
}
