package org.quantrace.runner.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.ContainerOps;
import org.quantrace.engine.onnx.DataType;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The element type of every tensor of a model without running it: what the model declares (inputs,
 * outputs, value_info), the stored tensors' own types, and for the other node outputs the ONNX operator
 * rules (QuantizeLinear gives its zero point's type, Cast its "to", integer kernels INT32, most operators
 * their first input's type). A tensor sequence is no tensor: it has no entry (the inventories count it UNKNOWN, as the
 * engine's, which reads types from ONNX Runtime), but its tensors' type is followed by ONNX's sequence rules
 * (SplitToSequence of T gives seq(T), SequenceAt and ConcatFromSequence of seq(T) give T, SequenceLength INT64), so
 * what a Loop body computes from one is typed as ONNX Runtime types it. A SequenceMap's output sequence holds what its body
 * outputs. An optional value is no tensor either and is followed as a sequence is: Optional of T gives opt(T),
 * OptionalGetElement of opt(T) gives T, OptionalHasElement BOOL. ONNX's traditional-ML operators (ai.onnx.ml, as skl2onnx writes a
 * scikit-learn pipeline) follow their own rules: a classifier's first output is its labels (INT64 for classlabels_ints, STRING
 * for classlabels_strings), its second FLOAT32 scores, and Scaler, Normalizer, the regressors and the encoders to numbers
 * output FLOAT32 whatever they read (round 32's skllr_nozipmap: verify typed the LinearClassifier's labels as its float input,
 * 4 false mismatches in the tensor inventory of an honest run).
 */
final class ElementTypes {

