package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * A recipe over models of several inputs (tests/data/multiin, made by tests/data/wild/make_multiin.py), its datasets .npz archives
 * whose arrays are named as the model's inputs: the run calibrates, quantizes, evaluates and debugs them, and verify, deep too (its
 * second path feeds every input), finds the run consistent. On main the recipe was refused on each dataset's line (data-shape:
 * "the model has 2 inputs; datasets feed models with one input").
 */
class MultiInputRunTest {

	private static Path copy(String model) throws IOException {
		Path dir = TestData.tempDir("multiin-run");
		for (String f : List.of(".onnx", "-calib.npz", "-test.npz")) {
			Files.copy(TestData.data("multiin/" + model + f), dir.resolve(model + f));
		}
		return dir;
	}

	private static String recipe(String model, String calib, String steps) {
		return "recipe " + model + " {\n\tmodel m \"" + model + ".onnx\"\n\tdataset calib \"" + calib + "\" role calibration format npz\n\tdataset eval \""
				+ model + "-test.npz\" role evaluation format npz samples 300\n\tschemes fiq_int8\n\tevaluate on eval metrics accuracy\n"
				+ "\taccept when accuracy drop < 1 pt for fiq_int8\n" + steps + "}\n";
	}

	private static void runsAndVerifies(String model, String steps) throws IOException {
		Path dir = copy(model);
		Path out = dir.resolve("out");
		var run = Runs.run(Runs.recipe(dir, model + ".qr", recipe(model, model + "-calib.npz", steps)), out);
		assertEquals(0, run.exitCode(), run.diagnostics().toString());
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("none (arrays as stored: "), "the trace says each input's array: " + trace.substring(0, Math.min(3000, trace.length())));
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);
	}

	@Test
	void bertWithIdsAndMaskRunsAndVerifies() throws IOException {
		runsAndVerifies("bert2in", "");
	}

	@Test
	void twoStreamModelRunsDebugsAndVerifies() throws IOException {
		runsAndVerifies("twostream", "\tdebug fiq_int8 threshold rmse/scale > 0.5\n");
	}

	/** A dataset of one array for a model of two inputs: refused on its line (data-shape), with the .npz form; nothing written. */
	@Test
	void oneArrayForTwoInputsIsRefusedOnTheDatasetsLine() throws IOException {
		Path dir = copy("bert2in");
		NpyArray.write(dir.resolve("ids.npy"),
				Datasets.open(DatasetSpec.of(dir.resolve("bert2in-calib.npz"), null)).read(0, 16).named().get("input_ids"));
		String recipe = recipe("bert2in", "ids.npy", "").replace("format npz\n\tdataset eval", "format npy\n\tdataset eval");
		Path out = dir.resolve("out");
		var refused = Runs.run(Runs.recipe(dir, "ids.qr", recipe), out);
		assertEquals(2, refused.exitCode(), refused.diagnostics().toString());
		String said = refused.diagnostics().toString();
		assertTrue(said.contains("ids.qr:3:") && said.contains("[data-shape]") && said.contains("the model has 2 inputs (input_ids, attention_mask)")
				&& said.contains("numpy.savez(file, input_ids=..., attention_mask=..., y=labels)"), said);
		assertFalse(Files.exists(out), "nothing written");

		// arrays not named as the inputs: each named, on the line, the dataset named by its path as the recipe writes it
		Batch b = Datasets.open(DatasetSpec.of(dir.resolve("bert2in-calib.npz"), null)).read(0, 16);
		Path misnamed = dir.resolve("misnamed.npz");
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(misnamed))) {
			for (String[] a : new String[][] { { "ids", "input_ids" }, { "mask", "attention_mask" } }) {
				Path npy = dir.resolve(a[0] + ".npy");
				NpyArray.write(npy, b.named().get(a[1]));
				zip.putNextEntry(new ZipEntry(a[0] + ".npy"));
				zip.write(Files.readAllBytes(npy));
				zip.closeEntry();
			}
		}
		var wrong = Runs.run(Runs.recipe(dir, "misnamed.qr", recipe("bert2in", "misnamed.npz", "")), out);
		assertEquals(2, wrong.exitCode(), wrong.diagnostics().toString());
		said = wrong.diagnostics().toString();
		assertTrue(said.contains("misnamed.qr:3:") && said.contains("[data-shape]") && said.contains("misnamed.npz: no array for inputs 'input_ids', 'attention_mask'"
				+ " (arrays: ids [16, 49] int64, mask [16, 49] int64; inputs of m: input_ids [N, 49], attention_mask [N, 49])"), said);
		assertFalse(Files.exists(out), "nothing written");
	}

	/**
	 * The KV-cache decoder (three inputs, its presents fed back; tests/data/multiin/kv.onnx) quantized drq and fiq_int8 and evaluated
	 * by its outputs against the original's (mse, psnr over the logits, range 2: the logits span about [-0.95, 0.94]): the run is
	 * consistent, verify's second path too (it feeds all three inputs, the float caches quantized for the int8 model).
	 */
	@Test
	void kvDecoderIsEvaluatedByItsOutputsAndVerifies() throws IOException {
		Path dir = TestData.tempDir("multiin-kv");
		for (String f : List.of("kv.onnx", "kv-32.npz")) {
			Files.copy(TestData.data("multiin/" + f), dir.resolve(f));
		}
		String recipe = "recipe kv {\n\tmodel m \"kv.onnx\"\n\tdataset calib \"kv-32.npz\" role calibration format npz\n\tdataset eval \"kv-32.npz\""
				+ " role evaluation format npz\n\tschemes drq, fiq_int8\n\tevaluate on eval metrics mse, psnr range 2\n\taccept when psnr >= 30 dB for drq, fiq_int8\n}\n";
		Path out = dir.resolve("out");
		var run = Runs.run(Runs.recipe(dir, "kv.qr", recipe), out);
		assertEquals(0, run.exitCode(), run.diagnostics().toString());
		com.fasterxml.jackson.databind.JsonNode results = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("results.json").toFile());
		String json = results.toString();
		assertTrue(json.contains("\"accepted\":true") && json.contains("psnr (dB, range 2)"), json);
		assertTrue(Files.readString(out.resolve("trace.xmi")).contains("none (arrays as stored: input_ids int64, past_key float32, past_value float32)"));
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);
	}

	/**
	 * A model of one input whose .npz keeps another array beside its input's: refused on the dataset's line (data-shape), as an
	 * array that fits no input of a model of several is; nothing written. The run read the first array, and the trace and the logs
	 * recorded both arrays' types as the data's preprocessing.
	 */
	@Test
	void anArrayBesideTheOneInputIsRefusedOnTheDatasetsLine() throws IOException {
		Path dir = TestData.tempDir("multiin-beside");
		Files.copy(org.quantrace.testing.Zoo.model("resnet").onnx(), dir.resolve("resnet.onnx"));
		Batch images = Datasets.open(DatasetSpec.of(org.quantrace.testing.Zoo.calibrationImages(), org.quantrace.testing.Zoo.calibrationLabels())).read(0, 16);
		java.util.Map<String, org.quantrace.engine.runtime.NdArray> arrays = new java.util.LinkedHashMap<>();
		arrays.put("input", images.inputs());
		arrays.put("mask", org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 16, 4 }, new float[64]));
		arrays.put("y", org.quantrace.engine.runtime.NdArray.ofInts(new long[] { 16 }, images.labels().classes()));
		org.quantrace.testing.Npz.write(dir.resolve("extra.npz"), arrays);
		String said = refusal(dir, "resnet.onnx", "extra.npz");
		assertTrue(said.contains("r.qr:3:") && said.contains("[data-shape]") && said.contains("array 'mask' fits no input"), said);
	}

	/**
	 * The KV-cache decoder whose inputs name their positions apart, given 6 positions of past values beside 7 of past keys: refused
	 * by validate and the run on the model's line (model-unrunnable), each array's first sample against its declared shape; nothing
	 * written. The recipe's check ran no model of several inputs, and the run stopped inside ONNX Runtime once the work had started.
	 */
	@Test
	void arraysTheModelCannotRunTogetherAreRefusedBeforeTheRun() throws IOException {
		Path dir = TestData.tempDir("multiin-kv-apart");
		org.quantrace.testing.KvData.withPositionsNamedApart(dir.resolve("kv.onnx"));
		org.quantrace.testing.KvData.withPastValuePositions(dir.resolve("kv-p6.npz"), 6);
		String said = refusal(dir, "kv.onnx", "kv-p6.npz");
		assertTrue(said.contains("r.qr:2:") && said.contains("[model-unrunnable]") && said.contains("'past_value' [1, 4, 6, 8] (declared [N, 4, Q, 8])"), said);
	}

	/** What a recipe calibrating {@code model} on {@code data} (both in {@code dir}) is refused with, exit 2, nothing written. */
	private static String refusal(Path dir, String model, String data) throws IOException {
		String recipe = "recipe r {\n\tmodel m \"" + model + "\"\n\tdataset calib \"" + data + "\" role calibration format npz\n\tschemes fiq_int8\n}\n";
		Path out = dir.resolve("out");
		var refused = Runs.run(Runs.recipe(dir, "r.qr", recipe), out);
		assertEquals(2, refused.exitCode(), refused.diagnostics().toString());
		assertFalse(Files.exists(out), "nothing written");
		return refused.diagnostics().toString();
	}
}
