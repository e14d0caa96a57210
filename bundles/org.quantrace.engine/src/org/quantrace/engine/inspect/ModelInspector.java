package org.quantrace.engine.inspect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.inspect.Inspection.Layer;
import org.quantrace.engine.inspect.Inspection.TensorEntry;
import org.quantrace.engine.inspect.Inspection.Totals;
import org.quantrace.engine.inspect.Inspection.TypeTotal;
import org.quantrace.engine.onnx.Constants;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.FloatWidening;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.ShapeProbe;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Builds the {@link Inspection} of a model: layer index, tensor inventory and totals. */
public final class ModelInspector {

	private ModelInspector() {
	}

	/**
	 * The element types of a model holding float64 values, which ONNX Runtime does not load when it computes a Conv in float64:
	 * its float32 narrowing's types, each float32 one float64 in the model where the model computes it in float64 (all of them in a
	 * float64-only model, {@code model.double()}; in a float32 model with a float64 island, {@link FloatWidening#float64Values}).
	 * The trace's inventory of such an original counted its intermediate values UNKNOWN, where verify derives float64 and float32
	 * (an honest run of a float32 model whose first Conv computes in float64 between two Casts failed verify with 6 mismatches).
	 */
	private static String float64Types(OnnxModel model, String file, Map<String, TensorInfo> known) {
		if (!FloatWidening.holdsFloat64(model)) {
			return "";
		}
		boolean only = FloatWidening.float64Only(model);
		Set<String> doubles = only ? null : FloatWidening.float64Values(model);
		try {
			OnnxModel narrowed = model.copy();
			FloatWidening.narrow(narrowed, file);
			ShapeProbe.types(narrowed, file).values().forEach(t -> fill(known,
					t.type() == DataType.FLOAT && (only || doubles.contains(t.name())) ? new TensorInfo(t.name(), DataType.DOUBLE, t.shape()) : t));
			return "; their element types are ONNX Runtime's inference on the model narrowed to float32 ("
					+ (only ? "every float32 value of it float64 here)" : "a float32 value of it float64 here where the model computes it from float64 values)");
		} catch (QuantraceException notLoaded) {
			return "";
		}
	}

