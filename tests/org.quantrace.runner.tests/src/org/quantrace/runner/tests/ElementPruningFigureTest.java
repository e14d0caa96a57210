package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * assessor59's finding: element pruning of 30 % said "achieved sparsity: 28.86 % (2,800 of 3,936 parameters of the pruned
 * layers left non-zero)", counting the biases element pruning never prunes (the weights alone were 30.08 % zero), and "score:
 * mean |w| (L1) or RMS (L2) of each group; channels scored relative to their layer's average" of a pattern with neither groups
 * nor channels. The example CNN pruned element-wise at 30 %: the figure counts the weights (counted here from the model file) and
 * meets the target, the score line says what an element pattern scores, verify is clean, and the old figure (biases counted) put
 * back into the trace, or the row's word changed in the log, is named.
 */
class ElementPruningFigureTest {

	private static final String PRUNE = """
			import "project.qr"

			recipe pruned {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 50
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
				}
				prune {
					pattern element
					sparsity 30 %
				}
			}
			""";

	private static final String COUNTED = " weights of the pruned layers left non-zero; biases, which this pattern does not prune, not counted)";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			out = Runs.exampleOut("element-pruning-figure", "pruned.qr", PRUNE);
		}
		return out;
	}

	@Test
	void theFigureCountsTheWeightsAndMeetsTheTarget() throws IOException {
		Map<String, long[]> sizes = weightsAndBiases(out().getParent().resolve("model/fashion_cnn_trained.onnx"));
		long weights = sizes.values().stream().mapToLong(s -> s[0]).sum();
		String log = Files.readString(phimt0003());
		Matcher m = Pattern.compile("achieved sparsity: ([0-9.]+) % \\(([0-9,]+) of ([0-9,]+)" + Pattern.quote(COUNTED)).matcher(log);
		assertTrue(m.find(), "no element pruning row counting weights in " + log.lines().filter(l -> l.contains("achieved sparsity")).toList());
		assertEquals(weights, Long.parseLong(m.group(3).replace(",", "")), "the weights of the four layers in the model file");
		long left = Long.parseLong(m.group(2).replace(",", ""));
		assertEquals(weights - (long) Math.ceil(weights * 0.3), left, "30 % of the weights zeroed, rounded up");
		assertTrue(Double.parseDouble(m.group(1)) >= 30, m.group(0));

		PruningRecord p = pruning(out());
		for (LayerPruningRecord l : p.getLayers()) {
			assertEquals(sizes.get(l.getLayer())[0], l.getParametersBefore(), l.getLayer() + ": its weights, not its " + sizes.get(l.getLayer())[1] + " biases");
		}
		String score = p.getAdditionalConfiguration().stream().filter(c -> c.getKey().equals("score")).findFirst().orElseThrow().getValue();
		assertTrue(score.startsWith("|w| of each weight"), score);
		assertTrue(log.contains("of each weight (the L1 and L2 norms of one weight are both"), "the score line in the log");
		assertFalse(log.contains("channels scored relative"), "an element pattern has no channels");
		assertEquals(List.of(), Verification.verify(out()).problems());
	}

	/** The old figure put back: each layer's and the total count with the biases (none pruned), every document made again from it. */
	@Test
	void theFigureWithTheBiasesCountedIsNamed() throws IOException {
		Map<String, long[]> sizes = weightsAndBiases(out().getParent().resolve("model/fashion_cnn_trained.onnx"));
		List<Problem> problems = Tampering.traceForged(out(), "biases-counted", t -> {
			PruningRecord p = t.getOptimizations().stream().filter(o -> o.getPruning() != null).findFirst().orElseThrow().getPruning();
			for (LayerPruningRecord l : p.getLayers()) {
				long b = sizes.get(l.getLayer())[1];
				l.setParametersBefore(l.getParametersBefore() + b);
				l.setParametersAfter(l.getParametersAfter() + b);
				l.setSparsity(100 * (1 - l.getParametersAfter() / (double) l.getParametersBefore()));
			}
			long bias = sizes.values().stream().mapToLong(s -> s[1]).sum();
			p.setParametersBefore(p.getParametersBefore() + bias);
			p.setParametersAfter(p.getParametersAfter() + bias);
			p.setAchievedSparsity(100 * (1 - p.getParametersAfter() / (double) p.getParametersBefore()));
		});
		Tampering.foundInTrace(problems, "pruning /features/features.4/Conv parametersBefore", "4640", "4608");
		Tampering.foundInTrace(problems, "achievedSparsity");
	}

	/** The row's count called "parameters" in the Markdown log, every hash recomputed: verify reads what the figure counts. */
	@Test
	void theRowCallingWeightsParametersIsNamed() {
		Path forged = Tampering.edited(out(), out().resolveSibling("out-parameters-word"), out().relativize(phimt0003()).toString(), COUNTED,
				" parameters of the pruned layers left non-zero)");
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith(".md") && p.what().contains("what the figure counts") && p.what().contains("weights")),
				problems.toString());
	}

	/**
	 * Appendix F's header said "parameters" above element pruning's counts of weights (logs62 left it): it says "weights" now, and
	 * the Markdown's header edited back to "parameters", every hash recomputed, is named (logs63).
	 */
	@Test
	void appendixFsHeaderSaysWhatItsCountsAre() throws IOException {
		String header = "| layer | op | weights | after | sparsity |";
		assertTrue(Files.readString(phimt0003()).contains(header), "Appendix F's header");
		Path forged = Tampering.edited(out(), out().resolveSibling("out-parameters-header"), out().relativize(phimt0003()).toString(), header,
				"| layer | op | parameters | after | sparsity |");
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().endsWith(".md") && p.what().contains("what the figures count") && p.what().contains("weights")),
				problems.toString());
	}

	private static Path phimt0003() {
		try (var logs = Files.list(out().resolve("logs"))) {
			return logs.filter(f -> f.getFileName().toString().startsWith("PhIMT0003") && f.toString().endsWith(".md")).findFirst().orElseThrow();
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	private static PruningRecord pruning(Path out) throws IOException {
		return org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi")).getOptimizations().stream().filter(o -> o.getPruning() != null)
				.findFirst().orElseThrow().getPruning();
	}

	/** Each Conv's and Gemm's weight and bias element counts, from the model file's initializer dimensions (BatchNorm folding keeps them). */
	private static Map<String, long[]> weightsAndBiases(Path model) throws IOException {
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
		Map<String, Long> elements = m.getGraph().getInitializerList().stream()
				.collect(Collectors.toMap(TensorProto::getName, t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b)));
		Map<String, long[]> sizes = new java.util.LinkedHashMap<>();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getOpType().equals("Conv") || n.getOpType().equals("Gemm")) {
				sizes.put(n.getName(), new long[] { elements.get(n.getInput(1)), n.getInputCount() > 2 ? elements.get(n.getInput(2)) : 0 });
			}
		}
		return sizes;
	}
}
