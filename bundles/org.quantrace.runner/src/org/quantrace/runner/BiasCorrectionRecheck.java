package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: each recorded bias correction measured again from the calibration data, apart from the quantizer. The
 * writer corrects layer k with the layers before it already corrected and k itself not, and nothing after k reaches k's output;
 * so the quantized file as written, with only k's int32 codes put back to the float bias quantized without correction, is the
 * model it measured k on. That model and the float model run in sessions of verify's own ({@link LayerOutputMeans}) on the
 * calibration samples the trace names (read by the recipe's pipeline, as the debugger's re-run reads them), and the per-channel
 * mean of (quantized − float) at k's output must be the recorded correction within {@link #RELATIVE} or {@link #CODE_STEPS}
 * of the bias's own step. A mismatch names the layer, the channel and both values.
 */
final class BiasCorrectionRecheck {

	private static final String DOCUMENT = Outputs.TRACE;

	/**
	 * The same means of the same samples by the same ONNX Runtime, summed in another batching and order: they differ in the last
	 * float bits of the outputs (about 1e-7 of an activation), well under 1e-4 of a correction that matters.
	 */
	static final double RELATIVE = 1e-4;
	/**
	 * The floor for a correction near 0: a hundredth of the bias's quantization step (s_input · s_weight), far below what moves a
	 * code (half a step) and above the float noise of a channel's mean.
	 */
	static final double CODE_STEPS = 0.01;

	private BiasCorrectionRecheck() {
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<ModelArtifact, Path> files, List<String> notes) {
		List<Mismatch> found = new ArrayList<>();
		for (OptimizationRecord o : trace.getOptimizations()) {
			if (o.getQuantization() == null || o.getQuantization().getTensors().stream().allMatch(t -> t.getBiasCorrection().isEmpty())) {
				continue;
			}
			String at = "optimization " + o.getId() + " bias correction (re-measured)";
			recipe.recheck(at, "measured again", found, ctx -> check(ctx, o, files, at, found, notes));
		}
		return found;
	}

	private static void check(RecipeContext ctx, OptimizationRecord o, Function<ModelArtifact, Path> files, String at, List<Mismatch> found, List<String> notes) {
		CalibrationSamples calibration = CalibrationSamples.of(ctx, o, DOCUMENT, at, found);
		if (calibration == null) {
			return;
		}
		Dataset samples = calibration.data();
		String model = calibration.model();
		Path floatFile = files.apply(o.getInput());
		Path quantizedFile = files.apply(o.getOutput());
		if (floatFile == null || quantizedFile == null) {
			found.add(new Mismatch(DOCUMENT, at + " models", "a float and a quantized model file", "not available"));
			return;
		}
		OnnxModel floats = OnnxModel.load(floatFile);
		OnnxModel quantized = OnnxModel.load(quantizedFile);
		OnnxModel unfused = UnfusedLayerNorms.of(quantized);
		List<UncorrectedLayer> layers = new ArrayList<>();
		int rewritten = 0;
		int fused = 0;
		Set<String> afterFusion = afterFusedNorms(quantized.graph());
		for (TensorQuantizationRecord t : o.getQuantization().getTensors()) {
			if (t.getBiasCorrection().isEmpty()) {
				continue;
			}
			UncorrectedLayer l = UncorrectedLayer.of(t, floats.graph(), quantized.graph());
			if (l == null) {
				rewritten++;
			} else {
				fused += afterFusion.contains(t.getNode()) ? 1 : 0;
				layers.add(l);
			}
		}
		Map<String, Integer> floatOutputs = new LinkedHashMap<>();
		layers.forEach(l -> floatOutputs.put(l.floatOutput(), l.axis()));
		Map<String, double[]> floatMeans = LayerOutputMeans.of(floats, floats, floatOutputs, samples, model);
		double largest = 0;
		for (UncorrectedLayer l : layers) {
			double[] quantizedMeans = LayerOutputMeans.of(l.model(unfused), floats, Map.of(l.quantizedOutput(), l.axis()), samples, model).get(l.quantizedOutput());
			double[] floatMean = floatMeans.get(l.floatOutput());
			List<Double> recorded = l.record().getBiasCorrection();
			if (quantizedMeans.length != recorded.size() || floatMean.length != recorded.size()) {
				found.add(new Mismatch(DOCUMENT, at + " layer " + l.record().getNode(), recorded.size() + " channels corrected", "an output of "
						+ quantizedMeans.length + " channels"));
				continue;
			}
			String where = at + " layer " + l.record().getNode() + " bias " + l.record().getTensor();
			largest = Math.max(largest, compare(l, quantizedMeans, floatMean, where, calibration.described(), found));
		}
		notes.add(String.format(Locale.ROOT, "%s: %d corrected layer%s measured again on %s (largest difference %.3g)%s", at,
				layers.size(), layers.size() == 1 ? "" : "s", calibration.described(), largest,
				(rewritten == 0 ? "" : "; " + rewritten + " not (the layer or its bias is not in the float model as it is: a rewrite of the quantizer's)")
						+ (fused == 0 ? "" : "; " + fused + " of them after a SkipLayerNormalization, which the quantizer fuses once the corrections are"
								+ " made: measured with it written back as the Add and LayerNormalization they were measured through")));
	}

	/**
	 * Each channel's measured correction against the recorded one; one mismatch for the layer, at its first channel that differs
	 * (a forged layer moves every channel of the layers measured after it). Returns the largest difference.
	 */
	private static double compare(UncorrectedLayer l, double[] quantizedMeans, double[] floatMean, String where, String samples, List<Mismatch> found) {
		List<Double> recorded = l.record().getBiasCorrection();
		double largest = 0;
		int first = -1;
		int off = 0;
		for (int ch = 0; ch < recorded.size(); ch++) {
			double measured = quantizedMeans[ch] - floatMean[ch];
			double difference = Math.abs(measured - recorded.get(ch));
			largest = Math.max(largest, difference);
			if (difference > Math.max(RELATIVE * Math.max(Math.abs(measured), Math.abs(recorded.get(ch))), CODE_STEPS * l.step(ch))) {
				first = first < 0 ? ch : first;
				off++;
			}
		}
		if (first >= 0) {
			found.add(new Mismatch(DOCUMENT, where + " channel " + first, String.valueOf(recorded.get(first)), String.format(Locale.ROOT,
					"%s (the mean of quantized minus float output over %s, the layers before it corrected as recorded; %d of %d channels differ)",
					quantizedMeans[first] - floatMean[first], samples, off, recorded.size())));
		}
		return largest;
	}

	/** The nodes a fused LayerNormalization reaches: measured in verify's copy with the fusion undone. */
	private static Set<String> afterFusedNorms(Graph g) {
		Set<String> reached = new HashSet<>();
		Set<String> tensors = new HashSet<>();
		for (Node n : g.topologicalOrder()) {
			if (UnfusedLayerNorms.fused(n) || n.inputs().stream().anyMatch(tensors::contains)) {
				reached.add(n.name());
				tensors.addAll(n.outputs());
			}
		}
		return reached;
	}
}
