package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A tabular model (StandardScaler as Sub + Mul, then a Gemm: skl2onnx's Scaler and a classifier as convert writes them) whose
 * features span 0-1000 and less than one step of one int8 scale (newuser52's sklwine: fiq-int8 0.9861 → 0.5278). The run keeps
 * the input float under fiq_int8 and warns (quantize-input-resolution) on the console, in the trace, results.json and the logs;
 * the accuracy stays the float model's; verify derives the warning again from the calibration data and the model files, so a
 * warning struck, or a count edited, is named.
 */
class InputResolutionWarningTest {

	private static final float[] MEANS = { 500f, 1f, 0f, 0.05f };
	private static final float[] HALF = { 500f, 0.5f, 1f, 0.05f };
	private static final int N = 300;

	private static Path out;
	private static String console;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Files.createTempDirectory("input-resolution");
		write(dir);
		String recipe = """
				recipe tabular {
					responsible "tests"
					model tab "tab.onnx" id TAB version 1
					dataset data "x.npy" role calibration format npy labels "y.npy"
					schemes fiq_int8
					evaluate on data metrics accuracy
				}
				""";
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		outcome = RecipeRunner.run(Runs.recipe(dir, "tab.qr", recipe), new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		console = log.toString();
		assertEquals(0, outcome.exitCode(), console + outcome.diagnostics());
	}

	private static final String SAID = "scheme fiq_int8: input 'x': 3 of its 4 features span fewer than 4 steps of the input's one int8 scale ";

	@Test
	void theWarningIsEverywhereAndTheAccuracyKept() throws IOException {
		List<RunWarning> w = outcome.trace().getWarnings().stream().filter(x -> "quantize-input-resolution".equals(x.getCode())).toList();
		assertEquals(1, w.size(), outcome.trace().getWarnings().toString());
		assertTrue(w.get(0).getMessage().startsWith(SAID) && w.get(0).getMessage().contains("the input stays float32") && "tab".equals(w.get(0).getModel()),
				w.get(0).getMessage());
		assertTrue(console.contains("fiq_int8: warning: input 'x': 3 of its 4 features"), console);
		String json = Files.readString(out.resolve("results.json"));
		assertTrue(json.contains("\"code\" : \"quantize-input-resolution\"") && json.contains(SAID), json);
		for (String format : List.of("md", "html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-tab." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains(SAID.strip()), format + ": " + text);
		}
		// the labels are the float model's argmax: fp32 1.0, and the quantized model within 1 pt of it (rounded: 0.5-0.6)
		assertTrue(json.replaceAll("\\s+", "").matches("(?s).*\"accuracy\":(1\\.0|0\\.99\\d*)[,}].*\"accuracy\":(1\\.0|0\\.99\\d*)[,}].*"), json);
	}

	@Test
	void theRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out).problems());
	}

	@Test
	void aWarningLeftOutIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "no-resolution-warning", t -> t.getWarnings().removeIf(x -> "quantize-input-resolution".equals(x.getCode())));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("warning [quantize-input-resolution] of model tab, scheme fiq_int8: recorded {}, re-derived"
				+ " from the calibration data and the model files {x=3 of 4 features short, worst [3, 1, 2], kept float}")), problems.toString());
	}

	@Test
	void aCountEditedIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "resolution-count", t -> t.getWarnings().stream().filter(x -> "quantize-input-resolution".equals(x.getCode()))
				.forEach(x -> x.setMessage(x.getMessage().replace("3 of its 4 features", "2 of its 4 features"))));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("recorded {x=2 of 4 features short")), problems.toString());
	}

	/** tab.onnx, x.npy ([300, 4] features) and y.npy (the float model's argmax of them). */
	private static void write(Path dir) throws IOException {
		write(dir, true);
	}

	/** As {@link #write(Path)}; without {@code scaler} the Gemm reads the raw features (RawFeaturesFloatIoTest). */
	static void write(Path dir, boolean scaler) throws IOException {
		Random r = new Random(3);
		float[] w = new float[12];
		float[] b = new float[3];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) (r.nextDouble() * 2 - 1);
		}
		float[] inv = new float[4];
		for (int i = 0; i < 4; i++) {
			inv[i] = 1.7f / HALF[i];
		}
		float[] x = new float[N * 4];
		long[] y = new long[N];
		for (int s = 0; s < N; s++) {
			float[] z = new float[4];
			for (int i = 0; i < 4; i++) {
				// raw: feature 0 in 1,000-2,000 and feature 2 in 0-2, so that the input's range [0, 2,000] prints a thousands separator
				x[s * 4 + i] = (float) (MEANS[i] + (r.nextDouble() * 2 - 1) * HALF[i] + (scaler ? 0 : i == 0 ? 1000 : i == 2 ? 1 : 0));
				if (!scaler && s == 0 && i == 0) {
					x[0] = 2000f; // whole numbers at both ends: "[0, 2,000]" read back without spaces as [0,2 | 000]
				}
				if (!scaler && s == 0 && i == 2) {
					x[2] = 0f;
				}
				z[i] = scaler ? (x[s * 4 + i] - MEANS[i]) * inv[i] : x[s * 4 + i];
			}
			double best = Double.NEGATIVE_INFINITY;
			for (int c = 0; c < 3; c++) {
				double v = b[c];
				for (int i = 0; i < 4; i++) {
					v += w[c * 4 + i] * z[i];
				}
				if (v > best) {
					best = v;
					y[s] = c;
				}
			}
		}
		NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { N, 4 }, x));
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { N }, y));
		GraphProto.Builder g = GraphProto.newBuilder().setName("tab");
		g.addInput(value("x", 4)).addOutput(value("scores", 3));
		if (scaler) {
			g.addInitializer(floats("means", MEANS, 4)).addInitializer(floats("inv", inv, 4));
		}
		g.addInitializer(floats("w", w, 3, 4)).addInitializer(floats("b", b, 3));
		if (scaler) {
			g.addNode(NodeProto.newBuilder().setOpType("Sub").setName("Scaler/sub").addInput("x").addInput("means").addOutput("centred"));
			g.addNode(NodeProto.newBuilder().setOpType("Mul").setName("Scaler/mul").addInput("centred").addInput("inv").addOutput("scaled"));
		}
		g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput(scaler ? "scaled" : "x").addInput("w").addInput("b").addOutput("scores")
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("transB").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1)));
		ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("tests").addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
		Files.write(dir.resolve("tab.onnx"), m.toByteArray());
	}

	private static ValueInfoProto value(String name, long features) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(features));
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
	}

	private static TensorProto floats(String name, float[] values, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
		for (long d : dims) {
			t.addDims(d);
		}
		for (float f : values) {
			t.addFloatData(f);
		}
		return t.build();
	}
}
