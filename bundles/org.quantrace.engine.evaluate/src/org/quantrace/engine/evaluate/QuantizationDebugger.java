package org.quantrace.engine.evaluate;


import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.quantize.MaskedSums;
import org.quantrace.engine.quantize.OpRules;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.model.recipe.DebugMetric;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Compares a full-integer (QDQ) model with its float original tensor by tensor on the same samples. The
 * quantized tensors are found in the quantized model itself (every QuantizeLinear, and the integer data
 * moved on by MaxPool, Flatten...), so any QDQ model works, not only Quantrace's.
 */
public final class QuantizationDebugger {

	private QuantizationDebugger() {
	}

	/**
	 * Whether {@code op} moves integer codes without changing their scale: the quantizer's data-movement rule (one owner,
	 * OpRules), and NhwcMaxPool, the contrib op the quantizer writes in a MaxPool's place.
	 */
	private static boolean movesCodes(String op) {
		return OpRules.movesCodes(op) || op.equals("NhwcMaxPool");
	}

	/**
	 * A quantized tensor: its name in the float model, where its codes are in the quantized model, its parameters, and
	 * the float tensor that owns them (itself, unless integer codes were moved here unchanged).
	 */
	private record Probe(String tensor, String codes, float scale, long zeroPoint, DataType type, String owner) {
	}