	private static final Set<String> INT64_OUT = Set.of("Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression");
	private static final Set<String> BOOL_OUT = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not",
			"IsNaN", "IsInf");
	private static final Set<String> INT32_OUT = Set.of("ConvInteger", "MatMulInteger");
	private static final String ML = "ai.onnx.ml";
	private static final Set<String> ML_CLASSIFIERS = Set.of("LinearClassifier", "SVMClassifier", "TreeEnsembleClassifier");
	private static final Set<String> ML_FLOAT_OUT = Set.of("Scaler", "Normalizer", "LinearRegressor", "SVMRegressor", "TreeEnsembleRegressor",
			"OneHotEncoder", "FeatureVectorizer", "DictVectorizer");

	private ElementTypes() {
	}

	static Map<String, DataType> infer(ModelFacts m) {
		Map<String, DataType> types = new HashMap<>();
		collect(m.graph, types, new HashMap<>(), m.opset());
		return types;
	}

	/**
	 * Only the element types the model states: what every graph declares (inputs, outputs, value_info) and its stored tensors'
	 * own types, no operator rule applied: what the engine knows of a model ONNX Runtime does not load ({@link ModelFacts#inventory}).
	 */
	static Map<String, DataType> declared(ModelFacts m) {
		Map<String, DataType> types = new HashMap<>();
		for (GraphProto g : m.graphs) {
			stated(g, types, new HashMap<>());
			g.getNodeList().forEach(n -> ModelFacts.constant(n).ifPresent(t -> types.put(n.getOutput(0), DataType.of(t.getDataType()))));
		}
		return types;
	}

	/** What {@code g} itself states: the types its inputs, outputs and value_info declare (a sequence's in {@code sequences}) and its initializers'. */
	private static void stated(GraphProto g, Map<String, DataType> types, Map<String, DataType> sequences) {
		for (List<ValueInfoProto> infos : List.of(g.getValueInfoList(), g.getInputList(), g.getOutputList())) {
			for (ValueInfoProto v : infos) {
				if (v.getType().hasTensorType() && v.getType().getTensorType().getElemType() != 0) {
					types.putIfAbsent(v.getName(), DataType.of(v.getType().getTensorType().getElemType()));
				}
				DataType element = sequenceElement(v);
				if (element != null) {
					sequences.putIfAbsent(v.getName(), element);
				}
			}
		}
		g.getInitializerList().forEach(t -> types.put(t.getName(), DataType.of(t.getDataType())));
	}

	/** {@code sequences}: the element type of each tensor sequence, by name. */
	private static void collect(GraphProto g, Map<String, DataType> types, Map<String, DataType> sequences, int opset) {
		stated(g, types, sequences);
		for (NodeProto n : g.getNodeList()) {
			ModelFacts.constant(n).ifPresent(t -> types.put(n.getOutput(0), DataType.of(t.getDataType())));
			// subgraphs first (they see the outer scope): an If's or Loop's outputs are what its body outputs
			for (AttributeProto a : n.getAttributeList()) {
				if (a.hasG()) {
					collect(a.getG(), types, sequences, opset);
				}
				a.getGraphsList().forEach(sub -> collect(sub, types, sequences, opset));
			}
			for (int i = 0; i < n.getOutputCount(); i++) {
				String o = n.getOutput(i);
				DataType element = sequenceOut(n, i, types, sequences);
				if (o.isEmpty() || types.containsKey(o)) {
					continue;
				}
				if (element != null) {
					sequences.putIfAbsent(o, element);
				} else if (!sequences.containsKey(o)) {
					DataType t = output(n, i, types, sequences, opset);
					if (t != null) {
						types.put(o, t);
					}
				}
			}
		}
	}

	/**
	 * The element type of output {@code index} of {@code n} when that output is a tensor sequence (by the operator's rule, or as an
	 * If's or Loop's body declares or computes it), else null.
	 */
	private static DataType sequenceOut(NodeProto n, int index, Map<String, DataType> types, Map<String, DataType> sequences) {
		String op = n.getOpType();
		if (op.equals("If") || op.equals("Loop")) {
			String attribute = op.equals("If") ? "then_branch" : "body";
			int at = op.equals("If") ? index : index + 1; // a Loop body's first output is the loop condition
			return n.getAttributeList().stream().filter(a -> a.getName().equals(attribute) && a.hasG() && a.getG().getOutputCount() > at)
					.map(a -> a.getG().getOutput(at)).findFirst()
					.map(v -> sequenceElement(v) != null ? sequenceElement(v) : sequences.get(v.getName())).orElse(null);
		}
		if (!ContainerOps.writesContainer(op)) {
			return null;
		}
		return switch (op) {
		case "SequenceEmpty" -> attribute(n, "dtype") > 0 ? DataType.of((int) attribute(n, "dtype")) : DataType.FLOAT;
		case "SequenceConstruct", "SplitToSequence" -> types.get(n.getInput(0));
		case "SequenceInsert", "SequenceErase" -> sequences.get(n.getInput(0));
		case "SequenceMap" -> n.getAttributeList().stream().filter(a -> a.getName().equals("body") && a.hasG() && a.getG().getOutputCount() > index)
				.map(a -> a.getG().getOutput(index)).findFirst().map(v -> declared(v) != null ? declared(v) : types.get(v.getName())).orElse(null);
		case "Optional" -> n.getInputCount() > 0 && !n.getInput(0).isEmpty() ? types.get(n.getInput(0))
				: n.getAttributeList().stream().filter(a -> a.getName().equals("type") && a.getTp().hasTensorType()).findFirst()
						.map(a -> DataType.of(a.getTp().getTensorType().getElemType())).orElse(null);
		default -> null;
		};
	}

	/** The element type of the tensors of a value declared a sequence or an optional of tensors, else null. */
	private static DataType sequenceElement(ValueInfoProto v) {
		TypeProto element = v.getType().hasSequenceType() ? v.getType().getSequenceType().getElemType()
				: v.getType().hasOptionalType() ? v.getType().getOptionalType().getElemType() : null;
		return element != null && element.hasTensorType() && element.getTensorType().getElemType() != 0
				? DataType.of(element.getTensorType().getElemType()) : null;
	}

	/** The element type {@code v} declares: a tensor's, or a sequence's or optional's tensors'; else null. */
	private static DataType declared(ValueInfoProto v) {
		return v.getType().hasTensorType() && v.getType().getTensorType().getElemType() != 0 ? DataType.of(v.getType().getTensorType().getElemType())
				: sequenceElement(v);
	}

	private static DataType output(NodeProto n, int index, Map<String, DataType> types, Map<String, DataType> sequences, int opset) {
		String op = n.getOpType();
		if (ML.equals(n.getDomain()) && (ML_CLASSIFIERS.contains(op) || ML_FLOAT_OUT.contains(op))) {
			boolean labels = ML_CLASSIFIERS.contains(op) && index == 0;
			return !labels ? DataType.FLOAT
					: n.getAttributeList().stream().anyMatch(a -> a.getName().equals("classlabels_strings")) ? DataType.STRING : DataType.INT64;
		}
		return switch (op) {
		case "SequenceAt", "ConcatFromSequence", "OptionalGetElement" -> sequences.get(n.getInput(0));
		case "OptionalHasElement" -> DataType.BOOL;
		case "SequenceLength" -> DataType.INT64;
		case "QuantizeLinear" -> n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? types.get(n.getInput(2))
				: attribute(n, "output_dtype") > 0 ? DataType.of((int) attribute(n, "output_dtype")) : DataType.UINT8;
		case "DequantizeLinear" -> types.getOrDefault(n.getInput(1), DataType.FLOAT);
		case "DynamicQuantizeLinear" -> index == 1 ? DataType.FLOAT : DataType.UINT8;
		case "Cast" -> DataType.of((int) attribute(n, "to"));
		case "QLinearConv", "QLinearMatMul" -> types.get(n.getInput(7));
		case "QGemm" -> n.getInputCount() > 8 && !n.getInput(8).isEmpty() ? types.get(n.getInput(8)) : DataType.FLOAT;
		case "Where" -> types.get(n.getInput(1));
		// of its values' type, not its indices' (round 35's rare13: OneHot of an ArgMax counted INT64, 24 false mismatches)
		case "OneHot" -> n.getInputCount() > 2 ? types.get(n.getInput(2)) : null;
		case "If" -> bodyOutput(n, "then_branch", index, types);
		case "Loop" -> bodyOutput(n, "body", index + 1, types); // the body's first output is the loop condition
		// Dropout-7's mask is of the data's type; from Dropout-10 on it is BOOL
		case "Dropout" -> index == 1 && (opset == 0 || opset >= 10) ? DataType.BOOL : types.get(n.getInput(0));
		case "TopK" -> index == 1 ? DataType.INT64 : types.get(n.getInput(0));
		case "MaxPool" -> index == 1 ? DataType.INT64 : types.get(n.getInput(0)); // its indices (a SegNet's MaxUnpool reads them)
		case "ConstantOfShape" -> n.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT()).findFirst()
				.map(a -> DataType.of(a.getT().getDataType())).orElse(DataType.FLOAT);
		default -> INT64_OUT.contains(op) ? DataType.INT64 : BOOL_OUT.contains(op) ? DataType.BOOL : INT32_OUT.contains(op) ? DataType.INT32
				: n.getInputCount() == 0 || n.getInput(0).isEmpty() ? null : types.get(n.getInput(0));
		};
	}

	/** The type of output {@code index} of the subgraph {@code attribute} of {@code n}: as declared there, else as computed. */
	private static DataType bodyOutput(NodeProto n, String attribute, int index, Map<String, DataType> types) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(attribute) && a.hasG() && a.getG().getOutputCount() > index)
				.map(a -> a.getG().getOutput(index)).findFirst()
				.map(v -> v.getType().hasTensorType() && v.getType().getTensorType().getElemType() != 0
						? DataType.of(v.getType().getTensorType().getElemType()) : types.get(v.getName()))
				.orElse(null);
	}

	private static long attribute(NodeProto n, String name) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI).findFirst().orElse(-1);
	}

	/** Whether {@code t} is stored as integer codes (8 to 32 bits): quantized data. */
	static boolean isInteger(DataType t) {
		return t == DataType.INT8 || t == DataType.UINT8 || t == DataType.INT16 || t == DataType.UINT16 || t == DataType.INT32 || t == DataType.INT4
				|| t == DataType.UINT4;
	}
}