	/** Loads and inspects a model file; {@code probeShapes} runs it once to learn intermediate shapes. */
	public static Inspection inspect(Path file, boolean probeShapes) {
		OnnxModel model = OnnxModel.load(file);
		try {
			return inspect(model, file.toString(), Files.size(file), SafeFiles.sha256(file), probeShapes);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	public static Inspection inspect(OnnxModel model, String file, long fileBytes, String sha256, boolean probeShapes) {
		Graph main = model.graph();
		List<String> notes = new ArrayList<>();
		String noOutputs = org.quantrace.engine.onnx.GraphOutputs.note(model, file);
		if (noOutputs != null) {
			notes.add(noOutputs);
		}
		// what quantize, debug and a recipe refuse and evaluate warns of, said before any of them runs (round 17's noisy)
		List<Node> random = org.quantrace.engine.onnx.RandomOps.unseeded(model);
		String unseeded = org.quantrace.engine.onnx.RandomOps.described(random.stream().filter(n -> !n.opType().equals("Dropout")).toList(), file);
		if (unseeded != null) {
			notes.add(unseeded + "; quantize (calibrated schemes), debug and run refuse it, evaluate warns: " + org.quantrace.engine.onnx.RandomOps.HINT);
		}
		String dropouts = org.quantrace.engine.onnx.RandomOps.described(random.stream().filter(n -> n.opType().equals("Dropout")).toList(), file);
		if (dropouts != null) { // round 17's dropt.onnx: a training-mode export's Dropout
			notes.add(dropouts + " wherever ONNX Runtime keeps it (a session reading its output, as calibration and the debugger do; its optimizer"
					+ " removes it where only the next node reads it); convert, quantize's pre-processing and run set it to inference mode, debug refuses it,"
					+ " evaluate warns where its output or mask is read: " + org.quantrace.engine.onnx.RandomOps.HINT);
		}
		// a model quantized by another tool in ONNX Runtime's integer forms (make_unseen17's qop, make_unseen18's dynq): whose codes they are
		Map<String, Long> quantized = org.quantrace.engine.onnx.QuantizedOps.counts(model);
		String form = org.quantrace.engine.onnx.QuantizedOps.form(quantized);
		if (form != null && !form.equals("QDQ form")) {
			// quantized in part (hostile7's mixed_qop: a QLinearConv, then a float Conv and Gemm): its layers counted, as the run's warning counts them
			var layers = org.quantrace.engine.onnx.QuantizedOps.layers(model);
			notes.add(file + " is quantized already, in ONNX Runtime's " + form + " (" + org.quantrace.engine.onnx.QuantizedOps.listed(quantized)
					+ (model.producerName().isEmpty() ? "" : "; producer " + (model.producerName() + " " + model.producerVersion()).trim())
					+ (layers.inFloat() > 0 ? "; quantized in part: " + layers.inWords() : "")
					+ "): its codes and scales are those the tool that quantized it chose, not a Quantrace calibration's; quantize refuses it"
					+ " (quantize the float model it was made from), evaluate (beside its float source) and a recipe's scheme unquantized run it as it is");
		}
		// weight-only storage, which no quantized op shows: ONNX Runtime's MatMulNBits (make_unseen33's int4rows), read as a float model before
		String nBits = org.quantrace.engine.onnx.NBitsWeights.described(org.quantrace.engine.onnx.NBitsWeights.of(model));
		if (nBits != null) {
			notes.add(file + " is weight-only quantized, in ONNX Runtime's MatMulNBits form: " + nBits + "; ONNX Runtime dequantizes the codes inside"
					+ " the kernel and computes in float; quantize keeps them as they are, quantizes the rest and warns (model-weight-only): quantize the"
					+ " float model it was made from");
		}
		Map<String, TensorInfo> known = new HashMap<>();
		// what the model declares, the main graph's first, then each If/Loop/Scan body's (value_info and its outputs)
		for (Graph g : main.graphs()) {
			for (List<ValueInfoProto> infos : List.of(g.valueInfos(), g.inputs(), g.outputs())) {
				infos.forEach(v -> fill(known, TensorInfo.of(v)));
			}
		}
		if (probeShapes && !main.runtimeInputs().isEmpty()) {
			try {
				// recorded value infos may carry symbolic dimensions; only fill in what they lack. Bodies run too: what their
				// nodes compute is otherwise typed nowhere (exporters write no value_info inside If branches)
				ShapeProbe.Probed probed = ShapeProbe.probeWithBodies(model, file);
				probed.tensors().values().forEach(t -> fill(known, t));
				notes.addAll(probed.notes());
			} catch (QuantraceException e) {
				// the element types do not depend on the made-up size that failed: ONNX Runtime infers them when it loads the model
				String typed = "";
				try {
					Map<String, TensorInfo> types = ShapeProbe.types(model, file);
					types.values().forEach(t -> fill(known, t));
					typed = types.isEmpty() ? "" : "; their element types are ONNX Runtime's inference when it loads the model";
				} catch (QuantraceException notLoaded) {
					typed = float64Types(model, file, known); // else the first failure says why
				}
				notes.add("intermediate shapes unknown: the model could not be run to find them (" + e.getMessage().strip() + ")" + typed);
			}
		}

		List<Layer> layers = new ArrayList<>();
		Map<String, Integer> opTypes = new TreeMap<>();
		collectLayers(main, "", layers, opTypes);

		Inventory inventory = new Inventory(known, QuantizationParameters.of(main));
		List<Graph> graphs = main.graphs();
		int initializerCount = graphs.stream().mapToInt(g -> g.initializers().size()).sum();
		int constantNodes = stored(main, inventory);
		Set<String> graphOutputs = new HashSet<>();
		main.outputs().forEach(v -> graphOutputs.add(v.getName()));
		for (Graph g : graphs) {
			for (Node n : g.nodes()) {
				if (!"Constant".equals(n.opType())) {
					for (String o : n.outputs()) {
						if (!o.isEmpty()) {
							inventory.add(o, graphOutputs.contains(o) ? "output" : "activation", null);
						}
					}
				}
			}
		}
		if (graphs.size() > 1 && inventory.unknown > 0) {
			notes.add(inventory.unknown + " values have no element type (UNKNOWN): tensor sequences or optional values, which are no tensors, or tensors inside subgraphs or unused");
		}

		Totals totals = new Totals(main.allNodes().size(), graphs.size() - 1, initializerCount, constantNodes, inventory.parameters,
				inventory.parameterBytes, inventory.byType, inventory.quantizationParameters, inventory.quantizationParameterBytes);
		return new Inspection(file, fileBytes, sha256, model.irVersion(), model.opsetImports(), model.producerName(),
				model.producerVersion(), main.name(), main.runtimeInputs().stream().map(v -> known.get(v.getName())).toList(),
				main.outputs().stream().map(v -> known.get(v.getName())).toList(), layers, opTypes, inventory.entries, totals, notes);
	}

	/**
	 * The tensors {@link Totals#parameters()} counts, each once by name, with their element counts, in the inventory's order
	 * (weights and biases, float or integer codes; not scales and zero points, not int64, bool or string values).
	 */
	public static Map<String, Long> parameterTensors(OnnxModel model) {
		Inventory inventory = new Inventory(Map.of(), QuantizationParameters.of(model.graph()));
		stored(model.graph(), inventory);
		return inventory.counted;
	}

	/** Adds the runtime inputs, then every graph's initializers, then its Constant nodes' values; returns how many Constant nodes hold one. */
	private static int stored(Graph main, Inventory inventory) {
		for (ValueInfoProto v : main.runtimeInputs()) {
			inventory.add(v.getName(), "input", null);
		}
		List<Graph> graphs = main.graphs();
		for (Graph g : graphs) {
			for (Tensor t : g.initializers()) {
				inventory.add(t.name(), "initializer", t);
			}
		}
		int constantNodes = 0;
		for (Graph g : graphs) {
			for (Node n : g.nodes()) {
				Optional<Tensor> c = Constants.valueOf(n);
				if (c.isPresent()) {
					inventory.add(n.output(0), "constant", c.get());
					constantNodes++;
				}
			}
		}
		return constantNodes;
	}

	/** Records {@code info} where nothing typed is known of its tensor yet, or fills in the shape a typed entry lacks. */
	private static void fill(Map<String, TensorInfo> known, TensorInfo info) {
		TensorInfo had = known.get(info.name());
		if (had == null || had.type() == DataType.UNDEFINED && info.type() != DataType.UNDEFINED) {
			known.put(info.name(), info);
		} else if (had.shape() == null && info.shape() != null && had.type() == info.type()) {
			known.put(info.name(), info);
		}
	}

	private static void collectLayers(Graph g, String path, List<Layer> layers, Map<String, Integer> opTypes) {
		int position = 0;
		for (Node n : g.nodes()) {
			opTypes.merge(n.opType(), 1, Integer::sum);
			if (!"Constant".equals(n.opType())) {
				layers.add(new Layer(layers.size(), n.opType(), n.name(), path, n.inputs(), n.outputs()));
			}
			String nodeLabel = n.name().isEmpty() ? n.opType() + "_" + position : n.name();
			for (Map.Entry<String, Graph> sub : n.subgraphs().entrySet()) {
				collectLayers(sub.getValue(), (path.isEmpty() ? "" : path + "/") + nodeLabel + "/" + sub.getKey(), layers, opTypes);
			}
			position++;
		}
	}

	/** Numbers tensors in order of appearance and sums up the read-only ones. */
	private static final class Inventory {
		final Map<String, TensorInfo> known;
		/** The stored scales and zero points: counted apart from the parameters. */
		final Set<String> quantization;
		final List<TensorEntry> entries = new ArrayList<>();
		final Set<String> seen = new HashSet<>();
		final Map<String, TypeTotal> byType = new LinkedHashMap<>();
		/** The tensors {@link #parameters} counts, with their element counts. */
		final Map<String, Long> counted = new LinkedHashMap<>();
		long parameters;
		long parameterBytes;
		long quantizationParameters;
		long quantizationParameterBytes;
		int unknown;

		Inventory(Map<String, TensorInfo> known, Set<String> quantization) {
			this.known = known;
			this.quantization = quantization;
		}

		void add(String name, String kind, Tensor value) {
			if (!seen.add(name)) {
				return;
			}
			if (value != null) {
				DataType type = value.dataType();
				long bytes = value.byteSize();
				List<String> shape = value.shape().stream().map(String::valueOf).toList();
				entries.add(new TensorEntry(entries.size(), name, type.displayName(), shape, true, bytes, kind));
				byType.merge(type.displayName(), new TypeTotal(1, value.elementCount(), bytes),
						(a, b) -> new TypeTotal(a.tensors() + b.tensors(), a.elements() + b.elements(), a.bytes() + b.bytes()));
				if (quantization.contains(name)) {
					quantizationParameters += value.elementCount();
					quantizationParameterBytes += bytes;
				} else if (type != DataType.INT64 && type != DataType.BOOL && type != DataType.STRING) {
					parameters += value.elementCount();
					parameterBytes += bytes;
					counted.put(name, value.elementCount());
				}
				return;
			}
			TensorInfo info = known.get(name);
			if (info == null || info.type() == DataType.UNDEFINED) {
				unknown++;
				entries.add(new TensorEntry(entries.size(), name, "UNKNOWN", info == null ? null : info.shape(), false, 0, kind));
			} else {
				entries.add(new TensorEntry(entries.size(), name, info.type().displayName(), info.shape(), false, 0, kind));
			}
		}
	}
}