	public static DebugReport debug(OnnxModel floatModel, String floatName, OnnxModel quantized, String quantizedName, Dataset all, int samples,
			DebugMetric metric, double threshold, Progress progress) {
		List<Probe> probes = probes(floatModel, quantized);
		Map<String, Integer> layerIndex = new HashMap<>();
		Map<String, Node> producers = new HashMap<>();
		int index = 0;
		for (Node n : floatModel.graph().nodes()) {
			if (!n.opType().equals("Constant")) {
				for (String o : n.outputs()) {
					layerIndex.put(o, index);
					producers.put(o, n);
				}
				index++;
			}
		}
		Map<String, String> masks = masks(quantized, probes);
		List<String> exposed = new ArrayList<>(probes.stream().map(Probe::tensor).toList());
		exposed.addAll(masks.values()); // the scores each masked sum is measured against
		OnnxModel f = expose(floatModel, exposed);
		OnnxModel q = expose(quantized, probes.stream().map(Probe::codes).toList());
		ModelInputs floatInputs = ModelInputs.of(floatModel, floatName, all);
		ModelInputs quantInputs = ModelInputs.of(quantized, quantizedName, all);
		Map<String, IoQuantization.Io> intInputs = IoQuantization.inputs(quantized);
		int n = Math.min(samples <= 0 ? all.size() : samples, all.size());
		// the dataset's own subset: an image folder's takes every class in turn, where its first files are all of one class
		Dataset data = all.limit(n);
		Map<String, Accumulator> isolated = new LinkedHashMap<>();
		Map<String, Accumulator> accumulated = new LinkedHashMap<>();
		probes.forEach(p -> {
			isolated.put(p.tensor(), new Accumulator());
			accumulated.put(p.tensor(), new Accumulator());
		});
		Set<String> outputs = new java.util.HashSet<>();
		floatModel.graph().outputs().forEach(v -> outputs.add(v.getName()));
		Map<String, TopCounter> tops = new LinkedHashMap<>();
		Map<String, DebugReport.SizeDiffers> leftOut = new LinkedHashMap<>();
		try (InferenceSession fs = InferenceSession.open(f, SessionSettings.defaults(), floatName);
				InferenceSession qs = InferenceSession.open(q, SessionSettings.defaults(), quantizedName);
				Progress.Task task = progress.start("debugging " + probes.size() + " tensors", n, "samples")) {
			for (int from = 0; from < n; from += 32) {
				int to = Math.min(n, from + 32);
				Batch b = data.read(from, to);
				Map<String, NdArray> fed = floatInputs.feed(b);
				Map<String, NdArray> fo = new HashMap<>(fs.run(fed));
				fed.forEach(fo::putIfAbsent); // an input's own values, where a probe stands for it
				Map<String, NdArray> qo = qs.run(IntegerFeed.feed(quantInputs, b, intInputs, quantizedName));
				for (Probe p : probes) {
					float[] real = fo.get(p.tensor()).toFloats();
					NdArray codes = qo.get(p.codes());
					float[] deq = codes == null && quantInputs.names().contains(p.codes()) ? fakeQuantize(real, p) : dequantize(codes, p);
					if (leftOut.containsKey(p.tensor()) || deq.length != real.length) { // a size the values decide: nothing to pair up
						leftOut.putIfAbsent(p.tensor(), new DebugReport.SizeDiffers(p.tensor(), from + 1, to, real.length, deq.length));
						continue;
					}
					float[] fq = fakeQuantize(real, p);
					boolean[] kept = kept(real, masks.get(p.tensor()), fo);
					isolated.get(p.tensor()).add(real, fq, kept);
					isolated.get(p.tensor()).countSaturated(real, p, kept);
					accumulated.get(p.tensor()).add(real, deq, kept);
					long[] shape = fo.get(p.tensor()).shape();
					if (outputs.contains(p.tensor()) && shape.length == 2 && shape[1] > 1) {
						tops.computeIfAbsent(p.tensor(), t -> new TopCounter()).add(real, fq, deq, (int) shape[1]);
					}
				}
				task.advance(to - from);
			}
		}
		Map<String, Node> floatNodes = new HashMap<>();
		floatModel.graph().nodes().stream().filter(x -> !x.name().isEmpty()).forEach(x -> floatNodes.put(x.name(), x));
		Set<String> quantizedNodes = new java.util.HashSet<>();
		quantized.graph().nodes().forEach(x -> quantizedNodes.add(x.name()));
		// what the quantized model says its calibration clipped (its metadata_props), not a guess from the error
		Map<String, String> clipped = quantized.metadata();
		List<DebugReport.TensorDebug> tensors = new ArrayList<>();
		for (Probe p : probes) {
			if (leftOut.containsKey(p.tensor())) {
				continue;
			}
			DebugReport.Stats iso = isolated.get(p.tensor()).stats(p.scale());
			DebugReport.Stats acc = accumulated.get(p.tensor()).stats(p.scale());
			Node producer = producers.get(p.tensor());
			// an activation fused away: the quantized model's layer before it writes its output (Conv writes the Relu's)
			Node layer = quantized.graph().producer(p.tensor()).map(x -> floatNodes.get(x.name())).orElse(null);
			boolean fused = producer != null && layer != null && !layer.name().equals(producer.name()) && !quantizedNodes.contains(producer.name());
			Node owner = fused ? layer : producer;
			boolean inherited = p.owner() != null && !p.owner().equals(p.tensor());
			int at = owner == null ? -1 : layerIndex.getOrDefault(owner.output(0), layerIndex.getOrDefault(p.tensor(), -1));
			Node writer = inherited ? null : quantized.graph().producer(p.tensor()).orElse(null);
			boolean inFloat = writer != null && FloatLayerOrigin.runsInFloat(quantized.graph(), writer);
			tensors.add(new DebugReport.TensorDebug(at, p.tensor(), owner == null ? "" : owner.name(),
					owner == null ? "input" : fused ? layer.opType() + "+" + producer.opType() : producer.opType(), fused ? producer.name() : "", p.scale(),
					p.zeroPoint(), inherited ? p.owner() : "", iso, acc, !inherited && DebugReport.exceeds(metric, iso.value(metric), threshold),
					!inherited && DebugReport.exceeds(metric, acc.value(metric), threshold), isolated.get(p.tensor()).saturated,
					inherited ? "" : clipped.getOrDefault(WideRange.METADATA + p.tensor(), ""), inFloat,
					inFloat ? FloatLayerOrigin.quantizedLayersBefore(quantized.graph(), writer) : List.of(), masks.getOrDefault(p.tensor(), ""),
					isolated.get(p.tensor()).masked));
		}
		tensors.sort(java.util.Comparator.comparingInt(DebugReport.TensorDebug::layerIndex).thenComparing(DebugReport.TensorDebug::tensor));
		List<DebugReport.TopClass> topClasses = tops.entrySet().stream().filter(e -> !leftOut.containsKey(e.getKey())).map(e -> e.getValue().of(e.getKey()))
				.toList();
		return new DebugReport(floatName, quantizedName, data.name(), n, metric, threshold, tensors, topClasses, List.copyOf(leftOut.values()));
	}

	/** Counts, row by row of a [batch, classes] output, where its codes tie the best class or pick another than fp32's. */
	private static final class TopCounter {
		int samples;
		int tiedIsolated;
		int changedIsolated;
		int tiedAccumulated;
		int changedAccumulated;

		void add(float[] real, float[] isolated, float[] accumulated, int classes) {
			for (int row = 0; row + classes <= real.length; row += classes) {
				int best = argmax(real, row, classes);
				samples++;
				tiedIsolated += tied(isolated, row, classes) ? 1 : 0;
				changedIsolated += argmax(isolated, row, classes) != best ? 1 : 0;
				tiedAccumulated += tied(accumulated, row, classes) ? 1 : 0;
				changedAccumulated += argmax(accumulated, row, classes) != best ? 1 : 0;
			}
		}

