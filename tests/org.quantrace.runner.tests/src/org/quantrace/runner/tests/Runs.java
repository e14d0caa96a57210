package org.quantrace.runner.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import org.quantrace.engine.Progress;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/** Runs recipes in-process with a fixed run time, and makes private copies of the example to change. */
final class Runs {

	static final Instant TIME = Instant.parse("2026-11-24T12:00:00Z");

	private Runs() {
	}

	static RecipeRunner.Outcome run(Path recipe, Path out) {
		return run(recipe, out, Shard.ALL, Progress.NONE);
	}

	static RecipeRunner.Outcome run(Path recipe, Path out, Shard shard, Progress progress) {
		RunOptions options = new RunOptions(out, Set.of(), shard, TIME, true, progress, new PrintWriter(new StringWriter()));
		return RecipeRunner.run(recipe, options);
	}

	/** The example folder copied (models, data, recipe), so that a test may change it. */
	static Path exampleCopy(String name) {
		return TestData.exampleCopy(name);
	}

	/** A copy of the tree {@code from} at {@code to}. */
	static Path copy(Path from, Path to) {
		return TestData.copy(from, to);
	}

	/**
	 * The example's recipe for model {@code name} at {@code path} (relative to the example's folder) instead of the
	 * example's, with only {@code schemes} (also in its acceptance criteria).
	 */
	static String exampleRecipe(Path exampleDir, String name, String path, String schemes) {
		try {
			String recipe = Files.readString(exampleDir.resolve("fashion_cnn.qr"))
					.replace("\tmodel cnn \"model/fashion_cnn_trained.onnx\" id FASHION-CNN version 1 framework \"PyTorch 1.13.0\"",
							"\tmodel " + name + " \"" + path + "\" id " + name.toUpperCase(java.util.Locale.ROOT) + " version 1")
					.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes " + schemes)
					.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for " + schemes);
			if (!recipe.contains("model " + name + " ") || !recipe.contains("schemes " + schemes)) {
				throw new IllegalStateException("the example's recipe changed: " + recipe);
			}
			return recipe;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * A recipe {@code file} next to the example's model and data that quantizes the model at {@code model} (relative to the
	 * example's folder) under fiq_int8 only, calibrated and evaluated on 50 samples each: a verify test's honest run.
	 */
	static Path fiqInt8Recipe(Path exampleDir, String file, String recipeName, String model) {
		return recipe(exampleDir, file, "recipe " + recipeName + " {\n\tmodel cnn \"" + model + "\"\n" + """
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
	}

	/** The output folder ("out") of a {@link #fiqInt8Recipe} run of the example's trained model in a copy of the example named {@code name}. */
	static Path fiqInt8Run(String name) {
		Path dir = exampleCopy(name);
		Path out = dir.resolve("out");
		int exit = run(fiqInt8Recipe(dir, "int8.qr", "int8", "model/fashion_cnn_trained.onnx"), out).exitCode();
		if (exit != 0) {
			throw new IllegalStateException("the example's fiq_int8 run: exit " + exit);
		}
		return out;
	}

	/**
	 * A copy of the example (folder {@code folder}) whose recipe, saved as {@code file}, declares {@code declaration} (a scheme)
	 * before it and runs {@code schemes} (also in its acceptance criteria) with the debugger on {@code debugged}; run into the
	 * copy's {@code out}, which is returned once the run exited 0.
	 */
	static Path exampleRunWithScheme(String folder, String file, String declaration, String schemes, String debugged) {
		Path dir = exampleCopy(folder);
		try {
			String recipe = Files.readString(dir.resolve("fashion_cnn.qr"))
					.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes " + schemes)
					.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for " + schemes)
					.replace("debug fiq_int8", "debug " + debugged)
					.replace("recipe fashion_cnn", declaration + "\n\nrecipe fashion_cnn");
			if (!recipe.contains("schemes " + schemes) || !recipe.contains(declaration)) {
				throw new IllegalStateException("the example's recipe changed: " + recipe);
			}
			Path out = dir.resolve("out");
			RecipeRunner.Outcome outcome = run(recipe(dir, file, recipe), out);
			if (outcome.exitCode() != 0) {
				throw new IllegalStateException("the run exited " + outcome.exitCode() + ": " + outcome.diagnostics());
			}
			return out;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The output folder of {@code text} (a recipe named {@code file}) run in a copy {@code folder} of the example; the run must exit 0. */
	static Path exampleOut(String folder, String file, String text) {
		Path example = exampleCopy(folder);
		Path out = example.resolve("out");
		RecipeRunner.Outcome o = run(recipe(example, file, text), out);
		if (o.exitCode() != 0) {
			throw new AssertionError(file + " exited " + o.exitCode() + ": " + o.diagnostics());
		}
		return out;
	}

	/** {@code text} as a recipe file next to the example's model and data. */
	static Path recipe(Path exampleDir, String name, String text) {
		try {
			return Files.writeString(exampleDir.resolve(name), text);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The example model with its large initializers moved into one external-data file beside it, as ONNX writers store big models. */
	static void externalize(Path model, Path to, String dataFile) throws IOException {
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
		var graph = m.getGraph().toBuilder();
		ByteArrayOutputStream data = new ByteArrayOutputStream();
		for (int i = 0; i < graph.getInitializerCount(); i++) {
			TensorProto t = graph.getInitializer(i);
			if (t.getRawData().size() > 1024) {
				long offset = data.size();
				t.getRawData().writeTo(data);
				graph.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
						.addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(dataFile))
						.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
						.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Integer.toString(t.getRawData().size()))));
			}
		}
		if (data.size() < 100_000) {
			throw new IllegalStateException("most weights should be external: " + data.size() + " bytes");
		}
		Files.write(to.resolveSibling(dataFile), data.toByteArray());
		Files.write(to, m.toBuilder().setGraph(graph).build().toByteArray());
	}
}
