package org.quantrace.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * The models a one-off command reads, refused through a symbolic link as a recipe's model line is (RecipePathValidator,
 * `symbolic-link`): the quantization specification says "Do not use symbolic links to files and directories". Every
 * folder of the path as written is checked, then the file.
 */
final class ModelFiles {

	private ModelFiles() {
	}

	/**
	 * The model of a command that runs or transforms it, read once it is known to be reached without a symbolic link and to be no
	 * recipe; one without outputs is refused here, before any work.
	 */
	static OnnxModel load(Path path) {
		String home = org.quantrace.model.HomeFolder.unexpanded(path.toString());
		if (home != null && !Files.exists(path)) {
			throw new InvalidInputException(path + ": file not found", home);
		}
		requireNoSymbolicLink(path);
		requireNotRecipe(path);
		OnnxModel model = OnnxModel.load(path);
		org.quantrace.engine.onnx.GraphOutputs.requireReadable(model, path.toString());
		return model;
	}

	/**
	 * Requires that {@code model} runs on the first sample of {@code data} (nothing when there is no data or no sample): a model that
	 * loads but cannot run on its own declared input shape is the user's input to fix (exit 2, the node named), not a failure of
	 * the work (exit 3). Before any work, on the models the user gave. Samples that do not fit the input the model declares
	 * (Fashion-MNIST flattened to [N, 784] for a CNN reading [N, 1, 28, 28]) are the data's fault, said first with how to reshape
	 * them, as a recipe's check says it (`data-shape`): run on them, the model was blamed ("the graph contradicts its own declared
	 * input ... export the model again").
	 */
	static void requireRuns(OnnxModel model, Path path, org.quantrace.engine.data.Dataset data) {
		if (data != null && data.size() > 0) {
			// each input: a model of several reads an .npz's named arrays, and is run on the first sample of each
			org.quantrace.engine.data.ModelInputs inputs = org.quantrace.engine.data.ModelInputs.of(model, path.toString(), data);
			org.quantrace.engine.runtime.ShapeProbe.requireRuns(model, path.toString(), inputs.firstSample(data));
		}
	}

	/**
	 * A recipe given where a model is read (`quantrace inspect fashion_cnn.qr`) is said to be one, with the commands that read
	 * recipes: the protobuf parser's "not an ONNX model" and the exporters' hint sent the user to re-export a model (hostile14).
	 */
	static void requireNotRecipe(Path path) {
		Path name = path.getFileName();
		if (name != null && name.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".qr") && Files.isRegularFile(path) && !OnnxModel.isModelFile(path)) {
			throw new InvalidInputException(path + ": is a recipe, not an ONNX model",
					"check it with quantrace validate " + path + ", run it with quantrace run " + path + "; this command reads the .onnx model a recipe names");
		}
	}

	static void requireNoSymbolicLink(Path path) {
		Path cur = path.isAbsolute() ? path.getRoot() : null;
		for (Path name : path) {
			cur = cur == null ? name : cur.resolve(name);
			if (!name.toString().equals("..") && !name.toString().equals(".") && Files.isSymbolicLink(cur)) {
				throw new InvalidInputException(path + " goes through the symbolic link " + cur.toAbsolutePath().normalize()
						+ ": the quantization specification forbids symbolic links to files and folders (models and data alike)",
						"give the real path (" + realPath(path) + ")");
			}
		}
	}

	private static String realPath(Path path) {
		try {
			return path.toRealPath().toString();
		} catch (java.io.IOException | RuntimeException e) {
			return "the file the link points to";
		}
	}
}