		DebugReport.TopClass of(String tensor) {
			return new DebugReport.TopClass(tensor, samples, tiedIsolated, changedIsolated, tiedAccumulated, changedAccumulated);
		}

		/** The first index of the row's largest value, as ONNX ArgMax (select_last_index 0) and numpy's argmax pick. */
		private static int argmax(float[] v, int from, int n) {
			int best = 0;
			for (int i = 1; i < n; i++) {
				if (v[from + i] > v[from + best]) {
					best = i;
				}
			}
			return best;
		}

		private static boolean tied(float[] v, int from, int n) {
			int best = argmax(v, from, n);
			for (int i = 0; i < n; i++) {
				if (i != best && v[from + i] == v[from + best]) {
					return true;
				}
			}
			return false;
		}
	}

	/**
	 * The masked sums the quantized model says saturate on purpose ({@link MaskedSums}: sum → scores), of the probes with their
	 * own parameters: the sum's error is measured on its kept entries only. A mark naming no probe is left (it measures nothing);
	 * verify holds each mark against the Softmax's quantization record, so that a forged one cannot hide a tensor's error.
	 */
	private static Map<String, String> masks(OnnxModel quantized, List<Probe> probes) {
		Map<String, String> masks = new LinkedHashMap<>();
		MaskedSums.of(quantized).forEach((sum, scores) -> {
			if (probes.stream().anyMatch(p -> p.tensor() != null && p.tensor().equals(sum) && sum.equals(p.owner())) && !scores.equals(sum)) {
				masks.put(sum, scores);
			}
		});
		return masks;
	}

	/**
	 * Which entries of {@code real} are measured: all (null) but for a masked sum, then those the mask keeps, read against the
	 * float model's scores (of the same size: a mask broadcast wider than its scores is measured whole, as before).
	 */
	private static boolean[] kept(float[] real, String scores, Map<String, NdArray> floatOutputs) {
		NdArray s = scores == null ? null : floatOutputs.get(scores);
		if (s == null) {
			return null;
		}
		float[] v = s.toFloats();
		if (v.length != real.length) {
			return null;
		}
		boolean[] kept = new boolean[real.length];
		for (int i = 0; i < real.length; i++) {
			kept[i] = !MaskedSums.masked(real[i], v[i]);
		}
		return kept;
	}

	/** Every per-tensor QuantizeLinear of the quantized model whose input (or the output it stands for) exists in the float model. */
	private static List<Probe> probes(OnnxModel floatModel, OnnxModel quantized) {
		Set<String> floatTensors = new LinkedHashSet<>();
		floatModel.graph().runtimeInputs().forEach(v -> floatTensors.add(v.getName()));
		floatModel.graph().nodes().forEach(n -> floatTensors.addAll(n.outputs()));
		Graph g = quantized.graph();
		Map<String, Probe> byCodes = new LinkedHashMap<>();
		List<Probe> probes = new ArrayList<>();
		for (Node n : g.topologicalOrder()) {
			if (n.opType().equals("QuantizeLinear")) {
				Tensor s = g.constant(n.input(1));
				Tensor z = n.input(2).isEmpty() ? null : g.constant(n.input(2));
				if (s == null || s.elementCount() != 1) {
					continue;
				}
				String original = original(g, n, floatTensors);
				Probe p = new Probe(original, n.output(0), s.toFloatArray()[0], z == null ? 0 : z.toLongArray()[0], z == null ? DataType.UINT8 : z.dataType(),
						original);
				byCodes.put(n.output(0), p);
				if (original != null && probes.stream().noneMatch(x -> x.tensor().equals(original))) {
					probes.add(p);
				}
			} else if (movesCodes(n.opType()) && byCodes.containsKey(n.input(0))) {
				// every output of the op holds codes of its input's scale (Split's parts, TopK's values; TopK's indices are
				// no codes, and only its values are read as codes where the quantizer writes it on them)
				Probe in = byCodes.get(n.input(0));
				List<String> outs = n.opType().equals("TopK") ? n.outputs().subList(0, 1) : n.outputs();
				for (String out : outs) {
					if (out.isEmpty()) {
						continue;
					}
					Probe p = new Probe(floatTensors.contains(out) ? out : null, out, in.scale(), in.zeroPoint(), in.type(), in.owner());
					byCodes.put(out, p);
					if (p.tensor() != null) {
						probes.add(p);
					}
				}
			}
		}
		for (IoQuantization.Io io : IoQuantization.inputs(quantized).values()) { // integer model inputs
			if (floatTensors.contains(io.name())) {
				probes.add(new Probe(io.name(), io.name(), io.scale(), io.zeroPoint(), io.type(), io.name()));
			}
		}
		return probes;
	}

