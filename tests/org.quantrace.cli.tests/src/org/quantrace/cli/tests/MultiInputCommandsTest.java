package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The commands on models of several inputs (tests/data/multiin, tests/data/wild/make_multiin.py), fed an .npz whose arrays are
 * named as the inputs. On main each was refused: "the model has 2 inputs; datasets feed models with one input".
 */
class MultiInputCommandsTest {

	private static final Path DIR = TestData.data("multiin");

	private static String file(String name) {
		return DIR.resolve(name).toString();
	}

	@Test
	void bertIsQuantizedAndEvaluatedFromTheNpz() throws Exception {
		Path out = TestData.tempDir("multiin-cli").resolve("bert2in-int8.onnx");
		Cli q = Cli.run("quantize", file("bert2in.onnx"), "--scheme", "fiq-int8", "--data", file("bert2in-calib.npz"), "-o", out.toString());
		assertEquals(0, q.exitCode(), q.err());
		OnnxModel int8 = OnnxModel.load(out);
		assertEquals(java.util.List.of(DataType.INT64, DataType.INT64), int8.graph().runtimeInputs().stream().map(v -> TensorInfo.of(v).type()).toList(),
				"the ids and the mask stay int64, fed as they are");

		Cli e = Cli.run("evaluate", file("bert2in.onnx"), out.toString(), "--data", file("bert2in-test.npz"), "--format", "json");
		assertEquals(0, e.exitCode(), e.err());
		JsonNode r = new ObjectMapper().readTree(e.out());
		double fp32 = r.at("/evaluation/variants/0/metrics/accuracy").asDouble();
		double q8 = r.at("/evaluation/variants/1/metrics/accuracy").asDouble();
		float[] torch = NpyArray.open(DIR.resolve("bert2in-torch.npy")).read().toFloats();
		assertEquals(torch.length, r.at("/evaluation/samples").asInt(torch.length));
		assertTrue(fp32 > 0.7 && q8 >= fp32 - 0.005, "fp32 " + fp32 + ", fiq-int8 " + q8);
	}

	@Test
	void twoStreamModelIsDebugged() {
		Path dir = TestData.tempDir("multiin-debug");
		Path int8 = dir.resolve("twostream-int8.onnx");
		Cli q = Cli.run("quantize", file("twostream.onnx"), "--scheme", "fiq-int8", "--data", file("twostream-calib.npz"), "-o", int8.toString());
		assertEquals(0, q.exitCode(), q.err());
		Cli d = Cli.run("debug", file("twostream.onnx"), int8.toString(), "--data", file("twostream-calib.npz"), "--samples", "64", "-o",
				dir.resolve("debug").toString());
		assertEquals(0, d.exitCode(), d.err());
		assertTrue(d.out().contains("feats") && d.out().contains("image"), "both inputs' quantization is debugged: " + d.out());
		assertTrue(Files.exists(dir.resolve("debug/debug.csv")));
	}

	/** One array for a model of two inputs: exit 2, the inputs named and the .npz form said; nothing written. */
	@Test
	void oneArrayForTwoInputsIsRefusedWithTheNpzForm() throws Exception {
		Path dir = TestData.tempDir("multiin-refused");
		Path ids = dir.resolve("ids.npy");
		org.quantrace.engine.data.Dataset npz = org.quantrace.engine.data.Datasets.open(org.quantrace.engine.data.DatasetSpec.of(DIR.resolve("bert2in-calib.npz"), null));
		NpyArray.write(ids, npz.read(0, 8).named().get("input_ids"));
		Path out = dir.resolve("out.onnx");
		Cli q = Cli.run("quantize", file("bert2in.onnx"), "--scheme", "fiq-int8", "--data", ids.toString(), "-o", out.toString());
		assertEquals(2, q.exitCode(), q.err());
		assertTrue(q.err().contains("the model has 2 inputs (input_ids, attention_mask)") && q.err().contains("numpy.savez(file, input_ids=..., attention_mask=..., y=labels)"),
				q.err());
		assertFalse(Files.exists(out));
		Cli e = Cli.run("evaluate", file("bert2in.onnx"), "--data", ids.toString());
		assertEquals(2, e.exitCode(), e.err());
		assertTrue(e.err().contains("gives one array"), e.err());
	}

	/**
	 * Arrays that each fit their input but not the model together (the KV-cache decoder's past_value of 6 positions beside a past_key
	 * of 7) are refused at start, exit 2, nothing written: by the inputs' shared dimension where they name it alike, else by running
	 * the model on the first sample of every array (a model whose inputs name their positions apart, as torch names dynamic axes
	 * given as lists). On main both stopped inside ONNX Runtime once the work had started: "inference failed", exit 3.
	 */
	@Test
	void kvArraysThatDoNotRunTogetherAreRefusedAtStart() throws Exception {
		Path dir = TestData.tempDir("multiin-probe");
		Path six = org.quantrace.testing.KvData.withPastValuePositions(dir.resolve("kv-p6.npz"), 6);
		Path out = dir.resolve("kv8.onnx");
		Cli shared = Cli.run("quantize", file("kv.onnx"), "--scheme", "fiq-int8", "--data", six.toString(), "-o", out.toString());
		assertEquals(2, shared.exitCode(), shared.err());
		assertTrue(shared.err().contains("gives dimension 'P' of input 'past_value' [N, 4, P, 8] the size 6, but array 'past_key' [32, 4, 7, 8] gives it 7"),
				shared.err());

		Path apart = org.quantrace.testing.KvData.withPositionsNamedApart(dir.resolve("kv-q.onnx"));
		for (String[] command : new String[][] { { "quantize", apart.toString(), "--scheme", "fiq-int8", "--data", six.toString(), "-o", out.toString() },
				{ "evaluate", apart.toString(), "--data", six.toString() } }) {
			Cli c = Cli.run(command);
			assertEquals(2, c.exitCode(), command[0] + ": " + c.err());
			assertTrue(c.err().contains("cannot run it on the first sample of each input: 'input_ids' [1, 1] (declared [N, 1]), 'past_key' [1, 4, 7, 8]"
					+ " (declared [N, 4, P, 8]), 'past_value' [1, 4, 6, 8] (declared [N, 4, Q, 8]): it stopped at node '/MatMul_1' (MatMul)"), command[0] + ": " + c.err());
		}
		assertFalse(Files.exists(out), "nothing written");
	}
}
