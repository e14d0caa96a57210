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
import org.quantrace.engine.quantize.InputResolution;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A recipe's drq scheme on an MLP reading raw tabular features of magnitudes 1e-3 to 4e3 (newuser60's tabraw: breast-cancer's raw
 * features, drq 0.9708 → 0.5556 with nothing said): the first Gemm's weights get one scale per input feature, its record says so
 * (trace, the logs' per-layer notes), the hidden Gemm keeps one per output channel, the accuracy stays the float model's, and
 * verify holds the statement against the scales the file dequantizes the weights with: a statement struck, or one given to the
 * hidden layer, is named.
 */
class DrqRawFeaturesRunTest {

	private static final float[] MAGNITUDE = { 1e-3f, 1f, 100f, 4000f };
	private static final int F = 4;
	private static final int H = 8;
	private static final int N = 300;

	private static Path out;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Files.createTempDirectory("drq-raw-features");
		write(dir);
		String recipe = """
				recipe tabular {
					responsible "tests"
					model tab "tab.onnx" id TAB version 1
					dataset data "x.npy" role calibration format npy labels "y.npy"
					schemes drq
					evaluate on data metrics accuracy
				}
				""";
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		outcome = RecipeRunner.run(Runs.recipe(dir, "tab.qr", recipe), new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		assertEquals(0, outcome.exitCode(), log + outcome.diagnostics().toString());
	}

	@Test
	void theFirstLayerIsScaledPerFeatureAndKeepsTheAccuracy() throws IOException {
		OptimizationRecord o = outcome.trace().getOptimizations().get(0);
		List<LayerQuantizationRecord> layers = o.getQuantization().getLayers().stream().filter(l -> l.getOpType().equals("Gemm")).toList();
		assertTrue(layers.get(0).getReason().contains(InputResolution.PER_FEATURE + " (the columns of model input 'x'"), layers.get(0).getReason());
		assertTrue(!layers.get(1).getReason().contains(InputResolution.PER_FEATURE), layers.get(1).getReason());
		double accuracy = outcome.trace().getEvaluations().stream().filter(e -> "drq".equals(e.getVariant())).findFirst().orElseThrow().getMetrics().stream()
				.filter(m -> m.getName().equals("accuracy")).findFirst().orElseThrow().getValue();
		assertTrue(accuracy >= 0.99, "drq accuracy " + accuracy + " against the float model's labels");
		String md = Files.readString(out.resolve("logs/PhIMT0003-tab.md"));
		assertTrue(md.contains(InputResolution.PER_FEATURE + " (the columns of model input 'x'"), "the per-layer note");
		assertTrue(md.contains("one weight scale per input feature (the tabular model input's columns, their weights' largest magnitudes spread at least 10x:"
				+ " raw features of different units) for gemm1"), "the technique row");
	}

	@Test
	void aTechniqueRowNamingTheHiddenLayerIsFound() {
		Path forged = Tampering.edited(out, out.resolveSibling("out-row"), "logs/PhIMT0003-tab.md", "different units) for gemm1", "different units) for gemm1, gemm2");
		List<Problem> problems = Tampering.rowChecks(Verification.verify(forged).problems(), "logs/PhIMT0003-tab.md");
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-tab.md") && p.what().contains("one weight scale per input feature")
				&& p.what().contains("says gemm1, gemm2, re-derived gemm1")), problems.toString());
	}

	@Test
	void theRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out).problems());
	}

	@Test
	void aStatementStruckIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "per-feature-struck", t -> t.getOptimizations().get(0).getQuantization().getLayers().stream()
				.filter(l -> l.getReason() != null && l.getReason().contains(InputResolution.PER_FEATURE))
				.forEach(l -> l.setReason(l.getReason().substring(0, l.getReason().indexOf(InputResolution.PER_FEATURE)))));
		Tampering.foundInTrace(problems, "weight scales per input feature of the model input", "x");
	}

	@Test
	void aStatementGivenToTheHiddenLayerIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "per-feature-hidden", t -> {
			List<LayerQuantizationRecord> gemms = t.getOptimizations().get(0).getQuantization().getLayers().stream().filter(l -> l.getOpType().equals("Gemm")).toList();
			String words = gemms.get(0).getReason().substring(gemms.get(0).getReason().indexOf(InputResolution.PER_FEATURE));
			gemms.get(1).setReason(gemms.get(1).getReason() + words);
		});
		Tampering.foundInTrace(problems, "weight scales per input feature of the model input", "gemm2");
	}

	/**
	 * The decision's figure forged: the first layer's reason says its weight columns spread under 10x (features of one unit, which
	 * would have let a dynamic kernel round them at one scale); verify derives the spread from the float model's weights.
	 */
	@Test
	void aSpreadForgedIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "spread-forged", t -> t.getOptimizations().get(0).getQuantization().getLayers().stream()
				.filter(l -> l.getReason() != null && l.getReason().contains(InputResolution.PER_FEATURE))
				.forEach(l -> l.setReason(l.getReason().replaceFirst("spread [0-9.]+x, at least 10x", "spread 9.5x, under 10x"))));
		Tampering.foundInTrace(problems, "spread of its weight columns over the model input's features", "9.5x, under 10x");
	}

	/** x [N, 4] of magnitudes 1e-3 .. 4e3 → Gemm (weights ~ 1 / magnitude) → Relu → Gemm → scores [N, 3]; labels the float model's argmax. */
	private static void write(Path dir) throws IOException {
		Random r = new Random(5);
		float[] w1 = new float[H * F];
		for (int o = 0; o < H; o++) {
			for (int i = 0; i < F; i++) {
				w1[o * F + i] = (float) ((r.nextDouble() + 0.5) * (r.nextBoolean() ? 1 : -1) / MAGNITUDE[i]);
			}
		}
		float[] b1 = new float[H];
		float[] w2 = new float[3 * H];
		for (int i = 0; i < w2.length; i++) {
			w2[i] = (float) (r.nextDouble() * 2 - 1);
		}
		float[] x = new float[N * F];
		long[] y = new long[N];
		for (int s = 0; s < N; s++) {
			for (int i = 0; i < F; i++) {
				x[s * F + i] = (float) (r.nextDouble() * 2 * MAGNITUDE[i]);
			}
			float[] h = new float[H];
			for (int o = 0; o < H; o++) {
				double v = b1[o];
				for (int i = 0; i < F; i++) {
					v += w1[o * F + i] * x[s * F + i];
				}
				h[o] = (float) Math.max(0, v);
			}
			double best = Double.NEGATIVE_INFINITY;
			for (int c = 0; c < 3; c++) {
				double v = 0;
				for (int o = 0; o < H; o++) {
					v += w2[c * H + o] * h[o];
				}
				if (v > best) {
					best = v;
					y[s] = c;
				}
			}
		}
		NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { N, F }, x));
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { N }, y));
		GraphProto.Builder g = GraphProto.newBuilder().setName("tab");
		g.addInput(value("x", F)).addOutput(value("scores", 3));
		g.addInitializer(floats("w1", w1, H, F)).addInitializer(floats("b1", b1, H)).addInitializer(floats("w2", w2, 3, H));
		AttributeProto transB = AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1).build();
		g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("gemm1").addInput("x").addInput("w1").addInput("b1").addOutput("h").addAttribute(transB));
		g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("h").addOutput("r"));
		g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("gemm2").addInput("r").addInput("w2").addOutput("scores").addAttribute(transB));
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