	/**
	 * The float-model tensor a QuantizeLinear stands for: its input, or, where the writer renamed a graph output's
	 * producer, the output itself (integer output) or the output its DequantizeLinear restores (float output).
	 */
	private static String original(Graph g, Node q, Set<String> floatTensors) {
		if (floatTensors.contains(q.input(0))) {
			return q.input(0);
		}
		if (floatTensors.contains(q.output(0))) {
			return q.output(0);
		}
		return g.consumers(q.output(0)).stream().filter(c -> c.opType().equals("DequantizeLinear")).map(c -> c.output(0))
				.filter(floatTensors::contains).findFirst().orElse(null);
	}

	private static OnnxModel expose(OnnxModel model, List<String> tensors) {
		OnnxModel copy = model.copy();
		Set<String> exposed = new java.util.HashSet<>();
		copy.graph().outputs().forEach(v -> exposed.add(v.getName()));
		copy.graph().runtimeInputs().forEach(v -> exposed.add(v.getName()));
		for (String t : tensors) {
			if (exposed.add(t)) {
				copy.graph().outputs().add(ValueInfoProto.newBuilder().setName(t).build());
			}
		}
		return copy;
	}

	private static float[] dequantize(NdArray codes, Probe p) {
		float[] q = codes.toFloats();
		float[] r = new float[q.length];
		for (int i = 0; i < q.length; i++) {
			r[i] = (q[i] - p.zeroPoint()) * p.scale();
		}
		return r;
	}

	private static long qmin(Probe p) {
		return p.type() == DataType.UINT8 ? 0 : p.type() == DataType.INT16 ? -32768 : -128;
	}

	private static long qmax(Probe p) {
		return p.type() == DataType.UINT8 ? 255 : p.type() == DataType.INT16 ? 32767 : 127;
	}

	/** Quantize-dequantize with the tensor's own parameters: the error this tensor alone introduces. */
	private static float[] fakeQuantize(float[] real, Probe p) {
		long qmin = qmin(p);
		long qmax = qmax(p);
		float[] out = new float[real.length];
		for (int i = 0; i < real.length; i++) {
			double q = Math.max(qmin, Math.min(qmax, Math.rint(real[i] / p.scale()) + p.zeroPoint()));
			out[i] = (float) ((q - p.zeroPoint()) * p.scale());
		}
		return out;
	}

	/** Streamed sums for the error statistics of one tensor. */
	private static final class Accumulator {
		long n;
		double sumError;
		double sumSquaredError;
		double maxAbs;
		double sumSquaredReal;
		double sumSquaredQuant;
		double dot;
		long saturated;
		/** The masked entries left out (a masked sum's, {@link MaskedSums}). */
		long masked;

		/**
		 * Counts the values beyond the codes' range by more than half a step: quantizing clamps them (a clipped range's far values);
		 * of those {@code kept} (null: all), a masked entry saturating on purpose.
		 */
		void countSaturated(float[] real, Probe p, boolean[] kept) {
			double lo = (qmin(p) - p.zeroPoint() - 0.5) * (double) p.scale();
			double hi = (qmax(p) - p.zeroPoint() + 0.5) * (double) p.scale();
			for (int i = 0; i < real.length; i++) {
				if ((kept == null || kept[i]) && (real[i] < lo || real[i] > hi)) {
					saturated++;
				}
			}
		}

		/** Adds the errors of the entries {@code kept} (null: all) and counts the others as masked. */
		void add(float[] real, float[] quant, boolean[] kept) {
			for (int i = 0; i < real.length; i++) {
				if (kept != null && !kept[i]) {
					masked++;
					continue;
				}
				n++;
				double e = quant[i] - (double) real[i];
				sumError += e;
				sumSquaredError += e * e;
				maxAbs = Math.max(maxAbs, Math.abs(e));
				sumSquaredReal += real[i] * (double) real[i];
				sumSquaredQuant += quant[i] * (double) quant[i];
				dot += real[i] * (double) quant[i];
			}
		}

		DebugReport.Stats stats(float scale) {
			double mean = sumError / n;
			double mse = sumSquaredError / n;
			double sqnr = sumSquaredError == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(sumSquaredReal / sumSquaredError);
			double cosine = sumSquaredReal == 0 || sumSquaredQuant == 0 ? (sumSquaredReal == sumSquaredQuant ? 1 : 0)
					: dot / Math.sqrt(sumSquaredReal * sumSquaredQuant);
			return new DebugReport.Stats(n, Math.sqrt(Math.max(0, mse - mean * mean)), mean, maxAbs, mse, sqnr, cosine, Math.sqrt(mse) / scale);
		}
	}
}
