package org.quantrace.zoo.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quantrace.cli.Main;
import org.quantrace.measure.IntegerMacs;
import org.quantrace.measure.Measure;
import org.quantrace.measure.Samples;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;

/**
 * The zoo (tests/data/zoo) through the command line as a user runs it ({@code convert}, then
 * {@code quantize} of the converted model), checked by the independent client org.quantrace.measure
 * (ONNX Runtime and protobuf only). It asserts what holds today; the issue's targets, most unmet today,
 * are tracked by the zoo bench (docs/zoo-bench.md), not here.
 *
 * <p>
 * TIGHTEN: {@link #TODAY} records today's behaviour per model: which {@code convert} runs fail, the
 * largest accuracy loss each scheme shows, the share of MACs fiq_int8 runs in integer kernels, and which
 * dynamic integer kernels DRQ takes (elsewhere ONNX Runtime runs the float model's kernels, so DRQ is not
 * slower). A fix that makes a listed failure pass fails its test with a message saying to remove the entry;
 * tighten the bounds as the quantizer improves.
 */
class ZooModelsTest {

	/**
	 * Today's behaviour of one model: convert's exit code, the accuracy loss bounds (points) that hold, the
	 * smallest integer share of fiq_int8's MACs, and the kernels DRQ adds (op types in ONNX Runtime's optimized
	 * graph that the float model's lacks: dynamic integer kernels, or the float fusions the quantizer writes, as
	 * SkipLayerNormalization for a pre-norm transformer; none: DRQ runs exactly the float model's kernels).
	 */
	record Today(int convertExit, double drqMaxDropPt, double fiqInt8MaxDropPt, double fiqInt8MinIntegerShare, Set<String> drqKernels) {

	}

	/**
	 * TIGHTEN: the smallest integer share of the MACs fiq_int8 executes on the test images (each If's branch as taken), where
	 * it differs from the graph's: if_cnn's never-taken then branch stays float. Elsewhere the graph's share above.
	 */
	static final Map<String, Double> EXECUTED_SHARE = Map.of("if_cnn", 0.999);

	/**
	 * TIGHTEN: bounds that hold on the first 1,000 test images with Quantrace as of this commit. Today's losses
	 * on all 10,000 images (docs/zoo-bench.md) are at most 0.1 pt for fiq_int8 and DRQ; the issue's target is
	 * 0.5 pt for FIQ, and never more than 0.2 pt below torch's PTQ (checked by the bench, not here). The
	 * integer shares: every CNN fully integer but U-Net (its ConvTranspose: ONNX Runtime has no integer kernel),
	 * the GRU's recurrence float (no integer GRU in ONNX Runtime), the If model's branches not calibrated.
	 */
	static final Map<String, Today> TODAY = Map.of(
			// the MobileNets' narrow stage on the int8 input (stem 1 → 16 up to the first wider Conv) runs float: OpRules.narrowStage
			"mobilenetv2", new Today(0, 0.3, 0.4, 0.98, Set.of()),
			"mobilenetv3", new Today(0, 0.4, 0.6, 0.97, Set.of()), // 0.30 / 0.50 pt on these 1,000 images, 0.04 / 0.09 pt on all 10,000
			"resnet", new Today(0, 0.3, 0.4, 0.999, Set.of()),
			// float: residual Add + LayerNorm fused. fiq_int8 0.50 pt on these 1,000 images, 0.04 pt on all 10,000 (0.7986 → 0.7982) since
			// the attention's 1/√d is folded into Q's columns of the fused qkv projection (AttentionScales: Q shares K's and V's scale)
			"vit", new Today(0, 0.3, 0.6, 0.999, Set.of("com.microsoft.SkipLayerNormalization")),
			"lstm", new Today(0, 0.3, 0.4, 0.99, Set.of("com.microsoft.DynamicQuantizeLSTM")),
			"gru", new Today(0, 0.3, 0.4, 0.0, Set.of()),
			"unet", new Today(0, 0.3, 0.4, 0.97, Set.of()),
			"bspc_gap", new Today(0, 0.3, 0.4, 0.999, Set.of()),
			"mobilenetv3_constants_opset11", new Today(0, 0.3, 0.4, 0.97, Set.of()),
			"if_cnn", new Today(0, 0.3, 0.4, 0.49, Set.of())); // the else branch (every calibration and test image takes it) integer; the then branch, never taken, float

