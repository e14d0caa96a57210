package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TensorSpec;
import org.quantrace.model.trace.TensorTypeCount;

/**
 * trace.xmi: every model's hash, size, header, parameter count, inputs and outputs (type, shape, integer scale
 * and zero point) and tensors by element type; every quantization record's tensors (type, scheme,
 * granularity, axis, scales, zero points, and the calibrated range they follow from by the formula), its layers
 * (integer or float), its opset, I/O type and reduced range; nothing quantized in a model that the record leaves
 * out; and the pruning, factorization and recipe-file records ({@link TraceStages}).
 */
final class TraceCheck implements DocumentCheck {

	static final String DOCUMENT = "trace.xmi";

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		if (e.inventorySha256() != null) { // a missing inventory is named by the folder check
			same(found, DOCUMENT, "inventorySha256", e.trace().getInventorySha256(), e.inventorySha256());
		}
		SampleCounts.check(e.out(), e.trace(), found);
		for (ModelArtifact a : e.trace().getArtifacts()) {
			ModelFacts f = e.facts(a, DOCUMENT, found);
			if (f != null) {
				artifact(a, f, found);
				FoundQuantization.check(e.trace(), a, f, found);
			}
		}
		for (EvaluationRecord r : e.trace().getEvaluations()) {
			ModelFacts f = e.facts(r.getModel(), DOCUMENT, found);
			r.getMetrics().stream().filter(m -> m.getName().equals(ResultsCheck.MODEL_SIZE) && f != null)
					.forEach(m -> same(found, DOCUMENT, "evaluation " + r.getId() + " " + m.getName(), m.getValue(), (double) f.sizeBytes()));
			verdict(r, e.trace(), found);
		}
		for (OptimizationRecord o : e.trace().getOptimizations()) {
			ModelFacts f = o.getQuantization() == null ? null : e.facts(o.getOutput(), DOCUMENT, found);
			if (f != null) {
				quantization(o, f, e.facts(o.getInput(), DOCUMENT, found), found);
			}
		}
		TraceStages.check(e, found);
	}

	/** A criterion as the recipe writes it: metric, "drop" or not, comparator, bound, unit. */
	private static final java.util.regex.Pattern CRITERION = java.util.regex.Pattern.compile(".+? (<=|>=|<|>) \\S+.*");

	/**
	 * An evaluation's comparison and verdict, re-derived from its own figures: each metric's baseline value is the
	 * baseline's, its change the difference of the two; each criterion passed when its measured value stands to
	 * the bound as the criterion's comparator says (a criterion measured on nothing fails); the variant accepted
	 * when every criterion passed. Edited together in the trace, results.json and the logs, the verdicts agreed
	 * with each other and nothing compared them with the figures they follow from.
	 */
	private static void verdict(EvaluationRecord r, org.quantrace.model.trace.TraceModel trace, List<Mismatch> found) {
		String at = "evaluation " + r.getId() + " ";
		EvaluationRecord base = trace.getEvaluations().stream().filter(b -> b.getModel() == r.getBaseline() && b.getModel() != null && b.getDataset() == r.getDataset()
				&& b.getSampleCount() == r.getSampleCount()).findFirst().orElse(null);
		for (org.quantrace.model.trace.MetricValue m : r.getMetrics()) {
			if (!m.isSetDelta()) {
				continue;
			}
			org.quantrace.model.trace.MetricValue b = base == null ? null
					: base.getMetrics().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElse(null);
			// the size is compared with the files; a latency is a measurement (each shard of a run times the original anew)
			if (b != null && !m.getName().equals(ResultsCheck.MODEL_SIZE) && !m.getName().equals(org.quantrace.engine.evaluate.Metrics.LATENCY)) {
				same(found, DOCUMENT, at + m.getName() + " baselineValue", m.getBaselineValue(), b.getValue());
			}
			double delta = m.getValue() - m.getBaselineValue();
			if (Math.abs(m.getDelta() - delta) > 1e-12 * Math.max(1, Math.abs(delta))) {
				same(found, DOCUMENT, at + m.getName() + " delta", m.getDelta(), delta);
			}
		}
		boolean all = true;
		for (org.quantrace.model.trace.AcceptanceResult c : r.getAcceptance()) {
			java.util.regex.Matcher x = CRITERION.matcher(String.valueOf(c.getCriterion()));
			double v = c.getMeasured();
			Boolean passed = Double.isNaN(v) ? Boolean.FALSE : !x.matches() ? null : switch (x.group(1)) {
			case "<" -> v < c.getBound();
			case "<=" -> v <= c.getBound();
			case ">" -> v > c.getBound();
			default -> v >= c.getBound();
			};
			if (passed == null) {
				same(found, DOCUMENT, at + "criterion", c.getCriterion(), "a criterion with a comparator (<, <=, >, >=)");
			} else {
				same(found, DOCUMENT, at + "criterion " + c.getCriterion() + " passed (measured " + v + ", bound " + c.getBound() + ")", c.isPassed(), passed);
			}
			all &= c.isPassed();
		}
		if (r.isSetAccepted() || !r.getAcceptance().isEmpty()) {
			same(found, DOCUMENT, at + "accepted", r.isSetAccepted() ? r.isAccepted() : null, r.getAcceptance().isEmpty() ? null : all);
		}
	}

	static void artifact(ModelArtifact a, ModelFacts f, List<Mismatch> found) {
		String at = "artifact " + a.getId() + " ";
		same(found, DOCUMENT, at + "sha256", a.getSha256(), f.sha256());
		same(found, DOCUMENT, at + "sizeBytes", a.getSizeBytes(), f.sizeBytes());
		same(found, DOCUMENT, at + "opset", a.getOpset(), f.opset());
		same(found, DOCUMENT, at + "irVersion", a.getIrVersion(), f.irVersion());
		same(found, DOCUMENT, at + "producerName", a.getProducerName(), f.producerName());
		same(found, DOCUMENT, at + "producerVersion", a.getProducerVersion(), f.producerVersion());
		same(found, DOCUMENT, at + "parameterCount", a.getParameterCount(), f.parametersAsRecorded(a));
		if (ModelFacts.countedApart(a)) {
			same(found, DOCUMENT, at + "quantizationParameterCount", a.getQuantizationParameterCount(), f.quantizationParameters());
		}
		same(found, DOCUMENT, at + "nodeCount", a.getNodeCount(), f.graph.getNodeCount());
		io(at + "input", a.getInputs(), f.inputs(), found);
		io(at + "output", a.getOutputs(), f.outputs(), found);
		Map<String, ModelFacts.TypeCount> inventory = f.inventory();
		for (TensorTypeCount c : a.getInventory()) {
			ModelFacts.TypeCount d = inventory.getOrDefault(c.getElementType(), new ModelFacts.TypeCount(0, 0, 0));
			same(found, DOCUMENT, at + "inventory " + c.getElementType() + " (tensors, weights, weight bytes)",
					List.of(c.getTensors(), c.getWeights(), c.getWeightBytes()), List.of(d.tensors(), d.weights(), d.weightBytes()));
		}
		inventory.forEach((type, d) -> {
			if (d.tensors() > 0 && a.getInventory().stream().noneMatch(c -> c.getElementType().equals(type))) {
				same(found, DOCUMENT, at + "inventory " + type + " tensors", 0, d.tensors());
			}
		});
	}

	private static void io(String at, List<TensorSpec> recorded, List<ModelFacts.Io> model, List<Mismatch> found) {
		same(found, DOCUMENT, at + "s", recorded.stream().map(TensorSpec::getName).toList(), model.stream().map(ModelFacts.Io::name).toList());
		for (TensorSpec t : recorded) {
			ModelFacts.Io m = model.stream().filter(x -> x.name().equals(t.getName())).findFirst().orElse(null);
			if (m != null) {
				String where = at + " " + t.getName() + " ";
				same(found, DOCUMENT, where + "elementType", t.getElementType(), m.elementType());
				same(found, DOCUMENT, where + "shape", List.copyOf(t.getShape()), m.shape() == null ? List.of() : m.shape()); // no shape declared: none recorded
				same(found, DOCUMENT, where + "scale", t.isSetScale() ? (float) t.getScale() : null, m.scale());
				same(found, DOCUMENT, where + "zeroPoint", t.isSetZeroPoint() ? t.getZeroPoint() : null, m.zeroPoint());
			}
		}
	}

	private static void quantization(OptimizationRecord o, ModelFacts f, ModelFacts input, List<Mismatch> found) {
		QuantizationRecord q = o.getQuantization();
		String at = "optimization " + o.getId() + " ";
		same(found, DOCUMENT, at + "opset", q.getOpset(), f.opset());
		SchemeFacts facts = new SchemeFacts(o, f, input);
		MaskedSumMarks.check(o, f, input, found); // the debugger leaves the masked entries of these out: each mark bound to its Softmax
		if (q.getTechnique() == QuantizationTechnique.FULL_INTEGER) {
			String io = q.getIoType().getLiteral().toUpperCase(java.util.Locale.ROOT);
			for (ModelFacts.Io m : f.inputs()) {
				if (facts.schemeTyped(m)) {
					same(found, DOCUMENT, at + "ioType (input " + m.name() + ")", io, m.elementType());
				}
			}
			for (ModelFacts.Io m : f.outputs()) {
				if (facts.schemeTyped(m)) {
					same(found, DOCUMENT, at + "ioType (output " + m.name() + ")", io, m.elementType());
				}
			}
		}
		Quantizations model = facts.quantizations;
		ClampedBiasCodes clamped = new ClampedBiasCodes();
		BiasFitScales fits = new BiasFitScales(q.getTensors(), facts, facts.reduce());
		fits.problems.forEach(p -> found.add(new Mismatch(DOCUMENT, at + "layer " + p[0] + " weight scale", p[1], p[2])));
		StatedWeightTypes weightTypes = new StatedWeightTypes();
		Map<String, Quantizations.Params> weightScales = new java.util.HashMap<>();
		for (TensorQuantizationRecord t : q.getTensors()) {
			String where = at + "tensor " + t.getTensor() + " (" + t.getRole().getLiteral() + ")";
			Quantizations.Params held = facts.held.get(t);
			if (held == null) {
				found.add(new Mismatch(DOCUMENT, where, "quantized", "the model does not quantize it"));
				continue;
			}
			if (t.getRole() == TensorRole.WEIGHT) {
				weightTypes.add(t.getNode(), held.type());
				weightScales.putIfAbsent(t.getNode(), held);
			}
			List<Mismatch> best = compare(where, t, held);
			found.addAll(best);
			boolean stored = t.getRole() == TensorRole.WEIGHT || t.getRole() == TensorRole.BIAS;
			if (best.isEmpty() && stored && held.codes() != null && input != null && input.value(t.getTensor()) != null) {
				Tensor floats = facts.repeats.computed(t.getTensor(), input.value(t.getTensor()));
				String correction = CorrectedBiases.problem(t, floats);
				if (correction != null) {
					found.add(new Mismatch(DOCUMENT, where + " biasCorrection", "one correction per channel of the bias", correction));
				}
				// a bias-corrected bias's codes are those of the float bias less its recorded correction
				String codes = WeightCodes.check(CorrectedBiases.corrected(t, floats), f.value(held.codes()), held);
				if (codes != null) {
					found.add(new Mismatch(DOCUMENT, where + " codes", "the float model's " + t.getTensor() + " quantized", codes));
				}
				if (t.getRole() == TensorRole.BIAS) {
					clamped.add(t.getNode(), facts.repeats.computed(t.getTensor(), input.value(t.getTensor())), held);
				}
			}
			var quantizedNode = f.node(t.getNode());
			boolean lstm = quantizedNode != null && quantizedNode.getOpType().equals("DynamicQuantizeLSTM");
			// the float weight as the float model computes it, for the codes' and the channels' checks below (once per tensor)
			Tensor floatWeight = t.getRole() != TensorRole.WEIGHT || input == null || input.value(t.getTensor()) == null ? null
					: facts.repeats.computed(t.getTensor(), input.value(t.getTensor()));
			if (best.isEmpty() && lstm && floatWeight != null) {
				// an LSTM's codes are stored transposed, [dirs, in, 4H], as ONNX Runtime's kernel reads them (held.codes() is null)
				String name = LstmCodes.codesOf(input.node(t.getNode()), quantizedNode, t.getTensor());
				Tensor codes = name == null ? null : f.value(name);
				String problem = codes == null ? "no W or R input of the layer reads it" : LstmCodes.check(floatWeight, codes, held);
				if (problem != null) {
					found.add(new Mismatch(DOCUMENT, where + " codes of layer " + t.getNode(), "the float model's " + t.getTensor() + " quantized", problem));
				}
			}
			if (best.isEmpty() && t.getRole() != TensorRole.BIAS) {
				// a weight scale widened for the int32 bias is not the range's: the range gives the formula's in its place
				Quantizations.Params own = t.getRole() == TensorRole.WEIGHT ? fits.unwidened(t.getNode(), held) : held;
				Quantizations.Params ranged = facts.paddings.original(t, own);
				Tensor codes = own.codes() == null ? null : f.value(own.codes());
				Ranges.check(DOCUMENT, where, t, codes == null || ranged != own ? ranged : WeightCodes.withoutEmptyChannels(codes, own), facts.reduce(), found);
				// the range fixes the largest only; an LSTM's codes are stored transposed, its per-row scales held all the same
				// a bidirectional LSTM's row scales [2, 4H] pair with the float weight's rows taken over both directions
				if (floatWeight != null && (codes != null || lstm)) {
					ChannelScales.check(DOCUMENT, where, lstm ? LstmCodes.rows(floatWeight, ranged) : floatWeight, ranged, facts.reduce(), found);
				}
			}
			// an embedding table read by Gather is stored as codes of the activations' type: the Gather moves them, and its
			// output is an activation with the table's scale and zero point (text models: BERT's token and position tables)
			boolean table = t.getRole() == TensorRole.WEIGHT && f.node(t.getNode()) != null && f.node(t.getNode()).getOpType().equals("Gather");
			if (t.getRole() == TensorRole.WEIGHT && best.isEmpty() && !table) {
				same(found, DOCUMENT, where + " against weightPrecision", q.getWeightPrecision().getLiteral(), t.getPrecision().getLiteral());
			}
			if (table && best.isEmpty() && q.getTechnique() == QuantizationTechnique.FULL_INTEGER) {
				same(found, DOCUMENT, where + " (a Gather's table) against activationPrecision", q.getActivationPrecision().getLiteral(), t.getPrecision().getLiteral());
			}
			if (t.getRole() == TensorRole.ACTIVATION && best.isEmpty() && q.getTechnique() == QuantizationTechnique.FULL_INTEGER) {
				same(found, DOCUMENT, where + " against activationPrecision", q.getActivationPrecision().getLiteral(), t.getPrecision().getLiteral());
			}
		}
		Boolean reduced = facts.reducedRange();
		if (reduced != null) {
			same(found, DOCUMENT, at + "reduceRange (the weights' largest code is " + (reduced ? "at most 64" : "127") + ")", q.isReduceRange(), reduced);
		}
		for (LayerQuantizationRecord l : q.getLayers()) {
			Boolean quantized = model.layerQuantized(l.getNode(), facts.output(l.getNode()));
			String where = at + "layer " + l.getNode() + " (" + l.getOpType() + ")";
			if (quantized == null) {
				found.add(new Mismatch(DOCUMENT, where, l.isQuantized() ? "quantized" : "float", "no such layer in the model"));
			} else {
				same(found, DOCUMENT, where, l.isQuantized() ? "quantized" : "float", quantized ? "quantized" : "float");
				if (!l.isQuantized() && !quantized) {
					FloatLayers.check(l, f, input, where, DOCUMENT, found);
					String runs = model.weightsRoundedAtLoad(l.getNode());
					if (runs != null) { // a file written before the quantizer wrote what runs: its records say weights that do not run
						found.add(new Mismatch(DOCUMENT, where + " weights", "float32 (as the file holds them)", runs));
					}
				} else if (l.isQuantized() && quantized) {
					FloatLayers.checkMovingCodes(l, f, input, where, DOCUMENT, found);
				}
				// the float model the quantizer read where it holds the node, else the quantized model (a float layer keeps its constants)
				UnrepresentableConstantsCheck.check(l, input != null && input.node(l.getNode()) != null ? input : f, where, DOCUMENT, found);
				same(found, DOCUMENT, where + " added channels", Paddings.stated(l.getReason()), facts.paddings.statement(l.getNode()));
				same(found, DOCUMENT, where + " rewrite", Repeats.stated(l.getReason()), facts.repeats.statement(l.getNode()));
				String bodies = BodyReaders.stated(l.getReason());
				if (bodies != null) {
					same(found, DOCUMENT, where + " layers on int8 weights in its bodies", bodies, BodyReaders.derived(f, l.getNode()));
				}
				String stemReaders = StemReaders.stated(l.getReason());
				if (stemReaders != null) {
					same(found, DOCUMENT, where + " readers of its float output (as its reason names them)", stemReaders, StemReaders.derived(f, l.getNode()));
				}
				String scaled = StemInputScaling.stated(l.getReason());
				if (scaled != null) {
					same(found, DOCUMENT, where + " model input and one-channel stem it scales or shifts for (as its reason names them)", scaled,
							StemInputScaling.derived(f, l.getNode()));
				}
				same(found, DOCUMENT, where + " weight scales per input feature of the model input", FeatureScales.stated(l.getReason()),
						FeatureScales.derived(f, l.getNode(), weightScales.get(l.getNode())));
				String spread = FeatureScales.spreadStated(l.getReason());
				if (spread != null && input != null) { // the figure the per-feature rule was decided by, from the float weights
					same(found, DOCUMENT, where + " spread of its weight columns over the model input's features", spread, FeatureScales.spreadDerived(input, l.getNode()));
				}
				String statedType = StatedWeightTypes.stated(l.getReason());
				if (statedType != null && l.isQuantized()) {
					same(found, DOCUMENT, where + " weights' type (as its reason states it)", statedType, weightTypes.held(l.getNode()));
				}
				if (input != null) { // the float model's biases, from which the clamp is derived
					same(found, DOCUMENT, where + " int32 bias", ClampedBiasCodes.stated(l.getReason()), clamped.derived(l.getNode()));
					same(found, DOCUMENT, where + " weight scale for the int32 bias", BiasFitScales.stated(l.getReason()), fits.derived(l.getNode()));
				}
			}
		}
		facts.paddings.escapes().forEach((node, escape) -> found.add(new Mismatch(DOCUMENT, at + "layer " + node + " added channels",
				"ignored by the layers after it", escape)));
		for (String left : model.unaccounted()) {
			found.add(new Mismatch(DOCUMENT, at + "tensors", "no record of " + left.substring(0, left.indexOf(' ')), "the model quantizes " + left));
		}
	}

	/** Differences between a tensor's record and one quantization of it in the model. */
	static List<Mismatch> compare(String where, TensorQuantizationRecord t, Quantizations.Params p) {
		List<Mismatch> d = new ArrayList<>();
		if (p.type() != DataType.INT32) { // a bias's int32 has no precision literal: its element type (below) says it
			same(d, DOCUMENT, where + " precision", t.getPrecision().getLiteral().toUpperCase(java.util.Locale.ROOT), p.type().displayName());
		}
		if (t.getElementType() != null) { // the stored element type the logs print (int8, uint8, int32...)
			same(d, DOCUMENT, where + " elementType", t.getElementType().toUpperCase(java.util.Locale.ROOT), p.type().name());
		}
		same(d, DOCUMENT, where + " scheme", t.getScheme(), p.symmetric() ? QuantizationScheme.SYMMETRIC : QuantizationScheme.ASYMMETRIC);
		same(d, DOCUMENT, where + " granularity", t.getGranularity(), p.axis() == null ? Granularity.PER_TENSOR : Granularity.PER_CHANNEL);
		if (p.axis() != null && t.isSetAxis()) {
			same(d, DOCUMENT, where + " axis", t.getAxis(), p.axis());
		}
		same(d, DOCUMENT, where + " scales", t.getScales().stream().map(Double::floatValue).toList(), p.scales());
		same(d, DOCUMENT, where + " zero points", List.copyOf(t.getZeroPoints()), p.zeroPoints());
		return d;
	}
}