	static final int EVALUATED = 1000;

	static Stream<String> models() {
		return Zoo.models().stream().map(Zoo.Model::name);
	}

	/** The zoo holds what issue 13 asks for, read from the ONNX files themselves (not from the provenance). */
	@Test
	void theZooCoversTheIssuesArchitectures() throws IOException {
		Map<String, Zoo.Model> zoo = new HashMap<>();
		Zoo.models().forEach(m -> zoo.put(m.name(), m));
		assertTrue(zoo.keySet().containsAll(TODAY.keySet()), "zoo models " + zoo.keySet());
		assertTrue(ops(zoo.get("mobilenetv2")).containsAll(Set.of("Conv", "Clip", "Add")));
		assertTrue(depthwise(zoo.get("mobilenetv2")), "MobileNetV2 has depthwise convolutions");
		assertTrue(ops(zoo.get("mobilenetv3")).containsAll(Set.of("HardSwish", "HardSigmoid", "Mul", "GlobalAveragePool")));
		assertTrue(ops(zoo.get("resnet")).containsAll(Set.of("Conv", "Add", "Relu")));
		ModelProto vit = proto(zoo.get("vit"));
		assertEquals(17, vit.getOpsetImport(0).getVersion());
		assertTrue(ops(zoo.get("vit")).containsAll(Set.of("LayerNormalization", "MatMul", "Softmax", "Erf", "Shape", "Gather")));
		assertTrue(ops(zoo.get("lstm")).contains("LSTM"));
		assertTrue(ops(zoo.get("gru")).contains("GRU"));
		assertTrue(ops(zoo.get("unet")).containsAll(Set.of("ConvTranspose", "Resize", "Concat")));
		assertTrue(ops(zoo.get("bspc_gap")).containsAll(Set.of("Conv", "MaxPool", "Add", "MatMul", "Transpose", "Mul", "Sigmoid")));
		assertTrue(zoo.get("bspc_gap").multilabel());
		ModelProto constants = proto(zoo.get("mobilenetv3_constants_opset11"));
		assertEquals(11, constants.getOpsetImport(0).getVersion());
		assertEquals(0, constants.getGraph().getInitializerCount(), "every weight in a Constant node");
		assertTrue(ops(zoo.get("mobilenetv3_constants_opset11")).containsAll(Set.of("Constant", "BatchNormalization", "HardSigmoid", "Clip", "Div")));
		GraphProto main = proto(zoo.get("if_cnn")).getGraph();
		assertTrue(main.getNodeList().stream().noneMatch(n -> n.getOpType().equals("Conv")), "no Conv outside the If");
		assertTrue(ops(zoo.get("if_cnn")).containsAll(Set.of("If", "Conv")));
		long total = 0;
		for (Zoo.Model m : zoo.values()) {
			long size = Files.size(m.onnx());
			assertTrue(size < 1_000_000, m.name() + " is " + size + " bytes");
			total += size;
		}
		assertTrue(total < 15_000_000, "the zoo is " + total + " bytes");
	}

	/** ONNX Runtime loads each original and reproduces the torch model's accuracy on all 10,000 test images. */
	@ParameterizedTest(name = "{0}")
	@MethodSource("models")
	void originalLoadsAndReproducesTorchsAccuracy(String name) throws OrtException {
		Zoo.Model m = Zoo.model(name);
		assertEquals(Optional.empty(), Measure.loadError(m.onnx()));
		double accuracy = Measure.accuracy(m.onnx(), Samples.read(Zoo.testImages(), m.evaluationLabels()));
		assertEquals(m.torchAccuracy(), accuracy, 0.002, "ONNX Runtime vs torch on the same 10,000 images");
		// chance: 0.10 top-1; 0.74 binary accuracy for a model that says no to every attribute
		assertTrue(accuracy > (m.multilabel() ? 0.90 : 0.75), "a sensibly trained model: " + accuracy);
	}

	/**
	 * convert, then drq and fiq-int8 of the converted model (of the original where convert fails today):
	 * ONNX Runtime loads each result, accuracy stays within today's bounds, the client counts the same MACs in
	 * the quantized graph as in the float one (integer or not), fiq_int8 runs today's share of them in integer
	 * kernels, and DRQ's optimized graph is the float one's but for today's dynamic kernels.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("models")
	void convertAndQuantizeGiveModelsOnnxRuntimeRuns(String name) throws Exception {
		Zoo.Model m = Zoo.model(name);
		Today today = TODAY.get(name);
		Path dir = TestData.tempDir("zoo-" + name);
		Path converted = dir.resolve("converted.onnx");
		Cli convert = Cli.run("convert", m.onnx().toString(), "-o", converted.toString());
		assertNotEquals(70, convert.exit(), "never an internal error: " + convert.err());
		if (today.convertExit() == 0) {
			assertEquals(0, convert.exit(), convert.err());
		} else {
			assertEquals(today.convertExit(), convert.exit(), "convert on " + name + " changed: if it is fixed, set its TODAY entry to 0\n" + convert.err());
		}
		Path source = convert.exit() == 0 ? converted : m.onnx();
		Samples data = Samples.read(Zoo.testImages(), m.evaluationLabels()).first(EVALUATED);
		double fp32 = Measure.accuracy(m.onnx(), data);
		IntegerMacs fp32Macs = Measure.integerMacs(m.onnx(), data.shape(), null);
		assertEquals(0, fp32Macs.integerMacs());
		assertEquals(List.of(), fp32Macs.uncounted());
		Map<String, Integer> sourceOps = Measure.integerMacs(source, data.shape(), null).opCounts();
		List<String> problems = new ArrayList<>();
		for (String scheme : List.of("drq", "fiq-int8")) {
			Path q = dir.resolve(scheme + ".onnx");
			List<String> args = new ArrayList<>(List.of("quantize", source.toString(), "--scheme", scheme, "-o", q.toString()));
			if (!scheme.equals("drq")) {
				args.addAll(List.of("--data", Zoo.calibrationImages().toString()));
			}
			Cli quantize = Cli.run(args.toArray(String[]::new));
			assertEquals(0, quantize.exit(), scheme + ": " + quantize.err());
			assertEquals(Optional.empty(), Measure.loadError(q), scheme);
			double dropPt = 100 * (fp32 - Measure.accuracy(q, data));
			double bound = scheme.equals("drq") ? today.drqMaxDropPt() : today.fiqInt8MaxDropPt();
			if (dropPt > bound) {
				problems.add(String.format("%s loses %.2f pt (today's bound %.2f pt)", scheme, dropPt, bound));
			}
			IntegerMacs macs = Measure.integerMacs(q, data.shape(), null);
			assertEquals(List.of(), macs.uncounted(), scheme);
			long fp32Total = fp32Macs.integerMacs() + fp32Macs.floatMacs();
			long total = macs.integerMacs() + macs.floatMacs();
			if (scheme.equals("drq")) {
				assertEquals(fp32Total, total, scheme + ": same MACs, " + macs.byOp());
			} else {
				// depthwise Convs widened to ONNX Runtime's 16-channel kernel add zero-weight channels (MobileNetV3: 72, 120 -> 80, 128)
				assertTrue(total >= fp32Total && total <= 1.15 * fp32Total, scheme + ": the same MACs, or up to 15 % more after depthwise padding: "
						+ fp32Total + " -> " + total + ", " + macs.byOp());
			}
			if (scheme.equals("drq")) {
				Set<String> added = new java.util.TreeSet<>(macs.opCounts().keySet());
				added.removeAll(sourceOps.keySet());
				assertEquals(new java.util.TreeSet<>(today.drqKernels()), added, "DRQ's kernels beyond the float model's");
				if (today.drqKernels().isEmpty()) {
					assertEquals(sourceOps, macs.opCounts(), "DRQ runs the float model's kernels (int8 weights dequantized at load)");
				}
			} else {
				if (macs.share() < today.fiqInt8MinIntegerShare()) {
					problems.add(String.format("fiq-int8 has %.1f %% of its MACs in integer kernels (today %.1f %%): %s", 100 * macs.share(),
							100 * today.fiqInt8MinIntegerShare(), macs.byOp()));
				}
				double executed = macs.withBranchesTaken(q, data, 64).executedShare();
				double executedBound = EXECUTED_SHARE.getOrDefault(m.name(), today.fiqInt8MinIntegerShare());
				if (executed < executedBound) {
					problems.add(String.format("fiq-int8 executes %.1f %% of its MACs in integer kernels on the test images (today %.1f %%): %s",
							100 * executed, 100 * executedBound, macs.branches()));
				}
			}
		}
		assertEquals(List.of(), problems);
	}

	/**
	 * The two MobileNetV3 spellings (opset 14 with HardSwish ops; opset 11 with BatchNormalization, Constant weights and
	 * HardSwish as x·Clip(x+3, 0, 6)/6) quantize to the same graph, in the file and in ONNX Runtime's optimized model: the
	 * planner places no Q/DQ, float island or padding differently. Their different speed-ups over their original fp32
	 * models come from the fp32 side: ONNX Runtime runs the opset-11 original's HardSwish as float Add, Clip, Mul and Div,
	 * which the integer model does not have (docs/zoo-bench.md, branch speed, "(b)").
	 */
	@Test
	void bothMobileNetV3SpellingsQuantizeToTheSameGraph() throws Exception {
		List<List<String>> fileOps = new ArrayList<>();
		List<Map<String, Integer>> optimizedOps = new ArrayList<>();
		for (String name : List.of("mobilenetv3", "mobilenetv3_constants_opset11")) {
			Zoo.Model m = Zoo.model(name);
			Path dir = TestData.tempDir("zoo-same-" + name);
			Path converted = dir.resolve("converted.onnx");
			Path q = dir.resolve("fiq-int8.onnx");
			assertEquals(0, Cli.run("convert", m.onnx().toString(), "-o", converted.toString()).exit());
			Cli quantize = Cli.run("quantize", converted.toString(), "--scheme", "fiq-int8", "--data", Zoo.calibrationImages().toString(), "-o", q.toString());
			assertEquals(0, quantize.exit(), quantize.err());
			fileOps.add(ModelProto.parseFrom(Files.readAllBytes(q)).getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
			long[] shape = Samples.read(Zoo.testImages(), m.evaluationLabels()).first(1).shape();
			optimizedOps.add(Measure.integerMacs(q, shape, null).opCounts());
			if (name.endsWith("opset11")) {
				Map<String, Integer> original = Measure.integerMacs(m.onnx(), shape, null).opCounts();
				assertTrue(original.keySet().containsAll(Set.of("Div", "Clip")), "the opset-11 original's HardSwish runs as float ops: " + original);
				// a HardSigmoid runs float all the same: the squeeze-excitation gate of the float narrow stage (OpRules.narrowStage)
				assertTrue(optimizedOps.get(1).keySet().stream().noneMatch(Set.of("Div", "Clip")::contains), optimizedOps.get(1).toString());
			}
		}
		assertEquals(fileOps.get(0), fileOps.get(1), "the same nodes in the same order");
		assertEquals(optimizedOps.get(0), optimizedOps.get(1), "the same kernels after ONNX Runtime's optimization");
	}

	private static Set<String> ops(Zoo.Model m) {
		Set<String> ops = new java.util.TreeSet<>();
		collect(proto(m).getGraph(), ops);
		return ops;
	}

	private static void collect(GraphProto g, Set<String> ops) {
		for (NodeProto n : g.getNodeList()) {
			ops.add(n.getOpType());
			for (AttributeProto a : n.getAttributeList()) {
				if (a.hasG()) {
					collect(a.getG(), ops);
				}
			}
		}
	}

	private static boolean depthwise(Zoo.Model m) {
		return proto(m).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv"))
				.anyMatch(n -> n.getAttributeList().stream().anyMatch(a -> a.getName().equals("group") && a.getI() > 1));
	}

	private static ModelProto proto(Zoo.Model m) {
		try {
			return ModelProto.parseFrom(Files.readAllBytes(m.onnx()));
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	/** The command line run in-process, its exit code and what it printed. */
	record Cli(int exit, String out, String err) {
		static Cli run(String... args) {
			StringWriter out = new StringWriter();
			StringWriter err = new StringWriter();
			int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
			return new Cli(code, out.toString(), err.toString());
		}
	}
}
